package emulator

import (
	"bytes"
	"testing"

	"gcacard/internal/taipei"
	"gcacard/iso7816"
)

// Requirement IDs in comments refer to the card profile in
// docs/card-profile.md.

// getData sends GET DATA for tag with Le 00 and fails the test unless the
// card returns 9000.
func getData(t testing.TB, c *Card, tag uint16) []byte {
	t.Helper()
	r := transmit(t, c, iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: 256})
	if r.SW != iso7816.SWSuccess {
		t.Fatalf("GET DATA %04X: status word %v, want 9000", tag, r.SW)
	}
	return r.Data
}

// withTries returns an image mutator that sets the PIN's and the user
// code's retry counters.
func withTries(pinMax, pinRemaining, userCodeMax, userCodeRemaining int) func(*Image) {
	return func(img *Image) {
		img.Initial.PIN.MaxTries = pinMax
		img.Initial.PIN.Remaining = pinRemaining
		img.Initial.UserCode.MaxTries = userCodeMax
		img.Initial.UserCode.Remaining = userCodeRemaining
	}
}

// GD-01: tag 0101 is the lifecycle state, 01 issued, 02 activated and 0F
// terminated.
func TestGetDataLifecycle(t *testing.T) {
	tests := []struct {
		lifecycle Lifecycle
		want      byte
	}{
		{lifecycle: LifecycleIssued, want: 0x01},
		{lifecycle: LifecycleActivated, want: 0x02},
		{lifecycle: LifecycleTerminated, want: 0x0F},
	}
	for _, tt := range tests {
		t.Run(tt.lifecycle.String(), func(t *testing.T) {
			c, _ := newTestCard(t, withLifecycle(tt.lifecycle))
			if got := getData(t, c, 0x0101); !bytes.Equal(got, []byte{tt.want}) {
				t.Errorf("lifecycle %X, want %02X", got, tt.want)
			}
		})
	}
}

// GD-01: activation moves the lifecycle from 01 to 02.
func TestGetDataLifecycleAfterActivation(t *testing.T) {
	c, _ := newTestCard(t)
	if got := getData(t, c, 0x0101); !bytes.Equal(got, []byte{0x01}) {
		t.Errorf("lifecycle before activation %X, want 01", got)
	}
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, testPIN)), iso7816.SWSuccess)
	if got := getData(t, c, 0x0101); !bytes.Equal(got, []byte{0x02}) {
		t.Errorf("lifecycle after activation %X, want 02", got)
	}
}

// GD-02: tag 0102 is the issue date, 8 ASCII digits YYYYMMDD.
func TestGetDataIssueDate(t *testing.T) {
	tests := []struct {
		name   string
		issued taipei.Date
		want   string
	}{
		{name: "zero-padded month and day", issued: taipei.Date{Year: 2024, Month: 1, Day: 5}, want: "20240105"},
		{name: "two-digit month and day", issued: taipei.Date{Year: 2015, Month: 12, Day: 31}, want: "20151231"},
		{name: "leap day", issued: taipei.Date{Year: 2028, Month: 2, Day: 29}, want: "20280229"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, func(img *Image) {
				img.Initial.Dates = Dates{Issued: tt.issued, NotBefore: tt.issued, NotAfter: tt.issued.AddYears(5)}
			})
			got := getData(t, c, 0x0102)

			if string(got) != tt.want {
				t.Errorf("issue date %q, want %q", got, tt.want)
			}
			if len(got) != 8 {
				t.Errorf("issue date is %d bytes, want 8", len(got))
			}
			for _, b := range got {
				if b < '0' || b > '9' {
					t.Errorf("issue date %q has the non-digit byte %02X", got, b)
				}
			}
			parsed, err := taipei.ParseCompact(string(got))
			if err != nil {
				t.Fatalf("issue date %q does not parse: %v", got, err)
			}
			if parsed != tt.issued {
				t.Errorf("issue date parses to %v, want %v", parsed, tt.issued)
			}
		})
	}
}

