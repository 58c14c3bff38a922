package apdugen

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/iso7816"
)

func TestSameSeedSameSequence(t *testing.T) {
	a, b := New(42), New(42)
	for i := range 2000 {
		x, y := a.Next(), b.Next()
		if x.Kind != y.Kind || !bytes.Equal(x.Bytes, y.Bytes) {
			t.Fatalf("command %d differs for one seed: %v % X, then %v % X", i, x.Kind, x.Bytes, y.Kind, y.Bytes)
		}
	}
}

func TestDifferentSeedsDiffer(t *testing.T) {
	a, b := New(1), New(2)
	same := 0
	for range 100 {
		if bytes.Equal(a.Next().Bytes, b.Next().Bytes) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("seeds 1 and 2 gave %d equal commands out of 100", same)
	}
}

func TestEveryKindAppears(t *testing.T) {
	g := New(7)
	counts := map[Kind]int{}
	for range 5000 {
		counts[g.Next().Kind]++
	}
	for _, k := range Kinds() {
		if counts[k] < 100 {
			t.Errorf("kind %v appeared %d times in 5000 commands, want at least 100", k, counts[k])
		}
	}
}

func TestNeverShorterThanTwoBytes(t *testing.T) {
	g := New(11)
	for i := range 20000 {
		if a := g.Next(); len(a.Bytes) < 2 {
			t.Fatalf("command %d (%v) is % X, shorter than 2 bytes", i, a.Kind, a.Bytes)
		}
	}
}

// The kinds hold what their names promise: malformed commands do not
// parse, the others do, extended ones use the extended form and chained
// ones set the chaining bit.
func TestKindsMatchTheirBytes(t *testing.T) {
	g := New(13)
	for i := range 20000 {
		a := g.Next()
		cmd, err := iso7816.ParseCommand(a.Bytes)
		switch a.Kind {
		case KindMalformed:
			if err == nil {
				t.Errorf("command %d: malformed % X parses as %+v", i, a.Bytes, cmd)
			}
			continue
		default:
			if err != nil {
				t.Errorf("command %d: %v command % X does not parse: %v", i, a.Kind, a.Bytes, err)
				continue
			}
		}
		if a.Kind == KindExtended && !cmd.Extended {
			t.Errorf("command %d: extended % X uses the short form", i, a.Bytes)
		}
		if a.Kind == KindChained && cmd.CLA&0x10 == 0 {
			t.Errorf("command %d: chained % X lacks the chaining bit", i, a.Bytes)
		}
		if a.Kind == KindValid && cmd.CLA != 0x00 {
			t.Errorf("command %d: valid % X has CLA %02X", i, a.Bytes, cmd.CLA)
		}
	}
}

func TestCheckResponse(t *testing.T) {
	cases := []struct {
		response []byte
		valid    bool
	}{
		{[]byte{0x90, 0x00}, true},
		{[]byte{0x01, 0x02, 0x90, 0x00}, true},
		{[]byte{0x01, 0x61, 0x10}, true},
		{[]byte{0x01, 0x62, 0x82}, true},
		{[]byte{0x63, 0xC2}, true},
		{[]byte{0x63, 0x00}, true},
		{[]byte{0x69, 0x83}, true},
		{[]byte{0x6C, 0x08}, true},
		{[]byte{0x6E, 0x00}, true},
		{nil, false},
		{[]byte{0x90}, false},
		{[]byte{0x90, 0x01}, false},
		{[]byte{0x60, 0x00}, false},
		{[]byte{0x70, 0x00}, false},
		{[]byte{0x6F, 0x00}, false},
		{[]byte{0x63, 0x81}, false},
		{[]byte{0x6A, 0x83}, false},
		{[]byte{0x01, 0x6A, 0x82}, false},
		{[]byte{0x01, 0x63, 0xC2}, false},
	}
	for _, tc := range cases {
		err := CheckResponse(tc.response)
		if tc.valid && err != nil {
			t.Errorf("CheckResponse(% X) = %v, want nil", tc.response, err)
		}
		if !tc.valid && err == nil {
			t.Errorf("CheckResponse(% X) = nil, want an error", tc.response)
		}
	}
}

// TestEmulatorAnswersEveryGeneratedCommand sends a generated sequence to an
// in-process emulator card: every response is valid and the saved state
// still loads.
func TestEmulatorAnswersEveryGeneratedCommand(t *testing.T) {
	p, err := fixtures.Load("activated")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts := emulator.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	card, err := fixtures.OpenCard(p, emulator.FileStore{Dir: dir}, time.Now(), opts)
	if err != nil {
		t.Fatal(err)
	}

	g := New(99)
	for i := range 5000 {
		a := g.Next()
		if err := CheckResponse(card.Transmit(a.Bytes)); err != nil {
			t.Fatalf("command %d (%v, % X): %v", i, a.Kind, emulator.RedactCommand(a.Bytes), err)
		}
	}

	if _, err := (emulator.FileStore{Dir: dir}).Load(); err != nil {
		t.Errorf("state file after 5000 commands: %v", err)
	}
	if _, err := fixtures.OpenCard(p, emulator.FileStore{Dir: dir}, time.Now(), opts); err != nil && !errors.Is(err, emulator.ErrNoState) {
		t.Errorf("reopening the card from its state: %v", err)
	}
}
