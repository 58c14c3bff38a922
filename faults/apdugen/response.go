package apdugen

import "fmt"

// profileSW are the status words that the GCA card profile lists, each
// with the SW2 it allows: any value, or only the one given.
var profileSW = map[byte][]byte{
	0x90: {0x00},
	0x62: {0x82},
	0x65: {0x81},
	0x67: {0x00},
	0x69: {0x82, 0x83, 0x84, 0x85, 0x86},
	0x6A: {0x80, 0x81, 0x82, 0x86, 0x88},
	0x6B: {0x00},
	0x6D: {0x00},
	0x6E: {0x00},
}

// CheckResponse returns nil when response is a valid response APDU of the
// GCA card, and an error saying what is wrong otherwise. Valid means:
//   - at least the 2 bytes of a status word;
//   - a status word that ISO/IEC 7816-4 defines for interindustry
//     commands, SW1 from 61 to 6F or the status word 9000 (SW1 60 and the
//     other 9XXX values are outside it);
//   - a status word that the card profile's table of status words lists:
//     9000, 61XX, 6282, 6300, 63CX, 6581, 6700, 6982 to 6986, 6A80, 6A81,
//     6A82, 6A86, 6A88, 6B00, 6CXX, 6D00, 6E00;
//   - response data only with 9000, 61XX or 6282, the status words that
//     return data.
func CheckResponse(response []byte) error {
	if len(response) < 2 {
		return fmt.Errorf("response % X is shorter than a status word", response)
	}
	n := len(response) - 2
	sw1, sw2 := response[n], response[n+1]
	sw := fmt.Sprintf("%02X%02X", sw1, sw2)

	if !(sw1 >= 0x61 && sw1 <= 0x6F) && !(sw1 == 0x90 && sw2 == 0x00) {
		return fmt.Errorf("status word %s is outside ISO/IEC 7816-4 (SW1 61 to 6F, or 9000)", sw)
	}
	if !profileListed(sw1, sw2) {
		return fmt.Errorf("status word %s is not in the card profile's table of status words", sw)
	}
	if n > 0 && !(sw1 == 0x90 || sw1 == 0x61 || (sw1 == 0x62 && sw2 == 0x82)) {
		return fmt.Errorf("status word %s comes with %d data bytes; only 9000, 61XX and 6282 return data", sw, n)
	}
	return nil
}

func profileListed(sw1, sw2 byte) bool {
	switch {
	case sw1 == 0x61, sw1 == 0x6C:
		return true
	case sw1 == 0x63:
		return sw2 == 0x00 || sw2&0xF0 == 0xC0
	}
	for _, allowed := range profileSW[sw1] {
		if sw2 == allowed {
			return true
		}
	}
	return false
}
