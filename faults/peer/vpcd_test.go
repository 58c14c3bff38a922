package peer_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/emulator"
	"gcacard/vpcd"
)

// Bounds of the waits in this suite. They are generous because the machine
// is shared: a wait that runs out fails the spec as a hang, never as slow.
const (
	// replyTimeout bounds one reply or one close.
	replyTimeout = 10 * time.Second
	// reconnectTimeout bounds the wait for gcacard to dial again. The
	// product backs off up to vpcd.DefaultMaxBackoff between dials.
	reconnectTimeout = 6 * vpcd.DefaultMaxBackoff
	// stallTimeout bounds the wait for a frame that never completes to
	// close its connection, which the product does after
	// vpcd.DefaultStallTimeout.
	stallTimeout = 6 * vpcd.DefaultStallTimeout
)

// reservedPorts is the number of TCP ports from vpcd.BasePort that the
// machine's vpcd and the pcscdns instances may listen on (slots 0 to 15).
// The suite never listens on them.
const reservedPorts = 16

// Command APDUs that read the card number: SELECT 3F00/0900/0903 by path,
// then READ BINARY of the whole file.
var (
	selectCardNumber = []byte{0x00, 0xA4, 0x08, 0x0C, 0x04, 0x09, 0x00, 0x09, 0x03}
	readBinary       = []byte{0x00, 0xB0, 0x00, 0x00, 0x00}
	statusOK         = []byte{0x90, 0x00}
)

// listener is a vpcd end that the test plays: gcacard serve --vpcd dials
// it, and each accepted connection arrives on conns.
type listener struct {
	ln    net.Listener
	conns chan net.Conn
}

// listen opens a listener on a 127.0.0.1 port that the kernel picks,
// outside the reserved vpcd ports, and accepts until the spec tree ends.
func listen() *listener {
	ln := listenLoopback()
	l := &listener{ln: ln, conns: make(chan net.Conn, 16)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				close(l.conns)
				return
			}
			l.conns <- conn
		}
	}()
	return l
}

// listenLoopback listens on a free 127.0.0.1 port outside the reserved
// vpcd ports.
func listenLoopback() net.Listener {
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred(), "listening on 127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		if port < vpcd.BasePort || port >= vpcd.BasePort+reservedPorts {
			return ln
		}
		ln.Close()
	}
	Fail("the kernel picked a reserved vpcd port 100 times in a row")
	return nil
}

// freeLoopbackAddr returns a 127.0.0.1 address outside the reserved vpcd
// ports that nothing listens on right now.
func freeLoopbackAddr() string {
	ln := listenLoopback()
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func (l *listener) addr() string { return l.ln.Addr().String() }

func (l *listener) close() { l.ln.Close() }

// accept waits for gcacard's next connection.
func (l *listener) accept(timeout time.Duration) *peerConn {
	GinkgoHelper()
	select {
	case conn, ok := <-l.conns:
		Expect(ok).To(BeTrue(), "listener %s closed", l.addr())
		return &peerConn{conn: conn}
	case <-time.After(timeout):
		Fail(fmt.Sprintf("gcacard did not connect to %s within %v", l.addr(), timeout))
		return nil
	}
}

// dial connects to a card that gcacard serves with --reversed, retrying
// until it listens.
func dial(addr string, timeout time.Duration) *peerConn {
	GinkgoHelper()
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, replyTimeout)
		if err == nil {
			return &peerConn{conn: conn}
		}
		if time.Now().After(deadline) {
			Fail(fmt.Sprintf("gcacard did not listen on %s within %v: %v", addr, timeout, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// peerConn is vpcd's end of one connection. It encodes and decodes frames
// itself rather than with package vpcd, whose reader is under test.
type peerConn struct {
	conn net.Conn
}

// sendRaw writes bytes as they are, framed or not.
func (p *peerConn) sendRaw(data []byte) {
	GinkgoHelper()
	p.conn.SetWriteDeadline(time.Now().Add(replyTimeout))
	_, err := p.conn.Write(data)
	Expect(err).NotTo(HaveOccurred(), "writing %d bytes to gcacard", len(data))
}

// frame returns payload with its 2-byte big-endian length in front.
func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(payload))), payload...)
}

func (p *peerConn) send(payload []byte) {
	GinkgoHelper()
	p.sendRaw(frame(payload))
}

