package emulator

import "gcacard/iso7816"

// GET DATA tags in P1-P2 (section 4 of the profile).
const (
	TagLifecycle     = 0x0101
	TagIssueDate     = 0x0102
	TagPINTries      = 0x0180
	TagUserCodeTries = 0x0181
)

// handleGetData implements GET DATA (GD-01 to GD-04, RSP-05).
func handleGetData(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	var data []byte
	switch uint16(cmd.P1)<<8 | uint16(cmd.P2) {
	case TagLifecycle:
		data = []byte{byte(c.state.Lifecycle)}
	case TagIssueDate:
		data = []byte(c.state.Dates.Issued.Compact())
	case TagPINTries:
		data = []byte{byte(c.state.PIN.MaxTries), byte(c.state.PIN.Remaining)}
	case TagUserCodeTries:
		data = []byte{byte(c.state.UserCode.MaxTries), byte(c.state.UserCode.Remaining)}
	default:
		return status(iso7816.SWReferencedDataNotFound)
	}
	return fixedSize(cmd, data)
}

// fixedSize returns an object whose size Le must match exactly or ask for
// with 00 (RSP-05).
func fixedSize(cmd iso7816.Command, data []byte) iso7816.Response {
	if !cmd.HasLe() {
		return status(iso7816.SWWrongLength)
	}
	if !cmd.MaxLe() && cmd.Ne != len(data) {
		return status(iso7816.WrongLe(len(data)))
	}
	return iso7816.Response{Data: data, SW: iso7816.SWSuccess}
}
