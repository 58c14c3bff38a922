package emulator

import (
	"testing"
	"time"

	"gcacard/internal/taipei"
	"gcacard/iso7816"
)

// DATA-03: the window is the client's rule; the card, which has no clock,
// still activates a card issued long ago and reports its issue date.
func TestActivationPastWindowAllowedByCard(t *testing.T) {
	issued := taipei.DateOf(time.Now()).AddDays(-400)
	c, _ := newTestCard(t, func(img *Image) {
		img.Initial.Dates = Dates{Issued: issued, NotBefore: issued, NotAfter: issued.AddYears(5)}
	})

	date := sendHex(t, c, "00 CA 01 02 00")
	wantSW(t, date, iso7816.SWSuccess)
	if got := string(date.Data); got != issued.Compact() {
		t.Errorf("issue date %q, want %q", got, issued.Compact())
	}

	wantSW(t, send(t, c, rrcCmd(t, testUserCode, "Pin123")), iso7816.SWSuccess)
}
