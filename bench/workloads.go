package bench

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/iso7816"
)

// Step is one command APDU and the response it must get.
type Step struct {
	Command []byte
	SW      uint16
	// DataLen is the expected length of the response data.
	DataLen int
}

// Plan is the sequence of commands through which one card runs a workload.
type Plan struct {
	// Setup is sent once before the measured operations, untimed.
	Setup []Step
	// Op is the measured operation: these steps in order.
	Op []Step
	// Run, when set, is the measured operation instead of Op. It returns
	// the number of APDUs it sent.
	Run func(t client.Transport) (int, error)
	// BeforeOp, when set, runs untimed before each operation.
	BeforeOp func() error
}

// Workload is an operation measured on each card it applies to.
type Workload struct {
	Name        string
	Description string
	// Plans holds the plan of each card kind; a kind without a plan is not
	// measured, for the reason in NotApplicable.
	Plans         map[Kind]*Plan
	NotApplicable map[Kind]string
}

// Secrets are the fixture card's test PIN and, for activation, the user
// code of a not-yet-activated card.
type Secrets struct {
	PIN      string
	UserCode string
	NewPIN   string
}

// Status words of the workloads.
const (
	swOK        = 0x9000
	swViccWrong = 0x6300
)

// ViccPIN is vicc's built-in PIN for the iso7816 card type (vsmartcard 3.3,
// CardGenerator.py), kept in memory with 3 tries.
const ViccPIN = "1234"

// certFileChunks is the number of 256-byte READ BINARY commands that read
// EF 08F2, the file of four certificates.
const certFileChunks = emulator.CertFileSize / 256

// Commands of the workloads. Our card selects by path from the MF (P1 08),
// which vicc does not implement, so vicc selects by file ID in the MF.
var (
	selectCertFilePath = mustHex("00 A4 08 0C 04 50 30 08 F2")
	selectMF           = mustHex("00 A4 00 0C 02 3F 00")
	selectCertFileID   = mustHex("00 A4 00 0C 02 08 F2")
	getDataPINTries    = mustHex("00 CA 01 80 02")
	// createCertFile makes a transparent EF 08F2 of emulator.CertFileSize
	// bytes in vicc's empty MF (FCP: 82 descriptor, 83 file ID, 80 size).
	createCertFile = []byte{0x00, 0xE0, 0x00, 0x00, 0x0D, 0x62, 0x0B, 0x82, 0x01, 0x01, 0x83, 0x02, 0x08, 0xF2,
		0x80, 0x02, emulator.CertFileSize >> 8, emulator.CertFileSize & 0xFF}
)

// readBinary returns READ BINARY of 256 bytes at offset.
func readBinary(offset int) []byte {
	return []byte{0x00, 0xB0, byte(offset >> 8), byte(offset), 0x00}
}

// gcaVerify returns our card's VERIFY of the PIN: a 10-byte block padded
// with FF, reference 80.
func gcaVerify(pin string) []byte {
	block, err := emulator.EncodeBlock(pin)
	if err != nil {
		panic(fmt.Sprintf("encoding a fixture PIN: %v", err))
	}
	cmd, err := iso7816.Command{INS: 0x20, P2: 0x80, Data: block}.Bytes()
	if err != nil {
		panic(err)
	}
	return cmd
}

// viccVerify returns vicc's VERIFY: the PIN as ASCII, P1 P2 00 00.
func viccVerify(pin string) []byte {
	return append([]byte{0x00, 0x20, 0x00, 0x00, byte(len(pin))}, pin...)
}

// wrongPIN returns a PIN of the same length that differs from pin.
func wrongPIN(pin string) string {
	b := []byte(pin)
	if b[0] == '9' {
		b[0] = '8'
	} else {
		b[0] = '9'
	}
	return string(b)
}

func certFileOp(selectFile []byte) []Step {
	steps := []Step{{Command: selectFile, SW: swOK}}
	for i := range certFileChunks {
		steps = append(steps, Step{Command: readBinary(256 * i), SW: swOK, DataLen: 256})
	}
	return steps
}

// SessionSetup returns the commands that a card of kind gets once after it
// is inserted, before any workload: vicc's iso7816 card starts with an
// empty MF, so it gets an EF 08F2 of the same size as ours.
func SessionSetup(kind Kind) []Step {
	if kind != KindVicc {
		return nil
	}
	return []Step{{Command: selectMF, SW: swOK}, {Command: createCertFile, SW: swOK}}
}

