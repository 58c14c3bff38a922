// Package stacktest helps tests run gcacard against the real PC/SC stack:
// pcscd with vsmartcard's vpcd reader driver. It checks that the stack is
// there, serialises the use of the two vpcd readers across test processes,
// waits for cards through PC/SC, and builds and runs the gcacard command.
//
// Only tests import it. Every helper that takes a testing.TB fails the test
// on error, and every wait is bounded.
package stacktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"gcacard/internal/flock"
	"gcacard/vpcd"
)

// Paths of the PC/SC stack as Debian 12's pcscd and vsmartcard-vpcd
// packages install it.
const (
	PCSCDSocket  = "/run/pcscd/pcscd.comm"
	PCSCDPIDFile = "/run/pcscd/pcscd.pid"
	VPCDDriver   = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

// Slots is the number of readers that Debian's vpcd configuration gives:
// "Virtual PCD 00 00" (vpcd port 35963) and "Virtual PCD 00 01" (35964).
const Slots = 2

// LockTimeout bounds how long LockSlot waits for another test process to
// release a slot.
const LockTimeout = 10 * time.Minute

// RequirePCSCD fails the test unless pcscd is listening on PCSCDSocket and
// the vpcd driver is installed. It fails rather than skips, so that a run
// without the stack cannot pass by testing nothing.
func RequirePCSCD(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(VPCDDriver); err != nil {
		t.Fatalf("vpcd driver %s not found (%v): install it with `make deps` (Debian package vsmartcard-vpcd), then restart pcscd", VPCDDriver, err)
	}
	live, err := SocketIsLive()
	if err != nil {
		t.Fatalf("checking whether pcscd listens on %s: %v", PCSCDSocket, err)
	}
	if !live {
		t.Fatalf("pcscd is not running (no process listens on %s): run the tests with `make test` or `scripts/with-pcscd.sh go test ./...`, or start pcscd as root with `pcscd --foreground &`", PCSCDSocket)
	}
}

// SocketIsLive reports whether a process listens on PCSCDSocket. A socket
// file left behind by a killed pcscd is not live: /proc/net/unix lists the
// path of bound sockets only.
func SocketIsLive() (bool, error) {
	if fi, err := os.Stat(PCSCDSocket); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return false, nil
	}
	table, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return false, err
	}
	for line := range strings.SplitSeq(string(table), "\n") {
		if strings.HasSuffix(line, " "+PCSCDSocket) {
			return true, nil
		}
	}
	return false, nil
}

// ReaderName returns the PC/SC name of the vpcd reader of slot, such as
// "Virtual PCD 00 00" for slot 0. The first "00" is pcscd's index of the
// vpcd driver, which is 00 when vpcd is the only reader driver configured.
func ReaderName(slot int) string {
	return fmt.Sprintf("Virtual PCD 00 %02X", slot)
}

// LockPath returns the lock file of a vpcd slot.
func LockPath(slot int) string { return vpcd.SlotLockPath(slot) }

// heldSlots records the slots that this process has locked, for
// RestartPCSCD's check.
var heldSlots = struct {
	sync.Mutex
	count map[int]int
}{count: map[int]int{}}

// LockSlot takes an exclusive flock on LockPath(slot) for the rest of the
// test and releases it in t.Cleanup. go test runs the packages of ./... in
// parallel processes, and several of them use the same vpcd readers, so
// every test that serves a card in a slot or talks to its reader takes the
// slot's lock first. A test that needs several slots locks them in
// ascending order, so that two tests cannot wait for each other.
func LockSlot(t testing.TB, slot int) {
	t.Helper()
	if slot < 0 || slot >= Slots {
		t.Fatalf("LockSlot: invalid slot %d: vpcd has slots 0 to %d", slot, Slots-1)
	}
	path := LockPath(slot)
	deadline := time.Now().Add(LockTimeout)
	var lock *flock.Lock
	for {
		var err error
		lock, err = flock.Try(path)
		if err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
		if lock != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %d still locked by another test after %v: find the holder with `fuser %s`", slot, LockTimeout, path)
		}
		time.Sleep(flock.Poll)
	}

	heldSlots.Lock()
	heldSlots.count[slot]++
	heldSlots.Unlock()

	t.Cleanup(func() {
		heldSlots.Lock()
		heldSlots.count[slot]--
		heldSlots.Unlock()
		lock.Close()
	})
}

// holdsAllSlots reports whether this process holds the lock of every slot.
func holdsAllSlots() bool {
	heldSlots.Lock()
	defer heldSlots.Unlock()
	for slot := range Slots {
		if heldSlots.count[slot] == 0 {
			return false
		}
	}
	return true
}

