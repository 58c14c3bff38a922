package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/language"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/internal/stacktest"
	"gcacard/pcsc"
)

// testAddr is the address the test servers pretend to listen on.
const testAddr = "127.0.0.1:8963"

// testOrigin is the origin of the pages of the test servers.
const testOrigin = "http://" + testAddr

// The secrets these tests type that are no fixture's secret. Each is a
// well-formed user code or PIN.
const (
	newPIN        = "Web7Pin2"
	otherPIN      = "Next8Pin"
	wrongUserCode = "Wr0ngCode"
	wrongPIN      = "Wr0ng123"
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

// testReader is a reader of testService; a nil card is an empty reader.
type testReader struct {
	name      string
	card      *emulator.Card
	transport *client.InProcess
}

// testService is a Service over emulator cards. It counts the APDUs sent
// and can hold Connect until a test releases it.
type testService struct {
	readers    []*testReader
	readersErr error
	transmits  atomic.Int64
	// hold, when not nil, blocks each Connect until it is closed, and
	// connecting receives a value when a Connect starts to wait.
	hold       chan struct{}
	connecting chan struct{}
}

func (s *testService) Readers() ([]pcsc.Reader, error) {
	if s.readersErr != nil {
		return nil, s.readersErr
	}
	out := make([]pcsc.Reader, len(s.readers))
	for i, r := range s.readers {
		out[i] = pcsc.Reader{Name: r.name, Present: r.card != nil}
		if r.card != nil {
			out[i].ATR = r.card.ATR()
		}
	}
	return out, nil
}

func (s *testService) Connect(name string) (Connection, error) {
	if s.hold != nil {
		s.connecting <- struct{}{}
		<-s.hold
	}
	for _, r := range s.readers {
		if r.name != name {
			continue
		}
		if r.card == nil {
			return nil, fmt.Errorf("SCardConnect: %w", pcsc.ErrNoCard)
		}
		return &testConnection{inner: r.transport, service: s}, nil
	}
	return nil, fmt.Errorf("SCardConnect: %w", pcsc.ErrUnknownReader)
}

// testConnection counts the APDUs that reach the card.
type testConnection struct {
	inner   client.Transport
	service *testService
}

func (c *testConnection) Transmit(command []byte) ([]byte, error) {
	c.service.transmits.Add(1)
	return c.inner.Transmit(command)
}

func (c *testConnection) Transaction(fn func() error) error { return c.inner.Transaction(fn) }
func (c *testConnection) Disconnect() error                 { return nil }

// harness is a Server over emulator cards in readers "Reader 0",
// "Reader 1" and so on, with its log in a buffer.
type harness struct {
	t       *testing.T
	server  *Server
	service *testService
	log     *stacktest.SyncBuffer
	// secrets must never appear in a response or the log.
	secrets []string
	// bodies are every response body, for the secrets check.
	bodies []string
}

// newHarness puts one card per profile into the readers; an empty profile
// name is an empty reader. The cards are made now, so their relative
// fixture dates are counted from today.
func newHarness(t *testing.T, profiles ...string) *harness {
	t.Helper()
	return newHarnessWith(t, Config{}, profiles...)
}

func newHarnessWith(t *testing.T, cfg Config, profiles ...string) *harness {
	t.Helper()
	h := &harness{t: t, service: &testService{}, log: &stacktest.SyncBuffer{}}
	now := time.Now()
	for i, name := range profiles {
		r := &testReader{name: fmt.Sprintf("Reader %d", i)}
		if name != "" {
			r.card = openCard(t, name, now)
			r.transport = &client.InProcess{Card: r.card}
			s := loadSecrets(t, name)
			h.secrets = append(h.secrets, s.PIN.Value, s.UserCode.Value)
		}
		h.service.readers = append(h.service.readers, r)
	}
	h.secrets = append(h.secrets, newPIN, otherPIN, wrongUserCode, wrongPIN)

	cfg.Addr = testAddr
	cfg.Service = h.service
	cfg.Logger = slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	server, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.server = server
	t.Cleanup(h.checkNoSecrets)
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

// checkNoSecrets fails the test when a response body or the log contains
// a secret.
func (h *harness) checkNoSecrets() {
	output := strings.Join(h.bodies, "\n") + h.log.String()
	for _, secret := range h.secrets {
		if secret != "" && strings.Contains(output, secret) {
			h.t.Errorf("a response or the log contains the secret %q\nlog:\n%s", secret, h.log.String())
		}
	}
}

// serve runs one request through the server's handler and records the
// response body.
func (h *harness) serve(r *http.Request) *httptest.ResponseRecorder {
	h.t.Helper()
	w := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(w, r)
	h.bodies = append(h.bodies, w.Body.String())
	return w
}

// pageRequest returns a GET of path as a browser sends it when the user
// types the address.
func pageRequest(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = testAddr
	r.Header.Set("Sec-Fetch-Site", "none")
	return r
}

var tokenPattern = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// token loads the activation page and returns its anti-CSRF token.
func (h *harness) token() string {
	h.t.Helper()
	w := h.serve(pageRequest("/"))
	if w.Code != http.StatusOK {
		h.t.Fatalf("GET / returned %d:\n%s", w.Code, w.Body)
	}
	m := tokenPattern.FindStringSubmatch(w.Body.String())
	if m == nil {
		h.t.Fatalf("GET / has no csrf-token meta element:\n%s", w.Body)
	}
	return m[1]
}

// apiRequest returns a POST of body to path as the page's script sends it,
// with token.
func apiRequest(path, token string, body any) *http.Request {
	data, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(data))
	r.Host = testAddr
	r.Header.Set("Origin", testOrigin)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(tokenHeader, token)
	return r
}

// post sends body to path with a fresh page token and decodes the JSON
// response into a map.
func (h *harness) post(path string, body any) (int, map[string]any) {
	h.t.Helper()
	return h.postIn(language.Und, path, body)
}

// postIn posts with an Accept-Language header for lang, or none for
// language.Und.
func (h *harness) postIn(lang language.Tag, path string, body any) (int, map[string]any) {
	h.t.Helper()
	r := apiRequest(path, h.token(), body)
	if lang != language.Und {
		r.Header.Set("Accept-Language", lang.String())
	}
	w := h.serve(r)
	return w.Code, decodeBody(h.t, w)
}

func decodeBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.NewDecoder(io.Reader(w.Body)).Decode(&out); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, w.Body)
	}
	return out
}

// wantField checks one string field of a JSON response.
func wantField(t *testing.T, body map[string]any, key, want string) {
	t.Helper()
	if got, _ := body[key].(string); got != want {
		t.Errorf("%s = %q, want %q\nbody: %v", key, got, want, body)
	}
}

// wantContains checks that a string field of a JSON response contains want.
func wantContains(t *testing.T, body map[string]any, key, want string) {
	t.Helper()
	if got, _ := body[key].(string); !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", key, got, want)
	}
}

// cardOf returns the card object of a JSON response.
func cardOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	card, ok := body["card"].(map[string]any)
	if !ok {
		t.Fatalf("answer has no card object: %v", body)
	}
	return card
}
