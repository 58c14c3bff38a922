// Package harness gives the conformance specs a card to test: a fresh
// virtual card in a vpcd reader of the running pcscd, or a physical card in
// a named reader. It records every APDU exchange of a spec with secrets
// redacted, and offers the virtual card's removal, re-insertion, power
// cycle and restart.
//
// It reaches cards only through PC/SC, as any client would. It never
// alters a physical card unless the run allows destructive specs for that
// card's number, and it talks to vpcd on loopback only.
package harness