// WaitCard waits until reader holds a card (present true) or holds none
// (present false), and returns the card's ATR when present. It gives up
// when timeout passes or ctx ends.
//
// It opens its own PC/SC context and opens it again when pcscd goes away
// or the reader is not there yet, so it also waits through a restart of
// pcscd.
func WaitCard(ctx context.Context, reader string, present bool, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	want := "absent"
	if present {
		want = "present"
	}
	var lastErr error
	for {
		atr, err := waitCardOnce(ctx, reader, present)
		if err == nil {
			return atr, nil
		}
		if !errors.Is(err, scard.ErrTimeout) && !errors.Is(err, scard.ErrCancelled) {
			lastErr = err
		}
		if ctx.Err() != nil {
			if lastErr != nil {
				return nil, fmt.Errorf("reader %q: card not %s within %v, last error: %w", reader, want, timeout, lastErr)
			}
			return nil, fmt.Errorf("reader %q: card not %s within %v", reader, want, timeout)
		}

		// pcscd is restarting or has not listed the reader yet.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitCardOnce waits with one PC/SC context. It returns nil when the
// reader reaches the wanted state, and an error when the context or the
// reader fails or ctx ends.
func waitCardOnce(ctx context.Context, reader string, present bool) ([]byte, error) {
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, fmt.Errorf("SCardEstablishContext: %w", err)
	}
	defer sc.Release()
	stop := context.AfterFunc(ctx, func() { sc.Cancel() })
	defer stop()

	// ebfe/scard's GetStatusChange panics on an empty list, and this list
	// always has one entry.
	states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for {
		deadline, _ := ctx.Deadline()
		remaining := time.Until(deadline)
		if remaining <= 0 || ctx.Err() != nil {
			return nil, scard.ErrTimeout
		}
		if err := sc.GetStatusChange(states, remaining); err != nil {
			return nil, fmt.Errorf("SCardGetStatusChange: %w", err)
		}

		event := states[0].EventState
		switch {
		case event&(scard.StateUnknown|scard.StateIgnore) != 0:
			return nil, fmt.Errorf("reader %q not found", reader)
		case present && event&scard.StatePresent != 0 && event&scard.StateMute == 0:
			return states[0].Atr, nil
		case !present && event&scard.StateEmpty != 0:
			return nil, nil
		}
		// Wait for the next change from the state just seen. pcsc-lite
		// keeps an event counter in the upper 16 bits, so the whole event
		// state goes back in.
		states[0].CurrentState = event &^ scard.StateChanged
		states[0].Atr = nil
	}
}

// Transmit sends one command APDU and returns the response data and the
// status word. It rejects an empty command, on which ebfe/scard's
// Transmit panics.
func Transmit(card *scard.Card, command []byte) (data []byte, sw uint16, err error) {
	if len(command) == 0 {
		return nil, 0, errors.New("transmit: empty command APDU")
	}
	response, err := card.Transmit(command)
	if err != nil {
		return nil, 0, fmt.Errorf("SCardTransmit: %w", err)
	}
	if len(response) < 2 {
		return nil, 0, fmt.Errorf("transmit: response % X is shorter than a status word", response)
	}
	n := len(response) - 2
	return response[:n], uint16(response[n])<<8 | uint16(response[n+1]), nil
}

// Connect connects to the card in reader over T=1 in exclusive mode and
// disconnects, leaving the card as it is, at cleanup.
//
// A test disconnects with scard.LeaveCard itself before it stops or kills
// the daemon that serves the card. Two behaviours of pcscd 1.9.9 with the
// vpcd driver of vsmartcard 3.3 make this necessary. An exclusive handle
// stays exclusive after its card is removed, so connecting to the next card
// in the reader fails with a sharing violation while the handle is open.
// And SCARD_UNPOWER_CARD on a card whose daemon has just gone leaves the
// reader shown empty for 15 to 60 s after a new card has connected.
func Connect(t testing.TB, reader string) *scard.Card {
	t.Helper()
	sc, err := scard.EstablishContext()
	if err != nil {
		t.Fatalf("SCardEstablishContext: %v", err)
	}
	card, err := sc.Connect(reader, scard.ShareExclusive, scard.ProtocolT1)
	if err != nil {
		sc.Release()
		t.Fatalf("SCardConnect %q: %v", reader, err)
	}
	t.Cleanup(func() {
		// The test may have disconnected already, and then this returns
		// an invalid-handle error.
		card.Disconnect(scard.LeaveCard)
		sc.Release()
	})
	return card
}
