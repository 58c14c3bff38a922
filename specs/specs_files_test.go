package specs_test

import (
	"fmt"
	"regexp"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/emulator"
	"gcacard/internal/taipei"
	"gcacard/iso7816"
)

// profileFCPs are the FCP templates of the profile's files by path from
// the MF: "62 L 82 01 T 83 02 FID [80 02 SIZE]", T 38 for a DF and 01 for
// a transparent EF, the size only for an EF (FS-08).
var profileFCPs = []struct {
	path string
	fcp  []byte
}{
	{"3F00", hexAPDU("62 07 82 01 38 83 02 3F 00")},
	{"0900", hexAPDU("62 07 82 01 38 83 02 09 00")},
	{"0900 0903", hexAPDU("62 0B 82 01 01 83 02 09 03 80 02 00 10")},
	{"0900 0905", hexAPDU("62 0B 82 01 01 83 02 09 05 80 02 00 09")},
	{"5030", hexAPDU("62 07 82 01 38 83 02 50 30")},
	{"5030 08F2", hexAPDU("62 0B 82 01 01 83 02 08 F2 80 02 1C 00")},
}

// selectByPathCommand returns SELECT P1 08 of a path from the MF with P2
// and, when le is not empty, a short Le. Path "3F00" selects the MF by its
// file ID instead, since a path from the MF leaves out 3F00.
func selectByPathCommand(path, p2, le string) string {
	data := hexAPDU(path)
	command := fmt.Sprintf("00 A4 08 %s %02X %X", p2, len(data), data)
	if path == "3F00" {
		command = "00 A4 00 " + p2 + " 02 3F00"
	}
	if le != "" {
		command += " " + le
	}
	return command
}

var cardNumberFormat = regexp.MustCompile(`^[A-Z]{2}[0-9]{14}$`)

