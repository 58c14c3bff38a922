package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"gcacard/internal/taipei"
	"gcacard/iso7816"
)

// Test secrets of the card that newTestCard makes.
const (
	testCardNumber = "GC00000000123456"
	testUserCode   = "Ab12cd34"
	testPIN        = "135790"
)

var testManagementKey = []byte("0123456789abcdef")

var (
	keysOnce         sync.Once
	testSign, testKX *rsa.PrivateKey
	testCerts        Certificates
)

// testKeys returns two RSA-2048 keys and certificates for them, made once
// per test binary because key generation takes most of a second.
func testKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey, Certificates) {
	keysOnce.Do(func() {
		var err error
		if testSign, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if testKX, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		testCerts = Certificates{
			Root:       selfSigned(t, testSign, "root"),
			Issuing:    selfSigned(t, testKX, "issuing"),
			Encryption: selfSigned(t, testKX, "encryption"),
			Signing:    selfSigned(t, testSign, "signing"),
		}
	})
	return testSign, testKX, testCerts
}

func selfSigned(t testing.TB, key *rsa.PrivateKey, cn string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// testImage returns an issued card with a user code and no PIN.
func testImage(t testing.TB) *Image {
	t.Helper()
	sign, kx, certs := testKeys(t)
	issued := taipei.DateOf(time.Now()).AddDays(-3)
	return &Image{
		CardNumber:    testCardNumber,
		Certificates:  certs,
		SignKey:       sign,
		KeyXKey:       kx,
		ManagementKey: testManagementKey,
		Initial: InitialState{
			Lifecycle: LifecycleIssued,
			Dates:     Dates{Issued: issued, NotBefore: issued, NotAfter: issued.AddYears(5)},
			UserCode:  InitialSecret{Value: testUserCode, Remaining: -1},
			PIN:       InitialSecret{Remaining: -1},
		},
	}
}

// activated turns an image into an activated card with testPIN.
func activated(img *Image) {
	img.Initial.Lifecycle = LifecycleActivated
	img.Initial.PIN.Value = testPIN
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestCard opens a card on a MemoryStore after applying the mutators to
// the test image.
func newTestCard(t testing.TB, mutators ...func(*Image)) (*Card, *MemoryStore) {
	t.Helper()
	img := testImage(t)
	for _, m := range mutators {
		m(img)
	}
	store := &MemoryStore{}
	card, err := Open(img, store, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return card, store
}

// reopen makes a new card from the same image and store, as after a crash
// or restart.
func reopen(t testing.TB, c *Card, store Store) *Card {
	t.Helper()
	img := c.img
	card, err := Open(&img, store, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	return card
}

// mustHex decodes hex with optional spaces.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// send transmits raw bytes and splits the response.
func send(t testing.TB, c *Card, apdu []byte) iso7816.Response {
	t.Helper()
	resp, err := iso7816.ParseResponse(c.Transmit(apdu))
	if err != nil {
		t.Fatalf("response to %X: %v", apdu, err)
	}
	return resp
}

// sendHex transmits a command written in hex.
func sendHex(t testing.TB, c *Card, apdu string) iso7816.Response {
	t.Helper()
	return send(t, c, mustHex(t, apdu))
}

// block returns the 10-byte reference-data block of value.
func block(t testing.TB, value string) []byte {
	t.Helper()
	b, err := EncodeBlock(value)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cmdBytes encodes a command.
func cmdBytes(t testing.TB, cmd iso7816.Command) []byte {
	t.Helper()
	b, err := cmd.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func verifyCmd(t testing.TB, pin string) []byte {
	return cmdBytes(t, iso7816.Command{INS: 0x20, P2: 0x80, Data: block(t, pin)})
}

func rrcCmd(t testing.TB, userCode, newPIN string) []byte {
	return cmdBytes(t, iso7816.Command{INS: 0x2C, P2: 0x80, Data: append(block(t, userCode), block(t, newPIN)...)})
}

func changeCmd(t testing.TB, oldPIN, newPIN string) []byte {
	return cmdBytes(t, iso7816.Command{INS: 0x24, P2: 0x80, Data: append(block(t, oldPIN), block(t, newPIN)...)})
}

// wantSW fails the test when the response's status word differs.
func wantSW(t testing.TB, got iso7816.Response, want iso7816.StatusWord) {
	t.Helper()
	if got.SW != want {
		t.Errorf("status word %v, want %v", got.SW, want)
	}
}
