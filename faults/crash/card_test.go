package crash_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// Values the specs present besides the fixtures' own secrets.
const (
	wrongPIN      = "000000"
	wrongUserCode = "Wrong1234"
	newPIN        = "246810"
	newUserCode   = "NewCode1"
)

// connection is a shared PC/SC connection to the card in one reader,
// through the product's pcsc package.
type connection struct {
	ctx    *pcsc.Context
	card   *pcsc.Card
	closed bool
}

// connect opens a connection to the card in reader. It is closed at
// cleanup unless the spec closed it.
func connect(reader string) *connection {
	GinkgoHelper()
	ctx, err := pcsc.Establish()
	Expect(err).NotTo(HaveOccurred())
	card, err := ctx.Connect(reader)
	if err != nil {
		ctx.Release()
	}
	Expect(err).NotTo(HaveOccurred(), "connecting to the card in %q", reader)
	c := &connection{ctx: ctx, card: card}
	DeferCleanup(c.close)
	return c
}

// close disconnects and leaves the card as it is. A card whose daemon has
// just gone must not be disconnected with UNPOWER: pcscd 1.9.9 with
// vsmartcard's vpcd then shows the reader empty for up to a minute after
// the next card connects.
func (c *connection) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.card.Disconnect()
	c.ctx.Release()
}

func (c *connection) client() *client.Client { return client.New(c.card) }

// send transmits a command and returns its status word.
func (c *connection) send(cmd iso7816.Command) iso7816.StatusWord {
	GinkgoHelper()
	raw, err := cmd.Bytes()
	Expect(err).NotTo(HaveOccurred())
	out, err := c.card.Transmit(raw)
	Expect(err).NotTo(HaveOccurred(), "transmitting INS %02X", cmd.INS)
	resp, err := iso7816.ParseResponse(out)
	Expect(err).NotTo(HaveOccurred())
	return resp.SW
}

// info reads the card's data and counters with the client library.
func (c *connection) info() *client.Info {
	GinkgoHelper()
	info, err := c.client().Info()
	Expect(err).NotTo(HaveOccurred(), "reading the card's information")
	return info
}

// verifyCmd is VERIFY of the PIN with value (VER-01).
func verifyCmd(value string) iso7816.Command {
	return iso7816.Command{INS: 0x20, P2: 0x80, Data: blocks(value)}
}

// resetPINCmd is RESET RETRY COUNTER with the user code and a new PIN
// (ACT-01).
func resetPINCmd(userCode, pin string) iso7816.Command {
	return iso7816.Command{INS: 0x2C, P2: 0x80, Data: blocks(userCode, pin)}
}

// blocks encodes values as 10-byte reference-data blocks (REF-02).
func blocks(values ...string) []byte {
	GinkgoHelper()
	var out []byte
	for _, v := range values {
		b, err := emulator.EncodeBlock(v)
		Expect(err).NotTo(HaveOccurred())
		out = append(out, b...)
	}
	return out
}

// loadProfile loads a built-in fixture profile.
func loadProfile(name string) *fixtures.Profile {
	GinkgoHelper()
	p, err := fixtures.Load(name)
	Expect(err).NotTo(HaveOccurred())
	return p
}

// managementKey returns the card-management key of a fixture profile.
func managementKey(p *fixtures.Profile) []byte {
	GinkgoHelper()
	img, err := p.Image(p.ResolveDates(time.Now()))
	Expect(err).NotTo(HaveOccurred())
	return img.ManagementKey
}

// initialTries returns the remaining tries a fixture secret starts with.
func initialTries(s emulator.InitialSecret) int {
	if s.Remaining < 0 {
		return s.MaxTries
	}
	return s.Remaining
}
