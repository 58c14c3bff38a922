package specs_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ebfe/scard"
	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/harness"
	"gcacard/iso7816"
)

// profileATR is the ATR that the profile gives a card that sets no other:
// 3B 8A 01, the historical bytes "gcacard/v1" and TCK.
var profileATR = hexAPDU("3B 8A 01 67 63 61 63 61 72 64 2F 76 31 92")

// atrInterface is what an ATR's interface bytes announce.
type atrInterface struct {
	// Protocols are the T values of the TD bytes in order, or [0] when
	// the ATR has no TD1 (ISO/IEC 7816-3: then T=0 is the only offer).
	Protocols []int
	HasTCK    bool
}

// parseATR walks the interface bytes of an ATR (ISO/IEC 7816-3 section
// 8.2) and checks TS, the length and, when present, TCK.
func parseATR(atr []byte) (atrInterface, error) {
	if len(atr) < 2 {
		return atrInterface{}, fmt.Errorf("ATR of %d bytes: want TS and T0 at least", len(atr))
	}
	if atr[0] != 0x3B && atr[0] != 0x3F {
		return atrInterface{}, fmt.Errorf("TS is %02X: want 3B (direct) or 3F (inverse convention)", atr[0])
	}
	var info atrInterface
	k := int(atr[1] & 0x0F)
	y := atr[1] >> 4
	i := 2
	for {
		for _, present := range []byte{0x1, 0x2, 0x4} { // TAi, TBi, TCi
			if y&present != 0 {
				i++
			}
		}
		if y&0x8 == 0 { // no TDi
			break
		}
		if i >= len(atr) {
			return atrInterface{}, fmt.Errorf("ATR ends inside its interface bytes")
		}
		td := atr[i]
		i++
		info.Protocols = append(info.Protocols, int(td&0x0F))
		y = td >> 4
	}
	if len(info.Protocols) == 0 {
		info.Protocols = []int{0}
	}
	for _, t := range info.Protocols {
		if t != 0 {
			info.HasTCK = true
		}
	}

	want := i + k
	if info.HasTCK {
		want++
	}
	if len(atr) != want {
		return atrInterface{}, fmt.Errorf("ATR has %d bytes: its T0 and TD bytes announce %d", len(atr), want)
	}
	if info.HasTCK {
		var x byte
		for _, b := range atr[1:] {
			x ^= b
		}
		if x != 0 {
			return atrInterface{}, fmt.Errorf("TCK %02X is wrong: the XOR of T0 to TCK is %02X, want 00", atr[len(atr)-1], x)
		}
	}
	return info, nil
}

// connectATR opens a PC/SC connection of its own to read the ATR that
// SCardStatus returns, so it does not depend on the harness's record.
func connectATR(card *harness.Card) []byte {
	GinkgoHelper()
	ctx, err := scard.EstablishContext()
	Expect(err).NotTo(HaveOccurred())
	defer ctx.Release()
	conn, err := ctx.Connect(card.Reader, scard.ShareShared, scard.ProtocolT1)
	Expect(err).NotTo(HaveOccurred(), "connecting to %q over T=1", card.Reader)
	defer conn.Disconnect(scard.LeaveCard)
	status, err := conn.Status()
	Expect(err).NotTo(HaveOccurred(), "SCardStatus")
	return status.Atr
}

