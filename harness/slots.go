package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// SlotLockPath returns the lock file of a vpcd slot. Every process that
// serves a card in a slot or talks to its reader, the repository's tests
// included, takes this lock first.
func SlotLockPath(slot int) string {
	return fmt.Sprintf("/tmp/gcacard-vpcd-slot-%d.lock", slot)
}

// slotLock is an exclusive flock on one slot's lock file.
type slotLock struct {
	slot int
	file *os.File
}

func (l *slotLock) release() {
	syscall.Flock(int(l.file.Fd()), syscall.LOCK_UN)
	l.file.Close()
}

// lockPoll is how often acquireSlot tries the locks again.
const lockPoll = 50 * time.Millisecond

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
	path := SlotLockPath(slot)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("opening slot lock %s: %w", path, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, nil
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return &slotLock{slot: slot, file: f}, nil
}
