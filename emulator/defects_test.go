package emulator

import (
	"testing"

	"gcacard/iso7816"
)

// The deliberate defects break exactly the rules they name, so that the
// conformance harness can be shown to catch them.
func TestDefectsBreakTheirRules(t *testing.T) {
	c, _ := newTestCard(t, func(*Image) {})
	img := c.img
	noDecrement, err := Open(&img, &MemoryStore{}, Options{Logger: quietLogger(), Defect: DefectNoUserCodeDecrement})
	if err != nil {
		t.Fatal(err)
	}
	// CNT-01 broken: a wrong user code uses no try.
	wantSW(t, send(t, noDecrement, rrcCmd(t, "wrong1", "123456")), iso7816.RetriesRemaining(3))

	shortPIN, err := Open(&img, &MemoryStore{}, Options{Logger: quietLogger(), Defect: DefectShortPIN})
	if err != nil {
		t.Fatal(err)
	}
	// REF-01 broken: a 5-character PIN is taken.
	wantSW(t, send(t, shortPIN, rrcCmd(t, testUserCode, "12345")), iso7816.SWSuccess)

	if _, err := Open(&img, &MemoryStore{}, Options{Defect: "no-such-defect"}); err == nil {
		t.Error("Open accepted an unknown defect")
	}
}
