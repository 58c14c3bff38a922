package iso7816

import "fmt"

// StatusWord is the SW1 SW2 pair that ends every response APDU.
type StatusWord uint16

// Status words used by the GCA virtual card profile (ISO/IEC 7816-4 section
// 5.6). Those whose SW2 carries a count are built with the functions below.
const (
	SWSuccess                StatusWord = 0x9000
	SWEndOfFile              StatusWord = 0x6282
	SWAuthenticationFailed   StatusWord = 0x6300
	SWMemoryFailure          StatusWord = 0x6581
	SWWrongLength            StatusWord = 0x6700
	SWSecurityNotSatisfied   StatusWord = 0x6982
	SWAuthMethodBlocked      StatusWord = 0x6983
	SWReferenceDataNotUsable StatusWord = 0x6984
	SWConditionsNotSatisfied StatusWord = 0x6985
	SWNoCurrentEF            StatusWord = 0x6986
	SWWrongData              StatusWord = 0x6A80
	SWFunctionNotSupported   StatusWord = 0x6A81
	SWFileNotFound           StatusWord = 0x6A82
	SWIncorrectP1P2          StatusWord = 0x6A86
	SWReferencedDataNotFound StatusWord = 0x6A88
	SWWrongParametersP1P2    StatusWord = 0x6B00
	SWINSNotSupported        StatusWord = 0x6D00
	SWCLANotSupported        StatusWord = 0x6E00
	swBytesAvailablePrefix   StatusWord = 0x6100
	swWrongLePrefix          StatusWord = 0x6C00
	swRetriesRemainingPrefix StatusWord = 0x63C0
)

// BytesAvailable returns 61XX: n more response bytes wait for GET RESPONSE.
// An n of 256 or more is encoded as 6100.
func BytesAvailable(n int) StatusWord {
	if n >= 256 {
		return swBytesAvailablePrefix
	}
	return swBytesAvailablePrefix | StatusWord(n)
}

// WrongLe returns 6CXX: resend the command with Le set to n. An n of 256 is
// encoded as 6C00.
func WrongLe(n int) StatusWord { return swWrongLePrefix | StatusWord(n&0xFF) }

// RetriesRemaining returns 63CX: the comparison failed or the query form was
// used, and n tries are left (0 to 15).
func RetriesRemaining(n int) StatusWord { return swRetriesRemainingPrefix | StatusWord(n&0x0F) }

// SW1 returns the first status byte.
func (sw StatusWord) SW1() byte { return byte(sw >> 8) }

// SW2 returns the second status byte.
func (sw StatusWord) SW2() byte { return byte(sw) }

// IsBytesAvailable reports whether sw is 61XX, returning the announced count
// (256 for 6100).
func (sw StatusWord) IsBytesAvailable() (int, bool) {
	if sw.SW1() != 0x61 {
		return 0, false
	}
	if sw.SW2() == 0 {
		return 256, true
	}
	return int(sw.SW2()), true
}

// IsWrongLe reports whether sw is 6CXX, returning the Ne the card asks for
// (256 for 6C00).
func (sw StatusWord) IsWrongLe() (int, bool) {
	if sw.SW1() != 0x6C {
		return 0, false
	}
	if sw.SW2() == 0 {
		return 256, true
	}
	return int(sw.SW2()), true
}

// IsRetriesRemaining reports whether sw is 63CX, returning X.
func (sw StatusWord) IsRetriesRemaining() (int, bool) {
	if sw&0xFFF0 != swRetriesRemainingPrefix {
		return 0, false
	}
	return int(sw & 0x0F), true
}

// String returns the status word in hex with its ISO/IEC 7816-4 meaning.
func (sw StatusWord) String() string {
	return fmt.Sprintf("%04X (%s)", uint16(sw), sw.meaning())
}

func (sw StatusWord) meaning() string {
	if n, ok := sw.IsBytesAvailable(); ok {
		return fmt.Sprintf("%d bytes available", n)
	}
	if n, ok := sw.IsWrongLe(); ok {
		return fmt.Sprintf("wrong Le, resend with Ne=%d", n)
	}
	if n, ok := sw.IsRetriesRemaining(); ok {
		return fmt.Sprintf("verification failed, %d tries left", n)
	}
	if m, ok := statusMeanings[sw]; ok {
		return m
	}
	return "unknown status"
}

var statusMeanings = map[StatusWord]string{
	SWSuccess:                "success",
	SWEndOfFile:              "end of file reached before Ne bytes",
	SWAuthenticationFailed:   "authentication failed",
	SWMemoryFailure:          "memory failure",
	SWWrongLength:            "wrong length",
	SWSecurityNotSatisfied:   "security status not satisfied",
	SWAuthMethodBlocked:      "authentication method blocked",
	SWReferenceDataNotUsable: "reference data not usable",
	SWConditionsNotSatisfied: "conditions of use not satisfied",
	SWNoCurrentEF:            "command not allowed, no current EF",
	SWWrongData:              "incorrect parameters in the data field",
	SWFunctionNotSupported:   "function not supported",
	SWFileNotFound:           "file or application not found",
	SWIncorrectP1P2:          "incorrect parameters P1-P2",
	SWReferencedDataNotFound: "referenced data not found",
	SWWrongParametersP1P2:    "wrong parameters P1-P2, offset outside the EF",
	SWINSNotSupported:        "instruction code not supported",
	SWCLANotSupported:        "class not supported",
}
