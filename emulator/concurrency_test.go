package emulator

import (
	"sync"
	"testing"

	"gcacard/iso7816"
)

// GEN-07: commands from many goroutines are serialised, so every wrong
// VERIFY uses exactly one try and none is lost or counted twice.
func TestConcurrentVerifyCountsEveryTry(t *testing.T) {
	c, store := newTestCard(t, activated, func(img *Image) { img.Initial.PIN.MaxTries = 15 })
	const goroutines, perGoroutine = 6, 2

	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				c.Transmit(verifyCmd(t, "999999"))
				c.Reset()
			}
		})
	}
	wg.Wait()

	want := 15 - goroutines*perGoroutine
	if got := c.Status().PINTries.Remaining; got != want {
		t.Errorf("%d PIN tries left in memory, want %d", got, want)
	}
	saved, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if saved.PIN.Remaining != want {
		t.Errorf("%d PIN tries left in the saved state, want %d", saved.PIN.Remaining, want)
	}
	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.RetriesRemaining(want))
}