var _ = Describe("ATR and transmission protocol", AreaAPDU, func() {
	It("returns the profile's ATR through PC/SC [GEN-01]", Virtual, func() {
		card := useCard("valid")
		want := profileATR
		if card.Profile.ATR != nil {
			want = card.Profile.ATR
		}

		Expect(card.ATR).To(Equal(want), "ATR in the reader state: % X, want % X", card.ATR, want)
		fromStatus := connectATR(card)
		Expect(fromStatus).To(Equal(want), "ATR from SCardStatus: % X, want % X", fromStatus, want)
	})

	It("has a well-formed ATR that offers T=1 [GEN-01] [GEN-02]", PhysicalSafe, func() {
		card := useCard("activated")

		info, err := parseATR(card.ATR)
		Expect(err).NotTo(HaveOccurred(), "ATR % X", card.ATR)
		Expect(info.Protocols).To(ContainElement(1), "ATR % X announces protocols %v, want T=1 among them", card.ATR, info.Protocols)
		Expect(info.HasTCK).To(BeTrue(), "an ATR that offers T=1 ends with TCK")
	})

	// pcscd keeps the protocol it negotiated until the card is powered
	// off, and the harness has already talked to the card over T=1. So the
	// spec powers the card off first, and the T=0 connection is the first
	// one after power-on.
	It("rejects a T=0-only PC/SC connection [GEN-02]", Virtual, func() {
		card := useCard("valid")
		ctx, err := scard.EstablishContext()
		Expect(err).NotTo(HaveOccurred())
		defer ctx.Release()

		first, err := ctx.Connect(card.Reader, scard.ShareShared, scard.ProtocolAny)
		Expect(err).NotTo(HaveOccurred(), "connecting to power the card off")
		Expect(first.Disconnect(scard.UnpowerCard)).To(Succeed(), "disconnecting with SCARD_UNPOWER_CARD")

		t0, t0Err := ctx.Connect(card.Reader, scard.ShareShared, scard.ProtocolT0)
		if t0Err == nil {
			// Power off again so that pcscd negotiates the protocol below.
			t0.Disconnect(scard.UnpowerCard)
		}

		anyProtocol, err := ctx.Connect(card.Reader, scard.ShareShared, scard.ProtocolAny)
		Expect(err).NotTo(HaveOccurred(), "connecting with T=0 or T=1 offered")
		active := anyProtocol.ActiveProtocol()
		anyProtocol.Disconnect(scard.LeaveCard)
		Expect(active).To(Equal(scard.ProtocolT1), "the protocol pcscd chose when offered T=0 or T=1")

		Expect(errors.Is(t0Err, scard.ErrProtoMismatch)).To(BeTrue(),
			"a T=0-only connection returned %v, want SCARD_E_PROTO_MISMATCH: the ATR % X announces protocols %v",
			t0Err, card.ATR, atrProtocols(card.ATR))
	})

	It("accepts extended Lc and extended Le [GEN-02]", PhysicalSafe, func() {
		card := useCard("activated")

		By("SELECT by path with an extended Lc, case 3")
		expectHexSW(card, "00 A4 08 0C 00 00 04 50 30 08 F2", 0x9000)

		By("SELECT by path with an extended Lc and Le 0000, case 4")
		resp := expectHexSW(card, "00 A4 08 00 00 00 04 50 30 08 F2 00 00", 0x9000)
		Expect(resp.Data).To(Equal(hexAPDU("62 0B 82 01 01 83 02 08 F2 80 02 1C 00")), "FCP of EF 08F2")

		By("READ BINARY of all of EF 08F2 with Le 0000, case 2 extended")
		resp = expectHexSW(card, "00 B0 00 00 00 00 00", 0x9000)
		Expect(resp.Data).To(HaveLen(certFileSize), "Le 0000 asks for up to 65536 bytes")

		By("SELECT with a 300-byte path in an extended Lc: parsed, so 6A82 and not 6700")
		path := append(hexAPDU("50 30 08 F2"), bytes.Repeat([]byte{0x01, 0x01}, 148)...)
		command := append(hexAPDU("00 A4 08 0C 00 01 2C"), path...)
		expectSW(sendAPDU(card, command), 0x6A82, "SELECT with a 300-byte path through EF 08F2")
	})

	// NOTE: vpcd frames carry at most 65535 bytes, so the largest command
	// a virtual card can receive has an extended Lc of 65528. Lc 65529 to
	// 65535, which the profile allows, fail in SCardTransmit before they
	// reach the card.
	It("accepts the largest extended Lc that vpcd carries [GEN-02]", Virtual, func() {
		card := useCard("valid")

		const lc = 65528
		command := append([]byte{0x00, 0xA4, 0x08, 0x0C, 0x00, byte(lc >> 8), byte(lc & 0xFF)}, hexAPDU("50 30 08 F2")...)
		command = append(command, bytes.Repeat([]byte{0x01}, lc-4)...)
		expectSW(sendAPDU(card, command), 0x6A82, "SELECT with a 65528-byte path through EF 08F2")
		expectHexSW(card, "00 CA 01 01 00", 0x9000)
	})
})

