package stack_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/stacktest"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// powerCycles is the number of power cycles of the power spec.
const powerCycles = 1000

var _ = Describe("Power cycles", Faults, Stack, Serial, func() {
	It("keeps the card's state and answers after each of 1,000 power cycles", func() {
		lockMachineSlot(0)
		s := serveCard("activated", 0)
		reader := stacktest.ReaderName(0)
		waitPresent(reader)
		conn := mustConnect(reader)
		before := s.status()
		right := verifyCommand(s.profile.PIN.Value)
		query := []byte{0x00, 0x20, 0x00, 0x80}
		_, offsBefore := s.card.counts()

		for i := range powerCycles {
			resp, err := conn.transmit(right)
			Expect(err).NotTo(HaveOccurred(), "VERIFY before power cycle %d", i+1)
			Expect(resp.SW).To(Equal(iso7816.SWSuccess), "VERIFY before power cycle %d", i+1)

			// SCardReconnect with SCARD_UNPOWER_CARD makes pcscd power the
			// card off and on, which vpcd passes on as 00 and 01.
			Expect(conn.card.Reconnect(pcsc.UnpowerCard)).To(Succeed(), "power cycle %d", i+1)

			resp, err = conn.transmit(query)
			Expect(err).NotTo(HaveOccurred(), "VERIFY query after power cycle %d", i+1)
			Expect(resp.SW).To(Equal(iso7816.RetriesRemaining(before.PINTries.Max)),
				"after power cycle %d the PIN must be unverified (SEC-02) with every try left", i+1)
		}

		_, offsAfter := s.card.counts()
		Expect(offsAfter-offsBefore).To(BeNumerically(">=", powerCycles), "power-offs that reached the card")
		Expect(s.status()).To(Equal(before), "card state in memory")
		Expect(s.savedStatus()).To(Equal(before), "card state reopened from its state file")
		counts.update(func(c *stackCounts) {
			c.PowerCycles = powerCycles
			c.PowerOffsSeen = offsAfter - offsBefore
		})
	})
})
