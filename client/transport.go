package client

import (
	"sync"

	"gcacard/emulator"
)

// Transport carries APDUs to one card. *pcsc.Card implements it.
type Transport interface {
	// Transmit sends a command APDU and returns the response APDU.
	Transmit(command []byte) ([]byte, error)
	// Transaction runs fn with exclusive access to the card.
	Transaction(fn func() error) error
}

// InProcess is a Transport to an emulator card in the same process, for
// unit tests and tools that need no reader.
type InProcess struct {
	Card *emulator.Card
	mu   sync.Mutex
}

// Transmit passes the command to the card.
func (t *InProcess) Transmit(command []byte) ([]byte, error) {
	return t.Card.Transmit(command), nil
}

// Transaction runs fn while holding the transport's lock, so two clients
// sharing one InProcess do not interleave their operations.
func (t *InProcess) Transaction(fn func() error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fn()
}
