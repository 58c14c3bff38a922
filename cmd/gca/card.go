package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gcacard/client"
	"gcacard/messages"
	"gcacard/pcsc"
)

// readerService lists readers and connects to their cards. pcscService is
// the real one; tests use one backed by the emulator.
type readerService interface {
	Readers() ([]pcsc.Reader, error)
	// WaitCard waits until reader holds a card, or ctx ends.
	WaitCard(ctx context.Context, reader string) (pcsc.Reader, error)
	Connect(reader string) (client.Transport, error)
	// Close disconnects the cards and releases the service.
	Close()
}

// pcscService is a readerService over pcscd.
type pcscService struct {
	ctx   *pcsc.Context
	cards []*pcsc.Card
}

func openPCSC() (readerService, error) {
	ctx, err := pcsc.Establish()
	if err != nil {
		return nil, err
	}
	return &pcscService{ctx: ctx}, nil
}

func (s *pcscService) Readers() ([]pcsc.Reader, error) { return s.ctx.Readers() }

func (s *pcscService) WaitCard(ctx context.Context, reader string) (pcsc.Reader, error) {
	return s.ctx.WaitCard(ctx, reader, true)
}

func (s *pcscService) Connect(reader string) (client.Transport, error) {
	card, err := s.ctx.Connect(reader)
	if err != nil {
		return nil, err
	}
	s.cards = append(s.cards, card)
	return card, nil
}

// Close leaves each card as it is: a warm reset would clear nothing that
// gca set, and another program may be using the card.
func (s *pcscService) Close() {
	for _, card := range s.cards {
		_ = card.Disconnect()
	}
	_ = s.ctx.Release()
}

// timeoutError is a PC/SC call sequence that did not finish within
// --timeout. It wraps pcsc.ErrTimeout, so that package messages treats it
// as a reader or card that stopped responding.
type timeoutError struct {
	timeout time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no answer from the reader or card within %s", e.timeout)
}

func (e *timeoutError) Unwrap() error { return pcsc.ErrTimeout }

// bounded runs fn and returns its error, or a timeoutError when fn takes
// longer than --timeout. fn then keeps running in the background, because
// a PC/SC call cannot be cut off, and the service is left open: closing
// it could block on the same call.
func (c *cli) bounded(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()

	timer := time.NewTimer(c.opts.timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		c.abandoned = true
		return &timeoutError{timeout: c.opts.timeout}
	}
}

// openService connects to the reader service once per command.
func (c *cli) openService() (readerService, error) {
	if c.service != nil {
		return c.service, nil
	}
	err := c.bounded(func() error {
		service, err := c.sys.openService()
		c.service = service
		return err
	})
	if err != nil {
		return nil, err
	}
	return c.service, nil
}

// closeService releases the reader service, unless a call was abandoned.
func (c *cli) closeService() {
	if !c.abandoned && c.service != nil {
		c.service.Close()
	}
}

// listReaders returns the readers, or an error wrapping pcsc.ErrNoReaders
// when there is none.
func (c *cli) listReaders() ([]pcsc.Reader, error) {
	service, err := c.openService()
	if err != nil {
		return nil, err
	}
	var readers []pcsc.Reader
	err = c.bounded(func() error {
		var err error
		readers, err = service.Readers()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(readers) == 0 {
		return nil, fmt.Errorf("listing readers: %w", pcsc.ErrNoReaders)
	}
	return readers, nil
}

// connectCard chooses the reader (--reader, or the only reader holding a
// card), waits up to --timeout for a card when that reader is empty, and
// returns a client for its card. It sends no APDU.
func (c *cli) connectCard() (*client.Client, error) {
	readers, err := c.listReaders()
	if err != nil {
		return nil, err
	}
	reader, err := chooseReader(readers, c.opts.reader)
	if err != nil {
		return nil, err
	}
	if reader.Mute {
		return nil, newTextError("card-mute", keyCardMute, reader.Name)
	}
	if !reader.Present {
		if err := c.waitCard(reader.Name); err != nil {
			return nil, err
		}
	}

	var transport client.Transport
	err = c.bounded(func() error {
		var err error
		transport, err = c.service.Connect(reader.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.reader = reader.Name
	return client.New(transport, client.WithClock(c.sys.now)), nil
}

// chooseReader returns the reader named name, or without a name the only
// reader that holds a card, or the only reader.
func chooseReader(readers []pcsc.Reader, name string) (pcsc.Reader, error) {
	names := make([]string, len(readers))
	var holding []pcsc.Reader
	for i, r := range readers {
		names[i] = r.Name
		if r.Present {
			holding = append(holding, r)
		}
	}

	if name != "" {
		for _, r := range readers {
			if r.Name == name {
				return r, nil
			}
		}
		return pcsc.Reader{}, &textError{code: "unknown-reader", key: keyReaderNotFound,
			args: []any{name, nameList(names)}, cause: pcsc.ErrUnknownReader}
	}

	switch {
	case len(holding) == 1:
		return holding[0], nil
	case len(holding) > 1:
		holders := make([]string, len(holding))
		for i, r := range holding {
			holders[i] = r.Name
		}
		return pcsc.Reader{}, newTextError("several-cards", keySeveralCards, nameList(holders))
	case len(readers) == 1:
		return readers[0], nil
	}
	return pcsc.Reader{}, &textError{code: "no-card", key: keyNoCardAny, args: []any{nameList(names)}, cause: pcsc.ErrNoCard}
}

// waitCard waits up to --timeout for a card in reader, telling the user
// to insert it.
func (c *cli) waitCard(reader string) error {
	c.progress(messages.ProgressWaitCard, reader, c.opts.timeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.timeout)
	defer cancel()

	_, err := c.service.WaitCard(ctx, reader)
	if errors.Is(err, context.DeadlineExceeded) {
		return &textError{code: "no-card", key: keyNoCardWithin, args: []any{c.opts.timeout.String(), reader}, cause: pcsc.ErrNoCard}
	}
	return err
}
