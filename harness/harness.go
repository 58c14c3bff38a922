package harness

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"gcacard/pcsc"
)

// Timeouts of card presence changes seen through pcscd, which polls vpcd
// readers about every 400 ms.
const (
	PresenceTimeout = 10 * time.Second
	SlotWaitTimeout = 10 * time.Minute
)

// Harness is one run's access to the PC/SC stack.
type Harness struct {
	Config Config
	log    *slog.Logger
	stop   func()

	mu   sync.Mutex
	idle []*reader
}

// New checks the stack and, when the run is root and no pcscd runs,
// starts one. startPCSCD false only checks; use it in the parallel
// processes of a run whose first process has started pcscd.
func New(cfg Config, log *slog.Logger, startPCSCD bool) (*Harness, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := &Harness{Config: cfg, log: log, stop: func() {}}
	if startPCSCD {
		stop, err := ensurePCSCD(cfg.Target, log)
		if err != nil {
			return nil, err
		}
		h.stop = stop
	} else if !socketIsLive() {
		return nil, fmt.Errorf("pcscd is not running (no process listens on %s)", PCSCDSocket)
	}
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the report folder: %w", err)
	}
	return h, nil
}

// Close empties and unlocks the slots this process holds and stops the
// pcscd that New started, if any.
func (h *Harness) Close() {
	h.releaseReaders()
	h.stop()
}

// ReaderName returns the PC/SC name of a vpcd slot's reader, such as
// "Virtual PCD 00 00": pcsc-lite names a reader by its friendly name, the
// driver's index and the slot, both in hex.
func ReaderName(slot int) string { return fmt.Sprintf("Virtual PCD 00 %02X", slot) }

// waitReader waits until reader holds a card (present) or is empty.
func waitReader(ctx context.Context, reader string, present bool) (pcsc.Reader, error) {
	pc, err := pcsc.Establish()
	if err != nil {
		return pcsc.Reader{}, err
	}
	defer pc.Release()
	ctx, cancel := context.WithTimeout(ctx, PresenceTimeout)
	defer cancel()
	r, err := pc.WaitCard(ctx, reader, present)
	if err != nil {
		state := "present"
		if !present {
			state = "absent"
		}
		return r, fmt.Errorf("waiting for the card in %q to be %s: %w", reader, state, err)
	}
	return r, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// recordPath returns the file for a spec's APDU record. Long names are cut
// and end with a hash of the whole name, so two specs never share a file.
func (h *Harness) recordPath(spec string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(spec, "_"), "_")
	if len(name) > 100 {
		sum := sha256.Sum256([]byte(spec))
		name = fmt.Sprintf("%s_%x", name[:100], sum[:6])
	}
	return filepath.Join(h.Config.ReportDir, "apdu", name+".txt")
}

// CheckReader fails fast when the physical target's reader does not
// exist, listing the readers there are, or holds no card.
func (h *Harness) CheckReader(ctx context.Context) error {
	pc, err := pcsc.Establish()
	if err != nil {
		return err
	}
	readers, err := pc.Readers()
	pc.Release()
	if err != nil {
		return err
	}
	var names []string
	for _, r := range readers {
		if r.Name == h.Config.Reader {
			_, err := waitReader(ctx, r.Name, true)
			return err
		}
		names = append(names, fmt.Sprintf("%q", r.Name))
	}
	if len(names) == 0 {
		return fmt.Errorf("reader %q not found: pcscd lists no reader at all", h.Config.Reader)
	}
	return fmt.Errorf("reader %q not found: set %s to one of %s", h.Config.Reader, EnvReader, strings.Join(names, ", "))
}
