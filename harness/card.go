package harness

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// Secrets are a card's reference data as the spec needs them. A field is
// empty when the run does not know it.
type Secrets struct {
	UserCode      string `json:"userCode"`
	PIN           string `json:"pin"`
	ManagementKey []byte `json:"-"`
	// ManagementKeyHex is the card-management key in a secrets file.
	ManagementKeyHex string `json:"managementKey"`
}

// Card is the card one spec works on.
type Card struct {
	Reader     string
	CardNumber string
	ATR        []byte
	Secrets    Secrets
	// Profile is the fixture profile of a virtual card, nil otherwise.
	Profile *fixtures.Profile
	Rec     *Recorder

	h     *Harness
	mu    sync.Mutex
	conns []connection
	raw   *pcsc.Card

	// Virtual cards only.
	rd       *reader
	stateDir string
	emu      *emulator.Card
}

// Virtual reports whether the card is an emulator card of this run.
func (c *Card) Virtual() bool { return c.Profile != nil }

// VirtualCard makes a fresh card from a fixture profile and puts it in a
// vpcd slot. When this process already holds a slot whose card has the same
// ATR, it swaps the new card in behind the live connection. Otherwise it
// inserts the card into a newly locked slot.
func (h *Harness) VirtualCard(ctx context.Context, profile string) (*Card, error) {
	if h.Config.Target != TargetVirtual {
		return nil, fmt.Errorf("virtual card %s requested on the %s target", profile, h.Config.Target)
	}
	p, err := fixtures.Load(profile)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gcacard-harness-")
	if err != nil {
		return nil, err
	}
	c := &Card{CardNumber: p.CardNumber, Profile: p, Rec: &Recorder{}, h: h, stateDir: dir}
	if err := c.openEmulator(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if c.Secrets, err = fixtureSecrets(p, c.emu); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}

	if c.rd, err = h.takeReader(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.Reader = c.rd.name
	if !c.rd.swap(ctx, c.emu) {
		if err := c.rd.remove(ctx); err != nil {
			c.Close("")
			return nil, err
		}
		if err := c.rd.insert(ctx, c.emu); err != nil {
			c.Close("")
			return nil, err
		}
	}
	c.ATR = c.rd.atr
	return c, nil
}

// openEmulator opens the card from its state folder.
func (c *Card) openEmulator() error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	emu, err := fixtures.OpenCard(c.Profile, emulator.FileStore{Dir: c.stateDir}, time.Now(),
		emulator.Options{Logger: quiet, Defect: c.h.Config.Defect})
	if err != nil {
		return err
	}
	c.emu = emu
	return nil
}

// StateDir returns the folder of a virtual card's state file, empty for a
// physical card.
func (c *Card) StateDir() string { return c.stateDir }

// fixtureSecrets returns the secrets of a fixture card.
func fixtureSecrets(p *fixtures.Profile, emu *emulator.Card) (Secrets, error) {
	img, err := p.Image(emu.Status().Dates)
	if err != nil {
		return Secrets{}, err
	}
	return Secrets{UserCode: p.UserCode.Value, PIN: p.PIN.Value, ManagementKey: img.ManagementKey}, nil
}

// PhysicalCard returns the card in the configured reader, with its secrets
// from the secrets file when one is named.
func (h *Harness) PhysicalCard(ctx context.Context) (*Card, error) {
	if h.Config.Target != TargetPhysical {
		return nil, errors.New("physical card requested on the virtual target")
	}
	r, err := waitReader(ctx, h.Config.Reader, true)
	if err != nil {
		return nil, err
	}
	c := &Card{Reader: h.Config.Reader, ATR: r.ATR, Rec: &Recorder{}, h: h}
	if c.Secrets, err = readSecretsFile(h.Config.SecretsFile); err != nil {
		return nil, err
	}

	cl, err := c.Client()
	if err != nil {
		return nil, err
	}
	info, err := cl.Info()
	if err != nil {
		c.Close("")
		return nil, fmt.Errorf("reading the card in %q: %w", h.Config.Reader, err)
	}
	c.CardNumber = info.CardNumber
	return c, nil
}

