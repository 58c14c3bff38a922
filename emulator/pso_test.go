package emulator

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	"gcacard/iso7816"
)

// Requirement IDs in comments refer to the card profile in
// docs/card-profile.md.

// Offsets in EF 08F2 of the certificates whose public keys are those of
// KEYX and SIGN.
const (
	encryptionCertOffset = 0x0E00
	signingCertOffset    = 0x1500
)

// sha256DigestInfo returns the DER DigestInfo (PKCS #1) of the SHA-256 hash
// of message.
func sha256DigestInfo(t testing.TB, message []byte) []byte {
	t.Helper()
	hash := sha256.Sum256(message)
	info := struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}{
		Algorithm: pkix.AlgorithmIdentifier{
			Algorithm:  asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1},
			Parameters: asn1.NullRawValue,
		},
		Digest: hash[:],
	}
	der, err := asn1.Marshal(info)
	if err != nil {
		t.Fatalf("encoding the DigestInfo: %v", err)
	}
	return der
}

// publicKeyAt reads EF 08F2 with READ BINARY and returns the RSA public key
// of the certificate at offset.
func publicKeyAt(t testing.TB, c *Card, offset int) *rsa.PublicKey {
	t.Helper()
	cert := certificateAt(t, readCertificateFile(t, c), offset)
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("certificate at %04X has a %T public key, want RSA", offset, cert.PublicKey)
	}
	return key
}

// verifySHA256Signature checks a PKCS #1 v1.5 signature of message against
// the public key of the certificate at offset in EF 08F2.
func verifySHA256Signature(t testing.TB, c *Card, offset int, message, signature []byte) error {
	t.Helper()
	hash := sha256.Sum256(message)
	return rsa.VerifyPKCS1v15(publicKeyAt(t, c, offset), crypto.SHA256, hash[:], signature)
}

// rawPublic returns block^e mod n as a 256-byte block.
func rawPublic(key *rsa.PublicKey, block []byte) []byte {
	m := new(big.Int).SetBytes(block)
	out := new(big.Int).Exp(m, big.NewInt(int64(key.E)), key.N)
	return out.FillBytes(make([]byte, 256))
}

// verifyTestPIN sends VERIFY with testPIN and fails the test unless the
// card returns 9000.
func verifyTestPIN(t testing.TB, c *Card) {
	t.Helper()
	if r := send(t, c, verifyCmd(t, testPIN)); r.SW != iso7816.SWSuccess {
		t.Fatalf("VERIFY: status word %v, want 9000", r.SW)
	}
}

// mseSet sends MANAGE SECURITY ENVIRONMENT SET with P1 41, P2 B6 (signing)
// or B8 (deciphering) and a control reference template written in hex.
func mseSet(t testing.TB, c *Card, p2 byte, template string) iso7816.Response {
	t.Helper()
	return transmit(t, c, iso7816.Command{INS: 0x22, P1: 0x41, P2: p2, Data: mustHex(t, template)})
}

// prepareSigning verifies the PIN and sets the signing environment, failing
// the test unless both return 9000.
func prepareSigning(t testing.TB, c *Card, template string) {
	t.Helper()
	verifyTestPIN(t, c)
	if r := mseSet(t, c, 0xB6, template); r.SW != iso7816.SWSuccess {
		t.Fatalf("MSE SET signing %s: status word %v, want 9000", template, r.SW)
	}
}

// prepareDeciphering verifies the PIN and sets the deciphering environment,
// failing the test unless both return 9000.
func prepareDeciphering(t testing.TB, c *Card, template string) {
	t.Helper()
	verifyTestPIN(t, c)
	if r := mseSet(t, c, 0xB8, template); r.SW != iso7816.SWSuccess {
		t.Fatalf("MSE SET deciphering %s: status word %v, want 9000", template, r.SW)
	}
}

// signCmd is PSO COMPUTE DIGITAL SIGNATURE of data with the given Ne.
func signCmd(data []byte, ne int) iso7816.Command {
	return iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: data, Ne: ne}
}

