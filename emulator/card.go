package emulator

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"gcacard/iso7816"
)

// Options are a card's optional collaborators.
type Options struct {
	// Logger receives lifecycle changes, lockouts and save failures, never
	// a secret. It defaults to slog.Default().
	Logger *slog.Logger
	// Rand is the source of challenges and salts. It defaults to
	// crypto/rand.Reader.
	Rand io.Reader
	// Defect, when not empty, makes the card break one rule of its profile
	// on purpose, so that the conformance harness can show that it catches
	// the break. It is one of the Defect constants.
	Defect string
	// Fault, when set, is called at every FaultPoint that a command
	// reaches. It is for crash tests only: the test stops the process
	// inside it (a SIGKILL, or a panic in process) and checks what the
	// restarted card kept. At FaultAfterReply it runs on the next call
	// into the card, before the card's lock is taken. At the other stages
	// it runs with the lock held, so it must never call the card.
	Fault func(FaultPoint)
}

// Deliberate defects for Options.Defect. No real card has them.
const (
	// DefectNoUserCodeDecrement compares the user code without using a
	// try (breaks CNT-01 and ACT-02).
	DefectNoUserCodeDecrement = "no-usercode-decrement"
	// DefectShortPIN accepts a 5-character PIN (breaks REF-01 and REF-03).
	DefectShortPIN = "accept-5-char-pin"
)

// Card is a virtual GCA card. It is safe for concurrent use: commands,
// resets and power-offs are serialised (GEN-07).
type Card struct {
	mu    sync.Mutex
	img   Image
	atr   []byte
	files *file
	store Store
	log   *slog.Logger
	rand  io.Reader

	defect string
	fault  func(FaultPoint)
	// faultOp is the operation of the command in progress once it reaches
	// a fault point. replied is the operation whose response has left the
	// card, which reportReply reports next. Both stay empty without a
	// fault hook.
	faultOp, replied FaultOp

	// state is the last state saved to the store.
	state State
	vol   volatile
}

// volatile is the security status and session data that warm reset and
// power-off clear (SEC-01).
type volatile struct {
	current         *file
	currentDF       *file
	pinVerified     bool
	caAuthenticated bool
	challenge       []byte
	pending         []byte
	signEnv         securityEnv
	decipherEnv     securityEnv
}

// securityEnv is one MSE SET template: the key and algorithm chosen.
type securityEnv struct {
	set       bool
	keyRef    byte
	algorithm byte
}

// cmdContext carries what the previous command left for this one only.
type cmdContext struct {
	pending   []byte
	challenge []byte
}

// Open makes a card from img, with the state held in store. On an empty
// store the card starts from img.Initial and saves it; otherwise the saved
// state must belong to the same card and dates. A state that cannot be
// loaded is an error: the card is never reset to its image (ST-04).
func Open(img *Image, store Store, opts Options) (*Card, error) {
	if err := img.Validate(); err != nil {
		return nil, fmt.Errorf("invalid card image: %w", err)
	}
	switch opts.Defect {
	case "", DefectNoUserCodeDecrement, DefectShortPIN:
	default:
		return nil, fmt.Errorf("unknown defect %q: want %s or %s", opts.Defect, DefectNoUserCodeDecrement, DefectShortPIN)
	}
	c := &Card{img: *img, store: store, log: opts.Logger, rand: opts.Rand, defect: opts.Defect, fault: opts.Fault}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	c.log = c.log.With("card", img.CardNumber)
	c.atr = bytes.Clone(img.ATR)
	if c.atr == nil {
		c.atr = bytes.Clone(DefaultATR)
	}
	c.files = buildFiles(img)

	st, err := store.Load()
	switch {
	case errors.Is(err, ErrNoState):
		st, err = newState(img, c.rand)
		if err != nil {
			return nil, err
		}
		if err := store.Save(st); err != nil {
			return nil, fmt.Errorf("saving the new card's state: %w", err)
		}
	case err != nil:
		return nil, err
	case st.CardNumber != img.CardNumber:
		return nil, fmt.Errorf("card state %s: %w: it belongs to card %s, not %s",
			storeName(store), ErrCorruptState, st.CardNumber, img.CardNumber)
	case st.Dates != img.Initial.Dates:
		return nil, fmt.Errorf("card state %s: %w: its dates %+v differ from the image's %+v",
			storeName(store), ErrCorruptState, st.Dates, img.Initial.Dates)
	}
	c.state = *st
	c.clearVolatile()
	return c, nil
}

// storeName names a store in errors: a FileStore by its file's path.
func storeName(store Store) string {
	if f, ok := store.(interface{ Path() string }); ok {
		return f.Path()
	}
	return fmt.Sprintf("%T", store)
}

// newState builds the first state of a card from its image.
func newState(img *Image, r io.Reader) (*State, error) {
	salt := make([]byte, 32)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, fmt.Errorf("generating the state salt: %w", err)
	}
	init := img.Initial
	st := &State{
		Format:     StateFormat,
		CardNumber: img.CardNumber,
		Lifecycle:  init.Lifecycle,
		Dates:      init.Dates,
		Salt:       salt,
		PIN:        RefState{MaxTries: init.PIN.maxTries(), Remaining: init.PIN.remaining()},
		UserCode: RefState{
			Digest:    digest(salt, []byte(init.UserCode.Value)),
			MaxTries:  init.UserCode.maxTries(),
			Remaining: init.UserCode.remaining(),
		},
	}
	if init.PIN.Value != "" {
		st.PIN.Digest = digest(salt, []byte(init.PIN.Value))
	}
	return st, nil
}

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte {
	c.reportReply()
	return bytes.Clone(c.atr)
}

