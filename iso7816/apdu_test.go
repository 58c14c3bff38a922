package iso7816

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Requirement IDs in comments refer to the card profile in
// docs/card-profile.md.

func fromHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("invalid hex %q: %v", s, err)
	}
	return b
}

// repeated returns n copies of b.
func repeated(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestParseCommandCases(t *testing.T) {
	data255 := repeated(0xAB, 255)
	data257 := repeated(0xCD, 257)
	data65535 := repeated(0xEF, 65535)

	tests := []struct {
		id       string
		name     string
		apdu     []byte
		wantData []byte
		wantNe   int
		wantExt  bool
	}{
		// GEN-02: the card accepts short and extended APDUs in all four cases.
		{id: "GEN-02", name: "case 1", apdu: fromHex(t, "00 A4 00 00")},
		{id: "GEN-02", name: "case 2 short Le 10", apdu: fromHex(t, "00 B0 00 00 10"), wantNe: 16},
		{id: "GEN-02", name: "case 2 short Le FF", apdu: fromHex(t, "00 B0 00 00 FF"), wantNe: 255},
		{id: "GEN-02", name: "case 3 short", apdu: fromHex(t, "00 A4 00 0C 02 3F 00"), wantData: fromHex(t, "3F00")},
		{id: "GEN-02", name: "case 3 short Lc FF", apdu: concat(fromHex(t, "00 2A 9E 9A FF"), data255), wantData: data255},
		{id: "GEN-02", name: "case 4 short", apdu: fromHex(t, "00 A4 00 00 02 3F 00 20"), wantData: fromHex(t, "3F00"), wantNe: 32},
		{id: "GEN-02", name: "case 4 short Lc FF", apdu: concat(fromHex(t, "00 2A 9E 9A FF"), data255, fromHex(t, "80")), wantData: data255, wantNe: 128},
		{id: "GEN-02", name: "case 2 extended", apdu: fromHex(t, "00 B0 00 00 00 1C 00"), wantNe: 0x1C00, wantExt: true},
		{id: "GEN-02", name: "case 3 extended small data", apdu: fromHex(t, "00 A4 00 0C 00 00 02 3F 00"), wantData: fromHex(t, "3F00"), wantExt: true},
		{id: "GEN-02", name: "case 3 extended", apdu: concat(fromHex(t, "00 2A 80 86 00 01 01"), data257), wantData: data257, wantExt: true},
		{id: "GEN-02", name: "case 3 extended Lc FFFF", apdu: concat(fromHex(t, "00 2A 80 86 00 FF FF"), data65535), wantData: data65535, wantExt: true},
		{id: "GEN-02", name: "case 4 extended", apdu: concat(fromHex(t, "00 2A 80 86 00 01 01"), data257, fromHex(t, "01 00")), wantData: data257, wantNe: 256, wantExt: true},
		{id: "GEN-02", name: "case 4 extended Lc FFFF", apdu: concat(fromHex(t, "00 2A 80 86 00 FF FF"), data65535, fromHex(t, "FF FF")), wantData: data65535, wantNe: 65535, wantExt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := ParseCommand(tt.apdu)
			if err != nil {
				t.Fatalf("ParseCommand(%X): %v", tt.apdu, err)
			}
			if cmd.CLA != tt.apdu[0] || cmd.INS != tt.apdu[1] || cmd.P1 != tt.apdu[2] || cmd.P2 != tt.apdu[3] {
				t.Errorf("header %02X %02X %02X %02X, want %X", cmd.CLA, cmd.INS, cmd.P1, cmd.P2, tt.apdu[:4])
			}
			if !bytes.Equal(cmd.Data, tt.wantData) {
				t.Errorf("data of %d bytes, want %d bytes", len(cmd.Data), len(tt.wantData))
			}
			if cmd.Ne != tt.wantNe {
				t.Errorf("Ne %d, want %d", cmd.Ne, tt.wantNe)
			}
			if cmd.Extended != tt.wantExt {
				t.Errorf("Extended %v, want %v", cmd.Extended, tt.wantExt)
			}
			if cmd.HasLe() != (tt.wantNe > 0) {
				t.Errorf("HasLe %v, want %v", cmd.HasLe(), tt.wantNe > 0)
			}
		})
	}
}