// decipherCmd is PSO DECIPHER of ciphertext: the padding indicator 00 then
// the ciphertext, as an extended APDU with Le 0000.
func decipherCmd(ciphertext []byte) iso7816.Command {
	data := append([]byte{0x00}, ciphertext...)
	return iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: data, Ne: 65536}
}

// belowModulus returns a random 256-byte block that starts with 00, so it is
// below any RSA-2048 modulus.
func belowModulus(t testing.TB) []byte {
	t.Helper()
	out := make([]byte, 256)
	if _, err := rand.Read(out[1:]); err != nil {
		t.Fatal(err)
	}
	return out
}

// KEY-02: MSE SET takes 84 01 KEYREF, optionally with 80 01 ALG, in either
// order. It needs no security status, so an issued card accepts it.
func TestManageSecurityEnvironmentValid(t *testing.T) {
	tests := []struct {
		name     string
		p2       byte
		template string
	}{
		{name: "sign with SIGN", p2: 0xB6, template: "84 01 01"},
		{name: "sign PKCS#1", p2: 0xB6, template: "84 01 01 80 01 02"},
		{name: "sign raw", p2: 0xB6, template: "84 01 01 80 01 00"},
		{name: "algorithm first", p2: 0xB6, template: "80 01 02 84 01 01"},
		{name: "sign with KEYX", p2: 0xB6, template: "84 01 02"},
		{name: "decipher with KEYX", p2: 0xB8, template: "84 01 02"},
		{name: "decipher PKCS#1", p2: 0xB8, template: "84 01 02 80 01 02"},
		{name: "decipher raw", p2: 0xB8, template: "84 01 02 80 01 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			wantSW(t, mseSet(t, c, tt.p2, tt.template), iso7816.SWSuccess)
		})
	}
}

// KEY-02: malformed data, an unknown algorithm or a key the operation does
// not take answers 6A80, an unknown key reference 6A88, another P1-P2 6A86.
func TestManageSecurityEnvironmentErrors(t *testing.T) {
	tests := []struct {
		name string
		p1   byte
		p2   byte
		data string
		want iso7816.StatusWord
	}{
		{name: "no data", p1: 0x41, p2: 0xB6, data: "", want: 0x6A80},
		{name: "missing 84", p1: 0x41, p2: 0xB6, data: "80 01 02", want: 0x6A80},
		{name: "unknown tag", p1: 0x41, p2: 0xB6, data: "83 01 01", want: 0x6A80},
		{name: "unknown tag after 84", p1: 0x41, p2: 0xB6, data: "84 01 01 95 01 40", want: 0x6A80},
		{name: "duplicate 84", p1: 0x41, p2: 0xB6, data: "84 01 01 84 01 01", want: 0x6A80},
		{name: "duplicate 80", p1: 0x41, p2: 0xB6, data: "84 01 01 80 01 02 80 01 02", want: 0x6A80},
		{name: "length 2", p1: 0x41, p2: 0xB6, data: "84 02 00 01", want: 0x6A80},
		{name: "length 0", p1: 0x41, p2: 0xB6, data: "84 00", want: 0x6A80},
		{name: "value missing", p1: 0x41, p2: 0xB6, data: "84 01", want: 0x6A80},
		{name: "trailing byte", p1: 0x41, p2: 0xB6, data: "84 01 01 00", want: 0x6A80},
		{name: "key reference 03", p1: 0x41, p2: 0xB6, data: "84 01 03", want: 0x6A88},
		{name: "key reference 00", p1: 0x41, p2: 0xB6, data: "84 01 00", want: 0x6A88},
		{name: "key reference FF", p1: 0x41, p2: 0xB8, data: "84 01 FF", want: 0x6A88},
		{name: "algorithm 01", p1: 0x41, p2: 0xB6, data: "84 01 01 80 01 01", want: 0x6A80},
		{name: "algorithm FF", p1: 0x41, p2: 0xB8, data: "84 01 02 80 01 FF", want: 0x6A80},
		{name: "decipher with SIGN", p1: 0x41, p2: 0xB8, data: "84 01 01", want: 0x6A80},
		{name: "decipher raw with SIGN", p1: 0x41, p2: 0xB8, data: "84 01 01 80 01 00", want: 0x6A80},
		{name: "P2 A4", p1: 0x41, p2: 0xA4, data: "84 01 01", want: 0x6A86},
		{name: "P2 B7", p1: 0x41, p2: 0xB7, data: "84 01 01", want: 0x6A86},
		{name: "P1 81", p1: 0x81, p2: 0xB6, data: "84 01 01", want: 0x6A86},
		{name: "P1 01", p1: 0x01, p2: 0xB8, data: "84 01 02", want: 0x6A86},
		{name: "RESTORE", p1: 0xF3, p2: 0x01, data: "", want: 0x6A86},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			r := transmit(t, c, iso7816.Command{INS: 0x22, P1: tt.p1, P2: tt.p2, Data: mustHex(t, tt.data)})
			wantSW(t, r, tt.want)
		})
	}
}

