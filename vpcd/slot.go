package vpcd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// Card is the card a Slot serves. The emulator's Card has these methods.
type Card interface {
	ATR() []byte
	Transmit(command []byte) []byte
	Reset()
	PowerOff()
}

// Defaults of a Slot's settings.
const (
	DefaultStallTimeout = 5 * time.Second
	DefaultMinBackoff   = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
)

// stableConnection is how long a connection must last for the backoff
// before the next connection to start again from MinBackoff.
const stableConnection = 2 * time.Second

// ErrUnreachable is returned by Run when the first connection to vpcd
// could not be made within FirstConnectTimeout.
var ErrUnreachable = errors.New("vpcd not reachable")

// Slot is a card in one vpcd reader slot. In normal mode it connects to
// vpcd at Addr; in reversed mode (Listen set) it listens for vpcd to
// connect. It keeps the card inserted until Remove, reconnecting with a
// capped backoff when vpcd goes away.
type Slot struct {
	Card Card
	// Addr is vpcd's address in normal mode, SlotAddr(0) when empty.
	Addr string
	// Listen is the loopback address to listen on in reversed mode.
	Listen string
	Logger *slog.Logger
	// Trace, when set, receives every command and response APDU. It must
	// redact secrets itself.
	Trace func(command, response []byte)
	// StallTimeout bounds the time from a frame's first byte to its last,
	// and the time that writing one reply may take: a stalled frame or
	// reply closes the connection after StallTimeout/2 to StallTimeout.
	StallTimeout time.Duration
	// MaxPayload is the largest frame payload accepted, MaxPayload when 0.
	MaxPayload int
	// MinBackoff and MaxBackoff bound the wait between reconnects.
	MinBackoff, MaxBackoff time.Duration
	// FirstConnectTimeout, when positive, makes Run return ErrUnreachable
	// if the first connection is not made in time.
	FirstConnectTimeout time.Duration

	mu        sync.Mutex
	removed   bool
	conn      net.Conn
	connected bool
	changed   chan struct{}
}

// Run serves the card until ctx is cancelled. It finishes the APDU in
// progress, closes the connection and returns nil; it returns an error only
// when it cannot start.
func (s *Slot) Run(ctx context.Context) error {
	s.init()
	if s.Listen != "" {
		return s.runReversed(ctx)
	}
	if err := CheckLoopback(s.Addr); err != nil {
		return err
	}
	return s.runNormal(ctx)
}

func (s *Slot) init() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Addr == "" {
		s.Addr = SlotAddr(0)
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.StallTimeout <= 0 {
		s.StallTimeout = DefaultStallTimeout
	}
	if s.MaxPayload <= 0 || s.MaxPayload > MaxPayload {
		s.MaxPayload = MaxPayload
	}
	if s.MinBackoff <= 0 {
		s.MinBackoff = DefaultMinBackoff
	}
	if s.MaxBackoff < s.MinBackoff {
		s.MaxBackoff = max(DefaultMaxBackoff, s.MinBackoff)
	}
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
}

func (s *Slot) runNormal(ctx context.Context) error {
	log := s.Logger.With("addr", s.Addr)
	start := time.Now()
	everConnected := false
	backoff := s.MinBackoff
	var dialer net.Dialer

	for attempt := 1; ctx.Err() == nil; attempt++ {
		if s.waitInserted(ctx) != nil {
			break
		}
		conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !everConnected && s.FirstConnectTimeout > 0 && time.Since(start) >= s.FirstConnectTimeout {
				return fmt.Errorf("%w at %s: %v", ErrUnreachable, s.Addr, err)
			}
			log.Warn("vpcd not reachable, retrying", "attempt", attempt, "retry_in", backoff, "err", err)
			s.sleep(ctx, backoff)
			backoff = min(2*backoff, s.MaxBackoff)
			continue
		}

		everConnected, attempt = true, 0
		connected := time.Now()
		s.serve(ctx, conn, log)

		// A connection that ends at once (a peer that accepts and closes)
		// must not turn into a busy loop of redials.
		if time.Since(connected) >= stableConnection {
			backoff = s.MinBackoff
		}
		s.sleep(ctx, backoff)
		backoff = min(2*backoff, s.MaxBackoff)
	}
	log.Info("slot stopped")
	return nil
}

