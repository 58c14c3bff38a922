// Package selfcheck tests the conformance suite itself. It runs the specs
// against virtual cards that break one rule of the card profile on purpose
// (emulator.Options.Defect). Each run must fail, and its summary must mark
// the broken requirement as FAIL: a suite that passes a broken card proves
// nothing about a good one.
//
// The package has no code of its own outside its tests.
package selfcheck
