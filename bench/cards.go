package bench

import (
	"context"
	"fmt"
	"io"
	"time"
)

// CardsConfig sets up the comparison of cards on the machine's pcscd.
type CardsConfig struct {
	Targets   []Target
	Workloads []Workload
	Rounds    int
	Limits    Limits
	// PresenceTimeout bounds the wait for an inserted card.
	PresenceTimeout time.Duration
	Log             io.Writer
}

// Measurements holds each round's sample of one workload on one card.
type Measurements map[string]map[Kind][]Sample

func (m Measurements) add(workload string, kind Kind, s Sample) {
	if m[workload] == nil {
		m[workload] = map[Kind][]Sample{}
	}
	m[workload][kind] = append(m[workload][kind], s)
}

// CompareCards measures every workload on every target, round after round.
// Each round serves the targets one after another, starting one target
// later than the round before, so no card is always first. A target holds
// a slot's lock only for its own session. A target that fails is dropped
// from later rounds with its error in the returned map, so that a broken
// vicc does not hide the other results.
func CompareCards(ctx context.Context, cfg CardsConfig) (Measurements, map[Kind]error) {
	m := Measurements{}
	failed := map[Kind]error{}
	n := len(cfg.Targets)
	for round := range cfg.Rounds {
		for i := range n {
			target := cfg.Targets[(round+i)%n]
			if failed[target.Kind()] != nil {
				continue
			}
			fmt.Fprintf(cfg.Log, "bench: round %d/%d: %s\n", round+1, cfg.Rounds, target.Kind())
			if err := lockedSession(ctx, cfg, target, m); err != nil {
				fmt.Fprintf(cfg.Log, "bench: %s failed, dropped from later rounds: %v\n", target.Kind(), err)
				failed[target.Kind()] = err
			}
			if ctx.Err() != nil {
				return m, failed
			}
		}
	}
	return m, failed
}

// lockedSession runs RunSession on the first free slot of the machine's
// pcscd, holding its lock meanwhile.
func lockedSession(ctx context.Context, cfg CardsConfig, target Target, m Measurements) error {
	lock, err := LockAnySlot(ctx)
	if err != nil {
		return err
	}
	defer lock.Release()
	return RunSession(ctx, cfg, target, lock.Slot, m)
}

// RunSession inserts target into slot of the machine's pcscd, measures
// each workload of cfg that applies to it into m, and takes the card out
// again. The caller holds the slot's lock.
func RunSession(ctx context.Context, cfg CardsConfig, target Target, slot int, m Measurements) (err error) {
	reader := ReaderName(slot)
	if err := target.Start(ctx, slot); err != nil {
		return err
	}
	defer func() {
		stopErr := target.Stop()
		absentErr := WaitAbsent(ctx, reader, 15*time.Second)
		if err == nil {
			err = stopErr
		}
		if absentErr != nil {
			fmt.Fprintf(cfg.Log, "bench: warning: %v\n", absentErr)
		}
	}()

	session, err := OpenSession(ctx, reader, cfg.PresenceTimeout)
	if err != nil {
		return err
	}
	defer session.Close()
	if err := runSteps(session.Card, SessionSetup(target.Kind())); err != nil {
		return fmt.Errorf("session setup: %w", err)
	}

	for _, w := range cfg.Workloads {
		plan := w.Plans[target.Kind()]
		if plan == nil {
			continue
		}
		s, err := Measure(ctx, session.Card, plan, cfg.Limits)
		if err != nil {
			return fmt.Errorf("workload %s: %w", w.Name, err)
		}
		fmt.Fprintf(cfg.Log, "bench:   %-13s %6d ops %9.0f APDU/s  p50 %v  p99 %v\n",
			w.Name, s.Ops, s.APDURate(), s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond))
		m.add(w.Name, target.Kind(), s)
	}
	return nil
}
