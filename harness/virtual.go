package harness

import (
	"context"
	"errors"

	"gcacard/emulator"
)

// errNotVirtual is returned by operations that only a virtual card offers.
var errNotVirtual = errors.New("only a virtual card can be removed, re-inserted, power-cycled or restarted by the harness")

// Remove takes the card out of its reader and waits until pcscd reports
// it absent.
func (c *Card) Remove(ctx context.Context) error {
	if !c.Virtual() {
		return errNotVirtual
	}
	c.rd.slot.Remove()
	_, err := waitReader(ctx, c.Reader, false)
	return err
}

// Insert puts the card back and waits until pcscd reports it present.
func (c *Card) Insert(ctx context.Context) error {
	if !c.Virtual() {
		return errNotVirtual
	}
	c.rd.slot.Insert()
	if _, err := waitReader(ctx, c.Reader, true); err != nil {
		return err
	}
	return waitReady(ctx, c.Reader)
}

// PowerCycle removes and re-inserts the card, which powers it off and on.
func (c *Card) PowerCycle(ctx context.Context) error {
	if err := c.Remove(ctx); err != nil {
		return err
	}
	return c.Insert(ctx)
}

// Restart stops the emulator as a process exit would and opens the card
// again from its saved state, as gcacard serve does after a restart.
func (c *Card) Restart(ctx context.Context) error {
	if !c.Virtual() {
		return errNotVirtual
	}
	c.Disconnect()
	if err := c.rd.remove(ctx); err != nil {
		return err
	}
	if err := c.openEmulator(); err != nil {
		return err
	}
	return c.rd.insert(ctx, c.emu)
}

// Emulator returns the virtual card's emulator, for checks of its saved
// state that no APDU shows. It is nil for a physical card.
func (c *Card) Emulator() *emulator.Card { return c.emu }
