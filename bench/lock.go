package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"gcacard/harness"
)

// MachineSlots is the number of vpcd slots that the machine's pcscd serves
// with Debian's /etc/reader.conf.d/vpcd: slots 0 and 1.
const MachineSlots = 2

// SlotLock is an exclusive flock on a vpcd slot's lock file, the same file
// that the tests and the harness lock.
type SlotLock struct {
	Slot int
	file *os.File
}

// Release gives the slot back.
func (l *SlotLock) Release() {
	syscall.Flock(int(l.file.Fd()), syscall.LOCK_UN)
	l.file.Close()
}

// LockSlot locks the given slot, waiting until it is free or ctx ends.
func LockSlot(ctx context.Context, slot int) (*SlotLock, error) {
	for {
		l, err := tryLockSlot(slot)
		if err != nil || l != nil {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for vpcd slot %d (lock %s): %w", slot, harness.SlotLockPath(slot), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
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
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tryLockSlot returns the slot's lock, or nil when another process holds it.
func tryLockSlot(slot int) (*SlotLock, error) {
	path := harness.SlotLockPath(slot)
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
	return &SlotLock{Slot: slot, file: f}, nil
}
