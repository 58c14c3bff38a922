// Package flock takes exclusive flock(2) locks on files. The processes that
// share the machine's vpcd slots and further pcscd instances (the tests, the
// harness and the benchmark) each lock one file per slot or instance first.
package flock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Poll is how often Wait tries a held lock again.
const Poll = 50 * time.Millisecond

// Lock is a held lock. Close releases it.
type Lock struct{ file *os.File }

// Try takes the lock on path, creating the file when missing. It returns
// nil and no error when another process holds the lock.
func Try(path string) (*Lock, error) {
	// flock needs no write access, so a lock file that another user
	// created stays usable.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("opening lock file %s: %w", path, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
		f.Close()
		return nil, nil
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return &Lock{file: f}, nil
}

// Wait takes the lock on path, trying again every Poll until ctx ends.
func Wait(ctx context.Context, path string) (*Lock, error) {
	for {
		lock, err := Try(path)
		if err != nil || lock != nil {
			return lock, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s is still locked by another process (find it with `fuser %s`): %w", path, path, ctx.Err())
		case <-time.After(Poll):
		}
	}
}

// Close releases the lock.
func (l *Lock) Close() error { return l.file.Close() }
