package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gcacard/bench"
	"gcacard/fixtures"
)

const usage = `gcabench: APDU benchmarks through pcscd (see docs/benchmarks.md)

  gcabench [run] [options]          runs the benchmark and writes OUT/results.md and OUT/results.json
  gcabench ceiling ADDR             serves the reply-only ceiling card to vpcd at ADDR
  gcabench worker READER DURATION   runs one scale worker (gcabench run starts these)

Options of run:
`

// options are gcabench run's settings.
type options struct {
	rounds          int
	maxOps          int
	maxTime         time.Duration
	vicc            bool
	scaleCounts     string
	scaleRounds     int
	scaleTime       time.Duration
	conformanceRuns int
	goBenchCount    int
	gcacard         string
	out             string
	doc             string
}

// newFlagSet defines gcabench run's options, stored in o. It prints
// nothing itself: parseOptions and printUsage write the messages.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("gcabench run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&o.rounds, "rounds", 5, "rounds of the card comparison; each round measures every card once")
	fs.IntVar(&o.maxOps, "ops", 2000, "maximum operations per workload, card and round")
	fs.DurationVar(&o.maxTime, "time", 3*time.Second, "maximum time per workload, card and round (at least 3 operations run)")
	fs.BoolVar(&o.vicc, "vicc", true, "measure vsmartcard's vicc as well (needs its Debian packages)")
	fs.StringVar(&o.scaleCounts, "scale", "1,2,4,8", "card counts of the scale measurement, comma-separated; empty skips it (more than 2 needs root)")
	fs.IntVar(&o.scaleRounds, "scale-rounds", 3, "rounds per card count of the scale measurement")
	fs.DurationVar(&o.scaleTime, "scale-time", 5*time.Second, "measured time per scale round")
	fs.IntVar(&o.conformanceRuns, "conformance-runs", 3, "timed runs of the conformance suite; 0 skips it")
	fs.IntVar(&o.goBenchCount, "gobench-count", 5, "go test -count of the emulator's Go benchmarks; 0 skips them")
	fs.StringVar(&o.gcacard, "gcacard", "bin/gcacard", "the gcacard binary to serve cards with")
	fs.StringVar(&o.out, "out", "reports/bench", "folder for results.md, results.json and the logs")
	fs.StringVar(&o.doc, "doc", "", "a Markdown file whose generated section (between the bench markers) gets the results, such as docs/benchmarks.md; empty updates no file")
	return fs
}

// printUsage writes the commands and the options of run to w.
func printUsage(w io.Writer) {
	fs := newFlagSet(&options{})
	fs.SetOutput(w)
	fmt.Fprint(w, usage)
	fs.PrintDefaults()
}

// parseOptions returns flag.ErrHelp for -h, --help or a help argument.
func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := newFlagSet(o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (see gcabench help)", err)
	}
	if fs.NArg() == 1 && fs.Arg(0) == "help" {
		return nil, flag.ErrHelp
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: options start with -, see gcabench help", fs.Arg(0))
	}
	if o.rounds < 1 || o.maxOps < 3 || o.maxTime <= 0 || o.scaleRounds < 1 || o.scaleTime <= 0 {
		return nil, fmt.Errorf("invalid option: -rounds and -scale-rounds must be at least 1, -ops at least 3, -time and -scale-time positive")
	}
	return o, nil
}

// settings describes the run's limits for the report.
func (o *options) settings(counts []int) string {
	s := fmt.Sprintf("%s, at most %d operations or %v per workload, card and round",
		bench.Count(o.rounds, "round"), o.maxOps, o.maxTime)
	if len(counts) > 0 {
		s += fmt.Sprintf("; scale %s of %v", bench.Count(o.scaleRounds, "round"), o.scaleTime)
	}
	return s
}

