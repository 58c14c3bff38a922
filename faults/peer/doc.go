// Package peer holds the end-to-end fault tests of `gcacard serve` against
// a hostile vpcd peer: a test plays vpcd on loopback listeners of its own
// and sends frames that break the vpcd protocol, while the real gcacard
// binary serves several cards. It checks that only the attacked connection
// closes, that the other cards keep replying, that the attacked card
// reconnects, and that the process's memory stays bounded.
//
// The package has tests only. They need no pcscd and never use the ports
// of the machine's vpcd slots.
package peer
