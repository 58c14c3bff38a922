package iso7816

import "fmt"

// Response is a response APDU: optional data followed by the status word.
type Response struct {
	Data []byte
	SW   StatusWord
}

// ParseResponse splits a response APDU into data and status word. The
// returned Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("response APDU of %d bytes has no status word", len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n], SW: StatusWord(uint16(b[n])<<8 | uint16(b[n+1]))}, nil
}

// Bytes encodes the response as data followed by SW1 SW2.
func (r Response) Bytes() []byte {
	out := make([]byte, 0, len(r.Data)+2)
	out = append(out, r.Data...)
	return append(out, r.SW.SW1(), r.SW.SW2())
}

// AppendTo appends the encoded response to dst and returns the result.
func (r Response) AppendTo(dst []byte) []byte {
	dst = append(dst, r.Data...)
	return append(dst, r.SW.SW1(), r.SW.SW2())
}
