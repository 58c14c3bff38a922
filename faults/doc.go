// Package faults contains the fault suites of gcacard. These Ginkgo
// suites crash, starve and feed bad input to the emulator, gcacard serve
// and the client against the real PC/SC stack. They check that no retry
// counter and no card state is lost or given back. Each suite is a
// package below this one, and every spec carries the Ginkgo label
// "faults". `make faults` runs them all and writes reports/faults/.
//
// This package itself has no code.
package faults