func TestParseCommandNe(t *testing.T) {
	data := fromHex(t, "3F00")
	tests := []struct {
		id         string
		name       string
		apdu       []byte
		wantNe     int
		wantMaxLe  bool
		wantHasLe  bool
		wantExtend bool
	}{
		// RB-03: Le 00 (short) asks for up to 256 bytes.
		{id: "RB-03", name: "short Le 00", apdu: fromHex(t, "00 B0 00 00 00"), wantNe: 256, wantMaxLe: true, wantHasLe: true},
		{id: "RB-03", name: "short Le 00 after data", apdu: concat(fromHex(t, "00 A4 00 00 02"), data, fromHex(t, "00")), wantNe: 256, wantMaxLe: true, wantHasLe: true},
		// RB-03: any other short Le asks for exactly Ne bytes.
		{id: "RB-03", name: "short Le 01", apdu: fromHex(t, "00 B0 00 00 01"), wantNe: 1, wantHasLe: true},
		// RB-03: Le 0000 (extended) asks for up to 65536 bytes.
		{id: "RB-03", name: "extended Le 0000", apdu: fromHex(t, "00 B0 00 00 00 00 00"), wantNe: 65536, wantMaxLe: true, wantHasLe: true, wantExtend: true},
		{id: "RB-03", name: "extended Le 0000 after data", apdu: concat(fromHex(t, "00 A4 00 00 00 00 02"), data, fromHex(t, "00 00")), wantNe: 65536, wantMaxLe: true, wantHasLe: true, wantExtend: true},
		// RB-03: an extended Le of 0100 asks for exactly 256 bytes, unlike a short 00.
		{id: "RB-03", name: "extended Le 0100", apdu: fromHex(t, "00 B0 00 00 00 01 00"), wantNe: 256, wantHasLe: true, wantExtend: true},
		{id: "RB-03", name: "extended Le FFFF", apdu: fromHex(t, "00 B0 00 00 00 FF FF"), wantNe: 65535, wantHasLe: true, wantExtend: true},
		{id: "RB-03", name: "no Le", apdu: concat(fromHex(t, "00 A4 00 0C 02"), data)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := ParseCommand(tt.apdu)
			if err != nil {
				t.Fatalf("ParseCommand(%X): %v", tt.apdu, err)
			}
			if cmd.Ne != tt.wantNe {
				t.Errorf("Ne %d, want %d", cmd.Ne, tt.wantNe)
			}
			if cmd.MaxLe() != tt.wantMaxLe {
				t.Errorf("MaxLe %v, want %v", cmd.MaxLe(), tt.wantMaxLe)
			}
			if cmd.HasLe() != tt.wantHasLe {
				t.Errorf("HasLe %v, want %v", cmd.HasLe(), tt.wantHasLe)
			}
			if cmd.Extended != tt.wantExtend {
				t.Errorf("Extended %v, want %v", cmd.Extended, tt.wantExtend)
			}
		})
	}
}

