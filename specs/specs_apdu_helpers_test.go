package specs_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/harness"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// Helpers of the file, APDU, key and date specs (specs_files_test.go,
// specs_apdu_test.go, specs_keys_test.go and specs_dates_test.go): raw
// APDUs written in hex, status-word checks, reads of the card's files and
// GET DATA objects through PC/SC, and the warm reset.
//
// The values below are copied from the card profile rather than taken from
// the emulator's constants, so that a wrong constant fails a spec.

// Sizes and offsets of EF 08F2, the certificate file (FS-04).
const (
	certFileSize         = 0x1C00
	certSlotSize         = 0x0700
	certOffsetRoot       = 0x0000
	certOffsetIssuing    = 0x0700
	certOffsetEncryption = 0x0E00
	certOffsetSigning    = 0x1500
)

// Lifecycle states in GET DATA 0101 (GD-01).
const (
	lifecycleIssuedByte     = 0x01
	lifecycleActivatedByte  = 0x02
	lifecycleTerminatedByte = 0x0F
)

// hexAPDU decodes bytes written in hex with optional spaces, such as
// "00 A4 00 0C 02 3F 00". It panics on invalid hex, which is a typo in a
// spec.
func hexAPDU(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(fmt.Sprintf("invalid hex APDU %q: %v", s, err))
	}
	return b
}

// sendAPDU transmits a raw command APDU on the card's recorded connection
// and fails the spec when PC/SC returns an error.
func sendAPDU(card *harness.Card, command []byte) iso7816.Response {
	GinkgoHelper()
	resp, err := card.Transmit(command)
	Expect(err).NotTo(HaveOccurred(), "transmitting % X", command)
	return resp
}

// sendHex is sendAPDU for a command written in hex.
func sendHex(card *harness.Card, command string) iso7816.Response {
	GinkgoHelper()
	return sendAPDU(card, hexAPDU(command))
}

// expectSW checks the status word of a response. command names the
// command in the failure message.
func expectSW(resp iso7816.Response, want iso7816.StatusWord, command string) {
	GinkgoHelper()
	Expect(resp.SW).To(Equal(want), "%s: the card returned %v, want %v", command, resp.SW, want)
}

// expectHexSW sends a command written in hex and checks its status word.
func expectHexSW(card *harness.Card, command string, want iso7816.StatusWord) iso7816.Response {
	GinkgoHelper()
	resp := sendHex(card, command)
	expectSW(resp, want, command)
	return resp
}

// selectPath selects a file by its path from the MF (SELECT P1 08, no
// FCP), such as selectPath(card, "5030 08F2").
func selectPath(card *harness.Card, path string) {
	GinkgoHelper()
	data := hexAPDU(path)
	command := append([]byte{0x00, 0xA4, 0x08, 0x0C, byte(len(data))}, data...)
	expectSW(sendAPDU(card, command), 0x9000, "SELECT path "+path)
}

// selectPathFCP selects a file by its path from the MF and returns its
// FCP template (SELECT P1 08 P2 00 with Le 00).
func selectPathFCP(card *harness.Card, path string) []byte {
	GinkgoHelper()
	data := hexAPDU(path)
	command := append([]byte{0x00, 0xA4, 0x08, 0x00, byte(len(data))}, data...)
	resp := sendAPDU(card, append(command, 0x00))
	expectSW(resp, 0x9000, "SELECT path "+path+" with FCP")
	return resp.Data
}

// fcpFileSize returns the size in tag 80 of an EF's FCP template
// "62 L 82 01 01 83 02 FID 80 02 SIZE" (FS-08).
func fcpFileSize(fcp []byte) int {
	GinkgoHelper()
	Expect(fcp).To(HaveLen(13), "FCP % X of an EF: want 62 0B 82 01 01 83 02 FID 80 02 SIZE", fcp)
	Expect(fcp[9:11]).To(Equal([]byte{0x80, 0x02}), "FCP % X has no size tag 80 at byte 9", fcp)
	return int(fcp[11])<<8 | int(fcp[12])
}

// readEF selects the EF at path from the MF and reads all its bytes in
// READ BINARY chunks of up to 256 bytes, taking the size from its FCP.
func readEF(card *harness.Card, path string) []byte {
	GinkgoHelper()
	size := fcpFileSize(selectPathFCP(card, path))
	out := make([]byte, 0, size)
	for len(out) < size {
		offset := len(out)
		resp := sendAPDU(card, []byte{0x00, 0xB0, byte(offset >> 8), byte(offset), 0x00})
		expectSW(resp, 0x9000, fmt.Sprintf("READ BINARY of %s at offset %04X with Le 00", path, offset))
		Expect(resp.Data).NotTo(BeEmpty(), "READ BINARY of %s at offset %04X returned no data", path, offset)
		out = append(out, resp.Data...)
	}
	Expect(out).To(HaveLen(size), "EF %s: READ BINARY returned more bytes than its FCP size", path)
	return out
}