// APDUWorkloads returns the workloads measured on gcacard serve, vicc and
// the ceiling card. The ceiling card replies 9000 with Le bytes to any
// command, so it takes our card's plans.
func APDUWorkloads(s Secrets) []Workload {
	viccSetup := []Step{{Command: selectMF, SW: swOK}}
	read := Plan{
		Setup: []Step{{Command: selectCertFilePath, SW: swOK}},
		Op:    []Step{{Command: readBinary(0), SW: swOK, DataLen: 256}},
	}
	viccRead := Plan{
		Setup: append(viccSetup, Step{Command: selectCertFileID, SW: swOK}),
		Op:    []Step{{Command: readBinary(0), SW: swOK, DataLen: 256}},
	}
	getData := Plan{Op: []Step{{Command: getDataPINTries, SW: swOK, DataLen: 2}}}
	certFile := Plan{Op: certFileOp(selectCertFilePath)}
	viccCertFile := Plan{Setup: viccSetup, Op: certFileOp(selectCertFileID)}
	verify := Plan{Op: []Step{{Command: gcaVerify(s.PIN), SW: swOK}}}
	viccVerifyPlan := Plan{Op: []Step{{Command: viccVerify(ViccPIN), SW: swOK}}}
	wrongThenRight := Plan{Op: []Step{
		{Command: gcaVerify(wrongPIN(s.PIN)), SW: 0x63C2},
		{Command: gcaVerify(s.PIN), SW: swOK},
	}}
	ceilingWrongThenRight := Plan{Op: []Step{
		{Command: gcaVerify(wrongPIN(s.PIN)), SW: swOK},
		{Command: gcaVerify(s.PIN), SW: swOK},
	}}
	viccWrongThenRight := Plan{Op: []Step{
		{Command: viccVerify(wrongPIN(ViccPIN)), SW: swViccWrong},
		{Command: viccVerify(ViccPIN), SW: swOK},
	}}

	return []Workload{
		{
			Name:        "read-binary",
			Description: "READ BINARY of 256 bytes (00 B0 00 00 00) from the selected EF 08F2",
			Plans:       map[Kind]*Plan{KindGcacard: &read, KindVicc: &viccRead, KindCeiling: &read},
		},
		{
			Name:        "get-data",
			Description: "GET DATA of the PIN retry counter (00 CA 01 80 02)",
			Plans:       map[Kind]*Plan{KindGcacard: &getData, KindCeiling: &getData},
			NotApplicable: map[Kind]string{
				KindVicc: "vicc's iso7816 card holds no data objects and answers 6A81 to GET DATA and PUT DATA",
			},
		},
		{
			Name:        "cert-file",
			Description: fmt.Sprintf("SELECT EF 08F2, then READ BINARY of its %d bytes in %d commands of 256 bytes", emulator.CertFileSize, certFileChunks),
			Plans:       map[Kind]*Plan{KindGcacard: &certFile, KindVicc: &viccCertFile, KindCeiling: &certFile},
		},
		{
			Name:        "verify",
			Description: "correct VERIFY of the PIN: our card saves its retry counter durably twice (decrement, then restore); vicc keeps it in memory",
			Plans:       map[Kind]*Plan{KindGcacard: &verify, KindVicc: &viccVerifyPlan, KindCeiling: &verify},
		},
		{
			Name:        "wrong-verify",
			Description: "wrong VERIFY (63C2 on our card, 6300 on vicc), then a correct one that restores the counter",
			Plans:       map[Kind]*Plan{KindGcacard: &wrongThenRight, KindVicc: &viccWrongThenRight, KindCeiling: &ceilingWrongThenRight},
		},
	}
}

// ActivationWorkload returns the activation workload: the client
// library's Activate on a fresh not-yet-activated card each time, which
// fresh swaps in untimed. Only our card implements activation.
func ActivationWorkload(s Secrets, fresh func() error) Workload {
	run := func(t client.Transport) (int, error) {
		counter := &countingTransport{Transport: t}
		err := client.New(counter).Activate(s.UserCode, s.NewPIN)
		return counter.apdus, err
	}
	return Workload{
		Name:        "activation",
		Description: "client.Activate on a fresh card of fixture profile valid: reads the card number, both holder certificates and the counters, then RESET RETRY COUNTER with the user code and the new PIN",
		Plans:       map[Kind]*Plan{KindGcacardInProcess: {Run: run, BeforeOp: fresh}},
		NotApplicable: map[Kind]string{
			KindVicc:    "vicc has no user code and no RESET RETRY COUNTER (6D00)",
			KindCeiling: "the ceiling card does no work",
		},
	}
}

// countingTransport counts the APDUs that pass through it.
type countingTransport struct {
	client.Transport
	apdus int
}

func (c *countingTransport) Transmit(command []byte) ([]byte, error) {
	c.apdus++
	return c.Transport.Transmit(command)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(fmt.Sprintf("mustHex %q: %v", s, err))
	}
	return b
}

// check returns an error unless resp is the response that step expects.
func (s Step) check(resp []byte) error {
	if len(resp) < 2 {
		return fmt.Errorf("command % X: response % X is shorter than a status word", redact(s.Command), resp)
	}
	n := len(resp) - 2
	sw := binary.BigEndian.Uint16(resp[n:])
	if sw != s.SW || n != s.DataLen {
		return fmt.Errorf("command % X: got %d data bytes and status word %04X, want %d and %04X", redact(s.Command), n, sw, s.DataLen, s.SW)
	}
	return nil
}

// redact hides the data of VERIFY, which holds a PIN.
func redact(command []byte) []byte {
	if len(command) > 5 && command[1] == 0x20 {
		return command[:5]
	}
	return command
}
