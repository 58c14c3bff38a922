package bench

import (
	"bufio"
	"context"
	"net"
	"syscall"
	"time"

	"gcacard/vpcd"
)

// CeilingATR is the ceiling card's ATR: T=1 only (TD1 80, TD2 01), the
// historical bytes "BENCH" so that no PC/SC middleware takes it for a real
// card, and the check byte TCK.
var CeilingATR = withTCK([]byte{0x3B, 0x85, 0x80, 0x01, 'B', 'E', 'N', 'C', 'H'})

// withTCK appends the check byte: the XOR of every byte from T0 on.
func withTCK(atr []byte) []byte {
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// ServeCeiling serves the ceiling card to vpcd at addr until ctx ends. The
// card does no work: it replies to every command APDU with as many zero
// bytes as Le requests and status word 9000. Like package vpcd it sets
// TCP_NODELAY, and TCP_QUICKACK after every read, so that the stack's
// delayed ACKs do not slow it down. It reconnects when vpcd closes the
// connection.
func ServeCeiling(ctx context.Context, addr string) error {
	if err := vpcd.CheckLoopback(addr); err != nil {
		return err
	}
	var dialer net.Dialer
	for ctx.Err() == nil {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			sleepContext(ctx, 100*time.Millisecond)
			continue
		}
		serveCeilingConn(ctx, conn.(*net.TCPConn))
	}
	return nil
}

// serveCeilingConn replies to vpcd until the connection fails or ctx ends.
func serveCeilingConn(ctx context.Context, conn *net.TCPConn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	conn.SetNoDelay(true)
	// A buffered reader takes a frame in as few reads as vpcd's writes
	// allow, as package vpcd does.
	in := bufio.NewReaderSize(quickAckConn{conn}, 4096)

	for {
		payload, err := vpcd.ReadFrame(in, vpcd.MaxPayload, nil)
		if err != nil {
			return
		}
		reply := ceilingReply(payload)
		if reply == nil {
			continue
		}
		if err := vpcd.WriteFrame(conn, reply); err != nil {
			return
		}
	}
}

// ceilingReply returns the reply to one vpcd payload, nil for the control
// messages that vpcd expects no reply to.
func ceilingReply(payload []byte) []byte {
	if len(payload) == 1 {
		if payload[0] == vpcd.ControlGetATR {
			return CeilingATR
		}
		return nil
	}
	reply := make([]byte, shortLe(payload)+2)
	reply[len(reply)-2], reply[len(reply)-1] = 0x90, 0x00
	return reply
}

// shortLe returns the Ne of a short command APDU (Le 00 is 256), 0 when
// the command has no Le.
// NOTE: an extended or malformed command gets 0, so the ceiling card
// replies to it with 9000 alone. The workloads send short APDUs only.
func shortLe(command []byte) int {
	if len(command) <= 4 {
		return 0
	}
	body := command[4:]
	if len(body) == 1 {
		return leValue(body[0])
	}
	lc := int(body[0])
	if lc == 0 || len(body) != 1+lc+1 {
		return 0
	}
	return leValue(body[len(body)-1])
}

func leValue(le byte) int {
	if le == 0 {
		return 256
	}
	return int(le)
}

// quickAckConn sets TCP_QUICKACK after every read, because Linux leaves
// quick-ACK mode again on its own.
type quickAckConn struct{ conn *net.TCPConn }

func (q quickAckConn) Read(p []byte) (int, error) {
	n, err := q.conn.Read(p)
	if raw, rawErr := q.conn.SyscallConn(); rawErr == nil {
		raw.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
		})
	}
	return n, err
}

// sleepContext waits for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
