package emulator

import (
	"encoding/hex"
	"fmt"
	"gcacard/iso7816"
	"strings"
)

// secretINS are the instructions whose data field carries reference data
// or a cryptogram (LOG-02).
var secretINS = map[byte]bool{0x20: true, 0x24: true, 0x2C: true, 0x82: true}

// RedactCommand formats a command APDU in hex for a trace. The data field
// of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and EXTERNAL
// AUTHENTICATE is replaced by its length (LOG-02). Such a command that does
// not parse has everything after its header redacted.
func RedactCommand(apdu []byte) string {
	if len(apdu) <= 5 || !secretINS[apdu[1]] {
		return strings.ToUpper(hex.EncodeToString(apdu))
	}
	header := strings.ToUpper(hex.EncodeToString(apdu[:4]))
	cmd, err := iso7816.ParseCommand(apdu)
	if err != nil {
		return fmt.Sprintf("%s <redacted %d bytes>", header, len(apdu)-4)
	}
	out := fmt.Sprintf("%s Lc=%d <redacted %d bytes>", header, len(cmd.Data), len(cmd.Data))
	if cmd.HasLe() {
		out += fmt.Sprintf(" Ne=%d", cmd.Ne)
	}
	return out
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
