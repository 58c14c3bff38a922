package specs_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/harness"
	"gcacard/iso7816"
	"gcacard/messages"
)

// activationWindowDays is the number of days after the issue date on
// which a card may still be activated: day 90 may, day 91 may not
// (DATA-03).
const activationWindowDays = 90

// resetRetryCounterINS is the instruction byte of RESET RETRY COUNTER, the
// command that activates a card (ACT-01).
const resetRetryCounterINS = 0x2C

// newPINForDates is the PIN the date specs set when they activate a card.
const newPINForDates = "Pin2468"

// userCodeOrStandIn returns the card's user code, or a well-formed
// stand-in when the run has none. The client must reject the activation
// before it sends the user code, so any well-formed value serves.
func userCodeOrStandIn(card *harness.Card) string {
	if card.Secrets.UserCode != "" {
		return card.Secrets.UserCode
	}
	return "Unknown00"
}

// requireUserCode skips a spec that must send the user code when the run
// has none for a physical card.
func requireUserCode(card *harness.Card) {
	GinkgoHelper()
	if card.Secrets.UserCode == "" {
		Skip(fmt.Sprintf("the run has no user code for card %s: set it in the secrets file named by %s",
			card.CardNumber, harness.EnvSecretsFile))
	}
}

// cardIssueDate reads GET DATA 0102 and returns the issue date as midnight
// of that day in Asia/Taipei (GD-02).
func cardIssueDate(card *harness.Card) time.Time {
	GinkgoHelper()
	taipeiZone, err := time.LoadLocation("Asia/Taipei")
	Expect(err).NotTo(HaveOccurred())
	data := getDataObject(card, 0x0102)
	issued, err := time.ParseInLocation("20060102", string(data), taipeiZone)
	Expect(err).NotTo(HaveOccurred(), "GET DATA 0102 %q is not YYYYMMDD", data)
	return issued
}

// clientAt returns a client of card whose clock is fixed at now.
func clientAt(card *harness.Card, now time.Time) *client.Client {
	GinkgoHelper()
	cl, err := card.Client(client.WithClock(func() time.Time { return now }))
	Expect(err).NotTo(HaveOccurred())
	return cl
}

// expectStatus checks the certificate status (憑證狀態) the client shows.
func expectStatus(cl *client.Client, want client.CardStatus) *client.Info {
	GinkgoHelper()
	info, err := cl.Info()
	Expect(err).NotTo(HaveOccurred(), "reading the card's information")
	got := cl.Status(info)
	zh := messages.New(messages.TraditionalChinese)
	Expect(got).To(Equal(want), "status %v (%s), want %v (%s)", got, zh.Status(got), want, zh.Status(want))
	return info
}

// expectNoActivationSent fails when the client sent RESET RETRY COUNTER.
func expectNoActivationSent(card *harness.Card) {
	GinkgoHelper()
	Expect(card.Rec.Count(resetRetryCounterINS)).To(BeZero(), "RESET RETRY COUNTER commands sent")
}

