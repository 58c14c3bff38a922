package client_test

import (
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/internal/taipei"
	"gcacard/iso7816"
)

// Test secrets of the built-in fixture cards, as written in
// fixtures/cards/*.json.
const (
	validUserCode           = "Gca2024ok"
	windowPassedUserCode    = "Late100Day"
	activatedPIN            = "135790"
	activatedUserCode       = "act300code"
	userCodeBlockedUserCode = "Blk4User"
	pinBlockedPIN           = "Pin5blk"
	pinBlockedUserCode      = "UNBLOCK55"
	guideUserCode           = "A1b2C3d4"
	terminatedPIN           = "24681357"
	terminatedUserCode      = "dead6card"
)

// INS bytes of the commands the tests count.
const (
	insVerify              = 0x20
	insChangeReferenceData = 0x24
	insResetRetryCounter   = 0x2C
	insSelect              = 0xA4
	insReadBinary          = 0xB0
	insGetResponse         = 0xC0
	insGetData             = 0xCA
	insPerformSecurityOp   = 0x2A
	insExternalAuth        = 0x82
	insGetChallenge        = 0x84
)

// testCard is a fixture card opened on a memory store.
type testCard struct {
	profile *fixtures.Profile
	card    *emulator.Card
	store   *emulator.MemoryStore
	// madeAt is the instant the card was first made: its relative profile
	// dates count from the Taiwan date of madeAt.
	madeAt time.Time
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openCard makes the built-in fixture card name as of now.
func openCard(t *testing.T, name string) *testCard {
	t.Helper()
	p, err := fixtures.Load(name)
	if err != nil {
		t.Fatalf("fixtures.Load(%q): %v", name, err)
	}
	now := time.Now()
	store := &emulator.MemoryStore{}
	card, err := fixtures.OpenCard(p, store, now, emulator.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatalf("fixtures.OpenCard(%q): %v", name, err)
	}
	return &testCard{profile: p, card: card, store: store, madeAt: now}
}

// issued returns the card's issue date as the card stores it.
func (tc *testCard) issued() taipei.Date { return tc.card.Status().Dates.Issued }

// recorder wraps the card in a recordingTransport with no script.
func (tc *testCard) recorder() *recordingTransport {
	return &recordingTransport{next: &client.InProcess{Card: tc.card}}
}

// client returns a client for the card with its clock fixed at the instant
// the card was made, and the transport that records its APDUs.
func (tc *testCard) client(opts ...client.Option) (*client.Client, *recordingTransport) {
	rt := tc.recorder()
	all := append([]client.Option{client.WithClock(fixedClock(tc.madeAt))}, opts...)
	return client.New(rt, all...), rt
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// managementKey reads fixtures/keys/name/management.key.hex.
func managementKey(t *testing.T, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "fixtures", "keys", name, "management.key.hex"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatalf("management key of %s: %v", name, err)
	}
	return key
}

// reply is the scripted result of one command: a response APDU, or a
// transport error when err is set.
type reply struct {
	response []byte
	err      error
}

// respond builds a response APDU from data and a status word.
func respond(data []byte, sw iso7816.StatusWord) *reply {
	return &reply{response: iso7816.Response{Data: data, SW: sw}.Bytes()}
}

// fail is a scripted transport error.
func fail(err error) *reply { return &reply{err: err} }

// exchangeRecord is one command sent through a recordingTransport and
// what came back.
type exchangeRecord struct {
	raw      []byte
	command  iso7816.Command
	response []byte
	err      error
}

// recordingTransport records every command APDU and its response. When
// script is set, it receives each command first and may return a reply in
// place of the card. A nil reply passes the command on to next.
type recordingTransport struct {
	next   client.Transport
	script func(cmd iso7816.Command) *reply
	// transactionErr, when set, makes Transaction fail without running fn,
	// as a PC/SC SCardBeginTransaction on a removed card does.
	transactionErr error

	mu        sync.Mutex
	exchanges []exchangeRecord
}

func (r *recordingTransport) Transmit(raw []byte) ([]byte, error) {
	raw = append([]byte(nil), raw...)
	cmd, err := iso7816.ParseCommand(raw)
	if err != nil {
		panic("client sent a malformed command APDU " + hex.EncodeToString(raw) + ": " + err.Error())
	}

	var out []byte
	var sendErr error
	if rep := r.answer(cmd); rep != nil {
		out, sendErr = rep.response, rep.err
	} else {
		out, sendErr = r.next.Transmit(raw)
	}

	r.mu.Lock()
	r.exchanges = append(r.exchanges, exchangeRecord{raw: raw, command: cmd, response: out, err: sendErr})
	r.mu.Unlock()
	return out, sendErr
}

func (r *recordingTransport) answer(cmd iso7816.Command) *reply {
	if r.script == nil {
		return nil
	}
	return r.script(cmd)
}

func (r *recordingTransport) Transaction(fn func() error) error {
	if r.transactionErr != nil {
		return r.transactionErr
	}
	if r.next == nil {
		return fn()
	}
	return r.next.Transaction(fn)
}

// records returns a copy of the exchanges so far.
func (r *recordingTransport) records() []exchangeRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchangeRecord(nil), r.exchanges...)
}

// total returns the number of commands sent.
func (r *recordingTransport) total() int { return len(r.records()) }

// count returns the number of commands sent with instruction ins.
func (r *recordingTransport) count(ins byte) int {
	n := 0
	for _, e := range r.records() {
		if e.command.INS == ins {
			n++
		}
	}
	return n
}

// countWithData returns the number of commands with instruction ins and a
// data field, which for VERIFY excludes the query form.
func (r *recordingTransport) countWithData(ins byte) int {
	n := 0
	for _, e := range r.records() {
		if e.command.INS == ins && len(e.command.Data) > 0 {
			n++
		}
	}
	return n
}

// last returns the last exchange with instruction ins, or fails the test.
func (r *recordingTransport) last(t *testing.T, ins byte) exchangeRecord {
	t.Helper()
	recs := r.records()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].command.INS == ins {
			return recs[i]
		}
	}
	t.Fatalf("no command with INS %02X was sent", ins)
	return exchangeRecord{}
}

// responseSW returns the status word of a recorded response.
func (e exchangeRecord) responseSW(t *testing.T) iso7816.StatusWord {
	t.Helper()
	resp, err := iso7816.ParseResponse(e.response)
	if err != nil {
		t.Fatalf("recorded response %X: %v", e.response, err)
	}
	return resp.SW
}

// tries reads a retry counter straight from the card with GET DATA,
// bypassing the client: max and remaining.
func tries(t *testing.T, card *emulator.Card, tag uint16) [2]byte {
	t.Helper()
	out := card.Transmit([]byte{0x00, insGetData, byte(tag >> 8), byte(tag), 0x02})
	resp, err := iso7816.ParseResponse(out)
	if err != nil {
		t.Fatal(err)
	}
	if resp.SW != iso7816.SWSuccess || len(resp.Data) != 2 {
		t.Fatalf("GET DATA %04X answered %X", tag, out)
	}
	return [2]byte{resp.Data[0], resp.Data[1]}
}