// atrProtocols returns the protocols an ATR announces, for failure
// messages.
func atrProtocols(atr []byte) []int {
	info, err := parseATR(atr)
	if err != nil {
		return nil
	}
	return info.Protocols
}

var _ = Describe("Command header checks", AreaAPDU, func() {
	It("returns 6E00 for any CLA but 00 [GEN-03]", PhysicalSafe, func() {
		card := useCard("activated")
		before := readCardCounters(card)
		selectPath(card, "0900 0903")
		number := sendHex(card, "00 B0 00 00 00").Data

		// CLA 80 is what real HiCOS cards use, 10 the chaining bit, 01 a
		// logical channel and 0C secure messaging.
		for _, cla := range []string{"80", "10", "01", "04", "0C", "84", "90", "A0", "40"} {
			for _, rest := range []string{
				"A4 00 0C 02 3F 00", // SELECT MF
				"B0 00 00 00",       // READ BINARY
				"CA 01 01 00",       // GET DATA lifecycle
				"C0 00 00 00",       // GET RESPONSE
				"20 00 80",          // VERIFY query, which uses no try
				"84 00 00 08",       // GET CHALLENGE
			} {
				command := cla + " " + rest
				resp := expectHexSW(card, command, 0x6E00)
				Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
			}
		}

		By("the SELECT MF commands with a wrong CLA left EF 0903 selected")
		resp := expectHexSW(card, "00 B0 00 00 00", 0x9000)
		Expect(resp.Data).To(Equal(number), "EF 0903 after the wrong-CLA commands")
		expectCountersUnchanged(card, before, "commands with a wrong CLA")
	})

	It("returns 6D00 for unimplemented instructions [GEN-04]", PhysicalSafe, func() {
		card := useCard("activated")
		before := readCardCounters(card)

		// Only instructions that read or compute: a card that implemented
		// one of them by mistake would still change nothing.
		for _, ins := range []string{"B1", "B2", "CB", "88", "A0", "A2", "F2"} {
			for _, form := range []string{"00 %s 00 00", "00 %s 00 00 00", "00 %s 00 00 02 3F 00"} {
				command := fmt.Sprintf(form, ins)
				resp := expectHexSW(card, command, 0x6D00)
				Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
			}
		}
		expectCountersUnchanged(card, before, "unimplemented instructions")
	})

	It("returns 6D00 for write instructions [GEN-04] [FS-01]", Virtual, Destructive, func() {
		card := useCard("valid")
		number := readEF(card, "0900 0903")
		version := readEF(card, "0900 0905")
		certificates := readEF(card, "5030 08F2")
		before := readCardCounters(card)

		selectPath(card, "0900 0903")
		for _, command := range []string{
			"00 D6 00 00 02 5A 5A",                   // UPDATE BINARY
			"00 D0 00 00 02 5A 5A",                   // WRITE BINARY
			"00 D7 00 00 02 5A 5A",                   // UPDATE BINARY, odd INS
			"00 0E 00 00",                            // ERASE BINARY
			"00 DA 01 01 01 02",                      // PUT DATA lifecycle = activated
			"00 DB 3F FF 03 5C 01 01",                // PUT DATA, odd INS
			"00 E0 00 00 04 62 02 83 00",             // CREATE FILE
			"00 E4 00 00 02 09 03",                   // DELETE FILE
			"00 DC 01 04 02 5A 5A",                   // UPDATE RECORD
			"00 E2 00 00 02 5A 5A",                   // APPEND RECORD
			"00 46 00 00 03 AC 01 01",                // GENERATE ASYMMETRIC KEY PAIR
			"00 D6 00 00 00 00 02 5A 5A",             // UPDATE BINARY, extended Lc
			"00 D6 80 00 02 5A 5A",                   // UPDATE BINARY by short EF identifier
			"00 DA 01 02 08 32 30 33 30 30 31 30 31", // PUT DATA issue date
		} {
			expectHexSW(card, command, 0x6D00)
		}

		Expect(readEF(card, "0900 0903")).To(Equal(number), "EF 0903 after the write instructions")
		Expect(readEF(card, "0900 0905")).To(Equal(version), "EF 0905 after the write instructions")
		Expect(readEF(card, "5030 08F2")).To(Equal(certificates), "EF 08F2 after the write instructions")
		expectCountersUnchanged(card, before, "write instructions")
	})

	// NOTE: a 1-byte command is left out. Through vpcd it reaches the
	// virtual card as a 1-byte frame, which the vpcd protocol reserves for
	// power and reset messages, so the card powers off instead of
	// responding and SCardTransmit never returns.
	It("returns 6700 for unparsable commands [GEN-05]", PhysicalSafe, func() {
		card := useCard("activated")
		before := readCardCounters(card)

		for _, command := range []string{
			"00 A4",                            // 2 bytes
			"00 A4 00",                         // 3 bytes
			"00 20 00",                         // 3 bytes of VERIFY
			"00 B0 00 00 05 01 02",             // short Lc 5, 2 bytes follow
			"00 A4 00 0C 02 3F 00 00 00",       // short Lc 2, 2 bytes after the data
			"00 20 00 80 0A 31 32 33",          // VERIFY, Lc 10, 3 bytes follow
			"00 2C 00 80 14 31 32 33 34 35 36", // RESET RETRY COUNTER, Lc 20, 6 bytes follow
			"00 A4 08 0C 00 00 00 50 30",       // extended Lc of 0
			"00 A4 08 0C 00 00 05 50 30 08 F2", // extended Lc 5, 4 bytes follow
			"00 B0 00 00 00 01",                // extended form cut after 2 bytes
			"00 CA 01 01 00 00 01 AA 00",       // extended Lc 1, then a 1-byte Le
			"80 A4 00 0C 05 3F 00",             // wrong CLA too: the format decides
			"00 FE 00 00 03 01",                // unknown INS too: the format decides
		} {
			resp := expectHexSW(card, command, 0x6700)
			Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
			// The card must still respond to a well-formed command.
			expectHexSW(card, "00 CA 01 01 00", 0x9000)
		}
		expectCountersUnchanged(card, before, "malformed commands")
	})

	It("applies header checks in order [GEN-06]", PhysicalSafe, func() {
		card := useCard("activated")
		before := readCardCounters(card)

		for _, c := range []struct {
			command string
			want    iso7816.StatusWord
			reason  string
		}{
			{"80 A4 00 0C 05 3F 00", 0x6700, "APDU format before CLA"},
			{"80 B2 01 04 00", 0x6E00, "CLA before INS"},
			{"84 FE 00 00", 0x6E00, "CLA before INS"},
			{"00 B2 FF FF 00", 0x6D00, "INS before P1-P2"},
			{"00 CA 01 99", 0x6A88, "P1-P2 (an unknown tag) before Le"},
			{"00 A4 00 01 03 3F 00 00", 0x6A86, "P1-P2 (P2 01) before the data length"},
			{"00 A4 05 0C 03 3F 00 00", 0x6A86, "P1-P2 (P1 05) before the data length"},
			{"00 C0 00 01", 0x6A86, "P1-P2 of GET RESPONSE before Le"},
			{"00 B0 80 00", 0x6A81, "P1 bit 8 of READ BINARY before Le"},
			{"00 CA 01 01 05", 0x6C01, "Le of a fixed-size object"},
		} {
			resp := sendHex(card, c.command)
			expectSW(resp, c.want, c.command+" ("+c.reason+")")
		}
		expectCountersUnchanged(card, before, "commands that fail several checks")
	})

	It("checks the format before state and counters [GEN-06]", Virtual, Destructive, func() {
		card := useCard("valid")
		skipUnlessLifecycle(card, lifecycleIssuedByte)
		before := readCardCounters(card)
		Expect(before.PINQuery).To(Equal(iso7816.StatusWord(0x6984)), "an issued card's PIN is not set")

		// The real user code shows that an earlier failed check stops even
		// a correct value: a comparison would show in the counters or the
		// lifecycle.
		userCode := pinBlock(card.Secrets.UserCode)
		fivePIN := pinBlock("12345")
		for _, c := range []struct {
			name    string
			command []byte
			want    iso7816.StatusWord
		}{
			{"VERIFY with 5 data bytes: length before state (6984)", append(hexAPDU("00 20 00 80 05"), "12345"...), 0x6700},
			{"VERIFY with a 5-character PIN: content before state (6984)", append(hexAPDU("00 20 00 80 0A"), fivePIN...), 0x6A80},
			{"VERIFY with P1 01: P1-P2 before length", hexAPDU("00 20 01 80 03 31 32 33"), 0x6A86},
			{"VERIFY of key reference 85: P1-P2 before length", hexAPDU("00 20 00 85 03 31 32 33"), 0x6A88},
			{"RESET RETRY COUNTER with 19 bytes: length before comparison",
				append(hexAPDU("00 2C 00 80 13"), append(userCode, pinBlock("Pin246")[:9]...)...), 0x6700},
			{"RESET RETRY COUNTER with a 5-character new PIN: content before comparison",
				append(hexAPDU("00 2C 00 80 14"), append(userCode, fivePIN...)...), 0x6A80},
			{"RESET RETRY COUNTER with a '!' in the user code: content before comparison",
				append(hexAPDU("00 2C 00 80 14"), append(pinBlock("Gca2024!k"), pinBlock("Pin2468")...)...), 0x6A80},
			{"RESET RETRY COUNTER with P1 01: P1-P2 before comparison",
				append(hexAPDU("00 2C 01 80 14"), append(userCode, pinBlock("Pin2468")...)...), 0x6A86},
			{"RESET RETRY COUNTER with CLA 80: CLA before comparison",
				append(hexAPDU("80 2C 00 80 14"), append(userCode, pinBlock("Pin2468")...)...), 0x6E00},
			{"CHANGE REFERENCE DATA with a 5-character new PIN: content before state (6984)",
				append(hexAPDU("00 24 00 80 14"), append(pinBlock("123456"), fivePIN...)...), 0x6A80},
			{"COMPUTE DIGITAL SIGNATURE with 257 bytes: length before security status (6982)",
				append(hexAPDU("00 2A 9E 9A 00 01 01"), append(make([]byte, 257), 0x01, 0x00)...), 0x6700},
			{"DECIPHER with padding indicator 01: data before security status (6982)",
				append(hexAPDU("00 2A 80 86 00 01 01 01"), append(make([]byte, 256), 0x00, 0x00)...), 0x6A80},
			{"PERFORM SECURITY OPERATION 9E 9B: P1-P2 before length", hexAPDU("00 2A 9E 9B 01 00"), 0x6A86},
			{"GET CHALLENGE with P1 01 and Le 04: P1-P2 before Le", hexAPDU("00 84 01 00 04"), 0x6A86},
			{"EXTERNAL AUTHENTICATE with 15 bytes: length before the challenge (6985)",
				append(hexAPDU("00 82 00 01 0F"), make([]byte, 15)...), 0x6700},
		} {
			resp := sendAPDU(card, c.command)
			expectSW(resp, c.want, c.name)
		}

		expectCountersUnchanged(card, before, "malformed security commands")
		if card.Virtual() {
			saved := card.Emulator().Status().UserCodeTries
			Expect(saved.Remaining).To(Equal(saved.Max), "user-code tries in the card's saved state")
		}
	})
})