func (s *Slot) runReversed(ctx context.Context) error {
	if err := CheckLoopback(s.Listen); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("listening for vpcd on %s: %w", s.Listen, err)
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	log := s.Logger.With("listen", ln.Addr().String())
	log.Info("waiting for vpcd to connect")

	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				log.Info("slot stopped")
				return nil
			}
			return fmt.Errorf("accepting vpcd on %s: %w", s.Listen, err)
		}
		if s.isRemoved() {
			log.Info("card removed, closing vpcd's connection")
			conn.Close()
			continue
		}
		s.serve(ctx, conn, log.With("peer", conn.RemoteAddr().String()))
	}
}

// sleep waits for d, a cancelled ctx or an Insert.
func (s *Slot) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-s.changedChan():
	}
}

// waitInserted blocks while the card is removed.
func (s *Slot) waitInserted(ctx context.Context) error {
	for s.isRemoved() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.changedChan():
		}
	}
	return nil
}

func (s *Slot) changedChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// notify wakes every waiter; the caller holds s.mu.
func (s *Slot) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Slot) isRemoved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removed
}

// card returns the card being served.
func (s *Slot) card() Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Card
}

// SwapCard replaces the card behind a connected reader without a removal,
// as if another card with the same ATR had been inserted between two
// commands. The new card starts with a clear security status, as after
// power-on. The harness uses it to give
// each spec a fresh card without waiting for pcscd to notice a removal
// and an insertion.
func (s *Slot) SwapCard(c Card) {
	c.PowerOff()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Card = c
}

// Remove takes the card out of the reader: it closes the connection to
// vpcd and keeps it closed until Insert.
func (s *Slot) Remove() {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed = true
	if s.conn != nil {
		s.conn.Close()
	}
	s.connected = false
	s.notify()
}

// Insert puts the card back after Remove.
func (s *Slot) Insert() {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed = false
	s.notify()
}

// Connected reports whether vpcd is connected, that is, whether pcscd can
// see the card.
func (s *Slot) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// WaitConnected waits until vpcd is connected or ctx ends.
func (s *Slot) WaitConnected(ctx context.Context) error {
	s.init()
	for {
		s.mu.Lock()
		ok, ch := s.connected, s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (s *Slot) setConn(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return false
	}
	s.conn, s.connected = conn, true
	s.notify()
	return true
}

func (s *Slot) clearConn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn, s.connected = nil, false
	s.notify()
}

// serve replies to vpcd on one connection until it closes, breaks the
// protocol or ctx ends. A bad frame closes only this connection.
func (s *Slot) serve(ctx context.Context, conn net.Conn, log *slog.Logger) {
	defer conn.Close()
	if !s.setConn(conn) {
		return
	}
	defer s.clearConn()
	defer func() { s.card().PowerOff() }()

	var in io.Reader = conn
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
		setQuickAck(tcp)
		in = quickAckReader{tcp}
	}
	dl := &deadlines{conn: conn}
	stop := context.AfterFunc(ctx, dl.interrupt)
	defer stop()
	br := bufio.NewReaderSize(in, frameBufferSize)
	out := &replyWriter{conn: conn, timeout: s.StallTimeout}
	log.Info("card inserted: connected to vpcd")

	for {
		payload, err := s.readFrame(br, dl)
		if err != nil {
			s.logReadError(ctx, log, err)
			return
		}

		if err := s.handle(out, payload, log); err != nil {
			s.logWriteError(log, err)
			return
		}
	}
}

