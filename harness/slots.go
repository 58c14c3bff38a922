package harness

import (
	"context"
	"fmt"
	"time"

	"gcacard/internal/flock"
	"gcacard/vpcd"
)

// SlotLockPath returns the lock file of a vpcd slot. Every process that
// serves a card in a slot or talks to its reader, the repository's tests
// included, takes this lock first.
func SlotLockPath(slot int) string { return vpcd.SlotLockPath(slot) }

// slotLock is an exclusive flock on one slot's lock file.
type slotLock struct {
	slot int
	lock *flock.Lock
}

func (l *slotLock) release() { l.lock.Close() }

// lockPoll is how often acquireSlot tries the locks again.
const lockPoll = flock.Poll

// acquireSlot locks the first free slot of 0 to slots-1, waiting until one
// is free or ctx ends.
func acquireSlot(ctx context.Context, slots int) (*slotLock, error) {
	for {
		for slot := range slots {
			l, err := tryLock(slot)
			if err != nil {
				return nil, err
			}
			if l != nil {
				return l, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a free vpcd slot: all %d are in use: %w", slots, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// tryLock returns the lock of slot, or nil when another holder has it.
func tryLock(slot int) (*slotLock, error) {
	lock, err := flock.Try(SlotLockPath(slot))
	if err != nil || lock == nil {
		return nil, err
	}
	return &slotLock{slot: slot, lock: lock}, nil
}
