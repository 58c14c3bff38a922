package bench

import (
	"fmt"
	"strings"
)

// Markdown renders the report: the machine, the per-workload table, the
// scale table, the conformance time, the Go benchmarks and the targets.
func (r *Report) Markdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Run of %s on %d cores (%s), kernel %s, pcsc-lite %s, vsmartcard-vpcd %s, %s. Load average at start: %s.\n\n",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), m.Cores, m.CPU, m.Kernel, m.PCSCLite, m.VPCD, m.Go, m.LoadStart)
	if r.Settings != "" {
		fmt.Fprintf(&b, "Settings: %s.\n\n", r.Settings)
	}

	b.WriteString("### APDUs through pcscd\n\n")
	b.WriteString("Medians over rounds. Latency is per operation; an operation is one APDU except where APDUs/op says otherwise. " +
		"× ceiling and × vicc divide our card's APDU rate by theirs.\n\n")
	b.WriteString("| Workload | Card | APDUs/op | APDU/s | ops/s | p50 | p99 | × ceiling | × vicc | rounds × ops |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, w := range r.Workloads {
		for _, c := range w.Cards {
			if c.NotApplicable != "" {
				fmt.Fprintf(&b, "| %s | %s | N/A: %s | | | | | | | |\n", w.Name, c.Card, c.NotApplicable)
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n",
				w.Name, c.Card, c.APDUsPerOp, formatRate(c.APDURate), formatRate(c.OpRate),
				formatDuration(c.P50), formatDuration(c.P99), formatRatio(c.VsCeiling), formatRatio(c.VsVicc), roundsOps(c.Rounds))
		}
	}
	b.WriteString("\nWorkloads:\n\n")
	for _, w := range r.Workloads {
		fmt.Fprintf(&b, "- `%s`: %s.\n", w.Name, w.Description)
	}
	for kind, err := range r.Failures {
		fmt.Fprintf(&b, "\n%s failed: %s\n", kind, err)
	}

	if len(r.Scale) > 0 || r.ScaleNote != "" {
		b.WriteString("\n### Scale: READ BINARY on several cards at once\n\n")
		b.WriteString("One gcacard serve and one client process per card. Cards 1 and 2 use the machine's pcscd; cards 3 to 8 use further pcscd instances, two cards each.\n\n")
		b.WriteString("| Cards | Aggregate APDU/s | Per card APDU/s | p50 per card | p99 per card | CPU busy |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range r.Scale {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %.0f%% |\n", p.Cards, formatRate(p.APDURate), formatRate(p.APDURate/float64(p.Cards)),
				formatDuration(p.P50), formatDuration(p.P99), 100*p.CPUBusy)
		}
		if r.ScaleNote != "" {
			fmt.Fprintf(&b, "\n%s\n", r.ScaleNote)
		}
	}

	if r.Conformance != nil {
		b.WriteString("\n### Conformance suite, virtual target\n\n")
		var runs []string
		for _, d := range r.Conformance.Runs {
			runs = append(runs, fmt.Sprintf("%.1f s", d.Seconds()))
		}
		if len(runs) > 0 {
			fmt.Fprintf(&b, "Median %.1f s over %s (%s) of `%s`.\n", r.Conformance.Median.Seconds(), Count(len(runs), "run"), strings.Join(runs, ", "), r.Conformance.Command)
		} else {
			fmt.Fprintf(&b, "No timed run of `%s`.\n", r.Conformance.Command)
		}
		if r.Conformance.Failure != "" {
			fmt.Fprintf(&b, "\nThe timing stopped because a run failed: %s\n", r.Conformance.Failure)
		}
	}

	if len(r.GoBench) > 0 {
		b.WriteString("\n### In-process dispatch (go test -bench ./emulator/)\n\n")
		b.WriteString("| Benchmark | runs | ns/op | B/op | allocs/op |\n|---|---:|---:|---:|---:|\n")
		for _, g := range r.GoBench {
			fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %.0f |\n", g.Name, g.Runs, g.NsPerOp, g.BytesPerOp, g.AllocsPerOp)
		}
	}

	b.WriteString("\n### Targets\n\n| Target | Result | Measured |\n|---|---|---|\n")
	for _, t := range r.Targets {
		result := "not met"
		switch {
		case t.Unknown:
			result = "not measured"
		case t.Met:
			result = "met"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Target, result, strings.TrimSpace(t.Measured))
	}
	return b.String()
}

func roundsOps(samples []Sample) string {
	ops := 0
	for _, s := range samples {
		ops += s.Ops
	}
	return fmt.Sprintf("%d × %d", len(samples), ops/max(len(samples), 1))
}
