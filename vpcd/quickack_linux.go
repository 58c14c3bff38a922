package vpcd

import (
	"net"
	"syscall"
)

// setQuickAck turns on TCP_QUICKACK. Linux leaves quick-ACK mode again on
// its own, so quickAckReader sets it after every read. Without it the
// delayed ACK of vpcd's 2-byte length write holds back the payload that
// follows it (Nagle's algorithm on vpcd's side), which caps the card at
// about 20 APDUs per second.
func setQuickAck(conn *net.TCPConn) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
