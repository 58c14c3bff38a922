package vpcd

import (
	"strings"
	"testing"
)

func TestSlotAddr(t *testing.T) {
	cases := []struct {
		slot int
		want string
	}{
		{0, "127.0.0.1:35963"},
		{1, "127.0.0.1:35964"},
		{3, "127.0.0.1:35966"},
	}
	for _, c := range cases {
		if got := SlotAddr(c.slot); got != c.want {
			t.Errorf("SlotAddr(%d) = %q, want %q", c.slot, got, c.want)
		}
		if err := CheckLoopback(SlotAddr(c.slot)); err != nil {
			t.Errorf("CheckLoopback(SlotAddr(%d)): %v", c.slot, err)
		}
	}
}

func TestCheckLoopbackAccepts(t *testing.T) {
	for _, addr := range []string{
		"127.0.0.1:35963",
		"127.5.5.5:1",
		"[::1]:35963",
		"localhost:35963",
		"127.0.0.1:0",
		"127.0.0.1:65535",
	} {
		if err := CheckLoopback(addr); err != nil {
			t.Errorf("CheckLoopback(%q): %v, want nil", addr, err)
		}
	}
}

func TestCheckLoopbackRejects(t *testing.T) {
	cases := []struct {
		addr string
		// hint is what the message must contain to tell the user what to
		// type instead.
		hint string
	}{
		{"0.0.0.0:35963", "127.0.0.1"},
		{"10.0.0.1:35963", "127.0.0.1"},
		{"192.0.2.1:35963", "127.0.0.1"},
		{"[::]:35963", "127.0.0.1"},
		{"example.com:1", "127.0.0.1"},
		{":35963", "127.0.0.1"},
		{"127.0.0.1", "HOST:PORT"},
		{"::1", "HOST:PORT"},
		{"127.0.0.1:70000", "0 to 65535"},
		{"127.0.0.1:port", "0 to 65535"},
		{"127.0.0.1:", "0 to 65535"},
	}
	for _, c := range cases {
		err := CheckLoopback(c.addr)
		if err == nil {
			t.Errorf("CheckLoopback(%q) = nil, want an error", c.addr)
			continue
		}
		if !strings.Contains(err.Error(), c.addr) {
			t.Errorf("CheckLoopback(%q) = %q, want the address in the message", c.addr, err)
		}
		if !strings.Contains(err.Error(), c.hint) {
			t.Errorf("CheckLoopback(%q) = %q, want %q in the message", c.addr, err, c.hint)
		}
	}
}