// cardCertificates are the certificates of EF 08F2 as read through PC/SC.
// Root and Issuing are nil when their slot is empty.
type cardCertificates struct {
	Root, Issuing, Encryption, Signing *x509.Certificate
	// File is the whole EF 08F2.
	File []byte
}

// certificateSlots names the four slots of EF 08F2 by offset (FS-04).
var certificateSlots = []struct {
	name   string
	offset int
}{
	{"root CA", certOffsetRoot},
	{"issuing CA", certOffsetIssuing},
	{"encryption", certOffsetEncryption},
	{"signing", certOffsetSigning},
}

// readCardCertificates reads EF 08F2 and parses the certificate of each
// slot that does not start with 00. The holder's encryption and signing
// certificates must be present.
func readCardCertificates(card *harness.Card) cardCertificates {
	GinkgoHelper()
	file := readEF(card, "5030 08F2")
	Expect(file).To(HaveLen(certFileSize), "EF 08F2 size")

	certs := cardCertificates{File: file}
	parsed := make([]*x509.Certificate, len(certificateSlots))
	for i, slot := range certificateSlots {
		parsed[i] = parseCertificateSlot(file[slot.offset:slot.offset+certSlotSize], slot.name, slot.offset)
	}
	certs.Root, certs.Issuing, certs.Encryption, certs.Signing = parsed[0], parsed[1], parsed[2], parsed[3]
	Expect(certs.Encryption).NotTo(BeNil(), "the encryption certificate slot at 0E00 is empty")
	Expect(certs.Signing).NotTo(BeNil(), "the signing certificate slot at 1500 is empty")
	return certs
}

// parseCertificateSlot parses the DER certificate at the start of one
// 0x700-byte slot and checks that the rest of the slot is 00. It returns
// nil for an empty slot, one that starts with 00.
func parseCertificateSlot(slot []byte, name string, offset int) *x509.Certificate {
	GinkgoHelper()
	if slot[0] == 0x00 {
		Expect(slot).To(Equal(make([]byte, len(slot))), "the empty %s slot at %04X holds non-zero bytes", name, offset)
		return nil
	}
	Expect(slot[:2]).To(Equal([]byte{0x30, 0x82}), "the %s slot at %04X does not start with a DER SEQUENCE with a 2-byte length", name, offset)
	length := 4 + (int(slot[2])<<8 | int(slot[3]))
	Expect(length).To(BeNumerically("<=", len(slot)), "the %s certificate at %04X is longer than its slot", name, offset)

	cert, err := x509.ParseCertificate(slot[:length])
	Expect(err).NotTo(HaveOccurred(), "parsing the %s certificate at %04X", name, offset)
	Expect(slot[length:]).To(Equal(make([]byte, len(slot)-length)),
		"the bytes after the %s certificate at %04X up to the next slot must be 00", name, offset)
	return cert
}

// getDataObject reads a GET DATA object with Le 00 and expects 9000.
func getDataObject(card *harness.Card, tag uint16) []byte {
	GinkgoHelper()
	resp := sendAPDU(card, []byte{0x00, 0xCA, byte(tag >> 8), byte(tag), 0x00})
	expectSW(resp, 0x9000, fmt.Sprintf("GET DATA %04X", tag))
	return resp.Data
}

// lifecycleByte returns GET DATA 0101, the lifecycle state.
func lifecycleByte(card *harness.Card) byte {
	GinkgoHelper()
	data := getDataObject(card, 0x0101)
	Expect(data).To(HaveLen(1), "GET DATA 0101 (lifecycle)")
	return data[0]
}

// cardCounters is the card state that a command which must change nothing
// leaves as it was: the lifecycle, both retry counters and the status words
// of both query forms of VERIFY. Reading it uses no try (VER-02).
type cardCounters struct {
	Lifecycle       []byte
	PINCounter      []byte
	UserCodeCounter []byte
	PINQuery        iso7816.StatusWord
	UserCodeQuery   iso7816.StatusWord
}

