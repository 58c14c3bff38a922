package bench

import (
	"fmt"
	"time"
)

// Targets of the benchmark report. They are reported, never asserted.
const (
	targetVsCeiling      = 0.90
	targetVsVicc         = 250
	targetDispatch       = 2 * time.Microsecond
	targetDispatchAllocs = 2
	targetConformance    = 20 * time.Second
	// scaleGrowth is the gain that counts as growing when the cards double.
	scaleGrowth = 1.10
	// cpuBound is the CPU busy share at which the machine counts as the
	// limit.
	cpuBound = 0.90
)

// EvaluateTargets states each target as met or not met from the report's
// numbers.
func (r *Report) EvaluateTargets() {
	r.Targets = nil
	read := r.Find("read-binary", KindGcacard)

	t := TargetResult{Target: fmt.Sprintf("READ BINARY through pcscd at least %.0f%% of the ceiling card's rate", 100*targetVsCeiling)}
	if read == nil || read.VsCeiling == 0 {
		t.Unknown, t.Measured = true, "not measured"
	} else {
		ceiling := r.Find("read-binary", KindCeiling)
		t.Met = read.VsCeiling >= targetVsCeiling
		t.Measured = fmt.Sprintf("%.0f%% (%s against %s APDU/s)", 100*read.VsCeiling, formatRate(read.APDURate), formatRate(ceiling.APDURate))
	}
	r.Targets = append(r.Targets, t)

	t = TargetResult{Target: fmt.Sprintf("READ BINARY at least %d times vicc's rate", targetVsVicc)}
	if read == nil || read.VsVicc == 0 {
		t.Unknown, t.Measured = true, "vicc not measured"
	} else {
		vicc := r.Find("read-binary", KindVicc)
		t.Met = read.VsVicc >= targetVsVicc
		t.Measured = fmt.Sprintf("%s (%s against %s APDU/s)", formatRatio(read.VsVicc), formatRate(read.APDURate), formatRate(vicc.APDURate))
	}
	r.Targets = append(r.Targets, t)

	t = TargetResult{Target: fmt.Sprintf("in-process READ BINARY dispatch under %v with at most %d allocations", targetDispatch, targetDispatchAllocs)}
	t.Unknown, t.Measured = true, "Go benchmarks not run"
	for _, b := range r.GoBench {
		if b.Name == "BenchmarkReadBinary" {
			t.Unknown = false
			t.Met = b.NsPerOp < float64(targetDispatch) && b.AllocsPerOp <= targetDispatchAllocs
			t.Measured = fmt.Sprintf("%.0f ns/op, %.0f allocs/op", b.NsPerOp, b.AllocsPerOp)
		}
	}
	r.Targets = append(r.Targets, t)

	t = TargetResult{Target: fmt.Sprintf("conformance suite on the virtual target under %v", targetConformance)}
	switch {
	case r.Conformance == nil:
		t.Unknown, t.Measured = true, "not run"
	case len(r.Conformance.Runs) == 0:
		t.Unknown, t.Measured = true, r.Conformance.Failure
	default:
		t.Met = r.Conformance.Median < targetConformance
		t.Measured = fmt.Sprintf("median %.1f s over %s", r.Conformance.Median.Seconds(), Count(len(r.Conformance.Runs), "run"))
	}
	r.Targets = append(r.Targets, t)

	r.Targets = append(r.Targets, evaluateScale(r.Scale))
}

// evaluateScale checks that the aggregate rate grows by scaleGrowth from
// each number of cards to the next, or else that the CPU was the limit
// (busy at least cpuBound) at the larger number.
func evaluateScale(points []ScalePoint) TargetResult {
	t := TargetResult{Target: "aggregate throughput grows with the number of cards until the CPU is the limit"}
	if len(points) < 2 {
		t.Unknown, t.Measured = true, "fewer than two card counts measured"
		return t
	}
	t.Met = true
	t.Measured = ""
	for i := 1; i < len(points); i++ {
		prev, cur := points[i-1], points[i]
		gain := cur.APDURate / prev.APDURate
		switch {
		case gain >= scaleGrowth:
			t.Measured += fmt.Sprintf("%d→%d cards: ×%.2f. ", prev.Cards, cur.Cards, gain)
		case cur.CPUBusy >= cpuBound:
			t.Measured += fmt.Sprintf("%d→%d cards: ×%.2f, CPU %.0f%% busy (the limit). ", prev.Cards, cur.Cards, gain, 100*cur.CPUBusy)
		default:
			t.Met = false
			t.Measured += fmt.Sprintf("%d→%d cards: ×%.2f with CPU only %.0f%% busy. ", prev.Cards, cur.Cards, gain, 100*cur.CPUBusy)
		}
	}
	return t
}
