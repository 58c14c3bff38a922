package emulator

import (
	"testing"

	"gcacard/iso7816"
)

func TestActivationSmoke(t *testing.T) {
	c, _ := newTestCard(t)
	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWReferenceDataNotUsable)
	wantSW(t, send(t, c, rrcCmd(t, "wrong1", "123456")), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, "123456")), iso7816.SWSuccess)
	wantSW(t, send(t, c, verifyCmd(t, "123456")), iso7816.SWSuccess)
	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.SWSuccess)
	wantSW(t, sendHex(t, c, "00 A4 08 0C 04 5030 08F2"), iso7816.SWSuccess)
	r := sendHex(t, c, "00 B0 00 00 00")
	wantSW(t, r, iso7816.SWSuccess)
	if len(r.Data) != 256 {
		t.Errorf("read %d bytes", len(r.Data))
	}
}
