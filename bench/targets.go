package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/vpcd"
)

// Kind names a card under test.
type Kind string

// The cards under test.
const (
	// KindGcacard is `gcacard serve` with the activated fixture card.
	KindGcacard Kind = "gcacard"
	// KindGcacardInProcess is the emulator behind a vpcd.Slot inside the
	// benchmark process, which can swap in a fresh card between operations.
	KindGcacardInProcess Kind = "gcacard (in process)"
	// KindVicc is vsmartcard's Python emulator, `vicc -t iso7816`.
	KindVicc Kind = "vicc"
	// KindCeiling is the reply-only card of ServeCeiling.
	KindCeiling Kind = "ceiling"
)

// Target is a card that can be put into a vpcd slot and taken out again.
type Target interface {
	Kind() Kind
	// Start serves the card in slot. The card may still be on its way to
	// pcscd when Start returns.
	Start(ctx context.Context, slot int) error
	// Stop takes the card out.
	Stop() error
}

// process is a card served by a child process.
type process struct {
	kind    Kind
	command func(slot int) *exec.Cmd
	logPath string

	cmd    *exec.Cmd
	exited chan struct{}
}

func (p *process) Kind() Kind { return p.kind }

func (p *process) Start(ctx context.Context, slot int) error {
	p.cmd = p.command(slot)
	if p.logPath != "" {
		log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer log.Close()
		p.cmd.Stdout, p.cmd.Stderr = log, log
	}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s card: %w", p.kind, err)
	}
	p.exited = make(chan struct{})
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	return nil
}

// Stop sends SIGTERM to the process group and SIGKILL after 5 s.
func (p *process) Stop() error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(5 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
		return fmt.Errorf("%s card (pid %d) ignored SIGTERM for 5 s and was killed", p.kind, pgid)
	}
}

// exitedEarly reports whether the process has already exited.
func (p *process) exitedEarly() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// GcacardServe returns a target that runs `BIN serve --profile PROFILE
// --state DIR --slot N`. Each Start gets a new empty state folder under
// workDir, so each session starts from the profile.
func GcacardServe(bin, profile, workDir string) Target {
	p := &process{kind: KindGcacard, logPath: filepath.Join(workDir, "gcacard.log")}
	p.command = func(slot int) *exec.Cmd {
		state, err := os.MkdirTemp(workDir, "state-")
		if err != nil {
			state = filepath.Join(workDir, "state-"+strconv.Itoa(slot))
		}
		cmd := exec.Command(bin, "serve", "--profile", profile, "--state", state, "--slot", strconv.Itoa(slot))
		// The benchmark holds the slot's lock, or the pcscd instance's.
		cmd.Env = append(os.Environ(), vpcd.SlotLockHeldEnv+"=1")
		return cmd
	}
	return p
}

// CeilingProcess returns a target that runs the ceiling card in a child
// process: `BIN ARGS... ADDR` with the slot's vpcd address appended.
func CeilingProcess(bin string, args []string, workDir string) Target {
	p := &process{kind: KindCeiling, logPath: filepath.Join(workDir, "ceiling.log")}
	p.command = func(slot int) *exec.Cmd {
		return exec.Command(bin, append(append([]string(nil), args...), vpcd.SlotAddr(slot))...)
	}
	return p
}

// ViccLibDir is the folder of the virtualsmartcard module that Debian's
// python3-virtualsmartcard package installs, which is not on Python's path.
const ViccLibDir = "/usr/lib/python3/site-packages/virtualsmartcard"

// cryptodomeDir is Debian's python3-pycryptodome, which vicc imports under
// its upstream name Crypto.
const cryptodomeDir = "/usr/lib/python3/dist-packages/Cryptodome"

// ViccAvailable returns nil when vicc and the Python packages it needs are
// installed, and otherwise an error that names what is missing.
func ViccAvailable() error {
	for _, path := range []string{"/usr/bin/vicc", "/usr/bin/python3", ViccLibDir, cryptodomeDir, "/usr/lib/python3/dist-packages/smartcard"} {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s missing: install the Debian packages vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome python3-pyscard", path)
		}
	}
	return nil
}

// Vicc returns a target that runs `vicc -t iso7816` against the slot's
// vpcd port, with a PYTHONPATH that finds virtualsmartcard and Crypto.
func Vicc(workDir string) (Target, error) {
	if err := ViccAvailable(); err != nil {
		return nil, err
	}
	pyDir := filepath.Join(workDir, "python")
	if err := os.MkdirAll(pyDir, 0o755); err != nil {
		return nil, err
	}
	link := filepath.Join(pyDir, "Crypto")
	if _, err := os.Lstat(link); errors.Is(err, os.ErrNotExist) {
		if err := os.Symlink(cryptodomeDir, link); err != nil {
			return nil, fmt.Errorf("linking Crypto to %s: %w", cryptodomeDir, err)
		}
	}
	p := &process{kind: KindVicc, logPath: filepath.Join(workDir, "vicc.log")}
	p.command = func(slot int) *exec.Cmd {
		cmd := exec.Command("/usr/bin/python3", "/usr/bin/vicc", "-t", "iso7816",
			"--hostname", "127.0.0.1", "--port", strconv.Itoa(vpcd.BasePort+slot))
		cmd.Env = append(os.Environ(), "PYTHONPATH="+ViccLibDir+":"+pyDir)
		return cmd
	}
	return p, nil
}

// InProcess is the emulator behind a vpcd.Slot in this process. Fresh
// swaps in a new card of the profile, with a new state folder, between
// two operations, without pcscd noticing a removal.
type InProcess struct {
	Profile *fixtures.Profile
	WorkDir string

	slot     *vpcd.Slot
	stateDir string
	cancel   context.CancelFunc
	done     chan struct{}
}

func (p *InProcess) Kind() Kind { return KindGcacardInProcess }

func (p *InProcess) Start(ctx context.Context, slot int) error {
	card, err := p.newCard()
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p.slot = &vpcd.Slot{Card: card, Addr: vpcd.SlotAddr(slot), Logger: quiet, FirstConnectTimeout: 10 * time.Second}
	runCtx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.slot.Run(runCtx)
	}()
	return nil
}

// Fresh replaces the card with a new one made from the profile.
func (p *InProcess) Fresh() error {
	card, err := p.newCard()
	if err != nil {
		return err
	}
	p.slot.SwapCard(card)
	return nil
}

// newCard opens a new card of the profile with an empty state folder and
// removes the previous card's folder.
func (p *InProcess) newCard() (*emulator.Card, error) {
	if p.stateDir != "" {
		os.RemoveAll(p.stateDir)
	}
	dir, err := os.MkdirTemp(p.WorkDir, "inprocess-")
	if err != nil {
		return nil, err
	}
	p.stateDir = dir
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	return fixtures.OpenCard(p.Profile, emulator.FileStore{Dir: dir}, time.Now(), emulator.Options{Logger: quiet})
}

func (p *InProcess) Stop() error {
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel = nil
	}
	return nil
}

// CeilingInProcess serves the ceiling card from a goroutine of this
// process, for the smoke test.
type CeilingInProcess struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (c *CeilingInProcess) Kind() Kind { return KindCeiling }

func (c *CeilingInProcess) Start(ctx context.Context, slot int) error {
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		ServeCeiling(runCtx, vpcd.SlotAddr(slot))
	}()
	return nil
}

func (c *CeilingInProcess) Stop() error {
	if c.cancel != nil {
		c.cancel()
		<-c.done
		c.cancel = nil
	}
	return nil
}
