package pcsc

import (
	"context"
	"errors"
	"time"

	"github.com/ebfe/scard"
)

// Context is a PC/SC context: a connection to pcscd.
type Context struct {
	ctx *scard.Context
}

// Establish connects to pcscd. It returns an error wrapping ErrNoService
// when pcscd is not running.
func Establish() (*Context, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("SCardEstablishContext", err)
	}
	return &Context{ctx: ctx}, nil
}

// Release closes the context.
func (c *Context) Release() error { return wrap("SCardReleaseContext", c.ctx.Release()) }

// Reader is a reader and what it holds.
type Reader struct {
	Name    string
	Present bool
	// ATR is the card's answer to reset when Present.
	ATR []byte
	// InUse reports that another program is connected; Exclusive that it
	// holds the card exclusively; Mute that the card does not answer.
	InUse, Exclusive, Mute bool
}

// Readers lists the readers with their card presence. No reader is an
// empty list, not an error.
func (c *Context) Readers() ([]Reader, error) {
	names, err := c.ctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("SCardListReaders", err)
	}
	if len(names) == 0 {
		return nil, nil
	}

	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	if err := c.ctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, wrap("SCardGetStatusChange", err)
	}

	readers := make([]Reader, len(states))
	for i, s := range states {
		readers[i] = readerOf(s)
	}
	return readers, nil
}

func readerOf(s scard.ReaderState) Reader {
	r := Reader{
		Name:      s.Reader,
		Present:   s.EventState&scard.StatePresent != 0 && s.EventState&scard.StateMute == 0,
		InUse:     s.EventState&scard.StateInuse != 0,
		Exclusive: s.EventState&scard.StateExclusive != 0,
		Mute:      s.EventState&scard.StateMute != 0,
	}
	if r.Present {
		r.ATR = append([]byte(nil), s.Atr...)
	}
	return r
}

// pollInterval bounds each SCardGetStatusChange call of WaitCard, so that
// ctx is checked at least this often.
const pollInterval = 500 * time.Millisecond

// WaitCard waits until the reader holds a card (present true) or is empty
// (present false), or ctx ends. It returns an error wrapping
// ErrUnknownReader when the reader does not exist.
func (c *Context) WaitCard(ctx context.Context, reader string, present bool) (Reader, error) {
	state := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for {
		err := c.ctx.GetStatusChange(state, pollInterval)
		switch {
		case err == nil:
			r := readerOf(state[0])
			if state[0].EventState&scard.StateUnknown != 0 {
				return Reader{}, wrap("SCardGetStatusChange", scard.ErrUnknownReader)
			}
			if r.Present == present {
				return r, nil
			}
			state[0].CurrentState = state[0].EventState &^ scard.StateChanged
		case errors.Is(err, scard.ErrTimeout):
		default:
			return Reader{}, wrap("SCardGetStatusChange", err)
		}
		if ctx.Err() != nil {
			return Reader{}, ctx.Err()
		}
	}
}

// Connect opens a shared T=1 connection to the card in reader.
func (c *Context) Connect(reader string) (*Card, error) {
	card, err := c.ctx.Connect(reader, scard.ShareShared, scard.ProtocolT1)
	if err != nil {
		return nil, wrap("SCardConnect", err)
	}
	return &Card{card: card, reader: reader}, nil
}
