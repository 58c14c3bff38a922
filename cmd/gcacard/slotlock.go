package main

import (
	"fmt"
	"os"

	"gcacard/internal/flock"
	"gcacard/vpcd"
)

// lockSlots takes the lock of every vpcd slot that a card is served in, so
// that a test run and a gcacard serve started by hand do not share a reader.
// The locks stay held until the process exits. With SlotLockHeldEnv=1 the
// starting process holds them already, and lockSlots takes none.
func lockSlots(cards []*cardArgs) ([]*flock.Lock, error) {
	if os.Getenv(vpcd.SlotLockHeldEnv) == "1" {
		return nil, nil
	}
	var locks []*flock.Lock
	for _, c := range cards {
		if c.vpcdAddr != "" || c.reversed != "" {
			continue
		}
		path := vpcd.SlotLockPath(c.slot)
		lock, err := flock.Try(path)
		if err == nil && lock == nil {
			err = fmt.Errorf("vpcd slot %d is in use by another process, such as a test run or another gcacard serve "+
				"(find it with `fuser %s`): stop it, or serve this card in another slot with --slot N", c.slot, path)
		}
		if err != nil {
			for _, l := range locks {
				l.Close()
			}
			return nil, err
		}
		locks = append(locks, lock)
	}
	return locks, nil
}
