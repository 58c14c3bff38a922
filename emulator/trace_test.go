package emulator

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"gcacard/iso7816"
)

// Requirement IDs in comments refer to the card profile in
// docs/card-profile.md.

// LOG-02: a trace shows the header and length of VERIFY, CHANGE REFERENCE
// DATA, RESET RETRY COUNTER and EXTERNAL AUTHENTICATE, with the data
// replaced by <redacted N bytes>.
func TestRedactCommandSecretINS(t *testing.T) {
	cryptogram := []byte("cryptogram-16byt")
	tests := []struct {
		name string
		cmd  iso7816.Command
	}{
		{name: "VERIFY", cmd: iso7816.Command{INS: 0x20, P2: 0x80, Data: block(t, testPIN)}},
		{name: "VERIFY extended", cmd: iso7816.Command{INS: 0x20, P2: 0x80, Data: block(t, testPIN), Extended: true}},
		{name: "CHANGE REFERENCE DATA", cmd: iso7816.Command{INS: 0x24, P2: 0x80, Data: append(block(t, testPIN), block(t, "246810")...)}},
		{name: "RESET RETRY COUNTER", cmd: iso7816.Command{INS: 0x2C, P2: 0x80, Data: append(block(t, testUserCode), block(t, testPIN)...)}},
		{name: "RESET RETRY COUNTER user code", cmd: iso7816.Command{INS: 0x2C, P1: 0x02, P2: 0x81, Data: block(t, testUserCode)}},
		{name: "EXTERNAL AUTHENTICATE", cmd: iso7816.Command{INS: 0x82, P2: 0x01, Data: cryptogram}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apdu := cmdBytes(t, tt.cmd)
			out := RedactCommand(apdu)

			header := strings.ToUpper(hex.EncodeToString(apdu[:4]))
			if !strings.HasPrefix(out, header) {
				t.Errorf("trace %q does not start with the header %s", out, header)
			}
			if want := fmt.Sprintf("<redacted %d bytes>", len(tt.cmd.Data)); !strings.Contains(out, want) {
				t.Errorf("trace %q does not contain %q", out, want)
			}
			for _, secret := range []string{
				strings.ToUpper(hex.EncodeToString(tt.cmd.Data)),
				strings.ToUpper(hex.EncodeToString(tt.cmd.Data[:6])),
				hex.EncodeToString(tt.cmd.Data[:6]),
				string(tt.cmd.Data[:6]),
			} {
				if strings.Contains(out, secret) {
					t.Errorf("trace %q contains the secret %q", out, secret)
				}
			}
		})
	}
}

// LOG-02: the data of a secret command stays hidden even when the APDU does
// not parse.
func TestRedactCommandMalformedSecret(t *testing.T) {
	pinBlock := block(t, testPIN)
	tests := []struct {
		name string
		apdu []byte
	}{
		{name: "Lc above length", apdu: append([]byte{0x00, 0x20, 0x00, 0x80, 0x0A}, pinBlock[:6]...)},
		{name: "trailing garbage", apdu: append(append([]byte{0x00, 0x24, 0x00, 0x80, 0x0A}, pinBlock...), 0x00, 0x00)},
		{name: "no Lc", apdu: append([]byte{0x00, 0x2C, 0x00, 0x80}, pinBlock[:6]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := RedactCommand(tt.apdu)
			for _, secret := range []string{strings.ToUpper(hex.EncodeToString(pinBlock[:6])), testPIN} {
				if strings.Contains(out, secret) {
					t.Errorf("trace %q contains the secret %q", out, secret)
				}
			}
		})
	}
}

// LOG-02: other commands, and a secret INS without data, appear in full.
func TestRedactCommandShowsOthers(t *testing.T) {
	tests := []struct {
		name string
		apdu string
	}{
		{name: "SELECT", apdu: "00 A4 08 0C 04 50 30 08 F2"},
		{name: "READ BINARY", apdu: "00 B0 15 00 00"},
		{name: "GET DATA", apdu: "00 CA 01 80 00"},
		{name: "MSE SET", apdu: "00 22 41 B6 06 84 01 01 80 01 02"},
		{name: "PSO signature", apdu: "00 2A 9E 9A 05 01 02 03 04 05 00"},
		{name: "GET CHALLENGE", apdu: "00 84 00 00 08"},
		{name: "VERIFY query", apdu: "00 20 00 80"},
		{name: "header only", apdu: "00 82 00 01"},
		{name: "short", apdu: "00 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apdu := mustHex(t, tt.apdu)
			want := strings.ToUpper(hex.EncodeToString(apdu))
			out := RedactCommand(apdu)
			if out != want {
				t.Errorf("trace %q, want %q", out, want)
			}
			if strings.Contains(out, "redacted") {
				t.Errorf("trace %q redacts a command without secret data", out)
			}
		})
	}
}