// readCardCounters reads the lifecycle and the retry counters with GET
// DATA and queries both references with the no-data form of VERIFY.
func readCardCounters(card *harness.Card) cardCounters {
	GinkgoHelper()
	return cardCounters{
		Lifecycle:       getDataObject(card, 0x0101),
		PINCounter:      getDataObject(card, 0x0180),
		UserCodeCounter: getDataObject(card, 0x0181),
		PINQuery:        sendHex(card, "00 20 00 80").SW,
		UserCodeQuery:   sendHex(card, "00 20 00 81").SW,
	}
}

// expectCountersUnchanged fails when the lifecycle, a retry counter or a
// query status word differs from before. after names the commands sent in
// between.
func expectCountersUnchanged(card *harness.Card, before cardCounters, after string) {
	GinkgoHelper()
	now := readCardCounters(card)
	Expect(cmp.Diff(before, now)).To(BeEmpty(), "lifecycle, retry counters or query answers changed after %s (-before +after)", after)
}

// warmReset resets the card through a new PC/SC connection
// (SCardReconnect with SCARD_RESET_CARD) and then closes every connection
// of the card, so the next Transmit or Client opens a fresh one. Clients
// made before the reset can no longer be used.
func warmReset(card *harness.Card) {
	GinkgoHelper()
	conn, err := card.Connect()
	Expect(err).NotTo(HaveOccurred(), "connecting for a warm reset")
	Expect(conn.Reconnect(pcsc.ResetCard)).To(Succeed(), "warm reset with SCardReconnect")
	card.Disconnect()
}

// powerCycle powers the card off and on through a new PC/SC connection
// (SCardReconnect with SCARD_UNPOWER_CARD) and then closes every connection
// of the card. Unlike Card.PowerCycle of the harness, which selects the MF
// to check that the card is ready, it sends no command after power-on.
func powerCycle(card *harness.Card) {
	GinkgoHelper()
	conn, err := card.Connect()
	Expect(err).NotTo(HaveOccurred(), "connecting for a power cycle")
	Expect(conn.Reconnect(pcsc.UnpowerCard)).To(Succeed(), "power cycle with SCardReconnect")
	card.Disconnect()
}

// skipUnlessVirtual skips a spec that needs the exact data of a fixture
// card, such as its dates or holder DN, on a physical card.
func skipUnlessVirtual(card *harness.Card, fixture string) {
	GinkgoHelper()
	if !card.Virtual() {
		Skip("needs the fixture card " + fixture + ": it checks that card's own data")
	}
}

// skipUnlessLifecycle skips a spec on a physical card that is not in the
// lifecycle state the spec needs. A virtual card comes from a fixture in
// that state, so there it is checked instead.
func skipUnlessLifecycle(card *harness.Card, want byte) {
	GinkgoHelper()
	got := lifecycleByte(card)
	if card.Virtual() {
		Expect(got).To(Equal(want), "lifecycle of the fixture card %s", card.Profile.Name)
		return
	}
	if got != want {
		Skip(fmt.Sprintf("needs a card in lifecycle %02X, this card is in %02X", want, got))
	}
}

// pinBlock pads a PIN or user code with FF to a 10-byte reference-data
// block (REF-02).
func pinBlock(value string) []byte {
	block := []byte(value)
	for len(block) < 10 {
		block = append(block, 0xFF)
	}
	return block
}

// presentPIN sends VERIFY 00 20 00 80 with the PIN and expects 9000. It
// skips the spec when the run has no PIN for a physical card.
func presentPIN(card *harness.Card, pin string) {
	GinkgoHelper()
	if pin == "" {
		Skip(fmt.Sprintf("the run has no PIN for card %s: set it in the secrets file named by %s",
			card.CardNumber, harness.EnvSecretsFile))
	}
	command := append([]byte{0x00, 0x20, 0x00, 0x80, 0x0A}, pinBlock(pin)...)
	expectSW(sendAPDU(card, command), 0x9000, "VERIFY with the card's PIN")
}

// sha256DigestInfoPrefix is the DER header of a SHA-256 DigestInfo
// (RFC 8017 section 9.2).
var sha256DigestInfoPrefix = hexAPDU("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20")

// sha256DigestInfo returns the DigestInfo that COMPUTE DIGITAL SIGNATURE
// takes with algorithm 02, and the SHA-256 digest inside it.
func sha256DigestInfo(message []byte) (digestInfo, digest []byte) {
	sum := sha256.Sum256(message)
	return append(append([]byte(nil), sha256DigestInfoPrefix...), sum[:]...), sum[:]
}

// verifyPKCS1 checks a PKCS#1 v1.5 SHA-256 signature against the RSA
// public key of cert.
func verifyPKCS1(cert *x509.Certificate, digest, signature []byte) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("certificate %q has a %T key, want RSA", cert.Subject, cert.PublicKey)
	}
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, signature)
}
