package vpcd

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
)

// allocSlack is the heap allocation that one ReadFrame call may make
// beyond the payload of the frame it reads, for its error value.
const allocSlack = 1 << 10

// maxAllocs returns the most that reading a payload of n bytes may
// allocate. Go rounds an allocation of up to 32 KiB up to its size class,
// which wastes at most an eighth of it, and a larger one up to whole 8 KiB
// pages.
func maxAllocs(n int) uint64 {
	rounding := n / 8
	if n > 32<<10 {
		rounding = 8<<10 - 1
	}
	return uint64(n + rounding + allocSlack)
}

// FuzzReadFrame reads a stream of frames with a payload limit from the
// input. It checks every frame and every error against the protocol as
// stated here from the frame's first bytes. No call may allocate more than
// the length it accepts, so a length over the limit must be rejected before
// its payload is allocated. Writing the frames read must give back the
// bytes they were read from.
func FuzzReadFrame(f *testing.F) {
	f.Add(uint16(MaxPayload), []byte{0x00, 0x01, ControlGetATR})
	f.Add(uint16(MaxPayload), []byte{0x00, 0x05, 0x00, 0xA4, 0x00, 0x0C, 0x00, 0x00, 0x01, ControlPowerOn})
	f.Add(uint16(300), []byte{0x00, 0x00})
	f.Add(uint16(300), []byte{0xFF, 0xFF, 0x00})
	f.Add(uint16(300), []byte{0x01, 0x2D})
	f.Add(uint16(MaxPayload), []byte{0x00, 0x07, 0x00, 0xA4})
	f.Add(uint16(MaxPayload), []byte{0x00})
	f.Add(uint16(MaxPayload), []byte("GET / HTTP/1.1\r\n\r\n"))

	// runtime/metrics counts small allocations only when a span is
	// refilled, so it cannot bound one call; ReadMemStats flushes the
	// caches first and is exact. The fuzzing worker's own goroutines
	// allocate now and then as well, so the bound takes the least of a
	// few calls on the same bytes.
	var stats runtime.MemStats
	heapAllocs := func() uint64 {
		runtime.ReadMemStats(&stats)
		return stats.TotalAlloc
	}
	leastAllocs := func(rest []byte, maxPayload int) uint64 {
		least := uint64(math.MaxUint64)
		for range 3 {
			r := bytes.NewReader(rest)
			before := heapAllocs()
			ReadFrame(r, maxPayload, nil)
			least = min(least, heapAllocs()-before)
		}
		return least
	}

	f.Fuzz(func(t *testing.T, limit uint16, stream []byte) {
		maxPayload := int(limit)
		r := bytes.NewReader(stream)
		var written bytes.Buffer

		for offset := 0; ; {
			payload, err := ReadFrame(r, maxPayload, nil)
			rest := stream[offset:]
			read := len(rest) - r.Len()

			if n, allocs := acceptedLength(rest, maxPayload), leastAllocs(rest, maxPayload); allocs > maxAllocs(n) {
				t.Fatalf("ReadFrame at offset %d allocated %d bytes, want at most %d for the %d-byte length it accepts",
					offset, allocs, maxAllocs(n), n)
			}
			checkFrame(t, rest, maxPayload, payload, read, err)
			if err != nil {
				break
			}
			if err := WriteFrame(&written, payload); err != nil {
				t.Fatalf("WriteFrame of the %d-byte payload read at offset %d: %v", len(payload), offset, err)
			}
			offset += read
		}

		if !bytes.HasPrefix(stream, written.Bytes()) {
			t.Fatalf("the frames read from %X write back as %X", stream, written.Bytes())
		}
	})
}

// acceptedLength returns the payload length that the header at the start of
// rest announces, or 0 when there is no whole header or the length is
// over maxPayload.
func acceptedLength(rest []byte, maxPayload int) int {
	if len(rest) < 2 {
		return 0
	}
	n := int(rest[0])<<8 | int(rest[1])
	if n > maxPayload {
		return 0
	}
	return n
}

// checkFrame checks one ReadFrame result against the protocol: a frame is
// a 2-byte big-endian length from 1 to maxPayload, then that many bytes.
// rest is the stream from the frame's first byte, and read the number of
// bytes ReadFrame took from it.
func checkFrame(t *testing.T, rest []byte, maxPayload int, payload []byte, read int, err error) {
	t.Helper()
	switch {
	case len(rest) == 0:
		if err != io.EOF {
			t.Fatalf("at the end of the stream: got %v, want io.EOF", err)
		}
	case len(rest) == 1:
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("1-byte header %X: got %v, want io.ErrUnexpectedEOF", rest, err)
		}
	default:
		n := int(rest[0])<<8 | int(rest[1])
		switch {
		case n == 0 || n > maxPayload:
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("length %d with limit %d: got %v, want ErrBadFrame", n, maxPayload, err)
			}
			if read != 2 {
				t.Fatalf("length %d with limit %d: ReadFrame read %d bytes, want the 2 of the header", n, maxPayload, read)
			}
		case len(rest)-2 < n:
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("length %d with %d bytes left: got %v, want io.ErrUnexpectedEOF", n, len(rest)-2, err)
			}
		default:
			if err != nil {
				t.Fatalf("length %d with limit %d and %d bytes left: %v", n, maxPayload, len(rest)-2, err)
			}
			if !bytes.Equal(payload, rest[2:2+n]) {
				t.Fatalf("length %d: payload %X, want %X", n, payload, rest[2:2+n])
			}
			if read != 2+n {
				t.Fatalf("length %d: ReadFrame read %d bytes, want %d", n, read, 2+n)
			}
		}
	}
	if err != nil && payload != nil {
		t.Fatalf("ReadFrame returned a %d-byte payload with error %v", len(payload), err)
	}
}