func TestParseCommandMalformed(t *testing.T) {
	tests := []struct {
		id   string
		name string
		apdu []byte
	}{
		// GEN-05: fewer than 4 bytes.
		{id: "GEN-05", name: "empty", apdu: nil},
		{id: "GEN-05", name: "1 byte", apdu: fromHex(t, "00")},
		{id: "GEN-05", name: "3 bytes", apdu: fromHex(t, "00 A4 00")},
		// GEN-05: a short Lc that disagrees with the length.
		{id: "GEN-05", name: "short Lc above length", apdu: fromHex(t, "00 A4 00 00 02 3F")},
		{id: "GEN-05", name: "short Lc far above length", apdu: fromHex(t, "00 A4 00 00 05 01 02")},
		{id: "GEN-05", name: "short trailing garbage", apdu: fromHex(t, "00 A4 00 00 02 3F 00 00 00")},
		{id: "GEN-05", name: "short Lc below length", apdu: fromHex(t, "00 A4 00 00 01 3F 00 00 00 00")},
		// GEN-05: an extended body too short for Lc or Le.
		{id: "GEN-05", name: "extended 2-byte body", apdu: fromHex(t, "00 B0 00 00 00 01")},
		// GEN-05: an extended Lc of 0.
		{id: "GEN-05", name: "extended Lc 0 with byte", apdu: fromHex(t, "00 A4 00 00 00 00 00 01")},
		{id: "GEN-05", name: "extended Lc 0 with Le", apdu: fromHex(t, "00 A4 00 00 00 00 00 00 00")},
		// GEN-05: an extended Lc that disagrees with the length.
		{id: "GEN-05", name: "extended Lc above length", apdu: fromHex(t, "00 A4 00 00 00 00 02 3F")},
		{id: "GEN-05", name: "extended one extra byte", apdu: fromHex(t, "00 A4 00 00 00 00 02 3F 00 00")},
		{id: "GEN-05", name: "extended trailing garbage", apdu: fromHex(t, "00 A4 00 00 00 00 02 3F 00 00 00 00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCommand(tt.apdu)
			if err == nil {
				t.Fatalf("ParseCommand(%X) returned no error", tt.apdu)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseCommand(%X) error %q does not wrap ErrMalformed", tt.apdu, err)
			}
		})
	}
}

func TestCommandBytesRoundTrip(t *testing.T) {
	data := fromHex(t, "3F00")
	data255 := repeated(0x11, 255)
	data256 := repeated(0x22, 256)

	tests := []struct {
		id       string
		name     string
		cmd      Command
		wantExt  bool
		wantSize int
	}{
		// GEN-02: short forms stay short.
		{id: "GEN-02", name: "case 1", cmd: Command{INS: 0xA4}, wantSize: 4},
		{id: "GEN-02", name: "case 2 Ne 1", cmd: Command{INS: 0xB0, Ne: 1}, wantSize: 5},
		{id: "GEN-02", name: "case 2 Ne 256", cmd: Command{INS: 0xB0, Ne: 256}, wantSize: 5},
		{id: "GEN-02", name: "case 3 short", cmd: Command{INS: 0xA4, P1: 0x08, P2: 0x0C, Data: data}, wantSize: 7},
		{id: "GEN-02", name: "case 3 Lc 255", cmd: Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: data255}, wantSize: 4 + 1 + 255},
		{id: "GEN-02", name: "case 4 short", cmd: Command{INS: 0xA4, Data: data, Ne: 256}, wantSize: 8},
		// GEN-02: Bytes switches to the extended form when Data or Ne need it.
		{id: "GEN-02", name: "Ne 257 switches", cmd: Command{INS: 0xB0, Ne: 257}, wantExt: true, wantSize: 7},
		{id: "GEN-02", name: "Ne 65536 switches", cmd: Command{INS: 0xB0, Ne: 65536}, wantExt: true, wantSize: 7},
		{id: "GEN-02", name: "Lc 256 switches", cmd: Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: data256}, wantExt: true, wantSize: 4 + 3 + 256},
		{id: "GEN-02", name: "Lc 256 with Ne 256", cmd: Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: data256, Ne: 256}, wantExt: true, wantSize: 4 + 3 + 256 + 2},
		{id: "GEN-02", name: "short data Ne 65536", cmd: Command{INS: 0xA4, Data: data, Ne: 65536}, wantExt: true, wantSize: 4 + 3 + 2 + 2},
		// GEN-02: Extended forces the extended form even when short fits.
		{id: "GEN-02", name: "Extended case 2", cmd: Command{INS: 0xB0, Ne: 16, Extended: true}, wantExt: true, wantSize: 7},
		{id: "GEN-02", name: "Extended case 3", cmd: Command{INS: 0xA4, Data: data, Extended: true}, wantExt: true, wantSize: 9},
		{id: "GEN-02", name: "Extended case 4", cmd: Command{INS: 0xA4, Data: data, Ne: 256, Extended: true}, wantExt: true, wantSize: 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded, err := tt.cmd.Bytes()
			if err != nil {
				t.Fatalf("Bytes: %v", err)
			}
			if len(encoded) != tt.wantSize {
				t.Errorf("encoded size %d, want %d", len(encoded), tt.wantSize)
			}

			got, err := ParseCommand(encoded)
			if err != nil {
				t.Fatalf("ParseCommand(%X): %v", encoded, err)
			}
			if got.INS != tt.cmd.INS || got.P1 != tt.cmd.P1 || got.P2 != tt.cmd.P2 || got.CLA != tt.cmd.CLA {
				t.Errorf("header %02X %02X %02X %02X, want %02X %02X %02X %02X",
					got.CLA, got.INS, got.P1, got.P2, tt.cmd.CLA, tt.cmd.INS, tt.cmd.P1, tt.cmd.P2)
			}
			if !bytes.Equal(got.Data, tt.cmd.Data) {
				t.Errorf("data of %d bytes, want %d bytes", len(got.Data), len(tt.cmd.Data))
			}
			if got.Ne != tt.cmd.Ne {
				t.Errorf("Ne %d, want %d", got.Ne, tt.cmd.Ne)
			}
			if got.Extended != tt.wantExt {
				t.Errorf("Extended %v, want %v", got.Extended, tt.wantExt)
			}
		})
	}
}

