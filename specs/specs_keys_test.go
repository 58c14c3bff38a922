package specs_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Taipei without depending on the system's zoneinfo

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/harness"
	"gcacard/iso7816"
	"gcacard/messages"
)

// Holder data of the test card in the GCA activation guide.
const (
	guideHolderDN = "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心"
	// guideValidity is how the guide's page shows the card's validity.
	guideValidity = "自2015年9月10日 至 2021年9月10日"
)

// rawAttribute is one AttributeTypeAndValue with its value's ASN.1 tag
// kept, which pkix.Name drops.
type rawAttribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// rawAttributeSET is one RDN. encoding/asn1 parses a slice type whose name
// ends in SET as a SET OF.
type rawAttributeSET []rawAttribute

// dnAttributeNames are the short names of the DN attributes of GCA
// certificates (RFC 4514, and SERIALNUMBER from RFC 4519).
var dnAttributeNames = map[string]string{
	"2.5.4.6": "C", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.3": "CN",
	"2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.5": "SERIALNUMBER",
}

// holderDN formats a DER Name in the order of its RDN sequence, as the
// GCA page writes it, and checks that every value with a non-ASCII
// character is a UTF8String (DATA-01).
func holderDN(rawSubject []byte) string {
	GinkgoHelper()
	var rdns []rawAttributeSET
	rest, err := asn1.Unmarshal(rawSubject, &rdns)
	Expect(err).NotTo(HaveOccurred(), "parsing the signing certificate's subject")
	Expect(rest).To(BeEmpty(), "bytes after the subject")

	var parts []string
	for _, rdn := range rdns {
		var values []string
		for _, attribute := range rdn {
			name, ok := dnAttributeNames[attribute.Type.String()]
			if !ok {
				name = attribute.Type.String()
			}
			value := string(attribute.Value.Bytes)
			if strings.IndexFunc(value, func(r rune) bool { return r > 0x7F }) >= 0 {
				Expect(attribute.Value.Tag).To(Equal(asn1.TagUTF8String),
					"attribute %s=%q has ASN.1 tag %d, want UTF8String (12)", name, value, attribute.Value.Tag)
			}
			values = append(values, name+"="+value)
		}
		parts = append(parts, strings.Join(values, "+"))
	}
	return strings.Join(parts, ",")
}

// rsaPublicKey returns the RSA public key of a certificate.
func rsaPublicKey(cert *x509.Certificate) *rsa.PublicKey {
	GinkgoHelper()
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	Expect(ok).To(BeTrue(), "certificate %q has a %T key, want RSA", cert.Subject, cert.PublicKey)
	return pub
}

// rawPublic returns block^e mod n as 256 bytes.
func rawPublic(pub *rsa.PublicKey, block []byte) []byte {
	m := new(big.Int).SetBytes(block)
	return new(big.Int).Exp(m, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, 256))
}

// pkcs1Type1Block pads data as PKCS#1 v1.5 signature padding, block type
// 01, to 256 bytes.
func pkcs1Type1Block(data []byte) []byte {
	block := []byte{0x00, 0x01}
	block = append(block, bytes.Repeat([]byte{0xFF}, 256-3-len(data))...)
	block = append(block, 0x00)
	return append(block, data...)
}

// computeSignatureCommand returns COMPUTE DIGITAL SIGNATURE of data with Le 00, in the
// extended form when data does not fit a short Lc.
func computeSignatureCommand(data []byte) []byte {
	command := iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: data, Ne: 256}
	b, err := command.Bytes()
	Expect(err).NotTo(HaveOccurred())
	return b
}

// decipherCommand returns DECIPHER of a 256-byte ciphertext with the
// padding indicator 00 and an extended Le of ne.
func decipherCommand(ciphertext []byte, ne int) []byte {
	data := append([]byte{0x00}, ciphertext...)
	command := iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: data, Ne: ne, Extended: true}
	b, err := command.Bytes()
	Expect(err).NotTo(HaveOccurred())
	return b
}

