package peer_test

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/emulator"
	"gcacard/internal/stacktest"
	"gcacard/vpcd"
)

// The cards that gcacard serve runs: A and B dial the test's listeners
// (--vpcd), C listens for the test (--reversed).
const (
	profileA, cardNumberA = "valid", "GC00000000200001"
	profileB, cardNumberB = "activated", "GC00000000200003"
	profileC, cardNumberC = "guide-expired", "GC00000000105736"
)

// hostileCase is one way of breaking the vpcd protocol on a connection.
type hostileCase struct {
	// attack sends the hostile bytes on a connection that has just
	// passed expectCard.
	attack func(p *peerConn)
	// keepsConnection is set when the product replies to the frames as
	// documented and keeps the connection. Otherwise it must close it.
	keepsConnection bool
	// closeTimeout bounds the wait for the close, replyTimeout when 0.
	closeTimeout time.Duration
	// unread is set when the attack leaves replies unread in the socket,
	// so that reading would unblock gcacard: the connection then counts
	// as closed once gcacard dials again.
	unread bool
	// log is a text that gcacard's log must show after the attack.
	log string
}

var _ = Describe("gcacard serve against a hostile vpcd peer", Ordered, Faults, Peer, func() {
	var (
		serve        *stacktest.Serve
		vpcdA, vpcdB *listener
		connA, connB *peerConn
		addrC        string
	)

	BeforeAll(func() {
		vpcdA, vpcdB = listen(), listen()
		DeferCleanup(vpcdA.close)
		DeferCleanup(vpcdB.close)
		addrC = freeLoopbackAddr()

		serve = stacktest.StartServe(GinkgoTB(),
			"--profile", profileA, "--state", GinkgoT().TempDir(), "--vpcd", vpcdA.addr(),
			"--profile", profileB, "--state", GinkgoT().TempDir(), "--vpcd", vpcdB.addr(),
			"--profile", profileC, "--state", GinkgoT().TempDir(), "--reversed", addrC,
		)
		connA = vpcdA.accept(replyTimeout)
		connB = vpcdB.accept(replyTimeout)
		connA.expectCard(cardNumberA)
		connB.expectCard(cardNumberB)
	})

	// afterAttack checks what every hostile case must leave behind: the
	// process runs, card B replies on its untouched connection, and card A
	// replies on the same connection or, when the product closed it, on
	// the connection it dials next.
	afterAttack := func(c hostileCase) {
		GinkgoHelper()
		if !c.keepsConnection && !c.unread {
			connA.expectClosed(cmp.Or(c.closeTimeout, replyTimeout))
		}

		Expect(serve.Running()).To(BeTrue(), "gcacard exited")
		connB.expectCard(cardNumberB)

		if !c.keepsConnection {
			next := vpcdA.accept(cmp.Or(c.closeTimeout, 0) + reconnectTimeout)
			connA.close()
			connA = next
		}
		connA.expectCard(cardNumberA)
		if c.log != "" {
			Expect(serve.Output()).To(ContainSubstring(c.log), "gcacard's log")
		}
	}

	DescribeTable("a hostile frame on one connection",
		func(c hostileCase) {
			connA.expectCard(cardNumberA)
			c.attack(connA)
			afterAttack(c)
		},
		Entry("zero-length frame closes the connection", hostileCase{
			attack: func(p *peerConn) { p.sendRaw([]byte{0x00, 0x00}) },
			log:    "empty frame",
		}),
		// gcacard serve accepts the largest length that 2 bytes can hold,
		// 65535, as vpcd's driver offers extended APDUs. So no length
		// prefix is over its limit, and FFFF is the hardest case.
		Entry("length FFFF with its whole payload gets a status word", hostileCase{
			attack: func(p *peerConn) {
				command := bytes.Repeat([]byte{0xA5}, vpcd.MaxPayload)
				expectStatusWord(p.exchange(command), command)
			},
			keepsConnection: true,
		}),
		Entry("length FFFF cut short by FIN closes the connection", hostileCase{
			attack: func(p *peerConn) {
				p.sendRaw(append([]byte{0xFF, 0xFF}, make([]byte, 1000)...))
				p.closeWrite()
			},
			log: "unexpected EOF",
		}),
		Entry("payload cut short by FIN closes the connection", hostileCase{
			attack: func(p *peerConn) {
				p.sendRaw([]byte{0x00, 0x07, 0x00, 0xA4, 0x00})
				p.closeWrite()
			},
		}),
		Entry("header cut short by FIN closes the connection", hostileCase{
			attack: func(p *peerConn) {
				p.sendRaw([]byte{0x00})
				p.closeWrite()
			},
		}),
		Entry("payload that never completes closes after the stall timeout", hostileCase{
			attack:       func(p *peerConn) { p.sendRaw([]byte{0x00, 0x07, 0x00, 0xA4}) },
			closeTimeout: stallTimeout,
			log:          "frame stalled",
		}),
		Entry("header that never completes closes after the stall timeout", hostileCase{
			attack:       func(p *peerConn) { p.sendRaw([]byte{0x00}) },
			closeTimeout: stallTimeout,
		}),
		Entry("HTTP request after the ATR closes after the stall timeout", hostileCase{
			// "GE" reads as a length of 18245 bytes, and the request is
			// shorter, so the frame never completes.
			attack:       func(p *peerConn) { p.sendRaw([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) },
			closeTimeout: stallTimeout,
		}),
		Entry("binary garbage after the ATR gets replies until FIN closes the connection", hostileCase{
			attack: func(p *peerConn) {
				p.sendRaw(pseudoRandom(1, 64*1024))
				p.closeWrite()
				replies := expectRepliesOnly(p.readUntilClosed(replyTimeout))
				GinkgoWriter.Printf("garbage: %d replies before the connection closed\n", replies)
			},
		}),
		Entry("unknown 1-byte control codes get no reply", hostileCase{
			attack: func(p *peerConn) {
				for _, code := range []byte{0x03, 0x05, 0x7F, 0xFF} {
					p.send([]byte{code})
				}
			},
			keepsConnection: true,
			log:             "ignoring an unknown control message",
		}),
		Entry("malformed APDUs get status words", hostileCase{
			attack: func(p *peerConn) {
				for _, size := range []int{2, 3, 4, 5, 6, 7, 8, 261, 262, 300, 4096} {
					command := pseudoRandom(uint64(size), size)
					expectStatusWord(p.exchange(command), command)
				}
			},
			keepsConnection: true,
		}),
		Entry("2,000 pipelined commands get their replies in order", hostileCase{
			attack:          func(p *peerConn) { expectPipelined(p, 1000) },
			keepsConnection: true,
		}),
		Entry("a peer that resets the connection", hostileCase{
			attack: func(p *peerConn) { p.reset() },
		}),
		Entry("a peer that never reads its replies loses the connection", hostileCase{
			attack:       floodWithoutReading,
			unread:       true,
			closeTimeout: stallTimeout,
			log:          "vpcd is not reading",
		}),
	)

	It("keeps its memory bounded over 1,000 hostile connections", func() {
		before := readMemory(serve.PID())

		for i := range hostileConnections {
			p := dial(addrC, replyTimeout)
			p.send([]byte{vpcd.ControlPowerOn})
			Expect(p.exchange([]byte{vpcd.ControlGetATR})).To(Equal(emulator.DefaultATR), "ATR on connection %d", i)
			quickAttacks[i%len(quickAttacks)](p, i)
			p.close()
		}
		command := bytes.Repeat([]byte{0xA5}, vpcd.MaxPayload)
		for range largestFrames {
			expectStatusWord(connA.exchange(command), command)
		}

		c := dial(addrC, replyTimeout)
		c.expectCard(cardNumberC)
		c.close()
		connB.expectCard(cardNumberB)
		connA.expectCard(cardNumberA)
		after := readMemory(serve.PID())

		growth := after.RSS - before.RSS
		report := fmt.Sprintf("%d hostile connections to card C and %d frames of %d bytes to card A: "+
			"VmRSS %d KiB before, %d KiB after (growth %d KiB); VmHWM %d KiB before, %d KiB after",
			hostileConnections, largestFrames, vpcd.MaxPayload, before.RSS, after.RSS, growth, before.HWM, after.HWM)
		AddReportEntry("memory", report)
		GinkgoWriter.Println(report)
		Expect(growth).To(BeNumerically("<", maxRSSGrowthKiB), "VmRSS growth in KiB")
	})
})

// Sizes of the memory check. The bound is generous: it catches memory that
// grows with each connection or frame, not a few buffers more.
const (
	hostileConnections = 1000
	largestFrames      = 1000
	maxRSSGrowthKiB    = 32 * 1024
)

// quickAttacks are the hostile cases that end a connection at once, for the
// memory check. Each gets a connection that has passed get ATR, and the
// connection number.
var quickAttacks = []func(p *peerConn, i int){
	func(p *peerConn, _ int) {
		p.sendRaw([]byte{0x00, 0x00})
		p.expectClosed(replyTimeout)
	},
	func(p *peerConn, _ int) {
		p.sendRaw(append([]byte{0xFF, 0xFF}, make([]byte, 1000)...))
		p.closeWrite()
		p.expectClosed(replyTimeout)
	},
	func(p *peerConn, _ int) {
		p.sendRaw([]byte{0x00, 0x07, 0x00, 0xA4, 0x00})
		p.closeWrite()
		p.expectClosed(replyTimeout)
	},
	func(p *peerConn, i int) {
		p.sendRaw(pseudoRandom(uint64(i), 4096))
		p.closeWrite()
		expectRepliesOnly(p.readUntilClosed(replyTimeout))
	},
	func(p *peerConn, _ int) {
		p.send([]byte{0x03})
		p.send([]byte{0xFF})
		p.closeWrite()
		Expect(p.readUntilClosed(replyTimeout)).To(BeEmpty(), "replies to unknown control codes")
	},
	func(p *peerConn, _ int) { p.reset() },
	func(p *peerConn, _ int) {
		p.sendRaw(bytes.Repeat(frame([]byte{vpcd.ControlGetATR}), 500))
		p.reset()
	},
	func(p *peerConn, _ int) {
		p.sendRaw([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
		p.closeWrite()
		p.expectClosed(replyTimeout)
	},
}

// pseudoRandom returns n bytes from a seeded generator, the same on every
// run.
func pseudoRandom(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x67636163617264))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// expectRepliesOnly checks that a stream that gcacard sent in reply to
// garbage is a sequence of whole frames, each an ATR or a response APDU
// that ends with a status word, and returns the number of frames.
func expectRepliesOnly(stream []byte) int {
	GinkgoHelper()
	replies := 0
	for len(stream) > 0 {
		Expect(len(stream)).To(BeNumerically(">=", 2), "a reply header cut short: %X", stream)
		n := int(stream[0])<<8 | int(stream[1])
		Expect(len(stream)-2).To(BeNumerically(">=", n), "a reply payload cut short")
		payload := stream[2 : 2+n]
		if !bytes.Equal(payload, emulator.DefaultATR) {
			expectStatusWord(payload, nil)
		}
		stream = stream[2+n:]
		replies++
	}
	return replies
}

// expectPipelined writes pairs of SELECT and READ BINARY of the card
// number in one stream, without waiting for replies, while it reads the
// replies on another goroutine, and checks every reply.
func expectPipelined(p *peerConn, pairs int) {
	GinkgoHelper()
	var stream []byte
	for range pairs {
		stream = append(stream, frame(selectCardNumber)...)
		stream = append(stream, frame(readBinary)...)
	}

	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		defer GinkgoRecover()
		p.conn.SetWriteDeadline(time.Now().Add(replyTimeout))
		_, writeErr = p.conn.Write(stream)
	})
	for i := range pairs {
		Expect(p.receive()).To(Equal(statusOK), "reply to SELECT %d", i)
		Expect(p.receive()).To(Equal(append([]byte(cardNumberA), statusOK...)), "reply to READ BINARY %d", i)
	}
	wg.Wait()
	Expect(writeErr).NotTo(HaveOccurred())
}

// floodWithoutReading sends get ATR frames and never reads a reply, until
// the socket buffers on both sides are full and a write stops making
// progress. gcacard must then give up the connection on its own, since
// its replies can go nowhere.
func floodWithoutReading(p *peerConn) {
	GinkgoHelper()
	chunk := bytes.Repeat(frame([]byte{vpcd.ControlGetATR}), 16*1024)
	sent := 0
	for {
		p.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		n, err := p.conn.Write(chunk)
		sent += n
		if err != nil {
			break
		}
		Expect(sent).To(BeNumerically("<", 1<<30), "gcacard read 1 GiB of frames without its replies being read")
	}
	GinkgoWriter.Printf("flood: %d bytes written before the write blocked\n", sent)
}
