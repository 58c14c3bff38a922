package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gcacard/iso7816"
	"gcacard/pcsc"
	"gcacard/vpcd"
)

// reader is a vpcd slot that this process holds, with the slot's vpcd
// connection while a card is in it.
type reader struct {
	lock   *slotLock
	name   string
	slot   *vpcd.Slot
	atr    []byte
	cancel context.CancelFunc
	done   chan struct{}
}

// readyTimeout bounds the wait for a newly inserted card to respond.
const readyTimeout = 3 * time.Second

// insert serves card in the reader's slot and waits until pcscd reports it
// and the card responds.
func (r *reader) insert(ctx context.Context, card vpcd.Card) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.slot = &vpcd.Slot{Card: card, Addr: vpcd.SlotAddr(r.lock.slot), Logger: quiet, FirstConnectTimeout: PresenceTimeout}

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(r.done)
		errs <- r.slot.Run(runCtx)
	}()

	state, err := waitReader(ctx, r.name, true)
	if err != nil {
		select {
		case runErr := <-errs:
			err = errors.Join(err, runErr)
		default:
		}
		return err
	}
	r.atr = state.ATR
	return waitReady(ctx, r.name)
}

// swap replaces the card in a reader whose card is inserted and connected,
// when the new card has the same ATR, so pcscd notices no change. It reports
// whether it did.
func (r *reader) swap(ctx context.Context, card vpcd.Card) bool {
	if r.slot == nil || !r.slot.Connected() || !bytes.Equal(r.atr, card.ATR()) {
		return false
	}
	r.slot.SwapCard(card)
	return waitReady(ctx, r.name) == nil
}

// remove stops serving the slot and waits until pcscd reports it empty.
// The slot stays locked.
func (r *reader) remove(ctx context.Context) error {
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	<-r.done
	r.cancel, r.slot = nil, nil
	_, err := waitReader(ctx, r.name, false)
	return err
}

// waitReady sends GET DATA of the lifecycle until the card in reader
// returns 9000. Right after an insertion pcscd may report the card before
// the first command gets through; waiting here keeps that out of the
// specs. GET DATA leaves the current file as power-on set it.
func waitReady(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var last error
	for {
		if last = probe(name); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("card in %q not ready: %w", name, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func probe(name string) error {
	pc, err := pcsc.Establish()
	if err != nil {
		return err
	}
	defer pc.Release()
	conn, err := pc.Connect(name)
	if err != nil {
		return err
	}
	defer conn.Disconnect()
	out, err := conn.Transmit([]byte{0x00, 0xCA, 0x01, 0x01, 0x01})
	if err != nil {
		return err
	}
	resp, err := iso7816.ParseResponse(out)
	if err != nil {
		return err
	}
	if resp.SW != iso7816.SWSuccess {
		return fmt.Errorf("GET DATA returned %v", resp.SW)
	}
	return nil
}

// takeReader returns a reader for a new card: one this process holds and
// no card uses, or a newly locked slot.
func (h *Harness) takeReader(ctx context.Context) (*reader, error) {
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		r := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return r, nil
	}
	h.mu.Unlock()

	waitCtx, cancel := context.WithTimeout(ctx, SlotWaitTimeout)
	defer cancel()
	lock, err := acquireSlot(waitCtx, h.Config.Slots)
	if err != nil {
		return nil, err
	}
	return &reader{lock: lock, name: ReaderName(lock.slot)}, nil
}

// returnReader keeps a reader for the next card of this process. The
// process holds its slots until Close, so parallel processes do not take
// slots from each other between specs.
func (h *Harness) returnReader(r *reader) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.idle = append(h.idle, r)
}

// releaseReaders empties the process's slots and unlocks them.
func (h *Harness) releaseReaders() {
	h.mu.Lock()
	idle := h.idle
	h.idle = nil
	h.mu.Unlock()
	for _, r := range idle {
		r.remove(context.Background())
		r.lock.release()
	}
}