// KEY-01, KEY-03: with algorithm 02 the card pads a DigestInfo as PKCS #1
// v1.5 type 1, and the signature verifies with the public key of the
// certificate that EF 08F2 holds for the chosen key.
func TestSignDigestInfo(t *testing.T) {
	tests := []struct {
		name       string
		template   string
		certOffset int
		ne         int
	}{
		{name: "SIGN default algorithm", template: "84 01 01", certOffset: signingCertOffset, ne: 256},
		{name: "SIGN algorithm 02", template: "84 01 01 80 01 02", certOffset: signingCertOffset, ne: 256},
		{name: "SIGN extended Le", template: "84 01 01", certOffset: signingCertOffset, ne: 65536},
		{name: "KEYX", template: "84 01 02", certOffset: encryptionCertOffset, ne: 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			message := []byte("document to sign: " + tt.name)
			prepareSigning(t, c, tt.template)

			r := transmit(t, c, signCmd(sha256DigestInfo(t, message), tt.ne))
			wantSW(t, r, iso7816.SWSuccess)
			if len(r.Data) != 256 {
				t.Fatalf("signature is %d bytes, want 256", len(r.Data))
			}
			if err := verifySHA256Signature(t, c, tt.certOffset, message, r.Data); err != nil {
				t.Errorf("signature does not verify with the certificate at %04X: %v", tt.certOffset, err)
			}
		})
	}
}

// KEY-03: a DigestInfo of 245 bytes, the longest that PKCS #1 v1.5 type 1
// padding fits in 256 bytes, is signed as given.
func TestSignLongestDigestInfo(t *testing.T) {
	c, _ := newTestCard(t, activated)
	prepareSigning(t, c, "84 01 01")
	data := bytes.Repeat([]byte{0x5A}, 245)

	r := transmit(t, c, signCmd(data, 256))
	wantSW(t, r, iso7816.SWSuccess)

	// Type 1 padding: 00 01, 8 bytes of FF, 00, then the data.
	want := append(mustHex(t, "00 01 FF FF FF FF FF FF FF FF 00"), data...)
	if got := rawPublic(publicKeyAt(t, c, signingCertOffset), r.Data); !bytes.Equal(got, want) {
		t.Errorf("signature opens to %X, want %X", got, want)
	}
}

// KEY-03: with algorithm 00 the data is a 256-byte block below the modulus
// and the card returns block^d mod n.
func TestSignRaw(t *testing.T) {
	c, _ := newTestCard(t, activated)
	prepareSigning(t, c, "84 01 01 80 01 00")
	block := belowModulus(t)

	r := transmit(t, c, signCmd(block, 256))
	wantSW(t, r, iso7816.SWSuccess)
	if got := rawPublic(publicKeyAt(t, c, signingCertOffset), r.Data); !bytes.Equal(got, block) {
		t.Errorf("raw signature opens to %X, want %X", got, block)
	}
}

