//go:build crashtest

package main

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"gcacard/emulator"
)

// crashTestHook returns the fault hook that crashTestEnv requests, or nil
// when it is not set. This file is built only with the crashtest build
// tag, which the crash-test suite in faults/crash uses.
func crashTestHook(logger *slog.Logger) (func(emulator.FaultPoint), error) {
	value, ok := os.LookupEnv(crashTestEnv)
	if !ok {
		return nil, nil
	}
	point, n, err := parseCrashTest(value)
	if err != nil {
		return nil, fmt.Errorf("invalid %s: %w", crashTestEnv, err)
	}
	logger.Warn("TEST-ONLY CRASH INJECTION IS ON: this process will kill itself with SIGKILL; never serve a card that matters with it",
		"env", crashTestEnv, "point", point.String(), "hit", n)
	return newCrashHook(point, n, logger, killSelf), nil
}

// killSelf ends the process with SIGKILL, as kill -9 does: no deferred
// function, buffered write or signal handler runs.
func killSelf() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	// SIGKILL ends the process at the latest when the system call returns.
	// Blocking keeps this goroutine from going on in the meantime.
	select {}
}
