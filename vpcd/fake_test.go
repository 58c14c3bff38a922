package vpcd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests, so a broken Slot fails a
// test instead of hanging it.
const testTimeout = 5 * time.Second

var (
	testATR  = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0}
	okStatus = []byte{0x90, 0x00}
)

// fakeCard is a Card that records its calls. Transmit echoes the command
// followed by 9000 unless transmit is set.
type fakeCard struct {
	// transmit, when set, replaces the echo. It runs without mu held.
	transmit func(command []byte) []byte
	// powerOffGate, when set, makes PowerOff block until it is closed.
	powerOffGate chan struct{}

	mu        sync.Mutex
	commands  [][]byte
	resets    int
	powerOffs int
	changed   chan struct{}
}

func newFakeCard() *fakeCard {
	return &fakeCard{changed: make(chan struct{})}
}

func (c *fakeCard) ATR() []byte {
	return bytes.Clone(testATR)
}

func (c *fakeCard) Transmit(command []byte) []byte {
	c.record(func() { c.commands = append(c.commands, bytes.Clone(command)) })
	if c.transmit != nil {
		return c.transmit(command)
	}
	return append(bytes.Clone(command), okStatus...)
}

func (c *fakeCard) Reset() {
	c.record(func() { c.resets++ })
}

func (c *fakeCard) PowerOff() {
	if c.powerOffGate != nil {
		<-c.powerOffGate
	}
	c.record(func() { c.powerOffs++ })
}

// record applies update under mu and wakes every waitFor.
func (c *fakeCard) record(update func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	update()
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *fakeCard) counts() (commands, resets, powerOffs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.commands), c.resets, c.powerOffs
}

// waitFor waits until cond, called with mu held, returns true.
func (c *fakeCard) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timer := time.NewTimer(testTimeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		ok, changed := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for the card: %s", testTimeout, what)
		}
	}
}

func (c *fakeCard) waitPowerOffs(t *testing.T, n int) {
	t.Helper()
	c.waitFor(t, "PowerOff called "+strconv.Itoa(n)+" times", func() bool { return c.powerOffs >= n })
}

// fakeVPCD is vpcd for a Slot in normal mode. It listens on 127.0.0.1 and
// hands each connection the Slot makes to accept.
type fakeVPCD struct {
	ln    net.Listener
	conns chan net.Conn
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on 127.0.0.1:0: %v", err)
	}
	return serveFakeVPCD(t, ln)
}

// serveFakeVPCD accepts connections on ln until the test ends.
func serveFakeVPCD(t *testing.T, ln net.Listener) *fakeVPCD {
	f := &fakeVPCD{ln: ln, conns: make(chan net.Conn, 64)}
	var accepted []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, conn)
			mu.Unlock()
			f.conns <- conn
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range accepted {
			conn.Close()
		}
	})
	return f
}

func (f *fakeVPCD) addr() string {
	return f.ln.Addr().String()
}

// accept returns the next connection from the Slot.
func (f *fakeVPCD) accept(t *testing.T) *peer {
	t.Helper()
	select {
	case conn := <-f.conns:
		return &peer{t: t, conn: conn}
	case <-time.After(testTimeout):
		t.Fatalf("the Slot did not connect to %s within %v", f.addr(), testTimeout)
		return nil
	}
}

// expectNoConnection checks that the Slot does not connect within wait.
func (f *fakeVPCD) expectNoConnection(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case conn := <-f.conns:
		t.Errorf("the Slot connected from %s, want no connection within %v", conn.RemoteAddr(), wait)
		conn.Close()
	case <-time.After(wait):
	}
}

// peer is vpcd's end of one connection. It encodes and decodes frames by
// itself rather than with ReadFrame and WriteFrame, which are under test.
type peer struct {
	t    *testing.T
	conn net.Conn
}

func (p *peer) sendRaw(data []byte) {
	p.t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(testTimeout))
	if _, err := p.conn.Write(data); err != nil {
		p.t.Fatalf("peer writing %x: %v", data, err)
	}
}

func (p *peer) send(payload ...byte) {
	p.t.Helper()
	p.sendRaw(binary.BigEndian.AppendUint16(nil, uint16(len(payload))))
	p.sendRaw(payload)
}