var _ = Describe("Files", AreaFiles, func() {
	It("has exactly the profile's files [FS-01]", PhysicalSafe, func() {
		card := useCard("activated")
		before := readCardCounters(card)

		for _, f := range profileFCPs {
			resp := expectHexSW(card, selectByPathCommand(f.path, "00", "00"), 0x9000)
			Expect(resp.Data).NotTo(BeEmpty(), "FCP of %s", f.path)
		}

		// A sample of IDs next to the real ones and of files that other
		// cards have, such as EF.DIR 2F00 and the PKCS#15 DF 5015.
		for _, path := range []string{"2F00", "5015", "0901", "5031", "0000", "0900 0901", "0900 0904", "0900 0906",
			"5030 08F1", "5030 08F3", "5030 4401", "0900 0903 0001"} {
			expectHexSW(card, selectByPathCommand(path, "0C", ""), 0x6A82)
		}

		By("every EF reads without a verified PIN")
		for _, path := range []string{"0900 0903", "0900 0905", "5030 08F2"} {
			Expect(readEF(card, path)).NotTo(BeEmpty(), "EF %s", path)
		}
		expectCountersUnchanged(card, before, "reading the files")
	})

	DescribeTable("reads files and GET DATA in every lifecycle [FS-01] [FS-02] [GD-01] [GD-02] [GD-03] [GD-04]", Virtual,
		func(fixture string, lifecycle byte) {
			card := useCard(fixture)
			saved := card.Emulator().Status()

			Expect(string(readEF(card, "0900 0903"))).To(Equal(card.Profile.CardNumber), "EF 0903, the card number")
			Expect(string(readEF(card, "0900 0905"))).To(Equal("GCACARD/1"), "EF 0905, the profile version")
			readCardCertificates(card)

			Expect(getDataObject(card, 0x0101)).To(Equal([]byte{lifecycle}), "GET DATA 0101, the lifecycle")
			Expect(string(getDataObject(card, 0x0102))).To(Equal(saved.Dates.Issued.Compact()),
				"GET DATA 0102, the issue date the card was made with")

			pin, userCode := card.Profile.PIN, card.Profile.UserCode
			Expect(getDataObject(card, 0x0180)).To(Equal([]byte{byte(pin.MaxTries), byte(remainingTries(pin))}),
				"GET DATA 0180, the PIN's maximum and remaining tries")
			Expect(getDataObject(card, 0x0181)).To(Equal([]byte{byte(userCode.MaxTries), byte(remainingTries(userCode))}),
				"GET DATA 0181, the user code's maximum and remaining tries")
		},
		Entry("issued", "valid", byte(lifecycleIssuedByte)),
		Entry("activated", "activated", byte(lifecycleActivatedByte)),
		Entry("terminated", "terminated", byte(lifecycleTerminatedByte)),
		Entry("activated with the PIN blocked", "pin-blocked", byte(lifecycleActivatedByte)),
		Entry("issued with the user code blocked", "usercode-blocked", byte(lifecycleIssuedByte)),
	)

	It("stores a GC card number in EF 0903 [FS-02]", PhysicalSafe, func() {
		card := useCard("activated")

		number := readEF(card, "0900 0903")
		Expect(number).To(HaveLen(16), "EF 0903 size")
		Expect(string(number)).To(MatchRegexp(cardNumberFormat.String()), "card number %q: two upper-case letters, then 14 digits", number)
		Expect(string(number[:2])).To(Equal("GC"), "a GCA card number starts with GC")
		Expect(string(number)).To(Equal(card.CardNumber), "the card number the run found")
	})

	It("stores GCACARD/1 in EF 0905 [FS-03]", PhysicalSafe, func() {
		card := useCard("activated")
		Expect(string(readEF(card, "0900 0905"))).To(Equal("GCACARD/1"))
	})

	It("stores four certificates in EF 08F2 [FS-04]", PhysicalSafe, func() {
		card := useCard("activated")
		certs := readCardCertificates(card)

		By("the holder's certificates chain to the CA certificates in the same file")
		if certs.Issuing != nil {
			Expect(certs.Signing.CheckSignatureFrom(certs.Issuing)).To(Succeed(), "the signing certificate is issued by the issuing CA at 0700")
			Expect(certs.Encryption.CheckSignatureFrom(certs.Issuing)).To(Succeed(), "the encryption certificate is issued by the issuing CA at 0700")
			if certs.Root != nil {
				Expect(certs.Issuing.CheckSignatureFrom(certs.Root)).To(Succeed(), "the issuing CA at 0700 is issued by the root CA at 0000")
			}
		}
	})

	It("selects by file ID, parent and path [FS-05]", PhysicalSafe, func() {
		card := useCard("activated")

		for _, step := range []struct {
			name    string
			command string
			want    iso7816.StatusWord
			// fcp is the FCP the command must return, nil for none.
			fcp []byte
		}{
			{"P1 00 with 3F00 selects the MF", "00 A4 00 00 02 3F 00 00", 0x9000, profileFCPs[0].fcp},
			{"P1 00 with no data selects the MF", "00 A4 00 00 00", 0x9000, profileFCPs[0].fcp},
			{"P1 00 selects a child DF", "00 A4 00 00 02 09 00 00", 0x9000, profileFCPs[1].fcp},
			{"P1 00 selects an EF of the current DF", "00 A4 00 00 02 09 03 00", 0x9000, profileFCPs[2].fcp},
			{"P1 00 selects another EF of the current DF from an EF", "00 A4 00 00 02 09 05 00", 0x9000, profileFCPs[3].fcp},
			{"P1 00 selects a DF under the MF from DF 0900", "00 A4 00 00 02 50 30 00", 0x9000, profileFCPs[4].fcp},
			{"P1 00 does not find an EF of another DF", "00 A4 00 0C 02 09 03", 0x6A82, nil},
			{"P1 00 with a 3-byte file ID", "00 A4 00 0C 03 3F 00 00", 0x6700, nil},
			{"P1 00 with a 1-byte file ID", "00 A4 00 0C 01 3F", 0x6700, nil},
			{"P1 03 selects the parent of DF 5030", "00 A4 03 00 00", 0x9000, profileFCPs[0].fcp},
			{"P1 03 at the MF finds no parent", "00 A4 03 0C", 0x6A82, nil},
			{"P1 03 with data", "00 A4 03 0C 02 3F 00", 0x6700, nil},
			{"P1 01 selects a child DF", "00 A4 01 00 02 50 30 00", 0x9000, profileFCPs[4].fcp},
			{"P1 02 selects an EF of the current DF", "00 A4 02 00 02 08 F2 00", 0x9000, profileFCPs[5].fcp},
			{"P1 00 selects the MF again", "00 A4 00 0C 02 3F 00", 0x9000, nil},
			{"P1 02 with a DF's ID", "00 A4 02 0C 02 09 00", 0x6A82, nil},
			{"P1 01 selects DF 0900", "00 A4 01 0C 02 09 00", 0x9000, nil},
			{"P1 01 with an EF's ID", "00 A4 01 0C 02 09 03", 0x6A82, nil},
			{"P1 01 with 4 bytes", "00 A4 01 0C 04 09 00 09 03", 0x6700, nil},
			{"P1 02 with no data", "00 A4 02 0C", 0x6700, nil},
			{"P1 08 selects by path from the MF", "00 A4 08 00 04 09 00 09 05 00", 0x9000, profileFCPs[3].fcp},
			{"P1 08 with a path that starts with 3F00", "00 A4 08 0C 06 3F 00 50 30 08 F2", 0x6A82, nil},
			{"P1 08 with an odd path length", "00 A4 08 0C 03 50 30 08", 0x6700, nil},
			{"P1 08 with an empty path", "00 A4 08 0C", 0x6700, nil},
			{"P1 08 selects a DF by path", "00 A4 08 0C 02 50 30", 0x9000, nil},
			{"P1 09 selects by path from the current DF", "00 A4 09 00 02 08 F2 00", 0x9000, profileFCPs[5].fcp},
			{"P1 00 selects the MF again", "00 A4 00 0C 02 3F 00", 0x9000, nil},
			{"P1 09 selects by a 2-level path from the MF", "00 A4 09 00 04 09 00 09 03 00", 0x9000, profileFCPs[2].fcp},
			{"P1 09 with an odd path length", "00 A4 09 0C 01 09", 0x6700, nil},
		} {
			resp := sendHex(card, step.command)
			expectSW(resp, step.want, step.name+": "+step.command)
			if step.fcp != nil {
				Expect(cmp.Diff(step.fcp, resp.Data)).To(BeEmpty(), "%s: FCP (-want +got)", step.name)
			} else {
				Expect(resp.Data).To(BeEmpty(), "%s: returned data", step.name)
			}
		}
	})

	It("returns 6A82 for SELECT by DF name [FS-06] [FS-07]", PhysicalSafe, func() {
		card := useCard("activated")
		selectPath(card, "0900 0903")
		number := expectHexSW(card, "00 B0 00 00 00", 0x9000).Data

		for _, name := range []string{
			"A0 00 00 00 63 50 4B 43 53 2D 31 35",          // PKCS#15
			"A0 00 00 03 08 00 00 10 00 01 00",             // PIV
			"E8 28 BD 08 0F A0 00 00 01 67 45 53 49 47 4E", // ESIGN
			"67 63 61 63 61 72 64",                         // "gcacard"
			"3F 00",
		} {
			data := hexAPDU(name)
			for _, p2 := range []string{"00", "0C"} {
				command := fmt.Sprintf("00 A4 04 %s %02X %X 00", p2, len(data), data)
				expectHexSW(card, command, 0x6A82)
			}
		}

		By("EF 0903 stays the current file")
		resp := expectHexSW(card, "00 B0 00 00 00", 0x9000)
		Expect(resp.Data).To(Equal(number), "EF 0903 after SELECT by DF name")
	})

	It("keeps the current file on 6A82 [FS-07]", PhysicalSafe, func() {
		card := useCard("activated")
		selectPath(card, "0900 0903")
		number := expectHexSW(card, "00 B0 00 00 00", 0x9000).Data

		for _, command := range []string{
			"00 A4 00 0C 02 09 04",       // an ID that does not exist
			"00 A4 02 0C 02 08 F2",       // an EF of another DF
			"00 A4 01 0C 02 09 03",       // an EF where a DF is asked for
			"00 A4 08 0C 04 50 30 08 F3", // a path whose EF does not exist
			"00 A4 08 0C 04 09 00 50 30", // a path through the wrong DF
			"00 A4 09 0C 02 08 F2",       // a path that is not under the current DF
		} {
			expectHexSW(card, command, 0x6A82)
			resp := expectHexSW(card, "00 B0 00 00 00", 0x9000)
			Expect(resp.Data).To(Equal(number), "EF 0903 must stay selected after %s", command)
		}

		By("the current DF stays 0900 too")
		expectHexSW(card, "00 A4 02 0C 02 09 05", 0x9000)
	})

	It("returns the FCP only when requested [FS-08]", PhysicalSafe, func() {
		card := useCard("activated")

		for _, f := range profileFCPs {
			for _, p2 := range []string{"00", "04"} {
				command := selectByPathCommand(f.path, p2, "00")
				resp := expectHexSW(card, command, 0x9000)
				Expect(cmp.Diff(f.fcp, resp.Data)).To(BeEmpty(), "%s: FCP of %s (-want +got)", command, f.path)
			}
			for _, c := range []struct{ p2, le string }{{"0C", "00"}, {"0C", ""}, {"00", ""}, {"04", ""}} {
				command := selectByPathCommand(f.path, c.p2, c.le)
				resp := expectHexSW(card, command, 0x9000)
				Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
			}
		}

		By("another P2 or P1 returns 6A86")
		for _, command := range []string{
			"00 A4 00 01 02 3F 00 00", "00 A4 00 02 02 3F 00 00", "00 A4 00 08 02 3F 00 00",
			"00 A4 00 0D 02 3F 00", "00 A4 00 FF 02 3F 00",
			"00 A4 05 0C 02 3F 00", "00 A4 07 0C 02 3F 00", "00 A4 0A 0C 02 3F 00", "00 A4 FF 0C 02 3F 00",
		} {
			resp := expectHexSW(card, command, 0x6A86)
			Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
		}
	})

	It("selects the MF after a warm reset [FS-09]", PhysicalSafe, func() {
		card := useCard("activated")
		selectPath(card, "0900 0903")
		expectHexSW(card, "00 B0 00 00 01", 0x9000)

		warmReset(card)

		expectHexSW(card, "00 B0 00 00 00", 0x6986)
		expectHexSW(card, "00 A4 02 0C 02 09 03", 0x6A82)
		expectHexSW(card, "00 A4 01 0C 02 09 00", 0x9000)
	})
})

