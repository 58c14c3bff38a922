package pcsc

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"
)

// PC/SC errors that callers tell apart.
var (
	ErrNoService     = scard.ErrNoService          // pcscd is not running
	ErrNoReaders     = scard.ErrNoReadersAvailable // no reader is attached
	ErrNoCard        = scard.ErrNoSmartcard        // the reader is empty
	ErrRemoved       = scard.ErrRemovedCard        // the card was removed
	ErrReset         = scard.ErrResetCard          // another program reset the card
	ErrSharing       = scard.ErrSharingViolation   // another program holds the card exclusively
	ErrTimeout       = scard.ErrTimeout
	ErrCancelled     = scard.ErrCancelled
	ErrUnknownReader = scard.ErrUnknownReader
)

// ErrEmptyCommand is returned for an empty command APDU, which ebfe/scard
// would panic on.
var ErrEmptyCommand = errors.New("empty command APDU")

// ErrProtocol is returned when a connection uses neither T=0 nor T=1.
var ErrProtocol = errors.New("card connection uses neither T=0 nor T=1")

// wrap names the PC/SC call that failed, keeping the scard.Error for
// errors.Is. pcscd that vanished shows as ErrNoService: libpcsclite
// returns SCARD_E_SERVICE_STOPPED, or SCARD_F_COMM_ERROR when the socket
// to pcscd breaks during a call (seen with pcsc-lite 1.9.9 when pcscd
// stops under a running SCardTransmit).
func wrap(call string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, scard.ErrServiceStopped) || errors.Is(err, scard.ErrCommError) {
		err = ErrNoService
	}
	return fmt.Errorf("%s: %w", call, err)
}

// IsPCSCError reports whether err comes from a PC/SC call or from this
// package's guards.
func IsPCSCError(err error) bool {
	var scardErr scard.Error
	return errors.As(err, &scardErr) || errors.Is(err, ErrEmptyCommand) || errors.Is(err, ErrProtocol)
}
