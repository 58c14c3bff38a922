package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gcacard/pcsc"
)

// ReaderName returns the PC/SC name of a pcscd's vpcd reader: local slot
// 0 or 1 of the machine's pcscd or of a pcscdns instance.
func ReaderName(local int) string { return fmt.Sprintf("Virtual PCD 00 %02X", local) }

// Session is a PC/SC connection to the card in one reader.
type Session struct {
	Reader string
	Card   *pcsc.Card
	ctx    *pcsc.Context
}

// OpenSession waits up to timeout for a card in reader and connects to it.
func OpenSession(ctx context.Context, reader string, timeout time.Duration) (*Session, error) {
	pc, err := pcsc.Establish()
	if err != nil {
		return nil, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := pc.WaitCard(waitCtx, reader, true); err != nil {
		pc.Release()
		return nil, fmt.Errorf("reader %q: no card within %v: %w", reader, timeout, err)
	}

	// pcscd may report the card before its power-up has finished, so a
	// connection gets a few tries.
	var card *pcsc.Card
	for attempt := 0; ; attempt++ {
		card, err = pc.Connect(reader)
		if err == nil {
			break
		}
		if attempt == 20 || waitCtx.Err() != nil {
			pc.Release()
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &Session{Reader: reader, Card: card, ctx: pc}, nil
}

// Close disconnects, leaving the card powered: unpowering a card whose
// server is about to stop leaves pcscd 1.9.9's vpcd reader shown empty for
// a while after the next card connects.
func (s *Session) Close() {
	s.Card.Disconnect()
	s.ctx.Release()
}

// WaitAbsent waits up to timeout until reader is empty.
func WaitAbsent(ctx context.Context, reader string, timeout time.Duration) error {
	pc, err := pcsc.Establish()
	if err != nil {
		return err
	}
	defer pc.Release()
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = pc.WaitCard(waitCtx, reader, false)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("reader %q still shows a card %v after it was taken out", reader, timeout)
	}
	return err
}