var _ = Describe("READ BINARY", AreaFiles, func() {
	It("reads from the P1-P2 offset [RB-01]", PhysicalSafe, func() {
		card := useCard("activated")
		number := readEF(card, "0900 0903")
		certificates := readEF(card, "5030 08F2")

		selectPath(card, "0900 0903")
		resp := expectHexSW(card, "00 B0 00 02 04", 0x9000)
		Expect(resp.Data).To(Equal(number[2:6]), "4 bytes of EF 0903 from offset 0002")
		resp = expectHexSW(card, "00 B0 00 0F 01", 0x9000)
		Expect(resp.Data).To(Equal(number[15:]), "the last byte of EF 0903")

		selectPath(card, "5030 08F2")
		for _, offset := range []int{0x0100, 0x0E00, 0x1500, 0x1BFF} {
			resp := sendAPDU(card, []byte{0x00, 0xB0, byte(offset >> 8), byte(offset), 0x01})
			expectSW(resp, 0x9000, fmt.Sprintf("READ BINARY at %04X", offset))
			Expect(resp.Data).To(Equal(certificates[offset:offset+1]), "byte %04X of EF 08F2", offset)
		}

		By("P1 bit 8 set, a short EF identifier, returns 6A81")
		for _, command := range []string{"00 B0 80 00 00", "00 B0 83 00 01", "00 B0 9F 00 00", "00 B0 FF FF 00"} {
			resp := expectHexSW(card, command, 0x6A81)
			Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
		}
	})

	It("returns 6B00 for an offset past the end [RB-02]", PhysicalSafe, func() {
		card := useCard("activated")

		selectPath(card, "0900 0903")
		expectHexSW(card, "00 B0 00 10 00", 0x6B00)
		expectHexSW(card, "00 B0 00 11 01", 0x6B00)
		expectHexSW(card, "00 B0 7F FF 00", 0x6B00)
		selectPath(card, "5030 08F2")
		expectHexSW(card, "00 B0 1C 00 00", 0x6B00)
		expectHexSW(card, "00 B0 1C 00 00 00 00", 0x6B00)
		expectHexSW(card, "00 B0 1B FF 00", 0x9000)
	})

	It("reads with maximum and exact Le [RB-03]", PhysicalSafe, func() {
		card := useCard("activated")

		selectPath(card, "0900 0903")
		for _, c := range []struct {
			command string
			want    iso7816.StatusWord
			size    int
		}{
			{"00 B0 00 00 00", 0x9000, 16},
			{"00 B0 00 00 00 00 00", 0x9000, 16},
			{"00 B0 00 00 10", 0x9000, 16},
			{"00 B0 00 00 11", 0x6282, 16},
			{"00 B0 00 00 FF", 0x6282, 16},
			{"00 B0 00 0A 00", 0x9000, 6},
			{"00 B0 00 0A 08", 0x6282, 6},
			{"00 B0 00 0A 00 01 00", 0x6282, 6},
		} {
			resp := expectHexSW(card, c.command, c.want)
			Expect(resp.Data).To(HaveLen(c.size), "%s: data length", c.command)
		}

		selectPath(card, "5030 08F2")
		for _, c := range []struct {
			command string
			want    iso7816.StatusWord
			size    int
		}{
			{"00 B0 00 00 00", 0x9000, 256},
			{"00 B0 00 00 00 00 00", 0x9000, certFileSize},
			{"00 B0 00 00 00 1C 00", 0x9000, certFileSize},
			{"00 B0 00 00 00 1C 01", 0x6282, certFileSize},
			{"00 B0 00 00 00 FF FF", 0x6282, certFileSize},
			{"00 B0 1B F0 20", 0x6282, 16},
			{"00 B0 1B F0 00", 0x9000, 16},
			{"00 B0 10 00 00 10 00", 0x6282, 0x0C00},
		} {
			resp := expectHexSW(card, c.command, c.want)
			Expect(resp.Data).To(HaveLen(c.size), "%s: data length", c.command)
		}
	})

	It("returns 6986 with a DF selected [RB-04]", PhysicalSafe, func() {
		card := useCard("activated")

		for _, c := range []struct {
			selectPath string
			command    string
			want       iso7816.StatusWord
			reason     string
		}{
			{"", "00 B0 00 00 00", 0x6986, "the MF is a DF"},
			{"0900", "00 B0 00 00 10", 0x6986, "DF 0900"},
			{"5030", "00 B0 00 00", 0x6986, "a DF, no Le: the current file before Le"},
			{"5030", "00 B0 7F FF", 0x6986, "a DF, offset past any EF, no Le: the current file before the offset"},
			{"5030", "00 B0 80 00", 0x6A81, "a DF with P1 bit 8: P1 before the current file"},
			{"0900 0903", "00 B0 00 00", 0x6700, "an EF without Le"},
			{"0900 0903", "00 B0 00 20", 0x6B00, "an EF, offset past the end, no Le: the offset before Le"},
			{"0900 0903", "00 B0 81 00", 0x6A81, "an EF with P1 bit 8 and no Le: P1 before Le"},
		} {
			if c.selectPath == "" {
				expectHexSW(card, "00 A4 00 0C 02 3F 00", 0x9000)
			} else {
				selectPath(card, c.selectPath)
			}
			resp := expectHexSW(card, c.command, c.want)
			Expect(resp.Data).To(BeEmpty(), "%s (%s) returned data", c.command, c.reason)
		}
	})
})

