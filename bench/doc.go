// Package bench measures APDU throughput and latency through the real
// PC/SC stack: pcscd with vsmartcard's vpcd driver, driven by one Go client
// (package pcsc over github.com/ebfe/scard).
//
// It compares three cards on the same pcscd, measured in the same run and
// interleaved round by round: gcacard serve, vsmartcard's Python emulator
// vicc, and a reply-only ceiling card that does no work. The ratio to the
// ceiling shows what the emulator adds to the stack's own cost. It
// also measures aggregate throughput over 1 to 8 cards, the wall time of
// the conformance suite and the in-process Go benchmarks, and renders the
// results as Markdown and JSON.
//
// It holds the lock of every vpcd slot it uses (the same lock files as the
// tests and the harness) only while it measures on that slot. It never
// asserts a time: the targets are reported as met or not met.
package bench