// activatedCardForKeys returns an activated card with its certificates
// read from EF 08F2 and the PIN verified.
func activatedCardForKeys() (*harness.Card, cardCertificates) {
	GinkgoHelper()
	card := useCard("activated")
	skipUnlessLifecycle(card, lifecycleActivatedByte)
	certs := readCardCertificates(card)
	presentPIN(card, card.Secrets.PIN)
	return card, certs
}

var _ = Describe("Keys and security operations", AreaKeys, func() {
	It("has two RSA-2048 public keys [KEY-01]", PhysicalSafe, func() {
		card := useCard("activated")
		certs := readCardCertificates(card)

		signing, encryption := rsaPublicKey(certs.Signing), rsaPublicKey(certs.Encryption)
		Expect(signing.N.BitLen()).To(Equal(2048), "modulus of the signing certificate")
		Expect(encryption.N.BitLen()).To(Equal(2048), "modulus of the encryption certificate")
		Expect(signing.Equal(encryption)).To(BeFalse(), "SIGN and KEYX must be two key pairs")
	})

	It("sets the environment without a PIN [KEY-02]", PhysicalSafe, func() {
		card := useCard("activated")
		if lifecycleByte(card) == lifecycleTerminatedByte {
			Skip("a terminated card refuses MANAGE SECURITY ENVIRONMENT with 6A81 (LC-03)")
		}
		warmReset(card)
		before := readCardCounters(card)

		for _, c := range []struct {
			command string
			want    iso7816.StatusWord
			reason  string
		}{
			{"00 22 41 B6 03 84 01 01", 0x9000, "signing with SIGN, default algorithm"},
			{"00 22 41 B6 06 84 01 01 80 01 02", 0x9000, "signing with SIGN, PKCS#1 v1.5"},
			{"00 22 41 B6 06 80 01 00 84 01 01", 0x9000, "signing with SIGN, raw RSA, tags in the other order"},
			{"00 22 41 B6 03 84 01 02", 0x9000, "signing with KEYX"},
			{"00 22 41 B8 03 84 01 02", 0x9000, "deciphering with KEYX"},
			{"00 22 41 B8 06 84 01 02 80 01 00", 0x9000, "deciphering with KEYX, raw RSA"},
			{"00 22 41 B8 03 84 01 01", 0x6A80, "deciphering with SIGN"},
			{"00 22 41 B6 06 84 01 01 80 01 01", 0x6A80, "unknown algorithm 01"},
			{"00 22 41 B6 06 84 01 01 80 01 FF", 0x6A80, "unknown algorithm FF"},
			{"00 22 41 B6 03 80 01 02", 0x6A80, "no key reference"},
			{"00 22 41 B6 04 84 02 00 01", 0x6A80, "a 2-byte key reference"},
			{"00 22 41 B6 06 84 01 01 84 01 02", 0x6A80, "two key references"},
			{"00 22 41 B6 02 84 01", 0x6A80, "a cut tag"},
			{"00 22 41 B6 03 83 01 01", 0x6A80, "an unknown tag"},
			{"00 22 41 B6 03 84 01 03", 0x6A88, "unknown key reference 03"},
			{"00 22 41 B8 03 84 01 00", 0x6A88, "unknown key reference 00"},
			{"00 22 41 A4 03 84 01 01", 0x6A86, "P2 A4"},
			{"00 22 81 B6 03 84 01 01", 0x6A86, "P1 81 (verification)"},
			{"00 22 F3 01", 0x6A86, "P1-P2 F3 01 (restore)"},
		} {
			resp := expectHexSW(card, c.command, c.want)
			Expect(resp.Data).To(BeEmpty(), "%s (%s) returned data", c.command, c.reason)
		}
		expectCountersUnchanged(card, before, "MANAGE SECURITY ENVIRONMENT")
	})

	It("signs with SIGN and KEYX [KEY-01] [KEY-03]", Virtual, Destructive, func() {
		card, certs := activatedCardForKeys()
		digestInfo, digest := sha256DigestInfo([]byte("KEY-03 PKCS#1 v1.5"))

		for _, c := range []struct {
			mse  string
			cert *x509.Certificate
			name string
		}{
			{"00 22 41 B6 06 84 01 01 80 01 02", certs.Signing, "SIGN with PKCS#1 v1.5"},
			{"00 22 41 B6 03 84 01 01", certs.Signing, "SIGN with the default algorithm"},
			{"00 22 41 B6 06 84 01 02 80 01 02", certs.Encryption, "KEYX with PKCS#1 v1.5"},
		} {
			expectHexSW(card, c.mse, 0x9000)
			resp := sendAPDU(card, computeSignatureCommand(digestInfo))
			expectSW(resp, 0x9000, "COMPUTE DIGITAL SIGNATURE with "+c.name)
			Expect(resp.Data).To(HaveLen(256), "signature with %s", c.name)
			Expect(verifyPKCS1(c.cert, digest, resp.Data)).To(Succeed(),
				"the signature with %s must verify with the certificate read from EF 08F2", c.name)
		}

		By("a DigestInfo of 245 bytes, the longest that PKCS#1 v1.5 padding fits")
		expectHexSW(card, "00 22 41 B6 06 84 01 01 80 01 02", 0x9000)
		longest := bytes.Repeat([]byte{0x5A}, 245)
		resp := sendAPDU(card, computeSignatureCommand(longest))
		expectSW(resp, 0x9000, "COMPUTE DIGITAL SIGNATURE of 245 bytes")
		Expect(rawPublic(rsaPublicKey(certs.Signing), resp.Data)).To(Equal(pkcs1Type1Block(longest)),
			"the signature of 245 bytes must open to the PKCS#1 v1.5 type 1 block")
		expectSW(sendAPDU(card, computeSignatureCommand(bytes.Repeat([]byte{0x5A}, 246))), 0x6A80, "COMPUTE DIGITAL SIGNATURE of 246 bytes")

		By("data of 0 or 257 bytes")
		expectHexSW(card, "00 2A 9E 9A 00", 0x6700)
		expectSW(sendAPDU(card, computeSignatureCommand(make([]byte, 257))), 0x6700, "COMPUTE DIGITAL SIGNATURE of 257 bytes")

		By("raw RSA with SIGN: a 256-byte block below the modulus")
		expectHexSW(card, "00 22 41 B6 06 84 01 01 80 01 00", 0x9000)
		block := pkcs1Type1Block(digestInfo)
		resp = sendAPDU(card, computeSignatureCommand(block))
		expectSW(resp, 0x9000, "raw COMPUTE DIGITAL SIGNATURE")
		Expect(verifyPKCS1(certs.Signing, digest, resp.Data)).To(Succeed(),
			"the raw RSA result of a padded block must verify as a PKCS#1 v1.5 signature")
		expectSW(sendAPDU(card, computeSignatureCommand(block[1:])), 0x6A80, "raw COMPUTE DIGITAL SIGNATURE of 255 bytes")
		expectSW(sendAPDU(card, computeSignatureCommand(bytes.Repeat([]byte{0xFF}, 256))), 0x6A80,
			"raw COMPUTE DIGITAL SIGNATURE of a block above the modulus")
	})

	It("deciphers with KEYX [KEY-01] [KEY-04] [RSP-01]", Virtual, Destructive, func() {
		card, certs := activatedCardForKeys()
		encryption := rsaPublicKey(certs.Encryption)

		By("PKCS#1 v1.5, the default algorithm")
		expectHexSW(card, "00 22 41 B8 03 84 01 02", 0x9000)
		secret := []byte("a 32-byte session key for KEY-04")
		ciphertext, err := rsa.EncryptPKCS1v15(rand.Reader, encryption, secret)
		Expect(err).NotTo(HaveOccurred())
		resp := sendAPDU(card, decipherCommand(ciphertext, 65536))
		expectSW(resp, 0x9000, "DECIPHER with Le 0000")
		Expect(resp.Data).To(Equal(secret), "deciphered data")

		By("the plaintext chained with Le 0010")
		resp = sendAPDU(card, decipherCommand(ciphertext, 0x10))
		expectSW(resp, iso7816.BytesAvailable(len(secret)-0x10), "DECIPHER with Le 0010")
		plaintext := append([]byte(nil), resp.Data...)
		resp = expectHexSW(card, "00 C0 00 00 00", 0x9000)
		Expect(append(plaintext, resp.Data...)).To(Equal(secret), "deciphered data in two parts")

		By("ciphertext whose plaintext is not PKCS#1 v1.5 type 2")
		notType2 := rawPublic(encryption, pkcs1Type1Block([]byte("type 1 is for signatures")))
		expectSW(sendAPDU(card, decipherCommand(notType2, 65536)), 0x6A80, "DECIPHER of a type 1 block")

		By("raw RSA")
		expectHexSW(card, "00 22 41 B8 06 84 01 02 80 01 00", 0x9000)
		plain := make([]byte, 256)
		_, err = rand.Read(plain[1:])
		Expect(err).NotTo(HaveOccurred())
		resp = sendAPDU(card, decipherCommand(rawPublic(encryption, plain), 65536))
		expectSW(resp, 0x9000, "raw DECIPHER")
		Expect(resp.Data).To(Equal(plain), "raw DECIPHER returns the 256-byte block")
		expectSW(sendAPDU(card, decipherCommand(bytes.Repeat([]byte{0xFF}, 256), 65536)), 0x6A80,
			"raw DECIPHER of a block above the modulus")
	})

	It("needs a PIN and a matching environment [KEY-05]", Virtual, Destructive, func() {
		card := useCard("activated")
		skipUnlessLifecycle(card, lifecycleActivatedByte)
		digestInfo, _ := sha256DigestInfo([]byte("KEY-05"))
		sign := computeSignatureCommand(digestInfo)
		decipher := decipherCommand(make([]byte, 256), 65536)

		By("without a verified PIN")
		expectHexSW(card, "00 22 41 B6 03 84 01 01", 0x9000)
		expectSW(sendAPDU(card, sign), 0x6982, "COMPUTE DIGITAL SIGNATURE without a verified PIN")
		expectSW(sendAPDU(card, decipher), 0x6982, "DECIPHER without a verified PIN and without MSE: security status first")
		for _, c := range []struct {
			command []byte
			want    iso7816.StatusWord
			reason  string
		}{
			{hexAPDU("00 2A 9E 9B 01 00 00"), 0x6A86, "P1-P2 9E 9B"},
			{hexAPDU("00 2A 80 87 01 00 00"), 0x6A86, "P1-P2 80 87"},
			{append(append(hexAPDU("00 2A 9E 9A"), byte(len(digestInfo))), digestInfo...), 0x6700, "no Le: length before security status"},
			{decipherCommand(make([]byte, 255), 65536), 0x6700, "DECIPHER of 256 bytes with the indicator: length before security status"},
			{append(hexAPDU("00 2A 80 86 00 01 00"), append(make([]byte, 256), 0x00, 0x00)...), 0x6700, "DECIPHER without the padding indicator"},
			{append(hexAPDU("00 2A 80 86 00 01 01 02"), append(make([]byte, 256), 0x00, 0x00)...), 0x6A80, "padding indicator 02: before security status"},
			{hexAPDU("00 2A 9E 9B"), 0x6A86, "P1-P2 before Le"},
		} {
			expectSW(sendAPDU(card, c.command), c.want, c.reason)
		}

		By("with a verified PIN but no matching MSE SET")
		warmReset(card)
		presentPIN(card, card.Secrets.PIN)
		expectSW(sendAPDU(card, sign), 0x6985, "COMPUTE DIGITAL SIGNATURE without MSE SET since the reset")
		expectHexSW(card, "00 22 41 B6 03 84 01 01", 0x9000)
		expectSW(sendAPDU(card, decipher), 0x6985, "DECIPHER with only a signing environment set")
		expectSW(sendAPDU(card, sign), 0x9000, "COMPUTE DIGITAL SIGNATURE after MSE SET")

		By("MSE SET does not survive a warm reset")
		warmReset(card)
		presentPIN(card, card.Secrets.PIN)
		expectSW(sendAPDU(card, sign), 0x6985, "COMPUTE DIGITAL SIGNATURE after a warm reset")

		By("VERIFY with P1 FF clears the PIN's security status")
		expectHexSW(card, "00 22 41 B6 03 84 01 01", 0x9000)
		expectHexSW(card, "00 20 FF 80", 0x9000)
		expectSW(sendAPDU(card, sign), 0x6982, "COMPUTE DIGITAL SIGNATURE after VERIFY FF 80")
	})
})