func (o *options) counts() ([]int, error) {
	var counts []int
	for _, field := range strings.Split(o.scaleCounts, ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil {
			return nil, fmt.Errorf("invalid -scale %q: want card counts such as 1,2,4,8", o.scaleCounts)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// run runs the benchmark. After -h or --help it writes the usage to
// stdout and returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	counts, err := o.counts()
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.gcacard); err != nil {
		return fmt.Errorf("gcacard binary %s not found: run `make build` or give -gcacard PATH", o.gcacard)
	}
	gcacard, _ := filepath.Abs(o.gcacard)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	repo, _ := os.Getwd()
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "gcabench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }

	report := &bench.Report{
		Started:  time.Now(),
		Machine:  bench.DescribeMachine(),
		Settings: o.settings(counts),
	}

	if err := compareCards(ctx, o, report, gcacard, self, work); err != nil {
		return err
	}

	if len(counts) > 0 {
		logf("bench: scale over %v cards", counts)
		report.Scale, err = bench.MeasureScale(ctx, bench.ScaleConfig{
			Counts: counts, Rounds: o.scaleRounds, Duration: o.scaleTime, GcacardBin: gcacard, WorkDir: work, Log: os.Stderr,
			WorkerCommand: func(reader string, d time.Duration) *exec.Cmd {
				return exec.Command(self, "worker", reader, d.String())
			},
		})
		if err != nil {
			report.ScaleNote = "Scale measurement stopped: " + err.Error()
			logf("bench: %s", report.ScaleNote)
		}
		if os.Geteuid() != 0 && len(report.Scale) < len(counts) {
			report.ScaleNote += " More than two cards needs root: further pcscd instances run under unshare --mount."
		}
	}

	if o.goBenchCount > 0 {
		logf("bench: go test -bench ./emulator/ (count %d)", o.goBenchCount)
		if report.GoBench, err = bench.RunGoBenchmarks(ctx, repo, "./emulator/", o.goBenchCount); err != nil {
			return err
		}
	}

	if o.conformanceRuns > 0 {
		logf("bench: conformance suite, %d timed runs", o.conformanceRuns)
		dir, _ := filepath.Abs(filepath.Join(o.out, "conformance"))
		shownDir := bench.DisplayPath(repo, dir, "OUT/conformance")
		if report.Conformance, err = bench.TimeConformance(ctx, repo, dir, shownDir, o.conformanceRuns); err != nil {
			return err
		}
		if report.Conformance.Failure != "" {
			logf("bench: conformance suite: %s (logs in %s)", report.Conformance.Failure, dir)
		}
	}

	report.EvaluateTargets()
	return writeReport(report, o, stdout, stderr)
}

// compareCards measures the APDU workloads on gcacard serve, vicc and the
// ceiling card, and activation on the in-process card.
func compareCards(ctx context.Context, o *options, report *bench.Report, gcacard, self, work string) error {
	activated, err := fixtures.Load("activated")
	if err != nil {
		return err
	}
	fresh, err := fixtures.Load("valid")
	if err != nil {
		return err
	}

	targets := []bench.Target{bench.GcacardServe(gcacard, "activated", work)}
	kinds := []bench.Kind{bench.KindGcacard}
	failures := map[bench.Kind]error{}
	if o.vicc {
		vicc, err := bench.Vicc(work)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: skipping vicc: %v\n", err)
			failures[bench.KindVicc] = err
		} else {
			targets = append(targets, vicc)
		}
		kinds = append(kinds, bench.KindVicc)
	}
	targets = append(targets, bench.CeilingProcess(self, []string{"ceiling"}, work))
	kinds = append(kinds, bench.KindCeiling)

	inProcess := &bench.InProcess{Profile: fresh, WorkDir: work}
	targets = append(targets, inProcess)
	kinds = append(kinds, bench.KindGcacardInProcess)

	workloads := append(bench.APDUWorkloads(bench.Secrets{PIN: activated.PIN.Value}),
		bench.ActivationWorkload(bench.Secrets{UserCode: fresh.UserCode.Value, NewPIN: "24681357"}, inProcess.Fresh))
	m, failed := bench.CompareCards(ctx, bench.CardsConfig{
		Targets: targets, Workloads: workloads, Rounds: o.rounds,
		Limits:          bench.Limits{Warmup: 5, MinOps: 3, MaxOps: o.maxOps, MaxTime: o.maxTime},
		PresenceTimeout: 30 * time.Second,
		Log:             os.Stderr,
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for kind, err := range failed {
		failures[kind] = err
	}
	for _, kind := range []bench.Kind{bench.KindGcacard, bench.KindCeiling, bench.KindGcacardInProcess} {
		if err := failures[kind]; err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
	}
	report.Workloads = bench.Summarise(workloads, m, kinds, failures)
	if err := failures[bench.KindVicc]; err != nil {
		report.Failures = map[bench.Kind]string{bench.KindVicc: err.Error()}
	}
	return nil
}

func writeReport(report *bench.Report, o *options, stdout, stderr io.Writer) error {
	markdown := report.Markdown()
	mdPath := filepath.Join(o.out, "results.md")
	if err := os.WriteFile(mdPath, []byte(markdown), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.out, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprint(stdout, markdown)
	fmt.Fprintf(stderr, "bench: wrote %s and results.json\n", mdPath)

	if o.doc == "" {
		fmt.Fprintln(stderr, "bench: no -doc option, so no document was updated (-doc docs/benchmarks.md updates its generated section)")
		return nil
	}
	if err := bench.EmbedInDoc(o.doc, markdown); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: updated the generated section of %s\n", o.doc)
	return nil
}