var _ = Describe("Dates and lifecycle", AreaDates, func() {
	It("rejects activating the expired guide card [DATA-02]", Virtual, Destructive, func() {
		card := useCard("guide-expired")
		skipUnlessVirtual(card, "guide-expired")
		before := readCardCounters(card)
		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())

		info := expectStatus(cl, client.StatusExpired)
		Expect(time.Now().After(info.NotAfter)).To(BeTrue(), "the guide card's validity ended %v", info.NotAfter)

		err = cl.Activate(card.Secrets.UserCode, newPINForDates)
		Expect(err).To(MatchError(client.ErrExpired), "activating the guide card")
		expectNoActivationSent(card)
		expectCountersUnchanged(card, before, "the refused activation")
	})

	It("activates until the end of day 90 [DATA-03] [GD-02]", Virtual, Destructive, func() {
		card := useCard("valid")
		skipUnlessLifecycle(card, lifecycleIssuedByte)
		requireUserCode(card)
		lastSecond := cardIssueDate(card).AddDate(0, 0, activationWindowDays+1).Add(-time.Second)
		cl := clientAt(card, lastSecond)

		expectStatus(cl, client.StatusNotActivated)
		Expect(cl.Activate(card.Secrets.UserCode, newPINForDates)).To(Succeed(), "activating at %v", lastSecond)
		Expect(card.Rec.Count(resetRetryCounterINS)).To(Equal(1), "RESET RETRY COUNTER commands sent")
		Expect(lifecycleByte(card)).To(Equal(byte(lifecycleActivatedByte)), "lifecycle after activation")
	})

	It("rejects activation from day 91 in Taiwan [DATA-03] [GD-02]", Virtual, Destructive, func() {
		card := useCard("valid")
		skipUnlessLifecycle(card, lifecycleIssuedByte)
		before := readCardCounters(card)
		day91 := cardIssueDate(card).AddDate(0, 0, activationWindowDays+1)
		firstSecond := day91.Add(time.Second)
		Expect(firstSecond.UTC().Day()).NotTo(Equal(day91.Day()), "the first second of day 91 in Taiwan is on the day before in UTC")
		cl := clientAt(card, firstSecond)

		expectStatus(cl, client.StatusWindowPassed)
		err := cl.Activate(userCodeOrStandIn(card), newPINForDates)
		Expect(err).To(MatchError(client.ErrWindowPassed), "activating at %v", firstSecond)
		expectNoActivationSent(card)
		expectCountersUnchanged(card, before, "the refused activation")
	})

	It("rejects a card past its window [DATA-03]", Virtual, Destructive, func() {
		card := useCard("window-passed")
		skipUnlessVirtual(card, "window-passed")
		before := readCardCounters(card)
		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())

		info := expectStatus(cl, client.StatusWindowPassed)
		Expect(time.Since(cardIssueDate(card))).To(BeNumerically(">", activationWindowDays*24*time.Hour),
			"the card was issued on %s", info.Issued)

		err = cl.Activate(card.Secrets.UserCode, newPINForDates)
		Expect(err).To(MatchError(client.ErrWindowPassed))
		expectNoActivationSent(card)
		expectCountersUnchanged(card, before, "the refused activation")
	})

	It("activates past the window on command [DATA-03]", Virtual, Destructive, func() {
		card := useCard("window-passed")
		skipUnlessVirtual(card, "window-passed")

		command := append(hexAPDU("00 2C 00 80 14"), append(pinBlock(card.Secrets.UserCode), pinBlock(newPINForDates)...)...)
		expectSW(sendAPDU(card, command), 0x9000, "RESET RETRY COUNTER with the user code on a card past its window")
		Expect(lifecycleByte(card)).To(Equal(byte(lifecycleActivatedByte)), "lifecycle after activation")
	})

	It("rejects activating an activated card [LC-01]", Virtual, Destructive, func() {
		card := useCard("activated")
		skipUnlessLifecycle(card, lifecycleActivatedByte)
		before := readCardCounters(card)
		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())

		if card.Virtual() {
			expectStatus(cl, client.StatusValid)
		}
		err = cl.Activate(userCodeOrStandIn(card), newPINForDates)
		Expect(err).To(MatchError(client.ErrAlreadyActivated))
		expectNoActivationSent(card)
		expectCountersUnchanged(card, before, "the refused activation")
	})

	It("reads a terminated card, rejects security commands [LC-03] [GEN-06]", Virtual, Destructive, func() {
		card := useCard("terminated")
		skipUnlessLifecycle(card, lifecycleTerminatedByte)
		before := readCardCounters(card)
		Expect(before.PINQuery).To(Equal(iso7816.StatusWord(0x6A81)), "PIN query on a terminated card")
		Expect(before.UserCodeQuery).To(Equal(iso7816.StatusWord(0x6A81)), "user-code query on a terminated card")

		By("SELECT, READ BINARY, GET DATA and GET RESPONSE still answer")
		Expect(string(readEF(card, "0900 0903"))).To(Equal(card.CardNumber), "EF 0903")
		readCardCertificates(card)
		Expect(getDataObject(card, 0x0102)).To(HaveLen(8), "GET DATA 0102")
		expectHexSW(card, "00 A4 00 00 02 3F 00 04", 0x6105)
		expectHexSW(card, "00 C0 00 00 00", 0x9000)

		By("every security command returns 6A81 whatever its parameters")
		pin, userCode := pinBlock(card.Secrets.PIN), pinBlock(card.Secrets.UserCode)
		digestInfo, _ := sha256DigestInfo([]byte("LC-03"))
		for _, c := range []struct {
			name    string
			command []byte
		}{
			{"VERIFY query of the PIN", hexAPDU("00 20 00 80")},
			{"VERIFY with the PIN", append(hexAPDU("00 20 00 80 0A"), pin...)},
			{"VERIFY FF 80", hexAPDU("00 20 FF 80")},
			{"VERIFY with P1 05", hexAPDU("00 20 05 80")},
			{"VERIFY of key reference 85 with 3 bytes", hexAPDU("00 20 00 85 03 31 32 33")},
			{"CHANGE REFERENCE DATA", append(hexAPDU("00 24 00 80 14"), append(pin, pinBlock(newPINForDates)...)...)},
			{"CHANGE REFERENCE DATA of the user code", hexAPDU("00 24 00 81")},
			{"RESET RETRY COUNTER with the user code", append(hexAPDU("00 2C 00 80 14"), append(userCode, pinBlock(newPINForDates)...)...)},
			{"RESET RETRY COUNTER 02 81", append(hexAPDU("00 2C 02 81 0A"), userCode...)},
			{"RESET RETRY COUNTER with P1-P2 0707", hexAPDU("00 2C 07 07")},
			{"MANAGE SECURITY ENVIRONMENT SET for signing", hexAPDU("00 22 41 B6 03 84 01 01")},
			{"MANAGE SECURITY ENVIRONMENT with P1-P2 FFFF", hexAPDU("00 22 FF FF")},
			{"COMPUTE DIGITAL SIGNATURE", computeSignatureCommand(digestInfo)},
			{"DECIPHER", decipherCommand(make([]byte, 256), 65536)},
			{"PERFORM SECURITY OPERATION with P1-P2 0000", hexAPDU("00 2A 00 00")},
			{"GET CHALLENGE", hexAPDU("00 84 00 00 08")},
			{"GET CHALLENGE with Le 04", hexAPDU("00 84 00 00 04")},
			{"GET CHALLENGE with P1-P2 0101 and no Le", hexAPDU("00 84 01 01")},
			{"EXTERNAL AUTHENTICATE", append(hexAPDU("00 82 00 01 10"), make([]byte, 16)...)},
			{"EXTERNAL AUTHENTICATE without data", hexAPDU("00 82 00 01")},
		} {
			resp := sendAPDU(card, c.command)
			expectSW(resp, 0x6A81, c.name+" on a terminated card")
			Expect(resp.Data).To(BeEmpty(), "%s returned data", c.name)
		}

		By("the APDU format, CLA and INS checks still come first")
		expectHexSW(card, "00 20 00", 0x6700)
		expectHexSW(card, "00 20 00 80 0A 31 32 33", 0x6700)
		expectHexSW(card, "80 20 00 80", 0x6E00)
		expectHexSW(card, "00 FE 00 00", 0x6D00)
		expectCountersUnchanged(card, before, "the refused security commands")

		By("the client shows 卡片損毀 and refuses activation without sending it")
		sent := card.Rec.Count(resetRetryCounterINS)
		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())
		info := expectStatus(cl, client.StatusTerminated)
		Expect(info.Lifecycle).To(Equal(client.LifecycleTerminated), "lifecycle the client reads")
		Expect(messages.New(messages.TraditionalChinese).Status(client.StatusTerminated)).To(Equal("卡片損毀"))
		Expect(cl.Activate(userCodeOrStandIn(card), newPINForDates)).To(MatchError(client.ErrTerminated))
		Expect(card.Rec.Count(resetRetryCounterINS)).To(Equal(sent), "RESET RETRY COUNTER commands the client sent")
	})
})