var _ = Describe("Card data", AreaKeys, func() {
	It("shows the guide card's holder DN in RDN order [DATA-01]", Virtual, func() {
		card := useCard("guide-expired")
		skipUnlessVirtual(card, "guide-expired")
		certs := readCardCertificates(card)

		Expect(holderDN(certs.Signing.RawSubject)).To(Equal(guideHolderDN), "subject of the signing certificate in EF 08F2")
		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())
		info, err := cl.Info()
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Holder).To(Equal(guideHolderDN), "the holder DN (卡片持有者資訊) the client shows")
		Expect(info.CardNumber).To(Equal("GC00000000105736"), "the guide card's number")
	})

	It("takes the holder DN from the signing certificate [DATA-01]", PhysicalSafe, func() {
		card := useCard("activated")
		certs := readCardCertificates(card)
		want := holderDN(certs.Signing.RawSubject)

		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())
		info, err := cl.Info()
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Holder).To(Equal(want), "the holder DN the client shows")
	})

	It("shows the guide card's validity in Taiwan dates [DATA-02]", Virtual, func() {
		card := useCard("guide-expired")
		skipUnlessVirtual(card, "guide-expired")
		taipeiZone, err := time.LoadLocation("Asia/Taipei")
		Expect(err).NotTo(HaveOccurred())
		certs := readCardCertificates(card)

		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())
		info, err := cl.Info()
		Expect(err).NotTo(HaveOccurred())
		Expect(info.NotBefore.In(taipeiZone).Format(time.DateOnly)).To(Equal("2015-09-10"), "first day of validity in Asia/Taipei")
		Expect(info.NotAfter.In(taipeiZone).Format(time.DateOnly)).To(Equal("2021-09-10"), "last day of validity in Asia/Taipei")
		Expect(info.NotBefore.Equal(certs.Signing.NotBefore)).To(BeTrue(), "NotBefore %v, want the signing certificate's %v", info.NotBefore, certs.Signing.NotBefore)
		Expect(info.NotAfter.Equal(certs.Signing.NotAfter)).To(BeTrue(), "NotAfter %v, want the signing certificate's %v", info.NotAfter, certs.Signing.NotAfter)

		zh := messages.New(messages.TraditionalChinese)
		Expect(zh.Validity(info.NotBefore, info.NotAfter)).To(Equal(guideValidity), "卡片效期 as the guide shows it")
	})

	It("takes the validity from the signing certificate [DATA-02]", PhysicalSafe, func() {
		card := useCard("activated")
		certs := readCardCertificates(card)

		cl, err := card.Client()
		Expect(err).NotTo(HaveOccurred())
		info, err := cl.Info()
		Expect(err).NotTo(HaveOccurred())
		Expect(info.NotBefore.Equal(certs.Signing.NotBefore)).To(BeTrue(),
			"NotBefore %v, want the signing certificate's %v", info.NotBefore, certs.Signing.NotBefore)
		Expect(info.NotAfter.Equal(certs.Signing.NotAfter)).To(BeTrue(),
			"NotAfter %v, want the signing certificate's %v", info.NotAfter, certs.Signing.NotAfter)
		Expect(info.NotAfter.After(info.NotBefore)).To(BeTrue(), "validity %v to %v", info.NotBefore, info.NotAfter)
	})
})