// readSecretsFile reads {"userCode": ..., "pin": ..., "managementKey": hex}.
// Secrets come from a file, never from the command line.
func readSecretsFile(path string) (Secrets, error) {
	if path == "" {
		return Secrets{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Secrets{}, fmt.Errorf("reading the secrets file named by %s: %w", EnvSecretsFile, err)
	}
	var s Secrets
	if err := json.Unmarshal(b, &s); err != nil {
		return Secrets{}, fmt.Errorf("secrets file %s: %v: want a JSON object with userCode, pin and managementKey (hex)", path, err)
	}
	if s.ManagementKeyHex != "" {
		if s.ManagementKey, err = hex.DecodeString(strings.TrimSpace(s.ManagementKeyHex)); err != nil {
			return Secrets{}, fmt.Errorf("secrets file %s: managementKey is not hex", path)
		}
	}
	return s, nil
}

// connection is a PC/SC connection with its own context.
type connection struct {
	ctx  *pcsc.Context
	card *pcsc.Card
}

// Connect opens a new shared PC/SC connection to the card, closed by Close.
func (c *Card) Connect() (*pcsc.Card, error) {
	pc, err := pcsc.Establish()
	if err != nil {
		return nil, err
	}
	conn, err := pc.Connect(c.Reader)
	if err != nil {
		pc.Release()
		return nil, err
	}
	c.mu.Lock()
	c.conns = append(c.conns, connection{ctx: pc, card: conn})
	c.mu.Unlock()
	return conn, nil
}

// Client returns an activation client on a new connection, recording
// every exchange.
func (c *Card) Client(opts ...client.Option) (*client.Client, error) {
	conn, err := c.Connect()
	if err != nil {
		return nil, err
	}
	opts = append([]client.Option{client.WithTrace(c.Rec.Record)}, opts...)
	return client.New(conn, opts...), nil
}

// Transmit sends a raw command APDU on the card's raw connection and
// records the exchange.
func (c *Card) Transmit(command []byte) (iso7816.Response, error) {
	if c.Virtual() && len(command) == 1 {
		return iso7816.Response{}, errors.New("a 1-byte command cannot reach a virtual card: vpcd reads every 1-byte frame as a power or reset message")
	}
	c.mu.Lock()
	raw := c.raw
	c.mu.Unlock()
	if raw == nil {
		conn, err := c.Connect()
		if err != nil {
			return iso7816.Response{}, err
		}
		c.mu.Lock()
		c.raw, raw = conn, conn
		c.mu.Unlock()
	}
	out, err := raw.Transmit(command)
	if err != nil {
		return iso7816.Response{}, err
	}
	c.Rec.Record(command, out)
	return iso7816.ParseResponse(out)
}

// Disconnect closes every PC/SC connection of the card, leaving the card
// powered as it is.
func (c *Card) Disconnect() {
	c.mu.Lock()
	conns := c.conns
	c.conns, c.raw = nil, nil
	c.mu.Unlock()
	for _, conn := range conns {
		conn.card.Disconnect()
		conn.ctx.Release()
	}
}

// Close disconnects and writes the APDU record of spec, when spec is not
// empty. A virtual card's slot stays with this process for its next card
// while the card is in it; a slot left empty is unlocked.
func (c *Card) Close(spec string) error {
	c.Disconnect()
	var err error
	if c.Virtual() {
		err = c.closeVirtual()
	}
	if spec != "" {
		err = errors.Join(err, c.writeRecord(spec))
	}
	return err
}

func (c *Card) closeVirtual() error {
	defer os.RemoveAll(c.stateDir)
	if c.rd == nil {
		return nil
	}
	rd := c.rd
	c.rd = nil
	if rd.slot != nil && rd.slot.Connected() {
		c.h.returnReader(rd)
		return nil
	}
	err := rd.remove(context.Background())
	rd.lock.release()
	return err
}

func (c *Card) writeRecord(spec string) error {
	path := c.h.recordPath(spec)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "spec: %s\nreader: %s\ncard: %s\nATR: %s\n\n", spec, c.Reader, c.CardNumber, hexString(c.ATR))
	if err := c.Rec.WriteText(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
