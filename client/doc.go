// Package client is the GCA card activation client: it reads a card's
// information and status and performs activation (開卡), change PIN,
// unblock / reset PIN (解卡) and the CA's user-code reset, following
// docs/card-profile.md.
//
// It talks to a card through a Transport: a PC/SC connection (package
// pcsc) for real and virtual cards in readers, or the emulator in process
// for unit tests. It checks the input rules before sending any APDU and
// never resends a command that may use a try. Errors are typed so that
// the gca command and the web page can say exactly what went wrong; their
// Error strings are English, and package messages localises them. It never
// logs or traces a PIN, a user code or a key.
package client
