package vpcd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
)

// MaxPayload is the largest payload a 2-byte length can announce.
const MaxPayload = 0xFFFF

// Control payloads sent by vpcd.
const (
	ControlPowerOff = 0x00
	ControlPowerOn  = 0x01
	ControlReset    = 0x02
	ControlGetATR   = 0x04
)

// ErrBadFrame is wrapped by errors for frames that break the protocol.
var ErrBadFrame = errors.New("bad vpcd frame")

// ReadFrame reads one whole frame and returns its payload. A length of 0 or
// above maxPayload is ErrBadFrame, and a frame cut short returns
// io.ErrUnexpectedEOF. started, when not nil, is called once the first byte
// of the frame has arrived, so the caller can bound the rest of the read.
func ReadFrame(r io.Reader, maxPayload int, started func()) ([]byte, error) {
	var header [2]byte
	if _, err := io.ReadFull(r, header[:1]); err != nil {
		return nil, err
	}
	if started != nil {
		started()
	}
	if _, err := io.ReadFull(r, header[1:]); err != nil {
		return nil, unexpected(err)
	}

	n := int(binary.BigEndian.Uint16(header[:]))
	if n == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrBadFrame)
	}
	if n > maxPayload {
		return nil, fmt.Errorf("%w: length %d exceeds the limit of %d", ErrBadFrame, n, maxPayload)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, unexpected(err)
	}
	return payload, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// WriteFrame writes the payload as one frame in a single Write call. An
// empty payload is refused: vpcd would take it for a removed card.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) == 0 {
		return fmt.Errorf("%w: refusing to send an empty frame", ErrBadFrame)
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrBadFrame, len(payload), MaxPayload)
	}
	frame := make([]byte, 2+len(payload))
	binary.BigEndian.PutUint16(frame, uint16(len(payload)))
	copy(frame[2:], payload)
	_, err := w.Write(frame)
	return err
}

// quickAckReader sets TCP_QUICKACK after every read from the connection.
type quickAckReader struct{ conn *net.TCPConn }

func (r quickAckReader) Read(p []byte) (int, error) {
	n, err := r.conn.Read(p)
	setQuickAck(r.conn)
	return n, err
}
