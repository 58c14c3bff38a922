package vpcd

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// selectFile is a SELECT FILE command APDU for the MF.
var selectFile = []byte{0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00}

// quietWait is how long a test waits to show that something does not
// happen. It bounds no expected event.
const quietWait = 300 * time.Millisecond

func TestSlotGetATR(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	runSlot(t, newTestSlot(t, card, vpcd.addr()))

	p := vpcd.accept(t)
	p.expectATR()
}

func TestSlotTransmit(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	runSlot(t, newTestSlot(t, card, vpcd.addr()))

	p := vpcd.accept(t)
	got := p.exchange(selectFile...)
	want := append(bytes.Clone(selectFile), okStatus...)
	if !bytes.Equal(got, want) {
		t.Errorf("response %x, want %x", got, want)
	}

	card.mu.Lock()
	defer card.mu.Unlock()
	if len(card.commands) != 1 || !bytes.Equal(card.commands[0], selectFile) {
		t.Errorf("card received %x, want one command %x", card.commands, selectFile)
	}
}

func TestSlotTransmitTwoByteCommand(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	card.transmit = func([]byte) []byte { return bytes.Clone(okStatus) }
	runSlot(t, newTestSlot(t, card, vpcd.addr()))

	// Two bytes are the shortest APDU: anything longer than 1 byte is a
	// command, not a control message.
	p := vpcd.accept(t)
	if got := p.exchange(0x00, 0x04); !bytes.Equal(got, okStatus) {
		t.Errorf("response %x, want %x", got, okStatus)
	}
	if commands, _, _ := card.counts(); commands != 1 {
		t.Errorf("card received %d commands, want 1", commands)
	}
}

func TestSlotPowerControls(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	runSlot(t, newTestSlot(t, card, vpcd.addr()))
	p := vpcd.accept(t)

	// The Slot handles frames in order and replies only to get ATR, so
	// each ATR shows that the control message before it has been handled.
	p.send(ControlPowerOff)
	p.expectATR()
	if _, resets, powerOffs := card.counts(); powerOffs != 1 || resets != 0 {
		t.Errorf("after power off: %d PowerOff and %d Reset calls, want 1 and 0", powerOffs, resets)
	}

	p.send(ControlPowerOn)
	p.expectATR()
	if _, resets, powerOffs := card.counts(); resets != 1 || powerOffs != 1 {
		t.Errorf("after power on: %d Reset and %d PowerOff calls, want 1 and 1", resets, powerOffs)
	}

	p.send(ControlReset)
	p.expectATR()
	if _, resets, powerOffs := card.counts(); resets != 2 || powerOffs != 1 {
		t.Errorf("after reset: %d Reset and %d PowerOff calls, want 2 and 1", resets, powerOffs)
	}
}

func TestSlotIgnoresUnknownControl(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	runSlot(t, newTestSlot(t, card, vpcd.addr()))
	p := vpcd.accept(t)

	// A reply to the unknown control would arrive before the ATR.
	for _, control := range []byte{0x03, 0x05, 0xFF} {
		p.send(control)
		p.expectATR()
	}
	commands, resets, powerOffs := card.counts()
	if commands != 0 || resets != 0 || powerOffs != 0 {
		t.Errorf("card got %d commands, %d Reset and %d PowerOff calls, want none", commands, resets, powerOffs)
	}
}

func TestSlotTrace(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	var mu sync.Mutex
	var traced [][2][]byte
	s.Trace = func(command, response []byte) {
		mu.Lock()
		defer mu.Unlock()
		traced = append(traced, [2][]byte{bytes.Clone(command), bytes.Clone(response)})
	}
	runSlot(t, s)

	p := vpcd.accept(t)
	response := p.exchange(selectFile...)
	p.expectATR()

	mu.Lock()
	defer mu.Unlock()
	if len(traced) != 1 {
		t.Fatalf("Trace was called %d times, want once for the one APDU", len(traced))
	}
	if !bytes.Equal(traced[0][0], selectFile) {
		t.Errorf("Trace saw command %x, want %x", traced[0][0], selectFile)
	}
	if !bytes.Equal(traced[0][1], response) {
		t.Errorf("Trace saw response %x, want %x as sent to vpcd", traced[0][1], response)
	}
}

