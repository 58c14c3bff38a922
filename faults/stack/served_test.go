package stack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/internal/stacktest"
	"gcacard/iso7816"
	"gcacard/pcsc"
	"gcacard/vpcd"
)

// presenceTimeout bounds a wait for pcscd to report a card inserted or
// removed; pcscd polls vpcd readers about every 400 ms.
const presenceTimeout = 20 * time.Second

// processed is one command that reached the emulator, with its response.
type processed struct {
	command []byte
	sw      iso7816.StatusWord
}

// countingCard is the vpcd.Card that the specs serve: the emulator card,
// with counts of the commands and power events that reached it. An
// intercept, when set, decides each command's fate, for specs that drop
// the vpcd connection at a chosen command.
type countingCard struct {
	emu *emulator.Card

	mu        sync.Mutex
	commands  int
	powerOffs int
	resets    int
	log       []processed
	intercept func(command []byte, process func([]byte) []byte) []byte
}

func (c *countingCard) ATR() []byte { return c.emu.ATR() }

func (c *countingCard) Reset() {
	c.mu.Lock()
	c.resets++
	c.mu.Unlock()
	c.emu.Reset()
}

func (c *countingCard) PowerOff() {
	c.mu.Lock()
	c.powerOffs++
	c.mu.Unlock()
	c.emu.PowerOff()
}

// Transmit counts the command, then passes it to the intercept or straight
// to the emulator.
func (c *countingCard) Transmit(command []byte) []byte {
	c.mu.Lock()
	c.commands++
	intercept := c.intercept
	c.mu.Unlock()
	if intercept != nil {
		return intercept(command, c.process)
	}
	return c.process(command)
}

// process runs the command on the emulator and logs it.
func (c *countingCard) process(command []byte) []byte {
	out := c.emu.Transmit(command)
	resp, err := iso7816.ParseResponse(out)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.log = append(c.log, processed{command: append([]byte(nil), command...), sw: resp.SW})
	}
	return out
}

func (c *countingCard) setIntercept(f func(command []byte, process func([]byte) []byte) []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.intercept = f
}

// counts returns the commands and power-offs so far.
func (c *countingCard) counts() (commands, powerOffs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commands, c.powerOffs
}

// processedSince returns the log entries from index from on.
func (c *countingCard) processedSince(from int) []processed {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]processed(nil), c.log[from:]...)
}

func (c *countingCard) logLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.log)
}

// servedCard is a fixture card that this process serves into one vpcd
// slot, with its state in a folder of its own.
type servedCard struct {
	slot    int
	dir     string
	profile *fixtures.Profile
	card    *countingCard
	vslot   *vpcd.Slot
	cancel  context.CancelFunc
	done    chan struct{}
}

// serveCard opens fixture card profile on a new state folder and serves it
// into vpcd slot until the spec ends. The caller holds the slot: its
// stacktest lock for slots 0 and 1, its pcscdns instance for the others.
func serveCard(profile string, slot int) *servedCard {
	GinkgoHelper()
	p, err := fixtures.Load(profile)
	Expect(err).NotTo(HaveOccurred())
	s := &servedCard{slot: slot, dir: GinkgoT().TempDir(), profile: p}
	s.card = &countingCard{emu: s.openEmulator()}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.vslot = &vpcd.Slot{Card: s.card, Addr: vpcd.SlotAddr(slot), Logger: quiet, MaxBackoff: 500 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		s.vslot.Run(ctx)
	}()
	DeferCleanup(s.stop)
	return s
}

// openEmulator opens the card from its state folder, as gcacard serve does
// at start: the emulator's state loader must accept the file.
func (s *servedCard) openEmulator() *emulator.Card {
	GinkgoHelper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	emu, err := fixtures.OpenCard(s.profile, emulator.FileStore{Dir: s.dir}, time.Now(), emulator.Options{Logger: quiet})
	Expect(err).NotTo(HaveOccurred(), "opening card %s from its state folder %s", s.profile.CardNumber, s.dir)
	return emu
}