// KEY-03: a raw block not below the modulus answers 6A80.
func TestSignRawAboveModulus(t *testing.T) {
	c, _ := newTestCard(t, activated)
	prepareSigning(t, c, "84 01 01 80 01 00")
	wantSW(t, transmit(t, c, signCmd(bytes.Repeat([]byte{0xFF}, 256), 256)), iso7816.SWWrongData)
}

// KEY-04: with algorithm 02 DECIPHER removes PKCS #1 v1.5 type 2 padding.
// The ciphertext is made with the KEYX public key read from the encryption
// certificate and sent in an extended APDU.
func TestDecipherPKCS1(t *testing.T) {
	c, _ := newTestCard(t, activated)
	plaintext := []byte("0123456789abcdef0123456789abcdef")
	ciphertext, err := rsa.EncryptPKCS1v15(rand.Reader, publicKeyAt(t, c, encryptionCertOffset), plaintext)
	if err != nil {
		t.Fatal(err)
	}
	prepareDeciphering(t, c, "84 01 02")

	apdu := cmdBytes(t, decipherCmd(ciphertext))
	// Extended case 4: header, 00 Lc1 Lc2, 257 data bytes, Le1 Le2.
	if len(apdu) != 4+3+257+2 {
		t.Fatalf("DECIPHER APDU is %d bytes, want the extended 266", len(apdu))
	}
	r := send(t, c, apdu)
	wantSW(t, r, iso7816.SWSuccess)
	if !bytes.Equal(r.Data, plaintext) {
		t.Errorf("deciphered %X, want %X", r.Data, plaintext)
	}
}

// KEY-04: with algorithm 00 DECIPHER returns the 256-byte raw result.
func TestDecipherRaw(t *testing.T) {
	c, _ := newTestCard(t, activated)
	block := belowModulus(t)
	ciphertext := rawPublic(publicKeyAt(t, c, encryptionCertOffset), block)
	prepareDeciphering(t, c, "84 01 02 80 01 00")

	r := transmit(t, c, decipherCmd(ciphertext))
	wantSW(t, r, iso7816.SWSuccess)
	if !bytes.Equal(r.Data, block) {
		t.Errorf("raw result %X, want %X", r.Data, block)
	}
}

// KEY-04: ciphertext that does not decrypt, or a padding indicator other
// than 00, answers 6A80.
func TestDecipherInvalidData(t *testing.T) {
	tests := []struct {
		name     string
		template string
		data     func(t *testing.T, key *rsa.PublicKey) []byte
	}{
		{
			name: "type 1 padding", template: "84 01 02",
			data: func(t *testing.T, key *rsa.PublicKey) []byte {
				padded := append(mustHex(t, "00 01"), bytes.Repeat([]byte{0xFF}, 221)...)
				padded = append(padded, 0x00)
				padded = append(padded, make([]byte, 32)...)
				return append([]byte{0x00}, rawPublic(key, padded)...)
			},
		},
		{
			name: "PKCS#1 above modulus", template: "84 01 02",
			data: func(t *testing.T, _ *rsa.PublicKey) []byte {
				return append([]byte{0x00}, bytes.Repeat([]byte{0xFF}, 256)...)
			},
		},
		{
			name: "raw above modulus", template: "84 01 02 80 01 00",
			data: func(t *testing.T, _ *rsa.PublicKey) []byte {
				return append([]byte{0x00}, bytes.Repeat([]byte{0xFF}, 256)...)
			},
		},
		{
			name: "padding indicator 01", template: "84 01 02",
			data: func(t *testing.T, key *rsa.PublicKey) []byte {
				ciphertext, err := rsa.EncryptPKCS1v15(rand.Reader, key, []byte("secret"))
				if err != nil {
					t.Fatal(err)
				}
				return append([]byte{0x01}, ciphertext...)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			data := tt.data(t, publicKeyAt(t, c, encryptionCertOffset))
			prepareDeciphering(t, c, tt.template)

			r := transmit(t, c, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: data, Ne: 65536})
			wantSW(t, r, iso7816.SWWrongData)
		})
	}
}

