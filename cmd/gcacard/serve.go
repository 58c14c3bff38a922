package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/vpcd"
)

// runServe opens each card and serves it in its vpcd slot until SIGINT or
// SIGTERM.
func runServe(args []string, stderr io.Writer) error {
	opts, err := parseServeArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stderr, usage)
		return nil
	}
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	level := slog.LevelInfo
	if opts.trace {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	fault, err := crashTestHook(logger)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}

	locks, err := lockSlots(opts.cards)
	if err != nil {
		return fail(exitUnreachable, "%v", err)
	}
	defer func() {
		for _, l := range locks {
			l.Close()
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var slots []*vpcd.Slot
	stateDirs := map[string]string{}
	for _, c := range opts.cards {
		slot, err := openSlot(c, opts, logger, stateDirs, fault)
		if err != nil {
			return err
		}
		slots = append(slots, slot)
	}
	return runSlots(ctx, slots, logger)
}

// openSlot loads a card's profile and state and builds its slot.
// stateDirs maps each state folder already in use to its card's profile.
// fault is the card's fault hook, nil outside crash tests.
func openSlot(c *cardArgs, opts *serveArgs, logger *slog.Logger, stateDirs map[string]string, fault func(emulator.FaultPoint)) (*vpcd.Slot, error) {
	profile, err := fixtures.Load(c.profile)
	if err != nil {
		return nil, fail(exitProfile, "%v", err)
	}
	if c.stateDir == "" {
		c.stateDir, err = defaultStateDir(profile.CardNumber)
		if err != nil {
			return nil, fail(exitState, "%v", err)
		}
	}
	if other, dup := stateDirs[c.stateDir]; dup {
		return nil, fail(exitUsage, "cards %s and %s would share the state folder %s: give one of them --state DIR", other, c.profile, c.stateDir)
	}
	stateDirs[c.stateDir] = c.profile
	if err := checkWritable(c.stateDir); err != nil {
		return nil, fail(exitState, "state folder %s is not usable: %v: give a writable folder with --state DIR", c.stateDir, err)
	}

	log := logger.With("card", profile.CardNumber, "slot", c.slot)
	card, err := fixtures.OpenCard(profile, emulator.FileStore{Dir: c.stateDir}, time.Now(), emulator.Options{Logger: log, Fault: fault})
	if err != nil {
		if errors.Is(err, emulator.ErrCorruptState) {
			return nil, fail(exitState, "%v: move the folder away to start the card afresh", err)
		}
		if errors.Is(err, emulator.ErrStateAccess) {
			return nil, fail(exitState, "%v: give a folder that this user can read and write, on a disk with free space", err)
		}
		return nil, fail(exitProfile, "%v", err)
	}
	log.Info("card ready", "profile", profile.Source, "state", c.stateDir, "lifecycle", card.Status().Lifecycle.String())

	slot := &vpcd.Slot{
		Card:                card,
		Listen:              c.reversed,
		Logger:              log,
		FirstConnectTimeout: opts.connectTimeout,
	}
	if c.reversed == "" {
		slot.Addr = c.address()
	}
	if opts.trace {
		slot.Trace = traceFunc(log)
	}
	return slot, nil
}

// traceFunc logs each APDU exchange at debug level with secrets redacted
// (LOG-02).
func traceFunc(log *slog.Logger) func(command, response []byte) {
	return func(command, response []byte) {
		log.Debug("apdu", "command", emulator.RedactCommand(command), "response", emulator.RedactResponse(command, response))
	}
}

// runSlots serves every slot until ctx ends or one slot cannot start.
func runSlots(ctx context.Context, slots []*vpcd.Slot, logger *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	errs := make([]error, len(slots))
	var wg sync.WaitGroup
	for i, s := range slots {
		wg.Go(func() {
			if err := s.Run(ctx); err != nil {
				errs[i] = err
				cancel()
			}
		})
	}
	wg.Wait()

	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, vpcd.ErrUnreachable) {
			return fail(exitUnreachable, "%v\npcscd with the vsmartcard-vpcd driver must be running: "+
				"install it with `apt-get install pcscd vsmartcard-vpcd` and start it with `systemctl start pcscd` "+
				"or, as root, `pcscd --foreground &`. Debian's vpcd configuration opens slots 0 and 1 only "+
				"(ports %d and %d)", err, vpcd.BasePort, vpcd.BasePort+1)
		}
		return fail(exitFailure, "%v", err)
	}
	logger.Info("stopped; card state is saved")
	return nil
}

// defaultStateDir returns $XDG_STATE_HOME/gcacard/CARDNUMBER, or
// ~/.local/state/gcacard/CARDNUMBER.
func defaultStateDir(cardNumber string) (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home folder for the default state folder (%v): give --state DIR", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "gcacard", cardNumber), nil
}

// checkWritable makes dir if needed and checks that a file can be created
// in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