// TestSlotBadFrames checks that each bad frame closes only its connection.
// The Slot reconnects and serves again, and the bad frame never reaches
// the card.
func TestSlotBadFrames(t *testing.T) {
	cases := []struct {
		name string
		// breakConnection sends the bad frame and leaves the connection open
		// unless the case is about closing it.
		breakConnection func(p *peer)
	}{
		{"zero length", func(p *peer) { p.sendRaw([]byte{0x00, 0x00}) }},
		{"length over MaxPayload", func(p *peer) {
			// One write, because the Slot may close before a second one.
			p.sendRaw(append([]byte{0x01, 0x2D}, make([]byte, 301)...))
		}},
		{"length over MaxPayload header only", func(p *peer) { p.sendRaw([]byte{0xFF, 0xFF}) }},
		{"truncated payload", func(p *peer) {
			p.sendRaw([]byte{0x00, 0x07, 0x00, 0xA4, 0x00})
			p.conn.(*net.TCPConn).CloseWrite()
		}},
		{"truncated header", func(p *peer) {
			p.sendRaw([]byte{0x00})
			p.conn.(*net.TCPConn).CloseWrite()
		}},
		{"stalled payload", func(p *peer) { p.sendRaw([]byte{0x00, 0x07, 0x00, 0xA4}) }},
		{"stalled header", func(p *peer) { p.sendRaw([]byte{0x00}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vpcd := newFakeVPCD(t)
			card := newFakeCard()
			s := newTestSlot(t, card, vpcd.addr())
			s.MaxPayload = 300
			runSlot(t, s)

			first := vpcd.accept(t)
			first.expectATR()
			first.exchange(selectFile...)
			c.breakConnection(first)
			first.expectClosed()

			second := vpcd.accept(t)
			second.expectATR()
			want := append(bytes.Clone(selectFile), okStatus...)
			if got := second.exchange(selectFile...); !bytes.Equal(got, want) {
				t.Errorf("after reconnecting: response %x, want %x", got, want)
			}
			if commands, _, _ := card.counts(); commands != 2 {
				t.Errorf("card received %d commands, want 2: the bad frame must not reach it", commands)
			}
			if !s.Connected() {
				t.Error("Connected() = false while the second connection serves")
			}
		})
	}
}

func TestSlotBadFrameLeavesOtherSlot(t *testing.T) {
	vpcdA, vpcdB := newFakeVPCD(t), newFakeVPCD(t)
	cardA, cardB := newFakeCard(), newFakeCard()
	runSlot(t, newTestSlot(t, cardA, vpcdA.addr()))
	runSlot(t, newTestSlot(t, cardB, vpcdB.addr()))
	peerA, peerB := vpcdA.accept(t), vpcdB.accept(t)
	peerA.expectATR()
	peerB.expectATR()

	peerA.sendRaw([]byte{0x00, 0x00})
	peerA.expectClosed()

	peerB.expectATR()
	want := append(bytes.Clone(selectFile), okStatus...)
	if got := peerB.exchange(selectFile...); !bytes.Equal(got, want) {
		t.Errorf("slot B response %x, want %x", got, want)
	}
	if _, _, powerOffs := cardB.counts(); powerOffs != 0 {
		t.Errorf("card B got %d PowerOff calls, want 0", powerOffs)
	}

	vpcdA.accept(t).expectATR()
	vpcdB.expectNoConnection(t, quietWait)
}

func TestSlotReconnectsAfterPeerCloses(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	runSlot(t, s)

	for i := 1; i <= 3; i++ {
		p := vpcd.accept(t)
		p.expectATR()
		if _, _, powerOffs := card.counts(); powerOffs != i-1 {
			t.Errorf("connection %d: %d PowerOff calls before it ends, want %d", i, powerOffs, i-1)
		}
		p.close()
		card.waitPowerOffs(t, i)
	}
	vpcd.accept(t).expectATR()
}

// TestSlotBacksOffAfterPeerCloses uses a backoff far longer than the
// test, so a second connection within quietWait means no backoff at all.
// A peer that accepts and closes at once would otherwise be redialled in
// a busy loop.
func TestSlotBacksOffAfterPeerCloses(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	s.MinBackoff = time.Hour
	s.MaxBackoff = time.Hour
	runSlot(t, s)

	vpcd.accept(t).close()
	card.waitPowerOffs(t, 1)
	vpcd.expectNoConnection(t, quietWait)
}

func TestSlotRetriesUntilPeerListens(t *testing.T) {
	addr := freeLoopbackAddr(t)
	card := newFakeCard()
	s := newTestSlot(t, card, addr)
	logger, logs := testLogger(t)
	s.Logger = logger
	runSlot(t, s)

	// Each failed dial logs one warning.
	logs.waitWarnings(t, 3)
	if s.Connected() {
		t.Fatal("Connected() = true with nothing listening")
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s after the Slot started: %v", addr, err)
	}
	vpcd := serveFakeVPCD(t, ln)
	vpcd.accept(t).expectATR()
	waitConnected(t, s)
}

func TestSlotFirstConnectTimeout(t *testing.T) {
	addr := freeLoopbackAddr(t)
	card := newFakeCard()
	s := newTestSlot(t, card, addr)
	s.FirstConnectTimeout = 100 * time.Millisecond
	_, result := runSlot(t, s)

	err := waitResult(t, result)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Run returned %v, want an error wrapping ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name the address %s", err, addr)
	}
	if s.Connected() {
		t.Error("Connected() = true after Run failed")
	}
}

func TestSlotFirstConnectTimeoutAfterConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on 127.0.0.1:0: %v", err)
	}
	vpcd := serveFakeVPCD(t, ln)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	s.FirstConnectTimeout = 50 * time.Millisecond
	_, result := runSlot(t, s)

	// Once connected, losing vpcd for longer than FirstConnectTimeout is
	// a reconnect, not a failure to start.
	p := vpcd.accept(t)
	p.expectATR()
	ln.Close()
	p.close()
	card.waitPowerOffs(t, 1)
	select {
	case err := <-result:
		t.Fatalf("Run returned %v after vpcd went away, want it to keep retrying", err)
	case <-time.After(quietWait):
	}
}

func TestSlotRemoveAndInsert(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	if s.Connected() {
		t.Error("Connected() = true before Run")
	}
	runSlot(t, s)

	first := vpcd.accept(t)
	waitConnected(t, s)
	first.expectATR()

	s.Remove()
	first.expectClosed()
	card.waitPowerOffs(t, 1)
	waitDisconnected(t, s)
	vpcd.expectNoConnection(t, quietWait)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.WaitConnected(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitConnected while removed returned %v, want context.DeadlineExceeded", err)
	}

	s.Insert()
	second := vpcd.accept(t)
	waitConnected(t, s)
	second.expectATR()
}

// TestSlotRemoveBeforeRun checks that a card removed before Run starts
// stays out until Insert.
func TestSlotRemoveBeforeRun(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	s.Remove()
	runSlot(t, s)

	vpcd.expectNoConnection(t, quietWait)
	s.Insert()
	vpcd.accept(t).expectATR()
	waitConnected(t, s)
}

// TestSlotRemoveClearsConnected checks that Connected reports false as
// soon as Remove returns. The card's PowerOff blocks to hold the serving
// goroutine before its own cleanup, as a slow card would.
func TestSlotRemoveClearsConnected(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	card.powerOffGate = make(chan struct{})
	s := newTestSlot(t, card, vpcd.addr())
	runSlot(t, s)
	// Registered after runSlot, so it runs first and lets Run return.
	t.Cleanup(func() { close(card.powerOffGate) })

	vpcd.accept(t).expectATR()
	waitConnected(t, s)

	s.Remove()
	if s.Connected() {
		t.Error("Connected() = true after Remove returned, want false: the connection is closed")
	}
}

