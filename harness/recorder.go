package harness

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"gcacard/emulator"
)

// Exchange is one recorded APDU exchange, secrets redacted.
type Exchange struct {
	At       time.Time `json:"at"`
	Command  string    `json:"command"`
	Response string    `json:"response"`
	// INS is the command's instruction byte, kept for counting commands.
	INS byte `json:"ins"`
}

// Recorder keeps a spec's APDU exchanges.
type Recorder struct {
	mu        sync.Mutex
	exchanges []Exchange
}

// Record adds one exchange. It redacts the data of commands that carry
// reference data or a cryptogram, so a record never holds a secret.
func (r *Recorder) Record(command, response []byte) {
	e := Exchange{
		At:       time.Now(),
		Command:  emulator.RedactCommand(command),
		Response: emulator.RedactResponse(command, response),
	}
	if len(command) > 1 {
		e.INS = command[1]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exchanges = append(r.exchanges, e)
}

// Exchanges returns a copy of the records so far.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// Count returns how many recorded commands had instruction ins.
func (r *Recorder) Count(ins byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.exchanges {
		if e.INS == ins {
			n++
		}
	}
	return n
}

// Len returns the number of recorded exchanges.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges)
}

// WriteText writes the records one exchange per line.
func (r *Recorder) WriteText(w io.Writer) error {
	for _, e := range r.Exchanges() {
		if _, err := fmt.Fprintf(w, "%s  > %s\n%s  < %s\n",
			e.At.Format("15:04:05.000"), e.Command, strings.Repeat(" ", 12), e.Response); err != nil {
			return err
		}
	}
	return nil
}

// hexString formats bytes as upper-case hex.
func hexString(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