func TestCommandBytesEncoding(t *testing.T) {
	tests := []struct {
		id   string
		name string
		cmd  Command
		want string
	}{
		// RB-03: Ne 256 encodes as the short Le 00.
		{id: "RB-03", name: "Ne 256 short", cmd: Command{INS: 0xB0, Ne: 256}, want: "00 B0 00 00 00"},
		// RB-03: Ne 65536 encodes as the extended Le 0000.
		{id: "RB-03", name: "Ne 65536 extended", cmd: Command{INS: 0xB0, Ne: 65536}, want: "00 B0 00 00 00 00 00"},
		// GEN-02: an extended case 4 carries Le in 2 bytes after the data.
		{id: "GEN-02", name: "extended case 4", cmd: Command{INS: 0xA4, P1: 0x08, Data: fromHex(t, "5030"), Ne: 300}, want: "00 A4 08 00 00 00 02 50 30 01 2C"},
		{id: "GEN-02", name: "short case 4", cmd: Command{CLA: 0x00, INS: 0xA4, Data: fromHex(t, "3F00"), Ne: 0x20}, want: "00 A4 00 00 02 3F 00 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Bytes()
			if err != nil {
				t.Fatalf("Bytes: %v", err)
			}
			if want := fromHex(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("Bytes() = %X, want %X", got, want)
			}
		})
	}
}

func TestCommandBytesTooLarge(t *testing.T) {
	tests := []struct {
		id   string
		name string
		cmd  Command
	}{
		// GEN-02: Lc is at most 65535 and Ne at most 65536.
		{id: "GEN-02", name: "Lc 65536", cmd: Command{INS: 0xD6, Data: repeated(0, 65536)}},
		{id: "GEN-02", name: "Ne 65537", cmd: Command{INS: 0xB0, Ne: 65537}},
		{id: "GEN-02", name: "negative Ne", cmd: Command{INS: 0xB0, Ne: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.cmd.Bytes(); err == nil {
				t.Errorf("Bytes() returned no error")
			}
		})
	}
}
