package flock

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTryFailsWhileHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slot.lock")
	first, err := Try(path)
	if err != nil || first == nil {
		t.Fatalf("Try on a free lock = %v, %v; want a lock", first, err)
	}

	// flock locks belong to open files, so a second open in this process
	// contends like another process would.
	second, err := Try(path)
	if err != nil || second != nil {
		t.Fatalf("Try on a held lock = %v, %v; want nil, nil", second, err)
	}

	first.Close()
	third, err := Try(path)
	if err != nil || third == nil {
		t.Fatalf("Try after Close = %v, %v; want a lock", third, err)
	}
	third.Close()
}

func TestWaitEndsWithContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slot.lock")
	first, err := Try(path)
	if err != nil || first == nil {
		t.Fatalf("Try = %v, %v", first, err)
	}
	defer first.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 3*Poll)
	defer cancel()
	_, err = Wait(ctx, path)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on a held lock = %v, want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("Wait error %q does not name %s", err, path)
	}
}

func TestWaitTakesReleasedLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slot.lock")
	// Another process holds the lock for a moment.
	holder := exec.Command("flock", path, "sleep", "0.3")
	if err := holder.Start(); err != nil {
		t.Skipf("flock(1) not available: %v", err)
	}
	defer holder.Wait()
	for range 100 {
		lock, _ := Try(path)
		if lock == nil {
			break
		}
		lock.Close()
		time.Sleep(5 * time.Millisecond)
	}

	lock, err := Wait(context.Background(), path)
	if err != nil || lock == nil {
		t.Fatalf("Wait = %v, %v; want the lock once the holder exits", lock, err)
	}
	lock.Close()
}
