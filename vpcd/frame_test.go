package vpcd

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

func TestFrameRoundTrip(t *testing.T) {
	payloads := [][]byte{
		{ControlGetATR},
		{0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00},
		bytes.Repeat([]byte{0x5A}, 300),
	}
	var buf bytes.Buffer
	for _, payload := range payloads {
		if err := WriteFrame(&buf, payload); err != nil {
			t.Fatalf("WriteFrame(%d bytes): %v", len(payload), err)
		}
	}

	for i, want := range payloads {
		got, err := ReadFrame(&buf, MaxPayload, nil)
		if err != nil {
			t.Fatalf("ReadFrame of frame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("frame %d: read %x, want %x", i, got, want)
		}
	}
	if _, err := ReadFrame(&buf, MaxPayload, nil); err != io.EOF {
		t.Errorf("ReadFrame after the last frame: got %v, want io.EOF", err)
	}
}

func TestWriteFrameBigEndianLength(t *testing.T) {
	var buf bytes.Buffer
	payload := bytes.Repeat([]byte{0xAB}, 0x0102)
	if err := WriteFrame(&buf, payload); err != nil {
		t.Fatalf("WriteFrame: %v", err)
	}

	frame := buf.Bytes()
	if len(frame) != 2+len(payload) {
		t.Fatalf("frame is %d bytes, want %d", len(frame), 2+len(payload))
	}
	if frame[0] != 0x01 || frame[1] != 0x02 {
		t.Errorf("length bytes are %02x %02x, want 01 02", frame[0], frame[1])
	}
	if !bytes.Equal(frame[2:], payload) {
		t.Error("the payload after the length differs from the one written")
	}
}

func TestReadFrameBigEndianLength(t *testing.T) {
	frame := append([]byte{0x01, 0x00}, bytes.Repeat([]byte{0x11}, 256)...)
	frame = append(frame, 0x00, 0x01, 0x22)
	r := bytes.NewReader(frame)

	first, err := ReadFrame(r, MaxPayload, nil)
	if err != nil {
		t.Fatalf("ReadFrame: %v", err)
	}
	if len(first) != 256 {
		t.Errorf("length 01 00 read %d bytes, want 256", len(first))
	}
	second, err := ReadFrame(r, MaxPayload, nil)
	if err != nil {
		t.Fatalf("ReadFrame of the second frame: %v", err)
	}
	if !bytes.Equal(second, []byte{0x22}) {
		t.Errorf("second frame is %x, want 22", second)
	}
}

func TestFrameMaxPayload(t *testing.T) {
	payload := make([]byte, MaxPayload)
	for i := range payload {
		payload[i] = byte(i)
	}
	var buf bytes.Buffer
	if err := WriteFrame(&buf, payload); err != nil {
		t.Fatalf("WriteFrame(%d bytes): %v", len(payload), err)
	}
	if buf.Bytes()[0] != 0xFF || buf.Bytes()[1] != 0xFF {
		t.Errorf("length bytes are %02x %02x, want ff ff", buf.Bytes()[0], buf.Bytes()[1])
	}

	got, err := ReadFrame(&buf, MaxPayload, nil)
	if err != nil {
		t.Fatalf("ReadFrame: %v", err)
	}
	if !bytes.Equal(got, payload) {
		t.Errorf("read %d bytes that differ from the %d written", len(got), len(payload))
	}
}

func TestWriteFrameRejectsOversizedPayload(t *testing.T) {
	var buf bytes.Buffer
	err := WriteFrame(&buf, make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrBadFrame) {
		t.Errorf("WriteFrame(%d bytes): got %v, want ErrBadFrame", MaxPayload+1, err)
	}
	if buf.Len() != 0 {
		t.Errorf("WriteFrame wrote %d bytes, want none", buf.Len())
	}
}

func TestWriteFrameRejectsEmptyPayload(t *testing.T) {
	for _, payload := range [][]byte{nil, {}} {
		var buf bytes.Buffer
		err := WriteFrame(&buf, payload)
		if !errors.Is(err, ErrBadFrame) {
			t.Errorf("WriteFrame(%#v): got %v, want ErrBadFrame", payload, err)
		}
		if buf.Len() != 0 {
			t.Errorf("WriteFrame(%#v) wrote %x, want nothing", payload, buf.Bytes())
		}
	}
}

// writeCounter counts Write calls and keeps what they wrote.
type writeCounter struct {
	calls int
	bytes.Buffer
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

func TestWriteFrameSingleWrite(t *testing.T) {
	for _, size := range []int{1, 2, 261, MaxPayload} {
		var w writeCounter
		if err := WriteFrame(&w, make([]byte, size)); err != nil {
			t.Fatalf("WriteFrame(%d bytes): %v", size, err)
		}
		if w.calls != 1 {
			t.Errorf("WriteFrame(%d bytes) made %d Write calls, want 1", size, w.calls)
		}
		if w.Len() != 2+size {
			t.Errorf("WriteFrame(%d bytes) wrote %d bytes, want %d", size, w.Len(), 2+size)
		}
	}
}

func TestReadFrameRejectsZeroLength(t *testing.T) {
	_, err := ReadFrame(bytes.NewReader([]byte{0x00, 0x00, 0x04}), MaxPayload, nil)
	if !errors.Is(err, ErrBadFrame) {
		t.Errorf("got %v, want ErrBadFrame", err)
	}
}

func TestReadFrameLengthLimit(t *testing.T) {
	const limit = 300
	frame := func(n int) []byte {
		return append([]byte{byte(n >> 8), byte(n)}, make([]byte, n)...)
	}

	got, err := ReadFrame(bytes.NewReader(frame(limit)), limit, nil)
	if err != nil {
		t.Fatalf("length %d with limit %d: %v", limit, limit, err)
	}
	if len(got) != limit {
		t.Errorf("length %d with limit %d read %d bytes", limit, limit, len(got))
	}

	_, err = ReadFrame(bytes.NewReader(frame(limit+1)), limit, nil)
	if !errors.Is(err, ErrBadFrame) {
		t.Errorf("length %d with limit %d: got %v, want ErrBadFrame", limit+1, limit, err)
	}
}

func TestReadFrameTruncated(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"half header", []byte{0x00}},
		{"header only", []byte{0x00, 0x05}},
		{"half payload", []byte{0x00, 0x05, 0x01, 0x02}},
		{"one byte short", []byte{0x00, 0x05, 0x01, 0x02, 0x03, 0x04}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(c.data), MaxPayload, nil)
			if err != io.ErrUnexpectedEOF {
				t.Errorf("ReadFrame(%x): got %v, want io.ErrUnexpectedEOF", c.data, err)
			}
		})
	}
}

