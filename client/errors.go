package client

import (
	"errors"
	"fmt"

	"gcacard/iso7816"
)

// Secret names a reference datum of the card.
type Secret int

// Secrets.
const (
	SecretPIN Secret = iota + 1
	SecretUserCode
)

func (s Secret) String() string {
	if s == SecretUserCode {
		return "user code"
	}
	return "PIN"
}

// WrongSecretError is a PIN or user code that did not match. TriesLeft is
// at least 1: a wrong value that uses the last try is a BlockedError.
type WrongSecretError struct {
	Secret    Secret
	TriesLeft int
}

func (e *WrongSecretError) Error() string {
	return fmt.Sprintf("wrong %s: %d tries left", e.Secret, e.TriesLeft)
}

// BlockedError is a PIN or user code whose retry counter is 0 (status
// words 6983 and 63C0). A blocked PIN is unblocked with the user code; a
// blocked user code only by the CA's user-code reset.
type BlockedError struct {
	Secret Secret
}

func (e *BlockedError) Error() string { return fmt.Sprintf("%s blocked", e.Secret) }

// Errors for card states and client-side checks.
var (
	ErrUnknownCard       = errors.New("not a GCA card: it has no card number file (SELECT returned 6A82)")
	ErrPINNotSet         = errors.New("the PIN is not set: activate the card first")
	ErrAlreadyActivated  = errors.New("the card is already activated")
	ErrNotActivated      = errors.New("the card is not activated yet")
	ErrTerminated        = errors.New("the card is terminated (damaged) and can no longer be used")
	ErrExpired           = errors.New("the card's certificates have expired")
	ErrWindowPassed      = errors.New("the 90-day activation window has passed")
	ErrPINMismatch       = errors.New("the two new PINs differ")
	ErrStateNotSaved     = errors.New("the card could not save its state (6581): the operation did not complete")
	ErrSecurityStatus    = errors.New("the card rejected the command: security status not satisfied (6982)")
	ErrAuthentication    = errors.New("the card-management key is wrong (6300)")
	ErrBadSignature      = errors.New("the card's signature does not verify with its signing certificate")
	ErrBadManagementKey  = errors.New("the card-management key must be 16 bytes (AES-128)")
	ErrCertificateFormat = errors.New("a certificate on the card is malformed")
)

// CardError is a status word the client did not expect for an operation.
type CardError struct {
	Op string
	SW iso7816.StatusWord
}

func (e *CardError) Error() string { return fmt.Sprintf("%s: card returned %v", e.Op, e.SW) }

// statusError maps the status word of a command that presented secret to
// an error. It is the one table from status words to errors.
func statusError(op string, secret Secret, sw iso7816.StatusWord) error {
	if n, ok := sw.IsRetriesRemaining(); ok {
		if n == 0 {
			return &BlockedError{Secret: secret}
		}
		return &WrongSecretError{Secret: secret, TriesLeft: n}
	}
	switch sw {
	case iso7816.SWSuccess:
		return nil
	case iso7816.SWAuthMethodBlocked:
		return &BlockedError{Secret: secret}
	case iso7816.SWReferenceDataNotUsable:
		return ErrPINNotSet
	case iso7816.SWMemoryFailure:
		return ErrStateNotSaved
	case iso7816.SWFunctionNotSupported:
		return ErrTerminated
	case iso7816.SWSecurityNotSatisfied:
		return ErrSecurityStatus
	case iso7816.SWAuthenticationFailed:
		return ErrAuthentication
	}
	return &CardError{Op: op, SW: sw}
}
