package iso7816

import (
	"bytes"
	"strings"
	"testing"
)

// Requirement IDs in comments refer to the card profile in
// docs/card-profile.md.

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name     string
		apdu     string
		wantData []byte
		wantSW   StatusWord
	}{
		{name: "status word only", apdu: "90 00", wantSW: SWSuccess},
		{name: "data and 9000", apdu: "47 43 90 00", wantData: []byte("GC"), wantSW: SWSuccess},
		{name: "data and 61XX", apdu: "01 02 03 61 10", wantData: []byte{1, 2, 3}, wantSW: 0x6110},
		{name: "error status", apdu: "6A 82", wantSW: SWFileNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := fromHex(t, tt.apdu)
			resp, err := ParseResponse(raw)
			if err != nil {
				t.Fatalf("ParseResponse(%X): %v", raw, err)
			}
			if !bytes.Equal(resp.Data, tt.wantData) {
				t.Errorf("data %X, want %X", resp.Data, tt.wantData)
			}
			if resp.SW != tt.wantSW {
				t.Errorf("status word %04X, want %04X", uint16(resp.SW), uint16(tt.wantSW))
			}
			if !bytes.Equal(resp.Bytes(), raw) {
				t.Errorf("Bytes() = %X, want %X", resp.Bytes(), raw)
			}
			prefix := []byte{0xAA}
			if got := resp.AppendTo(prefix); !bytes.Equal(got, concat(prefix, raw)) {
				t.Errorf("AppendTo = %X, want AA%X", got, raw)
			}
		})
	}
}

func TestParseResponseTooShort(t *testing.T) {
	for _, raw := range [][]byte{nil, {0x90}} {
		if _, err := ParseResponse(raw); err == nil {
			t.Errorf("ParseResponse(%X) returned no error", raw)
		}
	}
}

func TestStatusWordConstructors(t *testing.T) {
	tests := []struct {
		id   string
		name string
		got  StatusWord
		want StatusWord
	}{
		// RSP-01: 61XX gives the bytes still waiting, 00 for 256 or more.
		{id: "RSP-01", name: "BytesAvailable 1", got: BytesAvailable(1), want: 0x6101},
		{id: "RSP-01", name: "BytesAvailable 128", got: BytesAvailable(128), want: 0x6180},
		{id: "RSP-01", name: "BytesAvailable 255", got: BytesAvailable(255), want: 0x61FF},
		{id: "RSP-01", name: "BytesAvailable 256", got: BytesAvailable(256), want: 0x6100},
		{id: "RSP-01", name: "BytesAvailable 7000", got: BytesAvailable(7000), want: 0x6100},
		// RSP-05: 6CXX gives the object's size.
		{id: "RSP-05", name: "WrongLe 1", got: WrongLe(1), want: 0x6C01},
		{id: "RSP-05", name: "WrongLe 8", got: WrongLe(8), want: 0x6C08},
		{id: "RSP-05", name: "WrongLe 256", got: WrongLe(256), want: 0x6C00},
		// CNT-04: 63CX gives the tries left.
		{id: "CNT-04", name: "RetriesRemaining 0", got: RetriesRemaining(0), want: 0x63C0},
		{id: "CNT-04", name: "RetriesRemaining 2", got: RetriesRemaining(2), want: 0x63C2},
		{id: "CNT-04", name: "RetriesRemaining 15", got: RetriesRemaining(15), want: 0x63CF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %04X, want %04X", uint16(tt.got), uint16(tt.want))
			}
		})
	}
}

func TestStatusWordBytes(t *testing.T) {
	sw := StatusWord(0x6A82)
	if sw.SW1() != 0x6A {
		t.Errorf("SW1 %02X, want 6A", sw.SW1())
	}
	if sw.SW2() != 0x82 {
		t.Errorf("SW2 %02X, want 82", sw.SW2())
	}
}

func TestStatusWordPredicates(t *testing.T) {
	tests := []struct {
		id        string
		sw        StatusWord
		available int
		isAvail   bool
		wrongLe   int
		isWrongLe bool
		retries   int
		isRetries bool
	}{
		{id: "RSP-01", sw: 0x6110, available: 16, isAvail: true},
		{id: "RSP-01", sw: 0x6100, available: 256, isAvail: true},
		{id: "RSP-05", sw: 0x6C08, wrongLe: 8, isWrongLe: true},
		{id: "RSP-05", sw: 0x6C00, wrongLe: 256, isWrongLe: true},
		{id: "CNT-04", sw: 0x63C2, retries: 2, isRetries: true},
		{id: "CNT-04", sw: 0x63C0, retries: 0, isRetries: true},
		// 6300 is a failed EXTERNAL AUTHENTICATE, not a retry count.
		{sw: SWAuthenticationFailed},
		{sw: SWSuccess},
		{sw: SWEndOfFile},
		{sw: SWWrongLength},
	}
	for _, tt := range tests {
		t.Run(tt.sw.String(), func(t *testing.T) {
			n, ok := tt.sw.IsBytesAvailable()
			if ok != tt.isAvail || n != tt.available {
				t.Errorf("IsBytesAvailable() = %d, %v, want %d, %v", n, ok, tt.available, tt.isAvail)
			}
			n, ok = tt.sw.IsWrongLe()
			if ok != tt.isWrongLe || n != tt.wrongLe {
				t.Errorf("IsWrongLe() = %d, %v, want %d, %v", n, ok, tt.wrongLe, tt.isWrongLe)
			}
			n, ok = tt.sw.IsRetriesRemaining()
			if ok != tt.isRetries || n != tt.retries {
				t.Errorf("IsRetriesRemaining() = %d, %v, want %d, %v", n, ok, tt.retries, tt.isRetries)
			}
		})
	}
}

func TestStatusWordString(t *testing.T) {
	tests := []struct {
		sw   StatusWord
		want string
	}{
		{sw: SWSuccess, want: "9000 (success)"},
		{sw: SWWrongLength, want: "6700 (wrong length)"},
		{sw: SWFileNotFound, want: "6A82 (file or application not found)"},
		{sw: SWCLANotSupported, want: "6E00 (class not supported)"},
		{sw: 0x6110, want: "6110 (16 bytes available)"},
		{sw: 0x6100, want: "6100 (256 bytes available)"},
		{sw: 0x6C08, want: "6C08 (wrong Le, resend with Ne=8)"},
		{sw: 0x63C1, want: "63C1 (verification failed, 1 tries left)"},
		{sw: 0x6F00, want: "6F00 (unknown status)"},
	}
	for _, tt := range tests {
		if got := tt.sw.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// Every named status word has a meaning, so String never returns "unknown"
// for a status word the card returns.
func TestStatusWordMeaningsComplete(t *testing.T) {
	named := []StatusWord{
		SWSuccess, SWEndOfFile, SWAuthenticationFailed, SWMemoryFailure,
		SWWrongLength, SWSecurityNotSatisfied, SWAuthMethodBlocked,
		SWReferenceDataNotUsable, SWConditionsNotSatisfied, SWNoCurrentEF,
		SWWrongData, SWFunctionNotSupported, SWFileNotFound, SWIncorrectP1P2,
		SWReferencedDataNotFound, SWWrongParametersP1P2, SWINSNotSupported,
		SWCLANotSupported,
	}
	for _, sw := range named {
		if got := sw.String(); strings.Contains(got, "unknown status") {
			t.Errorf("String() of %04X = %q", uint16(sw), got)
		}
	}
}
