package client

import (
	"time"

	"gcacard/internal/taipei"
)

// ActivationWindowDays is how many days after the issue date a card may
// still be activated: day 90 is allowed, day 91 is not (DATA-03).
const ActivationWindowDays = 90

// Client performs operations on one card.
type Client struct {
	transport Transport
	now       func() time.Time
	trace     func(command, response []byte)
}

// Option configures a Client.
type Option func(*Client)

// WithClock sets the clock used for the expiry and activation-window
// checks, so tests can move it.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithTrace sets a function that receives every APDU exchange. The client
// passes raw bytes: the function must redact VERIFY, CHANGE REFERENCE DATA,
// RESET RETRY COUNTER and EXTERNAL AUTHENTICATE data itself, for example
// with emulator.RedactCommand.
func WithTrace(trace func(command, response []byte)) Option {
	return func(c *Client) { c.trace = trace }
}

// New returns a client for the card behind t.
func New(t Transport, opts ...Option) *Client {
	c := &Client{transport: t, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// today returns the current Taiwan calendar date.
func (c *Client) today() taipei.Date { return taipei.DateOf(c.now()) }
