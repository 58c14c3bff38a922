package iso7816

import (
	"errors"
	"fmt"
)

// Maximum data lengths of a command APDU.
const (
	MaxShortLc    = 255
	MaxExtendedLc = 65535
	MaxShortNe    = 256
	MaxExtendedNe = 65536
)

// ErrMalformed is wrapped by every error that ParseCommand returns.
var ErrMalformed = errors.New("malformed command APDU")

// Command is a command APDU.
//
// Ne is the maximum number of response data bytes the host accepts: 0 when
// the command carries no Le field, 256 for a short Le of 00 and 65536 for an
// extended Le of 0000. Extended records whether Lc and Le use the 3-byte
// (or 2-byte) extended encoding.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
	Extended         bool
}

// HasLe reports whether the command carries an Le field.
func (c Command) HasLe() bool { return c.Ne > 0 }

// MaxLe reports whether Le was 00 (short) or 0000 (extended), which asks for
// all available data up to 256 or 65536 bytes rather than an exact length.
func (c Command) MaxLe() bool {
	if c.Extended {
		return c.Ne == MaxExtendedNe
	}
	return c.Ne == MaxShortNe
}

// ParseCommand decodes a command APDU in case 1, 2, 3 or 4, short or
// extended, as defined by ISO/IEC 7816-4 section 5.1. The returned Data
// aliases b.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, want at least 4", ErrMalformed, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]

	switch {
	case len(body) == 0: // case 1
		return c, nil

	case len(body) == 1: // case 2 short
		c.Ne = shortNe(body[0])
		return c, nil

	case body[0] != 0: // case 3 or 4 short
		return parseShortBody(c, body)

	default: // extended: body starts with 00
		return parseExtendedBody(c, body)
	}
}

func parseShortBody(c Command, body []byte) (Command, error) {
	lc := int(body[0])
	switch len(body) {
	case 1 + lc: // case 3 short
		c.Data = body[1:]
		return c, nil
	case 2 + lc: // case 4 short
		c.Data = body[1 : 1+lc]
		c.Ne = shortNe(body[1+lc])
		return c, nil
	default:
		return Command{}, fmt.Errorf("%w: Lc is %d but %d bytes follow the header", ErrMalformed, lc, len(body)-1)
	}
}

func parseExtendedBody(c Command, body []byte) (Command, error) {
	c.Extended = true
	if len(body) == 3 { // case 2 extended: 00 Le1 Le2
		c.Ne = extendedNe(body[1], body[2])
		return c, nil
	}
	if len(body) < 3 {
		return Command{}, fmt.Errorf("%w: %d-byte body after the header", ErrMalformed, len(body))
	}

	lc := int(body[1])<<8 | int(body[2])
	if lc == 0 {
		return Command{}, fmt.Errorf("%w: extended Lc of 0", ErrMalformed)
	}
	switch len(body) {
	case 3 + lc: // case 3 extended
		c.Data = body[3:]
		return c, nil
	case 5 + lc: // case 4 extended
		c.Data = body[3 : 3+lc]
		c.Ne = extendedNe(body[3+lc], body[4+lc])
		return c, nil
	default:
		return Command{}, fmt.Errorf("%w: extended Lc is %d but %d bytes follow it", ErrMalformed, lc, len(body)-3)
	}
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extendedNe(hi, lo byte) int {
	ne := int(hi)<<8 | int(lo)
	if ne == 0 {
		return MaxExtendedNe
	}
	return ne
}

// Bytes encodes the command. It uses the extended form when Extended is set
// or when Data or Ne do not fit the short form, and returns an error when
// they do not fit the extended form either.
func (c Command) Bytes() ([]byte, error) {
	if len(c.Data) > MaxExtendedLc {
		return nil, fmt.Errorf("command data of %d bytes exceeds %d", len(c.Data), MaxExtendedLc)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return nil, fmt.Errorf("Ne of %d is outside 0 to %d", c.Ne, MaxExtendedNe)
	}
	extended := c.Extended || len(c.Data) > MaxShortLc || c.Ne > MaxShortNe

	out := make([]byte, 4, 4+3+len(c.Data)+3)
	out[0], out[1], out[2], out[3] = c.CLA, c.INS, c.P1, c.P2
	if extended {
		return appendExtendedBody(out, c), nil
	}

	if len(c.Data) > 0 {
		out = append(out, byte(len(c.Data)))
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		out = append(out, byte(c.Ne)) // 256 encodes as 00
	}
	return out, nil
}

func appendExtendedBody(out []byte, c Command) []byte {
	if len(c.Data) > 0 {
		out = append(out, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		if len(c.Data) == 0 {
			out = append(out, 0)
		}
		out = append(out, byte(c.Ne>>8), byte(c.Ne)) // 65536 encodes as 0000
	}
	return out
}