// KEY-05, LC-02: PSO needs an activated card and a verified PIN, else 6982,
// and a matching MSE SET since the last reset, else 6985.
func TestPSOSecurityStatus(t *testing.T) {
	digestInfo := sha256DigestInfo(t, []byte("security status"))

	tests := []struct {
		name     string
		mutators []func(*Image)
		setup    func(t *testing.T, c *Card)
		cmd      iso7816.Command
		want     iso7816.StatusWord
	}{
		{
			name: "issued card", setup: func(t *testing.T, c *Card) {
				wantSW(t, mseSet(t, c, 0xB6, "84 01 01"), iso7816.SWSuccess)
			},
			cmd: signCmd(digestInfo, 256), want: 0x6982,
		},
		{
			name: "PIN not verified", mutators: []func(*Image){activated},
			setup: func(t *testing.T, c *Card) {
				wantSW(t, mseSet(t, c, 0xB6, "84 01 01"), iso7816.SWSuccess)
			},
			cmd: signCmd(digestInfo, 256), want: 0x6982,
		},
		{
			name: "decipher PIN not verified", mutators: []func(*Image){activated},
			setup: func(t *testing.T, c *Card) {
				wantSW(t, mseSet(t, c, 0xB8, "84 01 02"), iso7816.SWSuccess)
			},
			cmd: decipherCmd(make([]byte, 256)), want: 0x6982,
		},
		{
			name: "PIN cleared", mutators: []func(*Image){activated},
			setup: func(t *testing.T, c *Card) {
				prepareSigning(t, c, "84 01 01")
				wantSW(t, sendHex(t, c, "00 20 FF 80"), iso7816.SWSuccess)
			},
			cmd: signCmd(digestInfo, 256), want: 0x6982,
		},
		{
			name: "wrong PIN clears status", mutators: []func(*Image){activated},
			setup: func(t *testing.T, c *Card) {
				prepareSigning(t, c, "84 01 01")
				wantSW(t, send(t, c, verifyCmd(t, "000000")), iso7816.RetriesRemaining(2))
			},
			cmd: signCmd(digestInfo, 256), want: 0x6982,
		},
		{
			name: "sign without MSE", mutators: []func(*Image){activated},
			setup: verifyTestPINStep,
			cmd:   signCmd(digestInfo, 256), want: 0x6985,
		},
		{
			name: "sign with decipher MSE", mutators: []func(*Image){activated},
			setup: func(t *testing.T, c *Card) { prepareDeciphering(t, c, "84 01 02") },
			cmd:   signCmd(digestInfo, 256), want: 0x6985,
		},
		{
			name: "decipher without MSE", mutators: []func(*Image){activated},
			setup: verifyTestPINStep,
			cmd:   decipherCmd(make([]byte, 256)), want: 0x6985,
		},
		{
			name: "decipher with sign MSE", mutators: []func(*Image){activated},
			setup: func(t *testing.T, c *Card) { prepareSigning(t, c, "84 01 02") },
			cmd:   decipherCmd(make([]byte, 256)), want: 0x6985,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, tt.mutators...)
			tt.setup(t, c)
			wantSW(t, transmit(t, c, tt.cmd), tt.want)
		})
	}
}

func verifyTestPINStep(t *testing.T, c *Card) { verifyTestPIN(t, c) }

