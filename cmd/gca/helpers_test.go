package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/pcsc"
)

// loadSecrets returns a fixture card's profile, whose PIN and user code
// are the secrets a holder would know.
func loadSecrets(t *testing.T, profile string) *fixtures.Profile {
	t.Helper()
	p, err := fixtures.Load(profile)
	if err != nil {
		t.Fatalf("loading profile %s: %v", profile, err)
	}
	return p
}

// testReader is a reader of testService. An empty reader has no card and
// no transport.
type testReader struct {
	name      string
	card      *emulator.Card
	transport client.Transport
	mute      bool
}

// testService is a readerService over emulator cards. It counts every
// APDU sent and lets a test intercept them.
type testService struct {
	readers   []*testReader
	transmits atomic.Int64
	// secretAPDUs counts the APDUs that carry a secret or use a try.
	secretAPDUs atomic.Int64
	// intercept, when set, receives each command APDU first: when it returns
	// handled, its response and error replace the card's.
	intercept func(command []byte) (response []byte, err error, handled bool)
	closed    atomic.Bool
}

func (s *testService) Readers() ([]pcsc.Reader, error) {
	out := make([]pcsc.Reader, len(s.readers))
	for i, r := range s.readers {
		out[i] = pcsc.Reader{Name: r.name, Present: r.present(), Mute: r.mute}
		if r.card != nil {
			out[i].ATR = r.card.ATR()
		}
	}
	return out, nil
}

func (r *testReader) present() bool { return (r.card != nil || r.transport != nil) && !r.mute }

func (s *testService) find(name string) *testReader {
	for _, r := range s.readers {
		if r.name == name {
			return r
		}
	}
	return nil
}

func (s *testService) WaitCard(ctx context.Context, name string) (pcsc.Reader, error) {
	r := s.find(name)
	if r == nil {
		return pcsc.Reader{}, fmt.Errorf("SCardGetStatusChange: %w", pcsc.ErrUnknownReader)
	}
	if r.present() {
		return pcsc.Reader{Name: name, Present: true}, nil
	}
	<-ctx.Done()
	return pcsc.Reader{}, ctx.Err()
}

func (s *testService) Connect(name string) (client.Transport, error) {
	r := s.find(name)
	if r == nil || !r.present() {
		return nil, fmt.Errorf("SCardConnect: %w", pcsc.ErrNoCard)
	}
	inner := r.transport
	if inner == nil {
		inner = &client.InProcess{Card: r.card}
	}
	return &countingTransport{inner: inner, service: s}, nil
}

func (s *testService) Close() { s.closed.Store(true) }

// countingTransport counts the APDUs that reach the card.
type countingTransport struct {
	inner   client.Transport
	service *testService
}

func (t *countingTransport) Transmit(command []byte) ([]byte, error) {
	t.service.transmits.Add(1)
	if carriesSecret(command) {
		t.service.secretAPDUs.Add(1)
	}
	if t.service.intercept != nil {
		if resp, err, handled := t.service.intercept(command); handled {
			return resp, err
		}
	}
	return t.inner.Transmit(command)
}

func (t *countingTransport) Transaction(fn func() error) error { return t.inner.Transaction(fn) }

// carriesSecret reports whether command carries a secret or may use a
// try: VERIFY with data, CHANGE REFERENCE DATA, RESET RETRY COUNTER or
// EXTERNAL AUTHENTICATE. A VERIFY without data only reads the tries left.
func carriesSecret(command []byte) bool {
	if len(command) < 4 {
		return false
	}
	switch command[1] {
	case 0x24, 0x2C, 0x82:
		return true
	case 0x20:
		return len(command) > 5
	}
	return false
}

// unknownCard returns 6A82 for every command, as a card without the GCA
// files does.
type unknownCard struct{}

func (unknownCard) Transmit([]byte) ([]byte, error)   { return []byte{0x6A, 0x82}, nil }
func (unknownCard) Transaction(fn func() error) error { return fn() }

// fakeTerminal is a terminal that types secrets and records prompts.
type fakeTerminal struct {
	typed   []string
	prompts []string
}

func (f *fakeTerminal) ReadSecret(prompt string) (string, error) {
	f.prompts = append(f.prompts, prompt)
	if len(f.typed) == 0 {
		return "", io.EOF
	}
	next := f.typed[0]
	f.typed = f.typed[1:]
	return next, nil
}

// harness runs gca against emulator cards in test readers.
type harness struct {
	t       *testing.T
	service *testService
	// made is when the cards were made, and clock the time gca reads.
	made, clock time.Time
	env         map[string]string
	openErr     error
	terminal    *fakeTerminal
	// secrets must never appear in gca's output.
	secrets []string
}