func (s *Slot) logReadError(ctx context.Context, log *slog.Logger, err error) {
	switch {
	case ctx.Err() != nil:
		log.Info("card removed: stopping")
	case s.isRemoved():
		log.Info("card removed")
	case errors.Is(err, io.EOF):
		log.Info("card removed: vpcd closed the connection")
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Warn("closing the connection to vpcd: frame stalled", "timeout", s.StallTimeout)
	default:
		log.Warn("closing the connection to vpcd", "err", err)
	}
}

func (s *Slot) logWriteError(log *slog.Logger, err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		log.Warn("closing the connection to vpcd: writing a reply timed out, vpcd is not reading", "timeout", s.StallTimeout)
		return
	}
	log.Warn("closing the connection to vpcd: writing a reply failed", "err", err)
}

// frameBufferSize is the read buffer of a connection, large enough for the
// frame of a short APDU.
const frameBufferSize = 4096

// readFrame waits for the next frame without a time limit, then bounds the
// rest of it by StallTimeout. The read deadline moves only when less than
// half of StallTimeout is left, because moving it on every frame costs
// about 10 µs per APDU through pcscd (measured with make bench). So a
// stalled frame ends after StallTimeout/2 to StallTimeout.
func (s *Slot) readFrame(br *bufio.Reader, dl *deadlines) ([]byte, error) {
	for {
		_, err := br.Peek(1)
		if err == nil {
			break
		}
		// A deadline left from the last frame does not limit the wait
		// between frames.
		if !errors.Is(err, os.ErrDeadlineExceeded) || !dl.clear() {
			return nil, err
		}
	}
	dl.extend(s.StallTimeout)
	return ReadFrame(br, s.MaxPayload, nil)
}

// replyWriter writes replies under a write deadline, so that a peer that
// stops reading cannot block the slot, or its shutdown, for longer than
// timeout. Like the read deadline, it moves only when less than half of
// timeout is left, so a blocked write ends after timeout/2 to timeout.
type replyWriter struct {
	conn     net.Conn
	timeout  time.Duration
	deadline time.Time
}

func (w *replyWriter) Write(p []byte) (int, error) {
	now := time.Now()
	if w.deadline.Sub(now) < w.timeout/2 {
		w.deadline = now.Add(w.timeout)
		w.conn.SetWriteDeadline(w.deadline)
	}
	return w.conn.Write(p)
}

// handle replies to one frame's payload.
func (s *Slot) handle(w io.Writer, payload []byte, log *slog.Logger) error {
	if len(payload) > 1 {
		resp := s.card().Transmit(payload)
		if s.Trace != nil {
			s.Trace(payload, resp)
		}
		return WriteFrame(w, resp)
	}

	switch payload[0] {
	case ControlPowerOff:
		log.Debug("power off")
		s.card().PowerOff()
	case ControlPowerOn:
		log.Debug("power on")
		s.card().Reset()
	case ControlReset:
		log.Debug("reset")
		s.card().Reset()
	case ControlGetATR:
		return WriteFrame(w, s.card().ATR())
	default:
		log.Warn("ignoring an unknown control message from vpcd", "control", payload[0])
	}
	return nil
}

// deadlines sets read deadlines on a connection without undoing an
// interrupt that cancellation has already set.
type deadlines struct {
	mu          sync.Mutex
	conn        net.Conn
	interrupted bool
	read        time.Time // the read deadline set, zero for none
}

// extend makes the read deadline at least timeout/2 away, moving it to
// timeout from now when it is closer.
func (d *deadlines) extend(timeout time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	if d.interrupted || (!d.read.IsZero() && d.read.Sub(now) >= timeout/2) {
		return
	}
	d.read = now.Add(timeout)
	d.conn.SetReadDeadline(d.read)
}

// clear removes the read deadline. It reports false, and leaves the
// deadline, once cancellation has interrupted the connection.
func (d *deadlines) clear() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.interrupted {
		return false
	}
	d.read = time.Time{}
	d.conn.SetReadDeadline(d.read)
	return true
}

func (d *deadlines) interrupt() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.interrupted = true
	d.conn.SetReadDeadline(time.Now())
}