var _ = Describe("GET DATA", AreaFiles, func() {
	It("returns the lifecycle as 01, 02 or 0F [GD-01]", PhysicalSafe, func() {
		card := useCard("activated")
		resp := expectHexSW(card, "00 CA 01 01 00", 0x9000)
		Expect(resp.Data).To(HaveLen(1), "GET DATA 0101")
		Expect(resp.Data[0]).To(BeElementOf(byte(lifecycleIssuedByte), byte(lifecycleActivatedByte), byte(lifecycleTerminatedByte)),
			"lifecycle %02X", resp.Data[0])
	})

	It("returns the issue date as YYYYMMDD [GD-02]", PhysicalSafe, func() {
		card := useCard("activated")
		resp := expectHexSW(card, "00 CA 01 02 00", 0x9000)
		Expect(string(resp.Data)).To(MatchRegexp(`^[0-9]{8}$`), "GET DATA 0102: YYYYMMDD")

		issued, err := taipei.ParseCompact(string(resp.Data))
		Expect(err).NotTo(HaveOccurred(), "GET DATA 0102 %q is a calendar date", resp.Data)
		today := taipei.DateOf(time.Now())
		Expect(today.DaysSince(issued)).To(BeNumerically(">=", 0), "issue date %s is after today %s in Taiwan", issued, today)
	})

	It("returns both retry counters [GD-03]", PhysicalSafe, func() {
		card := useCard("activated")
		warmReset(card)
		lifecycle := lifecycleByte(card)

		for _, ref := range []struct {
			name string
			tag  uint16
			p2   byte
		}{{"PIN", 0x0180, 0x80}, {"user code", 0x0181, 0x81}} {
			counter := getDataObject(card, ref.tag)
			Expect(counter).To(HaveLen(2), "GET DATA %04X", ref.tag)
			maxTries, left := counter[0], counter[1]
			Expect(maxTries).To(BeNumerically(">=", 1), "%s maximum", ref.name)
			Expect(maxTries).To(BeNumerically("<=", 15), "%s maximum", ref.name)
			Expect(left).To(BeNumerically("<=", maxTries), "%s tries left", ref.name)

			// The query form of VERIFY reports the same count (VER-02),
			// except on a terminated card and for a PIN that is not set.
			query := sendAPDU(card, []byte{0x00, 0x20, 0x00, ref.p2}).SW
			switch {
			case lifecycle == lifecycleTerminatedByte:
				Expect(query).To(Equal(iso7816.StatusWord(0x6A81)), "%s query on a terminated card", ref.name)
			case ref.p2 == 0x80 && lifecycle == lifecycleIssuedByte:
				Expect(query).To(Equal(iso7816.StatusWord(0x6984)), "PIN query on an issued card")
			case left == 0:
				Expect(query).To(Equal(iso7816.StatusWord(0x6983)), "%s query with no tries left", ref.name)
			default:
				Expect(query).To(Equal(iso7816.RetriesRemaining(int(left))), "%s query with %d tries left", ref.name, left)
			}
		}
	})

	It("rejects unknown tags and a missing Le [GD-04]", PhysicalSafe, func() {
		card := useCard("activated")
		before := readCardCounters(card)

		for _, tag := range []string{"01 00", "01 03", "01 82", "01 7F", "00 00", "FF FF", "5F 50", "00 66"} {
			command := "00 CA " + tag + " 00"
			resp := expectHexSW(card, command, 0x6A88)
			Expect(resp.Data).To(BeEmpty(), "%s returned data", command)
		}
		for _, tag := range []string{"01 01", "01 02", "01 80", "01 81"} {
			resp := expectHexSW(card, "00 CA "+tag, 0x6700)
			Expect(resp.Data).To(BeEmpty(), "GET DATA %s without Le returned data", tag)
		}
		expectCountersUnchanged(card, before, "GET DATA")
	})
})

// remainingTries returns the tries a fixture secret starts with: Remaining,
// or MaxTries when Remaining is -1.
func remainingTries(s emulator.InitialSecret) int {
	if s.Remaining < 0 {
		return s.MaxTries
	}
	return s.Remaining
}
