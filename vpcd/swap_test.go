package vpcd

import (
	"bytes"
	"testing"
)

// SwapCard puts another card behind a live connection: the next command
// reaches the new card, which starts powered off, and the old card sees
// nothing more.
func TestSlotSwapCard(t *testing.T) {
	first, second := newFakeCard(), newFakeCard()
	second.transmit = func([]byte) []byte { return []byte{0x6A, 0x82} }
	fake := newFakeVPCD(t)
	slot := newTestSlot(t, first, fake.addr())
	runSlot(t, slot)
	p := fake.accept(t)

	if got := p.exchange(0x00, 0xA4, 0x00, 0x0C); !bytes.Equal(got, []byte{0x00, 0xA4, 0x00, 0x0C, 0x90, 0x00}) {
		t.Fatalf("first card answered %X", got)
	}
	slot.SwapCard(second)

	if got := p.exchange(0x00, 0xA4, 0x00, 0x0C); !bytes.Equal(got, []byte{0x6A, 0x82}) {
		t.Errorf("after the swap the reply was %X, want the second card's 6A82", got)
	}
	if commands, _, _ := first.counts(); commands != 1 {
		t.Errorf("first card got %d commands, want 1", commands)
	}
	if _, _, powerOffs := second.counts(); powerOffs != 1 {
		t.Errorf("second card was powered off %d times at the swap, want 1", powerOffs)
	}
}