// KEY-05: data of the wrong length answers 6700, and so does a missing Le.
// Another P1-P2 answers 6A86.
func TestPSOLengthAndParameters(t *testing.T) {
	digestInfo := sha256DigestInfo(t, []byte("lengths"))
	ciphertext := append([]byte{0x00}, make([]byte, 256)...)

	tests := []struct {
		name string
		// signTemplate is the MSE SET data for signing, 84 01 01 when empty.
		signTemplate string
		apdu         []byte
		want         iso7816.StatusWord
	}{
		{name: "sign no data", apdu: mustHex(t, "00 2A 9E 9A 00"), want: 0x6700},
		{name: "sign no data no Le", apdu: mustHex(t, "00 2A 9E 9A"), want: 0x6700},
		{name: "sign no Le", apdu: cmdBytes(t, signCmd(digestInfo, 0)), want: 0x6700},
		{name: "sign 257 bytes", apdu: cmdBytes(t, signCmd(make([]byte, 257), 256)), want: 0x6700},
		// KEY-03: 1 to 256 bytes pass the length check; a DigestInfo longer
		// than 245 bytes (algorithm 02) or a raw block of another size than
		// 256 (algorithm 00) is content the algorithm rejects, 6A80.
		{name: "sign DigestInfo 246 bytes", apdu: cmdBytes(t, signCmd(make([]byte, 246), 256)), want: 0x6A80},
		{name: "sign raw 255 bytes", signTemplate: "84 01 01 80 01 00", apdu: cmdBytes(t, signCmd(make([]byte, 255), 256)), want: 0x6A80},
		{name: "sign raw 32 bytes", signTemplate: "84 01 01 80 01 00", apdu: cmdBytes(t, signCmd(digestInfo[:32], 256)), want: 0x6A80},
		{name: "decipher no Le", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: ciphertext}), want: 0x6700},
		{name: "decipher 256 bytes", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: ciphertext[1:], Ne: 65536}), want: 0x6700},
		{name: "decipher 258 bytes", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: append(ciphertext, 0), Ne: 65536}), want: 0x6700},
		{name: "decipher 1 byte", apdu: mustHex(t, "00 2A 80 86 01 00 00"), want: 0x6700},
		{name: "P2 9B", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9B, Data: digestInfo, Ne: 256}), want: 0x6A86},
		{name: "P1 80 P2 80", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x80, Data: ciphertext, Ne: 65536}), want: 0x6A86},
		{name: "P1-P2 0000", apdu: mustHex(t, "00 2A 00 00 00"), want: 0x6A86},
		{name: "P1-P2 9E86", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x86, Data: digestInfo, Ne: 256}), want: 0x6A86},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			signTemplate := tt.signTemplate
			if signTemplate == "" {
				signTemplate = "84 01 01"
			}
			prepareSigning(t, c, signTemplate)
			wantSW(t, mseSet(t, c, 0xB8, "84 01 02"), iso7816.SWSuccess)

			wantSW(t, send(t, c, tt.apdu), tt.want)
		})
	}
}

// SEC-02, KEY-05: warm reset and power-off clear the verified PIN and the
// security environment, so both must be set again before PSO.
func TestPSOAfterReset(t *testing.T) {
	resets := []struct {
		name  string
		reset func(c *Card)
	}{
		{name: "warm reset", reset: func(c *Card) { c.Reset() }},
		{name: "power-off", reset: func(c *Card) { c.PowerOff() }},
	}
	digestInfo := sha256DigestInfo(t, []byte("after reset"))

	for _, tt := range resets {
		t.Run(tt.name+" clears PIN", func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			prepareSigning(t, c, "84 01 01")
			wantSW(t, transmit(t, c, signCmd(digestInfo, 256)), iso7816.SWSuccess)

			tt.reset(c)

			wantSW(t, mseSet(t, c, 0xB6, "84 01 01"), iso7816.SWSuccess)
			wantSW(t, transmit(t, c, signCmd(digestInfo, 256)), iso7816.SWSecurityNotSatisfied)
			verifyTestPIN(t, c)
			wantSW(t, transmit(t, c, signCmd(digestInfo, 256)), iso7816.SWSuccess)
		})
		t.Run(tt.name+" clears MSE", func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			prepareSigning(t, c, "84 01 01")
			wantSW(t, mseSet(t, c, 0xB8, "84 01 02"), iso7816.SWSuccess)

			tt.reset(c)

			verifyTestPIN(t, c)
			wantSW(t, transmit(t, c, signCmd(digestInfo, 256)), iso7816.SWConditionsNotSatisfied)
			wantSW(t, transmit(t, c, decipherCmd(make([]byte, 256))), iso7816.SWConditionsNotSatisfied)
		})
	}
}
