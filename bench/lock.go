package bench

import (
	"context"
	"fmt"
	"time"

	"gcacard/harness"
	"gcacard/internal/flock"
)

// MachineSlots is the number of vpcd slots that the machine's pcscd serves
// with Debian's /etc/reader.conf.d/vpcd: slots 0 and 1.
const MachineSlots = 2

// SlotLock is an exclusive flock on a vpcd slot's lock file, the same file
// that the tests and the harness lock.
type SlotLock struct {
	Slot int
	lock *flock.Lock
}

// Release gives the slot back.
func (l *SlotLock) Release() { l.lock.Close() }

// LockSlot locks the given slot, waiting until it is free or ctx ends.
func LockSlot(ctx context.Context, slot int) (*SlotLock, error) {
	lock, err := flock.Wait(ctx, harness.SlotLockPath(slot))
	if err != nil {
		return nil, fmt.Errorf("waiting for vpcd slot %d: %w", slot, err)
	}
	return &SlotLock{Slot: slot, lock: lock}, nil
}

// LockAnySlot locks the first free slot of the machine's pcscd, waiting
// until one is free or ctx ends.
func LockAnySlot(ctx context.Context) (*SlotLock, error) {
	for {
		for slot := range MachineSlots {
			l, err := tryLockSlot(slot)
			if err != nil || l != nil {
				return l, err
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a free vpcd slot: %w", ctx.Err())
		case <-time.After(flock.Poll):
		}
	}
}

// tryLockSlot returns the slot's lock, or nil when another process holds it.
func tryLockSlot(slot int) (*SlotLock, error) {
	lock, err := flock.Try(harness.SlotLockPath(slot))
	if err != nil || lock == nil {
		return nil, err
	}
	return &SlotLock{Slot: slot, lock: lock}, nil
}
