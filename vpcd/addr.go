package vpcd

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// BasePort is the TCP port of vpcd's first slot in Debian's
// /etc/reader.conf.d/vpcd; slot N listens on BasePort+N.
const BasePort = 35963

// SlotAddr returns the loopback address of a vpcd slot.
func SlotAddr(slot int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(BasePort+slot))
}

// CheckLoopback returns an error unless addr is host:port with a loopback
// host (127.0.0.0/8, ::1 or localhost). The card never talks to another
// machine.
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid address %q, want HOST:PORT such as %s: %w", addr, SlotAddr(0), err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("invalid port in %q: want a number from 0 to 65535", addr)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q is not on loopback: use 127.0.0.1 (for example %s)", addr, SlotAddr(0))
	}
	return nil
}

// SlotLockPath returns the lock file of a vpcd slot. gcacard serve, the
// harness, the tests and the benchmark take this lock before they serve a
// card in the slot or test its reader.
func SlotLockPath(slot int) string {
	return fmt.Sprintf("/tmp/gcacard-vpcd-slot-%d.lock", slot)
}

// SlotLockHeldEnv is the environment variable that, set to "1", marks the
// slot locks as held by the process that starts gcacard serve, as the tests
// and scripts/conformance-served.sh do.
const SlotLockHeldEnv = "GCACARD_SLOT_LOCK_HELD"
