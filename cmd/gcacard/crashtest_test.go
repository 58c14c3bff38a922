package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gcacard/emulator"
)

// parseCrashTest reads OP:STAGE:N and rejects every other form with an
// error that shows the expected form.
func TestParseCrashTest(t *testing.T) {
	point, n, err := parseCrashTest("unblock:after-compare:3")
	if err != nil {
		t.Fatalf("parseCrashTest: %v", err)
	}
	if want := (emulator.FaultPoint{Op: emulator.FaultUnblock, Stage: emulator.FaultAfterCompare}); point != want {
		t.Errorf("point %v, want %v", point, want)
	}
	if n != 3 {
		t.Errorf("count %d, want 3", n)
	}

	for _, bad := range []string{"", "verify", "verify:after-save", "verify:after-save:0", "verify:after-save:-1", "verify:after-save:x", "verify:sometime:1", "sign:after-save:1"} {
		if _, _, err := parseCrashTest(bad); err == nil {
			t.Errorf("parseCrashTest(%q) returned no error", bad)
		}
	}
}

// The crash hook kills at the N-th time its point is reached, counting no
// other point, and logs the point first.
func TestCrashHookKillsAtNthHit(t *testing.T) {
	var log bytes.Buffer
	kills := 0
	point := emulator.FaultPoint{Op: emulator.FaultVerify, Stage: emulator.FaultAfterSave}
	hook := newCrashHook(point, 2, slog.New(slog.NewTextHandler(&log, nil)), func() { kills++ })

	hook(point)
	hook(emulator.FaultPoint{Op: emulator.FaultVerify, Stage: emulator.FaultBeforeSave})
	hook(emulator.FaultPoint{Op: emulator.FaultChange, Stage: emulator.FaultAfterSave})
	if kills != 0 {
		t.Fatalf("killed after the first hit, want the second")
	}
	hook(point)
	hook(point)

	if kills != 1 {
		t.Errorf("killed %d times, want once", kills)
	}
	if !strings.Contains(log.String(), "point=verify:after-save") {
		t.Errorf("log does not name the point:\n%s", log.String())
	}
}

// A state file that cannot be read makes serve exit with status 4 (state
// folder not usable), not 3 (profile), before it connects to vpcd (ST-04).
// The faults/crash suite checks the full disk, which needs a mount.
func TestServeUnreadableStateExitCode(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, emulator.StateFileName), 0o700); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer

	code := run([]string{"serve", "--profile", "guide-expired", "--state", dir, "--vpcd", "127.0.0.1:1"}, &bytes.Buffer{}, &stderr)

	if code != exitState {
		t.Errorf("exit status %d, want %d:\n%s", code, exitState, stderr.String())
	}
	if !strings.Contains(stderr.String(), dir) {
		t.Errorf("output does not name %s:\n%s", dir, stderr.String())
	}
}
