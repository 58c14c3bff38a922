package emulator

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// secretINS are the instructions whose data field carries reference data
// or a cryptogram (LOG-02).
var secretINS = map[byte]bool{0x20: true, 0x24: true, 0x2C: true, 0x82: true}

// RedactCommand formats a command APDU in hex for a trace, with the data
// field of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and EXTERNAL
// AUTHENTICATE replaced by its length. Anything after the 4-byte header of
// such a command is redacted, even when it does not parse.
func RedactCommand(apdu []byte) string {
	if len(apdu) <= 4 || !secretINS[apdu[1]] || len(apdu) == 5 {
		return strings.ToUpper(hex.EncodeToString(apdu))
	}
	return fmt.Sprintf("%s <redacted %d bytes>", strings.ToUpper(hex.EncodeToString(apdu[:4])), len(apdu)-4)
}

// RedactResponse formats a response APDU for a trace. The data of a
// response to PERFORM SECURITY OPERATION or GET RESPONSE is replaced by its
// length, since deciphered data may be a key.
func RedactResponse(command, response []byte) string {
	if len(command) < 2 || len(response) <= 2 || (command[1] != 0x2A && command[1] != 0xC0) {
		return strings.ToUpper(hex.EncodeToString(response))
	}
	n := len(response) - 2
	return fmt.Sprintf("<redacted %d bytes> %s", n, strings.ToUpper(hex.EncodeToString(response[n:])))
}
