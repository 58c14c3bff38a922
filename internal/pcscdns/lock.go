package pcscdns

import (
	"context"
	"fmt"

	"gcacard/internal/flock"
)

// LockPath returns the lock file that a running instance holds.
func LockPath(index int) string { return fmt.Sprintf("/tmp/gcacard-pcscd-%d.lock", index) }

// lockInstance takes the lock of instance index, waiting until ctx ends.
func lockInstance(ctx context.Context, index int) (*flock.Lock, error) {
	lock, err := flock.Wait(ctx, LockPath(index))
	if err != nil {
		return nil, fmt.Errorf("pcscd instance %d is in use: %w", index, err)
	}
	return lock, nil
}