// receive reads one reply frame and returns its payload.
func (p *peerConn) receive() []byte {
	GinkgoHelper()
	p.conn.SetReadDeadline(time.Now().Add(replyTimeout))
	var header [2]byte
	_, err := io.ReadFull(p.conn, header[:])
	Expect(err).NotTo(HaveOccurred(), "reading a reply header from gcacard")
	payload := make([]byte, binary.BigEndian.Uint16(header[:]))
	_, err = io.ReadFull(p.conn, payload)
	Expect(err).NotTo(HaveOccurred(), "reading a reply payload of %d bytes from gcacard", len(payload))
	return payload
}

func (p *peerConn) exchange(payload []byte) []byte {
	GinkgoHelper()
	p.send(payload)
	return p.receive()
}

// expectCard checks the connection with a whole vpcd exchange: power on,
// get ATR, and the card number read with SELECT and READ BINARY.
func (p *peerConn) expectCard(cardNumber string) {
	GinkgoHelper()
	p.send([]byte{vpcd.ControlPowerOn})
	Expect(p.exchange([]byte{vpcd.ControlGetATR})).To(Equal(emulator.DefaultATR), "ATR")
	Expect(p.exchange(selectCardNumber)).To(Equal(statusOK), "response to SELECT of the card number file")
	want := append([]byte(cardNumber), statusOK...)
	Expect(p.exchange(readBinary)).To(Equal(want), "response to READ BINARY of the card number")
}

// expectClosed checks that gcacard closes the connection within timeout
// without sending anything. A reset counts as closed: Linux resets a
// connection that is closed with unread data.
func (p *peerConn) expectClosed(timeout time.Duration) {
	GinkgoHelper()
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	var buf [64]byte
	n, err := p.conn.Read(buf[:])
	Expect(buf[:n]).To(BeEmpty(), "gcacard sent bytes on a connection it should close")
	Expect(errors.Is(err, os.ErrDeadlineExceeded)).To(BeFalse(), "gcacard kept the connection open for %v", timeout)
	Expect(err).To(HaveOccurred(), "a read returned no bytes and no error")
}

// expectStatusWord checks that a reply is a response APDU of at least a
// status word whose SW1 is one the card profile uses.
func expectStatusWord(reply []byte, command []byte) {
	GinkgoHelper()
	Expect(len(reply)).To(BeNumerically(">=", 2), "reply %X to command of %d bytes", reply, len(command))
	sw1 := reply[len(reply)-2]
	Expect([]byte{0x90, 0x61, 0x62, 0x63, 0x65, 0x67, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E}).To(ContainElement(sw1),
		"SW1 %02X of the reply to a command of %d bytes", sw1, len(command))
}

// readUntilClosed returns every byte gcacard sends until it closes the
// connection, and fails when it keeps it open for timeout.
func (p *peerConn) readUntilClosed(timeout time.Duration) []byte {
	GinkgoHelper()
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	data, err := io.ReadAll(p.conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		Fail(fmt.Sprintf("gcacard kept the connection open for %v", timeout))
	}
	return data
}

func (p *peerConn) close() { p.conn.Close() }

// reset closes the connection with a TCP reset instead of a FIN.
func (p *peerConn) reset() {
	p.conn.(*net.TCPConn).SetLinger(0)
	p.conn.Close()
}

// closeWrite sends a FIN and keeps reading open.
func (p *peerConn) closeWrite() {
	GinkgoHelper()
	Expect(p.conn.(*net.TCPConn).CloseWrite()).To(Succeed())
}

// memory is a process's resident set from /proc/PID/status.
type memory struct {
	// RSS and HWM are VmRSS and VmHWM (peak RSS) in KiB.
	RSS, HWM int64
}

func readMemory(pid int) memory {
	GinkgoHelper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	Expect(err).NotTo(HaveOccurred())
	return memory{RSS: statusKiB(status, "VmRSS:"), HWM: statusKiB(status, "VmHWM:")}
}

// statusKiB returns the value of a "Name:   1234 kB" line of
// /proc/PID/status.
func statusKiB(status []byte, name string) int64 {
	GinkgoHelper()
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte(name))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		Expect(fields).To(HaveLen(2), "line %q", line)
		Expect(string(fields[1])).To(Equal("kB"), "unit of %s", name)
		n, err := strconv.ParseInt(string(fields[0]), 10, 64)
		Expect(err).NotTo(HaveOccurred(), "line %q", line)
		return n
	}
	Fail("no " + name + " line in /proc/PID/status")
	return 0
}
