package pcsc

import (
	"errors"

	"github.com/ebfe/scard"
)

// Card is a connection to the card in one reader.
type Card struct {
	card   *scard.Card
	reader string
}

// Reader returns the reader's name.
func (k *Card) Reader() string { return k.reader }

// Transmit sends one command APDU and returns the response APDU.
func (k *Card) Transmit(command []byte) ([]byte, error) {
	if len(command) == 0 {
		return nil, ErrEmptyCommand
	}
	if p := k.card.ActiveProtocol(); p != scard.ProtocolT0 && p != scard.ProtocolT1 {
		return nil, ErrProtocol
	}
	resp, err := k.card.Transmit(command)
	if err != nil {
		return nil, wrap("SCardTransmit", err)
	}
	// pcscd returns success with no bytes when the card went away while
	// the command was under way; whether the card acted on it is unknown.
	if len(resp) == 0 {
		return nil, wrap("SCardTransmit", ErrRemoved)
	}
	return resp, nil
}

// Transaction runs fn with exclusive access to the card between
// SCardBeginTransaction and SCardEndTransaction. The transaction ends even
// when fn fails, and fn's error comes first.
func (k *Card) Transaction(fn func() error) error {
	if err := k.card.BeginTransaction(); err != nil {
		return wrap("SCardBeginTransaction", err)
	}
	fnErr := fn()
	endErr := k.card.EndTransaction(scard.LeaveCard)
	if fnErr != nil {
		return fnErr
	}
	// fn finished: a card removed or reset after its last command does not
	// undo what the card did, so that is no failure.
	if errors.Is(endErr, scard.ErrRemovedCard) || errors.Is(endErr, scard.ErrResetCard) {
		return nil
	}
	return wrap("SCardEndTransaction", endErr)
}

// Disposition is the action on the card at Reconnect or Disconnect.
type Disposition = scard.Disposition

// Dispositions.
const (
	LeaveCard   = scard.LeaveCard
	ResetCard   = scard.ResetCard
	UnpowerCard = scard.UnpowerCard
)

// Reconnect reopens the connection in shared mode over T=1, resetting or
// powering down the card as d requests.
func (k *Card) Reconnect(d Disposition) error {
	return wrap("SCardReconnect", k.card.Reconnect(scard.ShareShared, scard.ProtocolT1, d))
}

// Disconnect closes the connection and leaves the card as it is.
func (k *Card) Disconnect() error {
	return wrap("SCardDisconnect", k.card.Disconnect(scard.LeaveCard))
}