var _ = Describe("Response chaining", AreaAPDU, func() {
	// mfFCP is the FCP template of the MF (FS-08).
	mfFCP := hexAPDU("62 07 82 01 38 83 02 3F 00")

	It("chains an FCP longer than Ne [RSP-01] [RSP-02] [RSP-04]", PhysicalSafe, func() {
		card := useCard("activated")

		resp := expectHexSW(card, "00 A4 00 00 02 3F 00 05", 0x6104)
		got := append([]byte(nil), resp.Data...)
		Expect(got).To(HaveLen(5), "SELECT with Le 05 returns the first 5 bytes of the FCP")

		By("GET RESPONSE with P1-P2 0001 or without Le keeps the waiting data")
		expectHexSW(card, "00 C0 00 01 02", 0x6A86)
		expectHexSW(card, "00 C0 00 00", 0x6700)

		resp = expectHexSW(card, "00 C0 00 00 02", 0x6102)
		Expect(resp.Data).To(HaveLen(2), "GET RESPONSE with Le 02")
		got = append(got, resp.Data...)
		resp = expectHexSW(card, "00 C0 00 00 00", 0x9000)
		got = append(got, resp.Data...)
		Expect(cmp.Diff(mfFCP, got)).To(BeEmpty(), "the FCP collected in three parts (-want +got)")

		By("nothing waits after the last part")
		expectHexSW(card, "00 C0 00 00 00", 0x6985)

		By("an EF's FCP with an extended Le")
		resp = expectHexSW(card, "00 A4 08 00 00 00 04 50 30 08 F2 00 0C", 0x6101)
		Expect(resp.Data).To(Equal(hexAPDU("62 0B 82 01 01 83 02 08 F2 80 02 1C")), "first 12 bytes of the FCP of EF 08F2")
		resp = expectHexSW(card, "00 C0 00 00 01", 0x9000)
		Expect(resp.Data).To(Equal([]byte{0x00}), "the last byte of the FCP of EF 08F2")
	})

	It("drops waiting data on other commands and reset [RSP-03] [RSP-04]", PhysicalSafe, func() {
		card := useCard("activated")

		expectHexSW(card, "00 C0 00 00 00", 0x6985)

		By("a well-formed command in between")
		expectHexSW(card, "00 A4 00 00 02 3F 00 04", 0x6105)
		expectHexSW(card, "00 CA 01 01 00", 0x9000)
		expectHexSW(card, "00 C0 00 00 00", 0x6985)

		By("a malformed command in between")
		expectHexSW(card, "00 A4 00 00 02 3F 00 04", 0x6105)
		expectHexSW(card, "00 A4", 0x6700)
		expectHexSW(card, "00 C0 00 00 00", 0x6985)

		By("a command with a wrong CLA in between")
		expectHexSW(card, "00 A4 00 00 02 3F 00 04", 0x6105)
		expectHexSW(card, "80 C0 00 00 00", 0x6E00)
		expectHexSW(card, "00 C0 00 00 00", 0x6985)

		By("a warm reset in between")
		expectHexSW(card, "00 A4 00 00 02 3F 00 04", 0x6105)
		warmReset(card)
		expectHexSW(card, "00 C0 00 00 00", 0x6985)
	})

	It("drops waiting data on power-off [RSP-03] [FS-09]", PhysicalSafe, func() {
		card := useCard("activated")

		selectPath(card, "0900 0903")
		expectHexSW(card, "00 A4 00 00 02 3F 00 04", 0x6105)
		powerCycle(card)

		expectHexSW(card, "00 C0 00 00 00", 0x6985)
		By("after power-on the MF is selected again, not EF 0903")
		expectHexSW(card, "00 B0 00 00 00", 0x6986)
		expectHexSW(card, "00 A4 02 0C 02 09 03", 0x6A82)
		expectHexSW(card, "00 A4 01 0C 02 09 00", 0x9000)
	})

	It("chains a 256-byte signature through a short Le [RSP-01] [RSP-02] [RSP-03] [RSP-04] [KEY-03]", Virtual, Destructive, func() {
		card := useCard("activated")
		skipUnlessLifecycle(card, lifecycleActivatedByte)
		certs := readCardCertificates(card)
		digestInfo, digest := sha256DigestInfo([]byte("chained signature"))

		expectHexSW(card, "00 22 41 B6 06 84 01 01 80 01 02", 0x9000)
		presentPIN(card, card.Secrets.PIN)

		command := append([]byte{0x00, 0x2A, 0x9E, 0x9A, byte(len(digestInfo))}, digestInfo...)
		resp := sendAPDU(card, append(command, 0x10))
		expectSW(resp, 0x61F0, "COMPUTE DIGITAL SIGNATURE with Le 10")
		Expect(resp.Data).To(HaveLen(16), "the first part of the signature")
		signature := append([]byte(nil), resp.Data...)

		By("GET RESPONSE answered 6A86 or 6700 keeps the rest")
		expectHexSW(card, "00 C0 01 00 40", 0x6A86)
		expectHexSW(card, "00 C0 00 00", 0x6700)

		resp = expectHexSW(card, "00 C0 00 00 40", 0x61B0)
		Expect(resp.Data).To(HaveLen(0x40), "the second part of the signature")
		signature = append(signature, resp.Data...)
		resp = expectHexSW(card, "00 C0 00 00 00", 0x9000)
		Expect(resp.Data).To(HaveLen(0xB0), "the last part of the signature")
		signature = append(signature, resp.Data...)
		expectHexSW(card, "00 C0 00 00 00", 0x6985)

		Expect(verifyPKCS1(certs.Signing, digest, signature)).To(Succeed(),
			"the chained signature must verify with the signing certificate of EF 08F2")

		By("a malformed command drops the rest of a second signature")
		expectSW(sendAPDU(card, append(command, 0x10)), 0x61F0, "COMPUTE DIGITAL SIGNATURE with Le 10")
		expectHexSW(card, "00 2A", 0x6700)
		expectHexSW(card, "00 C0 00 00 00", 0x6985)
	})

	It("returns 6CXX for a wrong fixed-size Le [RSP-05]", PhysicalSafe, func() {
		card := useCard("activated")

		for _, c := range []struct {
			command string
			want    iso7816.StatusWord
			size    int
		}{
			{"00 CA 01 01 02", 0x6C01, 0},
			{"00 CA 01 01 01", 0x9000, 1},
			{"00 CA 01 02 07", 0x6C08, 0},
			{"00 CA 01 02 09", 0x6C08, 0},
			{"00 CA 01 02 08", 0x9000, 8},
			{"00 CA 01 80 01", 0x6C02, 0},
			{"00 CA 01 81 03", 0x6C02, 0},
			{"00 CA 01 81 00", 0x9000, 2},
			{"00 CA 01 02 00 00 07", 0x6C08, 0},
			{"00 CA 01 02 00 00 08", 0x9000, 8},
			{"00 CA 01 80 00 00 00", 0x9000, 2},
		} {
			resp := expectHexSW(card, c.command, c.want)
			Expect(resp.Data).To(HaveLen(c.size), "%s: data length", c.command)
		}

		if lifecycleByte(card) == lifecycleTerminatedByte {
			Skip("GET CHALLENGE is refused with 6A81 on a terminated card (LC-03)")
		}
		By("GET CHALLENGE")
		resp := expectHexSW(card, "00 84 00 00 04", 0x6C08)
		Expect(resp.Data).To(BeEmpty(), "GET CHALLENGE with Le 04 returned data")
		resp = expectHexSW(card, "00 84 00 00 08", 0x9000)
		Expect(resp.Data).To(HaveLen(8), "GET CHALLENGE with Le 08")
		resp = expectHexSW(card, "00 84 00 00 00", 0x9000)
		Expect(resp.Data).To(HaveLen(8), "GET CHALLENGE with Le 00")
	})
})
