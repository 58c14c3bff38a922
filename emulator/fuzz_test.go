package emulator

import (
	"testing"

	"gcacard/iso7816"
)

// splitCommands cuts fuzz input into APDUs, each prefixed by a one-byte
// length, so one input drives a whole session.
func splitCommands(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		if n > len(b) {
			n = len(b)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// session joins APDUs into the input format of FuzzCard.
func session(apdus ...[]byte) []byte {
	var out []byte
	for _, a := range apdus {
		out = append(out, byte(len(a)))
		out = append(out, a...)
	}
	return out
}

// validSW1 reports whether sw1 is one the profile can return (section 10).
func validSW1(sw1 byte) bool {
	switch sw1 {
	case 0x90, 0x61, 0x62, 0x63, 0x65, 0x67, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E:
		return true
	}
	return false
}

// FuzzCard sends a session of commands to a fresh card and checks that it
// never panics, that every response ends with a status word of the profile,
// and that the saved state still loads (GEN-05, ST-04).
func FuzzCard(f *testing.F) {
	f.Add(session(mustHex(f, "00A4080C04503008F2"), mustHex(f, "00B0000000")))
	f.Add(session(mustHex(f, "00200080"), mustHex(f, "002000800A313233343536FFFFFFFF")))
	f.Add(session(rrcCmd(f, testUserCode, "123456"), verifyCmd(f, "123456"), mustHex(f, "002241B606840101800102"),
		mustHex(f, "002A9E9A041122334400")))
	f.Add(session(mustHex(f, "0084000008"), mustHex(f, "0082000110000102030405060708090A0B0C0D0E0F")))
	f.Add(session(mustHex(f, "00CA010100"), mustHex(f, "00CA018002"), mustHex(f, "00C0000000")))

	f.Fuzz(func(t *testing.T, input []byte) {
		card, store := newTestCard(t)
		for _, apdu := range splitCommands(input) {
			resp := card.Transmit(apdu)
			if len(resp) < 2 {
				t.Fatalf("response %X to %X has no status word", resp, apdu)
			}
			r, _ := iso7816.ParseResponse(resp)
			if !validSW1(r.SW.SW1()) {
				t.Fatalf("response to %X ends with %v, not a status word of the profile", apdu, r.SW)
			}
		}
		if _, err := store.Load(); err != nil {
			t.Fatalf("state does not load after the session: %v", err)
		}
	})
}
