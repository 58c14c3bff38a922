// Package faults holds the fault suites of gcacard: Ginkgo suites that
// crash, starve and feed bad input to the emulator, gcacard serve and the
// client against the real PC/SC stack, and check that no retry counter
// and no card state is lost or given back. Each suite lives in its own
// package below this one, and every spec carries the Ginkgo label
// "faults". `make faults` runs them all and writes reports/faults/.
//
// This package itself has no code.
package faults
