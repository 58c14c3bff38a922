package web

import (
	"gcacard/client"
	"gcacard/pcsc"
)

// Service lists the readers and connects to the card in one of them.
// PCSCService is the real one; tests use one over emulator cards.
type Service interface {
	// Readers lists the readers with their card presence. No reader is an
	// empty list.
	Readers() ([]pcsc.Reader, error)
	// Connect opens a connection to the card in reader.
	Connect(reader string) (Connection, error)
}

// Connection is an open connection to one card.
type Connection interface {
	client.Transport
	// Disconnect closes the connection and leaves the card as it is.
	Disconnect() error
}

// PCSCService is a Service over pcscd. Each call opens its own PC/SC
// context, so the server keeps working after pcscd restarts.
type PCSCService struct{}

// Readers lists pcscd's readers.
func (PCSCService) Readers() ([]pcsc.Reader, error) {
	ctx, err := pcsc.Establish()
	if err != nil {
		return nil, err
	}
	defer ctx.Release()
	return ctx.Readers()
}

// Connect opens a shared connection to the card in reader, in a PC/SC
// context that Disconnect releases.
func (PCSCService) Connect(reader string) (Connection, error) {
	ctx, err := pcsc.Establish()
	if err != nil {
		return nil, err
	}
	card, err := ctx.Connect(reader)
	if err != nil {
		ctx.Release()
		return nil, err
	}
	return &pcscConnection{Card: card, ctx: ctx}, nil
}

// pcscConnection is a card connection that owns its PC/SC context.
type pcscConnection struct {
	*pcsc.Card
	ctx *pcsc.Context
}

// Disconnect closes the card connection, then the context.
func (c *pcscConnection) Disconnect() error {
	err := c.Card.Disconnect()
	c.ctx.Release()
	return err
}