// CardNumber returns the number in EF 0903.
func (c *Card) CardNumber() string { return c.img.CardNumber }

// Reset is a warm reset: it clears the security status and waiting
// response data and selects the MF (SEC-02).
func (c *Card) Reset() {
	c.reportReply()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearVolatile()
}

// PowerOff removes power from the card, which clears the same volatile
// state as a warm reset (SEC-02).
func (c *Card) PowerOff() { c.Reset() }

func (c *Card) clearVolatile() {
	c.vol = volatile{current: c.files, currentDF: c.files}
}

// Status is a card's persistent state without its secrets.
type Status struct {
	CardNumber    string
	Lifecycle     Lifecycle
	Dates         Dates
	PINSet        bool
	PINTries      Tries
	UserCodeTries Tries
}

// Tries is a retry counter.
type Tries struct {
	Max       int `json:"max"`
	Remaining int `json:"remaining"`
}

// Status returns the card's lifecycle, dates and retry counters.
func (c *Card) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Status{
		CardNumber:    c.state.CardNumber,
		Lifecycle:     c.state.Lifecycle,
		Dates:         c.state.Dates,
		PINSet:        c.state.PIN.IsSet(),
		PINTries:      Tries{c.state.PIN.MaxTries, c.state.PIN.Remaining},
		UserCodeTries: Tries{c.state.UserCode.MaxTries, c.state.UserCode.Remaining},
	}
}

// Transmit processes one command APDU and returns the response APDU. It
// always returns at least a status word.
func (c *Card) Transmit(command []byte) []byte {
	c.reportReply()
	c.mu.Lock()
	defer c.mu.Unlock()

	c.faultOp = ""
	response := c.process(command).Bytes()
	c.replied = c.faultOp
	return response
}

func (c *Card) process(raw []byte) iso7816.Response {
	// Waiting response data and the challenge live for one command only
	// (RSP-03, UCR-01), whatever that command turns out to be.
	ctx := &cmdContext{pending: c.vol.pending, challenge: c.vol.challenge}
	c.vol.pending, c.vol.challenge = nil, nil

	cmd, err := iso7816.ParseCommand(raw)
	if err != nil {
		return status(iso7816.SWWrongLength)
	}
	if cmd.CLA != 0x00 {
		return status(iso7816.SWCLANotSupported)
	}
	h, ok := handlers[cmd.INS]
	if !ok {
		return status(iso7816.SWINSNotSupported)
	}
	if h.usesSecurity && c.state.Lifecycle == LifecycleTerminated {
		return status(iso7816.SWFunctionNotSupported)
	}
	return h.fn(c, cmd, ctx)
}

type handler struct {
	fn func(*Card, iso7816.Command, *cmdContext) iso7816.Response
	// usesSecurity marks commands that a terminated card refuses (LC-03).
	usesSecurity bool
}

// handlers is the card's command table, one handler per INS.
var handlers map[byte]handler

func init() {
	handlers = map[byte]handler{
		0xA4: {fn: handleSelect},
		0xB0: {fn: handleReadBinary},
		0xC0: {fn: handleGetResponse},
		0xCA: {fn: handleGetData},
		0x20: {fn: handleVerify, usesSecurity: true},
		0x24: {fn: handleChangeReferenceData, usesSecurity: true},
		0x2C: {fn: handleResetRetryCounter, usesSecurity: true},
		0x84: {fn: handleGetChallenge, usesSecurity: true},
		0x82: {fn: handleExternalAuthenticate, usesSecurity: true},
		0x22: {fn: handleManageSecurityEnvironment, usesSecurity: true},
		0x2A: {fn: handlePerformSecurityOperation, usesSecurity: true},
	}
}

func status(sw iso7816.StatusWord) iso7816.Response { return iso7816.Response{SW: sw} }

// chained returns data, or its first Ne bytes with 61XX and the rest kept
// for GET RESPONSE (RSP-01). The caller has checked that Le is present.
func (c *Card) chained(cmd iso7816.Command, data []byte) iso7816.Response {
	if len(data) <= cmd.Ne {
		return iso7816.Response{Data: data, SW: iso7816.SWSuccess}
	}
	c.vol.pending = data[cmd.Ne:]
	return iso7816.Response{Data: data[:cmd.Ne], SW: iso7816.BytesAvailable(len(c.vol.pending))}
}

// handleGetResponse implements GET RESPONSE (RSP-02, RSP-04).
func handleGetResponse(c *Card, cmd iso7816.Command, ctx *cmdContext) iso7816.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		c.vol.pending = ctx.pending
		return status(iso7816.SWIncorrectP1P2)
	}
	if !cmd.HasLe() {
		c.vol.pending = ctx.pending
		return status(iso7816.SWWrongLength)
	}
	if len(ctx.pending) == 0 {
		return status(iso7816.SWConditionsNotSatisfied)
	}
	return c.chained(cmd, ctx.pending)
}

// commit saves next and makes it the card's state. On failure the state
// stays as it was, in memory and on disk (CNT-02).
func (c *Card) commit(next *State) error {
	if err := c.store.Save(next); err != nil {
		c.log.Error("saving card state failed", "err", err)
		return err
	}
	c.state = *next
	return nil
}
