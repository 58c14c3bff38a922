package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"gcacard/emulator"
)

// crashTestEnv names the environment variable that makes gcacard serve
// kill itself at a fault point, for crash tests. Its value is
// OP:STAGE:N, such as verify:after-save:1: at the N-th time any card of
// the process reaches that emulator.FaultPoint, the process sends itself
// SIGKILL. Only a gcacard built with the crashtest build tag reads it
// (crashtest_on.go). Any other build logs a warning and ignores it, so no
// release binary can be made to crash by a stray environment variable.
const crashTestEnv = "GCACARD_TEST_CRASH"

// parseCrashTest parses the value of crashTestEnv.
func parseCrashTest(value string) (emulator.FaultPoint, int, error) {
	i := strings.LastIndexByte(value, ':')
	if i < 0 {
		return emulator.FaultPoint{}, 0, fmt.Errorf("%q: want OP:STAGE:N, such as verify:after-save:1", value)
	}
	point, err := emulator.ParseFaultPoint(value[:i])
	if err != nil {
		return emulator.FaultPoint{}, 0, err
	}
	n, err := strconv.Atoi(value[i+1:])
	if err != nil || n < 1 {
		return emulator.FaultPoint{}, 0, fmt.Errorf("%q: the count after the last colon must be a whole number from 1, such as verify:after-save:1", value)
	}
	return point, n, nil
}

// newCrashHook returns a fault hook that logs and calls kill at the n-th
// time point is reached, counted over every card that shares the hook.
func newCrashHook(point emulator.FaultPoint, n int, logger *slog.Logger, kill func()) func(emulator.FaultPoint) {
	var mu sync.Mutex
	hits := 0
	return func(p emulator.FaultPoint) {
		if p != point {
			return
		}
		mu.Lock()
		hits++
		hit := hits
		mu.Unlock()

		if hit == n {
			logger.Warn("crash test: killing this process with SIGKILL", "point", point.String(), "hit", hit)
			kill()
		}
	}
}