// GD-03: tags 0180 and 0181 are the maximum and the tries remaining of the
// PIN and of the user code.
func TestGetDataTries(t *testing.T) {
	tests := []struct {
		name         string
		mutators     []func(*Image)
		wantPIN      []byte
		wantUserCode []byte
	}{
		{name: "issued default", wantPIN: []byte{3, 3}, wantUserCode: []byte{3, 3}},
		{name: "activated default", mutators: []func(*Image){activated}, wantPIN: []byte{3, 3}, wantUserCode: []byte{3, 3}},
		{
			name: "profile maxima", mutators: []func(*Image){activated, withTries(5, 4, 10, 1)},
			wantPIN: []byte{5, 4}, wantUserCode: []byte{10, 1},
		},
		{
			name: "blocked PIN", mutators: []func(*Image){activated, withTries(3, 0, 15, 15)},
			wantPIN: []byte{3, 0}, wantUserCode: []byte{15, 15},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, tt.mutators...)
			if got := getData(t, c, 0x0180); !bytes.Equal(got, tt.wantPIN) {
				t.Errorf("PIN tries %X, want %X", got, tt.wantPIN)
			}
			if got := getData(t, c, 0x0181); !bytes.Equal(got, tt.wantUserCode) {
				t.Errorf("user code tries %X, want %X", got, tt.wantUserCode)
			}
		})
	}
}

// GD-03: a wrong VERIFY lowers the PIN's remaining tries and a correct one
// restores them. The user code's counter does not move.
func TestGetDataTriesAfterVerify(t *testing.T) {
	c, _ := newTestCard(t, activated)
	if got := getData(t, c, 0x0180); !bytes.Equal(got, []byte{3, 3}) {
		t.Errorf("PIN tries before VERIFY %X, want 0303", got)
	}

	wantSW(t, send(t, c, verifyCmd(t, "000000")), iso7816.RetriesRemaining(2))
	if got := getData(t, c, 0x0180); !bytes.Equal(got, []byte{3, 2}) {
		t.Errorf("PIN tries after a wrong VERIFY %X, want 0302", got)
	}
	if got := getData(t, c, 0x0181); !bytes.Equal(got, []byte{3, 3}) {
		t.Errorf("user code tries after a wrong VERIFY %X, want 0303", got)
	}

	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
	if got := getData(t, c, 0x0180); !bytes.Equal(got, []byte{3, 3}) {
		t.Errorf("PIN tries after a correct VERIFY %X, want 0303", got)
	}
}

// GD-03: a wrong user code in activation lowers tag 0181 only.
func TestGetDataTriesAfterWrongUserCode(t *testing.T) {
	c, _ := newTestCard(t)
	wantSW(t, send(t, c, rrcCmd(t, "Wrong123", testPIN)), iso7816.RetriesRemaining(2))

	if got := getData(t, c, 0x0181); !bytes.Equal(got, []byte{3, 2}) {
		t.Errorf("user code tries %X, want 0302", got)
	}
	if got := getData(t, c, 0x0180); !bytes.Equal(got, []byte{3, 3}) {
		t.Errorf("PIN tries %X, want 0303", got)
	}
}

// GD-04: another tag answers 6A88.
func TestGetDataUnknownTag(t *testing.T) {
	for _, tag := range []uint16{0x0000, 0x0100, 0x0103, 0x0182, 0x01FF, 0x0201, 0x5FC1, 0xFFFF} {
		c, _ := newTestCard(t)
		r := transmit(t, c, iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: 256})
		if r.SW != iso7816.SWReferencedDataNotFound {
			t.Errorf("GET DATA %04X: status word %v, want 6A88", tag, r.SW)
		}
	}
}

// GD-04: without Le GET DATA answers 6700.
func TestGetDataNoLe(t *testing.T) {
	for _, tag := range []uint16{0x0101, 0x0102, 0x0180, 0x0181} {
		c, _ := newTestCard(t)
		r := transmit(t, c, iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag)})
		if r.SW != iso7816.SWWrongLength {
			t.Errorf("GET DATA %04X without Le: status word %v, want 6700", tag, r.SW)
		}
	}
}

// GD-04: GET DATA needs no security status and answers in every lifecycle
// state, a terminated card included.
func TestGetDataEveryLifecycle(t *testing.T) {
	lifecycles := []Lifecycle{LifecycleIssued, LifecycleActivated, LifecycleTerminated}
	tags := []struct {
		tag  uint16
		size int
	}{
		{tag: 0x0101, size: 1},
		{tag: 0x0102, size: 8},
		{tag: 0x0180, size: 2},
		{tag: 0x0181, size: 2},
	}
	for _, l := range lifecycles {
		for _, tt := range tags {
			c, _ := newTestCard(t, withLifecycle(l))
			r := transmit(t, c, iso7816.Command{INS: 0xCA, P1: byte(tt.tag >> 8), P2: byte(tt.tag), Ne: 256})
			if r.SW != iso7816.SWSuccess {
				t.Errorf("%v card, GET DATA %04X: status word %v, want 9000", l, tt.tag, r.SW)
			}
			if len(r.Data) != tt.size {
				t.Errorf("%v card, GET DATA %04X: %d bytes, want %d", l, tt.tag, len(r.Data), tt.size)
			}
		}
	}
}