// newHarness puts one card per profile into readers "Reader 0", "Reader
// 1", and so on. An empty profile name is an empty reader.
func newHarness(t *testing.T, profiles ...string) *harness {
	t.Helper()
	now := time.Now()
	h := &harness{t: t, service: &testService{}, made: now, clock: now, env: map[string]string{}}
	for i, name := range profiles {
		r := &testReader{name: fmt.Sprintf("Reader %d", i)}
		if name != "" {
			r.card = openCard(t, name, now)
			s := loadSecrets(t, name)
			h.secrets = append(h.secrets, s.PIN.Value, s.UserCode.Value)
		}
		h.service.readers = append(h.service.readers, r)
	}
	return h
}

func openCard(t *testing.T, profile string, now time.Time) *emulator.Card {
	t.Helper()
	p, err := fixtures.Load(profile)
	if err != nil {
		t.Fatalf("loading profile %s: %v", profile, err)
	}
	card, err := fixtures.OpenCard(p, &emulator.MemoryStore{}, now, emulator.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("opening card %s: %v", profile, err)
	}
	return card
}

// outcome is one run of gca.
type outcome struct {
	stdout, stderr string
	code           int
	// transmits is the number of APDUs sent during the run, and secrets
	// those of them that carry a secret or use a try.
	transmits, secrets int64
}

func (o outcome) output() string { return o.stdout + o.stderr }

// run runs gca with stdin as standard input and checks that no secret
// appears in its output: neither a fixture secret nor a line of stdin.
func (h *harness) run(stdin string, args ...string) outcome {
	h.t.Helper()
	sys := system{
		openService: func() (readerService, error) {
			if h.openErr != nil {
				return nil, h.openErr
			}
			return h.service, nil
		},
		now: func() time.Time { return h.clock },
		terminal: func(io.Reader, io.Writer) (secretSource, bool) {
			if h.terminal == nil {
				return nil, false
			}
			return h.terminal, true
		},
	}
	var stdout, stderr bytes.Buffer
	before, secretsBefore := h.service.transmits.Load(), h.service.secretAPDUs.Load()
	code := run(args, strings.NewReader(stdin), &stdout, &stderr, func(name string) string { return h.env[name] }, sys)
	o := outcome{stdout: stdout.String(), stderr: stderr.String(), code: code, transmits: h.service.transmits.Load() - before,
		secrets: h.service.secretAPDUs.Load() - secretsBefore}

	secrets := append([]string(nil), h.secrets...)
	secrets = append(secrets, strings.Split(stdin, "\n")...)
	if h.terminal != nil {
		secrets = append(secrets, h.terminal.typed...)
	}
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if len(s) >= 5 && strings.Contains(o.output(), s) {
			h.t.Errorf("gca %s printed the secret %q:\n%s", strings.Join(args, " "), s, o.output())
		}
	}
	return o
}

// lines joins secrets as --stdin reads them.
func lines(values ...string) string { return strings.Join(values, "\n") + "\n" }

func (o outcome) wantCode(t *testing.T, want int) {
	t.Helper()
	if o.code != want {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", o.code, want, o.stdout, o.stderr)
	}
}

func (o outcome) wantOutput(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if !strings.Contains(o.output(), text) {
			t.Errorf("output does not contain %q\nstdout:\n%s\nstderr:\n%s", text, o.stdout, o.stderr)
		}
	}
}

func (o outcome) wantNoAPDU(t *testing.T) {
	t.Helper()
	if o.transmits != 0 {
		t.Errorf("%d APDUs sent, want none", o.transmits)
	}
}

// wantNoSecretAPDU checks that no APDU carried a secret or used a try:
// reading the card's state is allowed.
func (o outcome) wantNoSecretAPDU(t *testing.T) {
	t.Helper()
	if o.secrets != 0 {
		t.Errorf("%d APDUs carrying a secret sent, want none", o.secrets)
	}
}

// decodeJSON parses stdout as one JSON object into v.
func (o outcome) decodeJSON(t *testing.T, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(o.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not the expected JSON: %v\n%s", err, o.stdout)
	}
}

// blocker holds intercepted commands until stop, as a card that stopped
// responding.
type blocker struct {
	once    sync.Once
	release chan struct{}
}

func newBlocker() *blocker { return &blocker{release: make(chan struct{})} }

func (b *blocker) stop() { b.once.Do(func() { close(b.release) }) }