func TestReadFrameCleanEOF(t *testing.T) {
	calls := 0
	_, err := ReadFrame(bytes.NewReader(nil), MaxPayload, func() { calls++ })
	if err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
	if calls != 0 {
		t.Errorf("started was called %d times before any byte, want 0", calls)
	}
}

func TestReadFrameStartedOnFirstByte(t *testing.T) {
	r, w := io.Pipe()
	defer r.Close()
	started := make(chan struct{}, 4)
	type result struct {
		payload []byte
		err     error
	}
	done := make(chan result, 1)
	go func() {
		payload, err := ReadFrame(r, MaxPayload, func() { started <- struct{}{} })
		done <- result{payload, err}
	}()

	select {
	case <-started:
		t.Fatal("started was called before any byte was written")
	default:
	}

	// io.Pipe's Write returns once a read has taken the byte, so started
	// must follow without the rest of the frame.
	if _, err := w.Write([]byte{0x00}); err != nil {
		t.Fatalf("writing the first byte: %v", err)
	}
	select {
	case <-started:
	case <-time.After(testTimeout):
		t.Fatalf("started was not called within %v of the first byte", testTimeout)
	}

	if _, err := w.Write([]byte{0x02, 0xCA, 0xFE}); err != nil {
		t.Fatalf("writing the rest of the frame: %v", err)
	}
	var got result
	select {
	case got = <-done:
	case <-time.After(testTimeout):
		t.Fatalf("ReadFrame did not return within %v of the whole frame", testTimeout)
	}
	if got.err != nil {
		t.Fatalf("ReadFrame: %v", got.err)
	}
	if !bytes.Equal(got.payload, []byte{0xCA, 0xFE}) {
		t.Errorf("read %x, want cafe", got.payload)
	}
	if extra := len(started); extra != 0 {
		t.Errorf("started was called %d more times, want once per frame", extra)
	}
}