// waitDisconnected polls Connected, because the Slot has no call that
// waits for a disconnect.
func waitDisconnected(t *testing.T, s *Slot) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for s.Connected() {
		if time.Now().After(deadline) {
			t.Fatalf("Connected() still true %v after the connection closed", testTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSlotCancelReturnsNil(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	s := newTestSlot(t, card, vpcd.addr())
	cancel, result := runSlot(t, s)
	p := vpcd.accept(t)
	p.expectATR()

	cancel()
	if err := waitResult(t, result); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	p.expectClosed()
	if _, _, powerOffs := card.counts(); powerOffs != 1 {
		t.Errorf("%d PowerOff calls after the connection ended, want 1", powerOffs)
	}
	if s.Connected() {
		t.Error("Connected() = true after Run returned")
	}
}

func TestSlotCancelWhileRetrying(t *testing.T) {
	card := newFakeCard()
	s := newTestSlot(t, card, freeLoopbackAddr(t))
	s.MinBackoff = time.Hour
	s.MaxBackoff = time.Hour
	logger, logs := testLogger(t)
	s.Logger = logger
	cancel, result := runSlot(t, s)

	logs.waitWarnings(t, 1)
	cancel()
	if err := waitResult(t, result); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}

func TestSlotCancelWhileRemoved(t *testing.T) {
	vpcd := newFakeVPCD(t)
	s := newTestSlot(t, newFakeCard(), vpcd.addr())
	s.Remove()
	cancel, result := runSlot(t, s)

	cancel()
	if err := waitResult(t, result); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}

func TestSlotCancelFinishesTransmit(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newFakeCard()
	entered := make(chan struct{})
	release := make(chan struct{})
	card.transmit = func(command []byte) []byte {
		close(entered)
		<-release
		return bytes.Clone(okStatus)
	}
	s := newTestSlot(t, card, vpcd.addr())
	cancel, result := runSlot(t, s)
	p := vpcd.accept(t)

	p.send(selectFile...)
	select {
	case <-entered:
	case <-time.After(testTimeout):
		t.Fatalf("Transmit was not called within %v", testTimeout)
	}
	cancel()
	close(release)

	if got := p.receive(); !bytes.Equal(got, okStatus) {
		t.Errorf("response %x, want %x", got, okStatus)
	}
	p.expectClosed()
	if err := waitResult(t, result); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}

func TestSlotReversed(t *testing.T) {
	listen := freeLoopbackAddr(t)
	card := newFakeCard()
	s := newTestSlot(t, card, "")
	s.Listen = listen
	runSlot(t, s)

	p := dialSlot(t, listen)
	p.expectATR()
	want := append(bytes.Clone(selectFile), okStatus...)
	if got := p.exchange(selectFile...); !bytes.Equal(got, want) {
		t.Errorf("response %x, want %x", got, want)
	}
	waitConnected(t, s)

	// vpcd connects again after it closes or after a bad frame.
	p.close()
	card.waitPowerOffs(t, 1)
	p = dialSlot(t, listen)
	p.sendRaw([]byte{0x00, 0x00})
	p.expectClosed()
	card.waitPowerOffs(t, 2)
	dialSlot(t, listen).expectATR()
}

func TestSlotReversedRemove(t *testing.T) {
	listen := freeLoopbackAddr(t)
	card := newFakeCard()
	s := newTestSlot(t, card, "")
	s.Listen = listen
	runSlot(t, s)

	p := dialSlot(t, listen)
	p.expectATR()
	s.Remove()
	p.expectClosed()

	// While removed, the Slot closes each connection vpcd makes.
	dialSlot(t, listen).expectClosed()

	s.Insert()
	dialSlot(t, listen).expectATR()
}

func TestSlotReversedCancel(t *testing.T) {
	listen := freeLoopbackAddr(t)
	s := newTestSlot(t, newFakeCard(), "")
	s.Listen = listen
	cancel, result := runSlot(t, s)
	p := dialSlot(t, listen)
	p.expectATR()

	cancel()
	if err := waitResult(t, result); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	p.expectClosed()
	if conn, err := net.Dial("tcp", listen); err == nil {
		conn.Close()
		t.Errorf("dialing %s after Run returned succeeded, want the listener closed", listen)
	}
}

// dialSlot connects to a Slot in reversed mode as vpcd would, retrying
// until the Slot listens.
func dialSlot(t *testing.T, addr string) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var dialer net.Dialer
	for {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			t.Cleanup(func() { conn.Close() })
			return &peer{t: t, conn: conn}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("dialing the Slot at %s: %v", addr, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestSlotRejectsNonLoopback(t *testing.T) {
	cases := []struct {
		name   string
		addr   string
		listen string
	}{
		{"Addr any", "0.0.0.0:1", ""},
		{"Addr documentation net", "192.0.2.1:35963", ""},
		{"Addr host name", "example.com:1", ""},
		{"Addr private", "10.0.0.1:35963", ""},
		{"Listen any", "", "0.0.0.0:1"},
		{"Listen documentation net", "", "192.0.2.1:35963"},
		{"Listen host name", "", "example.com:1"},
		{"Listen all interfaces", "", ":35963"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			card := newFakeCard()
			s := newTestSlot(t, card, c.addr)
			s.Listen = c.listen
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()

			err := s.Run(ctx)
			if err == nil {
				t.Fatal("Run returned nil, want an error for the non-loopback address")
			}
			if ctx.Err() != nil {
				t.Fatalf("Run returned %v only after the context ended, want an error at once", err)
			}
			if !strings.Contains(err.Error(), "loopback") {
				t.Errorf("error %q does not say the address must be on loopback", err)
			}
			commands, resets, powerOffs := card.counts()
			if commands+resets+powerOffs != 0 {
				t.Errorf("card was called (%d commands, %d Reset, %d PowerOff), want no calls", commands, resets, powerOffs)
			}
			if s.Connected() {
				t.Error("Connected() = true after Run failed")
			}
		})
	}
}

// TestSlotPeerNotReading fills the socket buffers with get ATR frames and
// never reads a reply. The Slot must close the connection once a reply
// write stalls, and serve the next connection.
func TestSlotPeerNotReading(t *testing.T) {
	vpcd := newFakeVPCD(t)
	s := newTestSlot(t, newFakeCard(), vpcd.addr())
	runSlot(t, s)
	first := vpcd.accept(t)
	first.expectATR()

	floodUntilBlocked(t, first)

	second := vpcd.accept(t)
	second.expectATR()
	first.close()
}

// TestSlotCancelWhilePeerNotReading checks that Run returns after a
// cancel even while a reply write is blocked: the write gives up after
// StallTimeout, which is longer here than the wait that finds it blocked.
func TestSlotCancelWhilePeerNotReading(t *testing.T) {
	vpcd := newFakeVPCD(t)
	s := newTestSlot(t, newFakeCard(), vpcd.addr())
	s.StallTimeout = 2 * quietWait
	s.MinBackoff, s.MaxBackoff = time.Hour, time.Hour
	cancel, result := runSlot(t, s)
	p := vpcd.accept(t)
	p.expectATR()

	floodUntilBlocked(t, p)
	cancel()
	if err := waitResult(t, result); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	p.close()
}

// floodUntilBlocked writes get ATR frames without reading until a write
// makes no progress at all for quietWait, that is, until the Slot's
// replies fill the socket buffers and the Slot stops reading.
func floodUntilBlocked(t *testing.T, p *peer) {
	t.Helper()
	chunk := bytes.Repeat([]byte{0x00, 0x01, ControlGetATR}, 16*1024)
	// offset keeps frames whole across partial writes.
	for sent, offset := 0, 0; ; {
		if sent > 1<<30 {
			t.Fatal("the Slot read 1 GiB of frames while its replies were not read")
		}
		p.conn.SetWriteDeadline(time.Now().Add(quietWait))
		n, err := p.conn.Write(chunk[offset:])
		sent += n
		offset = (offset + n) % len(chunk)
		// A write that makes no progress, or one that fails because the
		// Slot has already given up the connection, ends the flood.
		if err != nil && (n == 0 || !errors.Is(err, os.ErrDeadlineExceeded)) {
			return
		}
	}
}
