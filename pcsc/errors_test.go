package pcsc

import (
	"errors"
	"testing"

	"github.com/ebfe/scard"
)

func TestWrapLostServiceIsNoService(t *testing.T) {
	for _, err := range []error{scard.ErrServiceStopped, scard.ErrCommError, scard.ErrNoService} {
		wrapped := wrap("SCardTransmit", err)
		if !errors.Is(wrapped, ErrNoService) {
			t.Errorf("wrap(%v) = %v, want one that wraps ErrNoService", err, wrapped)
		}
	}
}

func TestWrapKeepsOtherErrors(t *testing.T) {
	wrapped := wrap("SCardTransmit", scard.ErrRemovedCard)
	if !errors.Is(wrapped, ErrRemoved) {
		t.Errorf("wrap(ErrRemovedCard) = %v, want one that wraps ErrRemoved", wrapped)
	}
	if errors.Is(wrapped, ErrNoService) {
		t.Errorf("wrap(ErrRemovedCard) = %v, wraps ErrNoService", wrapped)
	}
}
