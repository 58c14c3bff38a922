//go:build !crashtest

package main

import (
	"log/slog"
	"os"

	"gcacard/emulator"
)

// crashTestHook returns no fault hook: this build has no crash injection.
// It warns when crashTestEnv is set anyway, so that a crash test run with
// the wrong binary shows why nothing crashed.
func crashTestHook(logger *slog.Logger) (func(emulator.FaultPoint), error) {
	if value, ok := os.LookupEnv(crashTestEnv); ok {
		logger.Warn("ignoring "+crashTestEnv+": this gcacard is built without the crashtest build tag", "value", value)
	}
	return nil, nil
}
