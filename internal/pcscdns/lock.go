package pcscdns

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"
)

// LockPath returns the lock file that a running instance holds.
func LockPath(index int) string { return fmt.Sprintf("/tmp/gcacard-pcscd-%d.lock", index) }

// lockInstance takes an exclusive flock on LockPath(index), waiting until
// ctx ends.
func lockInstance(ctx context.Context, index int) (*os.File, error) {
	f, err := os.OpenFile(LockPath(index), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", LockPath(index), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("pcscd instance %d is in use by another process (lock %s): %w", index, LockPath(index), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