func (p *peer) receive() []byte {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(testTimeout))
	var header [2]byte
	if _, err := io.ReadFull(p.conn, header[:]); err != nil {
		p.t.Fatalf("peer reading a frame header: %v", err)
	}
	payload := make([]byte, binary.BigEndian.Uint16(header[:]))
	if _, err := io.ReadFull(p.conn, payload); err != nil {
		p.t.Fatalf("peer reading a payload of %d bytes: %v", len(payload), err)
	}
	return payload
}

// exchange sends payload and returns the reply frame's payload.
func (p *peer) exchange(payload ...byte) []byte {
	p.t.Helper()
	p.send(payload...)
	return p.receive()
}

func (p *peer) expectATR() {
	p.t.Helper()
	if got := p.exchange(ControlGetATR); !bytes.Equal(got, testATR) {
		p.t.Fatalf("get ATR returned %x, want %x", got, testATR)
	}
}

// expectClosed checks that the Slot closes the connection without sending
// anything more. A reset counts as closed, because Linux resets a
// connection closed with unread data.
func (p *peer) expectClosed() {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(testTimeout))
	var buf [1]byte
	n, err := p.conn.Read(buf[:])
	if n > 0 {
		p.t.Fatalf("peer read %x, want the connection closed", buf[:n])
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p.t.Fatalf("the Slot kept the connection open for %v, want it closed", testTimeout)
	}
	if err == nil {
		p.t.Fatal("peer read nothing and no error, want the connection closed")
	}
}

func (p *peer) close() {
	p.conn.Close()
}

// freeLoopbackAddr returns a 127.0.0.1 address that nothing listens on
// right now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on 127.0.0.1:0: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// testLogger returns a logger that writes to the test log and counts
// warnings for waitWarnings.
func testLogger(t *testing.T) (*slog.Logger, *logRecorder) {
	recorder := &logRecorder{changed: make(chan struct{})}
	text := slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(&recordingHandler{Handler: text, recorder: recorder}), recorder
}

type logRecorder struct {
	mu       sync.Mutex
	warnings int
	changed  chan struct{}
}

// waitWarnings waits until at least n warnings have been logged.
func (r *logRecorder) waitWarnings(t *testing.T, n int) {
	t.Helper()
	timer := time.NewTimer(testTimeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		count, changed := r.warnings, r.changed
		r.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for %d warnings, got %d", testTimeout, n, count)
		}
	}
}

type recordingHandler struct {
	slog.Handler
	recorder *logRecorder
}

func (h *recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		h.recorder.mu.Lock()
		h.recorder.warnings++
		close(h.recorder.changed)
		h.recorder.changed = make(chan struct{})
		h.recorder.mu.Unlock()
	}
	return h.Handler.Handle(ctx, r)
}

func (h *recordingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &recordingHandler{Handler: h.Handler.WithAttrs(attrs), recorder: h.recorder}
}

func (h *recordingHandler) WithGroup(name string) slog.Handler {
	return &recordingHandler{Handler: h.Handler.WithGroup(name), recorder: h.recorder}
}

// newTestSlot returns a Slot for card at addr with short timeouts and the
// test's logger.
func newTestSlot(t *testing.T, card Card, addr string) *Slot {
	logger, _ := testLogger(t)
	return &Slot{
		Card:         card,
		Addr:         addr,
		Logger:       logger,
		StallTimeout: 200 * time.Millisecond,
		MinBackoff:   5 * time.Millisecond,
		MaxBackoff:   20 * time.Millisecond,
	}
}

// runSlot runs s until the test ends and returns a function that cancels
// it and a channel with Run's result. Cleanup fails the test if Run does
// not return within testTimeout of the cancel.
func runSlot(t *testing.T, s *Slot) (context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		result <- s.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(testTimeout):
			t.Errorf("Run did not return within %v of the cancel", testTimeout)
		}
	})
	return cancel, result
}

// waitResult returns Run's result, failing the test if it takes longer
// than testTimeout.
func waitResult(t *testing.T, result <-chan error) error {
	t.Helper()
	select {
	case err := <-result:
		return err
	case <-time.After(testTimeout):
		t.Fatalf("Run did not return within %v", testTimeout)
		return nil
	}
}

func waitConnected(t *testing.T, s *Slot) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
}
