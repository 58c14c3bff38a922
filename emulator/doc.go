// Package emulator is the virtual GCA certificate card: it takes a command
// APDU and returns a response APDU as docs/card-profile.md specifies, and
// keeps its retry counters and lifecycle in a durable state file.
//
// The package knows nothing of readers, sockets or PC/SC: the vpcd package
// puts a Card behind a virtual reader, and the fixtures package builds the
// Image a Card is personalised with. It never logs or returns a PIN, a user
// code or a key.
//
// Options.Fault is a hook for crash tests only: the card calls it at the
// FaultPoints of the commands that use a try (fault.go). gcacard serve sets
// it only in a binary built with the crashtest build tag.
package emulator
