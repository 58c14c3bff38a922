package emulator

import (
	"testing"

	"gcacard/iso7816"
)

// Benchmarks of in-process dispatch, without PC/SC: make bench runs them
// with -benchmem. Through pcscd the socket round trip dominates instead.

func BenchmarkReadBinary(b *testing.B) {
	c, _ := newTestCard(b)
	if r := send(b, c, mustHex(b, "00 A4 08 0C 04 50 30 08 F2")); r.SW != iso7816.SWSuccess {
		b.Fatalf("SELECT: %v", r.SW)
	}
	cmd := mustHex(b, "00 B0 00 00 00")
	b.ReportAllocs()
	for b.Loop() {
		c.Transmit(cmd)
	}
}

func BenchmarkGetData(b *testing.B) {
	c, _ := newTestCard(b)
	cmd := mustHex(b, "00 CA 01 80 02")
	b.ReportAllocs()
	for b.Loop() {
		c.Transmit(cmd)
	}
}

// BenchmarkVerifyMemoryStore measures a correct VERIFY: two saves (the
// decrement and the restore) to a store in memory.
func BenchmarkVerifyMemoryStore(b *testing.B) {
	c, _ := newTestCard(b, activated)
	cmd := verifyCmd(b, testPIN)
	b.ReportAllocs()
	for b.Loop() {
		c.Transmit(cmd)
	}
}

// BenchmarkVerifyFileStore is the same with the durable file store, whose
// fsync calls dominate.
func BenchmarkVerifyFileStore(b *testing.B) {
	img := testImage(b)
	activated(img)
	c, err := Open(img, FileStore{Dir: b.TempDir()}, Options{Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	cmd := verifyCmd(b, testPIN)
	b.ReportAllocs()
	for b.Loop() {
		c.Transmit(cmd)
	}
}

// BenchmarkStateSave measures one durable save of the state file.
func BenchmarkStateSave(b *testing.B) {
	c, _ := newTestCard(b)
	store := FileStore{Dir: b.TempDir()}
	st := c.state
	b.ReportAllocs()
	for b.Loop() {
		if err := store.Save(&st); err != nil {
			b.Fatal(err)
		}
	}
}