// stop takes the card out of its slot. On the machine's pcscd it also
// waits until pcscd shows the reader empty: a client of the next card in
// this slot could otherwise connect to this card's stale reader state and
// see its first command fail.
func (s *servedCard) stop() {
	s.cancel()
	<-s.done
	if s.slot < stacktest.Slots {
		_, err := stacktest.WaitCard(context.Background(), stacktest.ReaderName(s.slot), false, 30*time.Second)
		Expect(err).NotTo(HaveOccurred(), "reader of slot %d after its card left", s.slot)
	}
}

// status returns the emulator's lifecycle and counters.
func (s *servedCard) status() emulator.Status { return s.card.emu.Status() }

// savedStatus opens a second emulator on the state folder and returns its
// status: what the card would be after a restart.
func (s *servedCard) savedStatus() emulator.Status {
	GinkgoHelper()
	return s.openEmulator().Status()
}

// managementKey returns the card-management key of the fixture card.
func (s *servedCard) managementKey() []byte {
	GinkgoHelper()
	img, err := s.profile.Image(s.status().Dates)
	Expect(err).NotTo(HaveOccurred())
	return img.ManagementKey
}

// lockMachineSlot takes the stacktest lock of slot 0 or 1 of the machine's
// pcscd for the rest of the spec.
func lockMachineSlot(slot int) {
	GinkgoHelper()
	stacktest.LockSlot(GinkgoTB(), slot)
}

// waitPresent waits until the machine's pcscd shows a card in reader and
// the card returns 9000 to GET DATA.
func waitPresent(reader string) {
	GinkgoHelper()
	_, err := stacktest.WaitCard(context.Background(), reader, true, presenceTimeout)
	Expect(err).NotTo(HaveOccurred())
	Eventually(probe).WithArguments(reader).WithTimeout(10 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
}

// waitAbsent waits until the machine's pcscd shows reader empty.
func waitAbsent(reader string) {
	GinkgoHelper()
	_, err := stacktest.WaitCard(context.Background(), reader, false, presenceTimeout)
	Expect(err).NotTo(HaveOccurred())
}

// probe sends GET DATA of the lifecycle on a connection of its own.
func probe(reader string) error {
	conn, err := connect(reader)
	if err != nil {
		return err
	}
	defer conn.close()
	out, err := conn.card.Transmit([]byte{0x00, 0xCA, 0x01, 0x01, 0x01})
	if err != nil {
		return err
	}
	if resp, err := iso7816.ParseResponse(out); err != nil || resp.SW != iso7816.SWSuccess {
		return fmt.Errorf("GET DATA 0101 returned % X", out)
	}
	return nil
}

// connection is a PC/SC context with one shared connection, in this
// process, so through the machine's pcscd.
type connection struct {
	ctx  *pcsc.Context
	card *pcsc.Card
}

func connect(reader string) (*connection, error) {
	ctx, err := pcsc.Establish()
	if err != nil {
		return nil, err
	}
	card, err := ctx.Connect(reader)
	if err != nil {
		ctx.Release()
		return nil, err
	}
	return &connection{ctx: ctx, card: card}, nil
}

// mustConnect connects and closes the connection when the spec ends.
func mustConnect(reader string) *connection {
	GinkgoHelper()
	conn, err := connect(reader)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(conn.close)
	return conn
}

// close disconnects, leaving the card as it is: SCARD_UNPOWER_CARD right
// after a card went away confuses pcscd 1.9.9 with vpcd (see
// stacktest.Connect).
func (c *connection) close() {
	c.card.Disconnect()
	c.ctx.Release()
}

// transmit sends one command and returns its status word and data.
func (c *connection) transmit(command []byte) (iso7816.Response, error) {
	out, err := c.card.Transmit(command)
	if err != nil {
		return iso7816.Response{}, err
	}
	return iso7816.ParseResponse(out)
}

// swKey formats a status word as 4 hex digits, the key of the histograms.
func swKey(sw iso7816.StatusWord) string { return fmt.Sprintf("%04X", uint16(sw)) }
