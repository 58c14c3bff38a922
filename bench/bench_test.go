package bench_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"gcacard/bench"
	"gcacard/fixtures"
	"gcacard/internal/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// smokeSlot is the vpcd slot of the smoke test.
const smokeSlot = 1

// TestSmokeReadBinary runs a short READ BINARY measurement on gcacard
// serve and on the ceiling card through the machine's pcscd, so that the
// benchmark cannot break unnoticed. It checks that every response was
// right and that the table shows both cards; it asserts no time.
func TestSmokeReadBinary(t *testing.T) {
	stacktest.RequirePCSCD(t)
	bin := stacktest.BuildGcacard(t)
	profile, err := fixtures.Load("activated")
	if err != nil {
		t.Fatal(err)
	}
	workloads := bench.APDUWorkloads(bench.Secrets{PIN: profile.PIN.Value})[:1]
	cfg := bench.CardsConfig{
		Workloads:       workloads,
		Limits:          bench.Limits{Warmup: 5, MinOps: 300, MaxOps: 300, MaxTime: time.Minute},
		PresenceTimeout: 30 * time.Second,
		Log:             io.Discard,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	stacktest.LockSlot(t, smokeSlot)
	m := bench.Measurements{}
	targets := []bench.Target{
		bench.GcacardServe(bin, "activated", t.TempDir()),
		&bench.CeilingInProcess{},
	}
	for _, target := range targets {
		if err := bench.RunSession(ctx, cfg, target, smokeSlot, m); err != nil {
			t.Fatalf("%s: %v", target.Kind(), err)
		}
	}

	for _, kind := range []bench.Kind{bench.KindGcacard, bench.KindCeiling} {
		samples := m["read-binary"][kind]
		if len(samples) != 1 {
			t.Fatalf("%s: %d samples, want 1", kind, len(samples))
		}
		if samples[0].APDUs != 300 {
			t.Errorf("%s: %d APDUs measured, want 300", kind, samples[0].APDUs)
		}
		if samples[0].P50 <= 0 || samples[0].P99 < samples[0].P50 {
			t.Errorf("%s: p50 %v and p99 %v, want 0 < p50 <= p99", kind, samples[0].P50, samples[0].P99)
		}
	}

	workloadResults := bench.Summarise(workloads, m, []bench.Kind{bench.KindGcacard, bench.KindCeiling}, nil)
	report := &bench.Report{Workloads: workloadResults}
	report.EvaluateTargets()
	table := report.Markdown()
	for _, want := range []string{"| read-binary | gcacard | 1 |", "| read-binary | ceiling | 1 |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks a row starting %q:\n%s", want, table)
		}
	}
	if got := report.Targets[0]; got.Unknown {
		t.Errorf("target %q not evaluated: %s", got.Target, got.Measured)
	}
}
