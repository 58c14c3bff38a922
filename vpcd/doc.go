// Package vpcd puts a card behind a reader of vsmartcard's vpcd driver, so
// that pcscd and every PC/SC program see it as a card in a reader.
//
// It implements the card side of the vpcd protocol: frames of a 2-byte
// big-endian length and a payload; 1-byte control payloads for power off
// (00), power on (01), reset (02) and get ATR (04); any longer payload is a
// command APDU answered by the card's response APDU. vpcd always speaks
// first. Connecting inserts the card and closing the connection removes it.
//
// The package connects to and listens on loopback addresses only. It knows
// nothing of the card's content: anything with the Card methods will do.
package vpcd
