package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gcacard/client"
)

// Limits bound one measurement: it stops after MaxOps operations or once
// MaxTime has passed, whichever comes first, but not before MinOps.
type Limits struct {
	Warmup  int
	MinOps  int
	MaxOps  int
	MaxTime time.Duration
}

// Sample is one measurement of one workload on one card.
type Sample struct {
	Ops   int `json:"ops"`
	APDUs int `json:"apdus"`
	// Busy is the sum of the operations' times, without BeforeOp.
	Busy time.Duration `json:"busyNs"`
	P50  time.Duration `json:"p50Ns"`
	P99  time.Duration `json:"p99Ns"`
}

// APDURate returns APDUs per second of busy time.
func (s Sample) APDURate() float64 {
	if s.Busy <= 0 {
		return 0
	}
	return float64(s.APDUs) / s.Busy.Seconds()
}

// OpRate returns operations per second of busy time.
func (s Sample) OpRate() float64 {
	if s.Busy <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Busy.Seconds()
}

// Measure runs plan's setup, Warmup untimed operations, then timed
// operations within limits, through t. A response that differs from the
// plan's expectation ends the measurement with an error.
func Measure(ctx context.Context, t client.Transport, plan *Plan, limits Limits) (Sample, error) {
	if err := runSteps(t, plan.Setup); err != nil {
		return Sample{}, fmt.Errorf("setup: %w", err)
	}
	for range limits.Warmup {
		if _, _, err := runOp(t, plan); err != nil {
			return Sample{}, fmt.Errorf("warm-up: %w", err)
		}
	}

	var s Sample
	latencies := make([]time.Duration, 0, min(limits.MaxOps, 1<<16))
	start := time.Now()
	for s.Ops < limits.MaxOps && (s.Ops < limits.MinOps || time.Since(start) < limits.MaxTime) {
		if err := ctx.Err(); err != nil {
			return Sample{}, err
		}
		apdus, d, err := runOp(t, plan)
		if err != nil {
			return Sample{}, fmt.Errorf("operation %d: %w", s.Ops+1, err)
		}
		s.Ops++
		s.APDUs += apdus
		s.Busy += d
		latencies = append(latencies, d)
	}
	s.P50, s.P99 = Percentile(latencies, 0.50), Percentile(latencies, 0.99)
	return s, nil
}

// runOp runs BeforeOp untimed, then one timed operation, and returns its
// APDU count and time.
func runOp(t client.Transport, plan *Plan) (int, time.Duration, error) {
	if plan.BeforeOp != nil {
		if err := plan.BeforeOp(); err != nil {
			return 0, 0, fmt.Errorf("before the operation: %w", err)
		}
	}
	start := time.Now()
	if plan.Run != nil {
		apdus, err := plan.Run(t)
		return apdus, time.Since(start), err
	}
	err := runSteps(t, plan.Op)
	return len(plan.Op), time.Since(start), err
}

func runSteps(t client.Transport, steps []Step) error {
	for _, step := range steps {
		resp, err := t.Transmit(step.Command)
		if err != nil {
			return fmt.Errorf("command % X: %w", redact(step.Command), err)
		}
		if err := step.check(resp); err != nil {
			return err
		}
	}
	return nil
}

// Percentile returns the p-quantile (0 < p <= 1) of values by the
// nearest-rank method, 0 for no values. It sorts a copy.
func Percentile(values []time.Duration, p float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(p*float64(len(sorted)) + 0.999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Median returns the median of values, the mean of the middle two for an
// even count, 0 for none.
func Median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
