package stacktest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"gcacard/emulator"
)

func TestMain(m *testing.M) { Main(m) }

func TestReaderName(t *testing.T) {
	for slot, want := range map[int]string{0: "Virtual PCD 00 00", 1: "Virtual PCD 00 01"} {
		if got := ReaderName(slot); got != want {
			t.Errorf("ReaderName(%d) = %q, want %q", slot, got, want)
		}
	}
}

// LockSlot excludes other holders of the same lock file while the test
// runs and releases it at cleanup.
func TestLockSlotExcludesUntilCleanup(t *testing.T) {
	RequirePCSCD(t)
	path := LockPath(1)

	t.Run("held", func(t *testing.T) {
		LockSlot(t, 1)
		if tryLock(t, path) {
			t.Errorf("a second flock on %s succeeded while LockSlot holds it", path)
		}
		if heldSlotCount(1) != 1 {
			t.Errorf("slot 1 is not recorded as held")
		}
	})

	if !tryLock(t, path) {
		t.Errorf("flock on %s failed after LockSlot's cleanup", path)
	}
	if n := heldSlotCount(1); n != 0 {
		t.Errorf("slot 1 is recorded as held %d times after cleanup, want 0", n)
	}
}

// tryLock takes and releases a non-blocking exclusive flock through a new
// open file description, as another process would.
func tryLock(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

func heldSlotCount(slot int) int {
	heldSlots.Lock()
	defer heldSlots.Unlock()
	return heldSlots.count[slot]
}

// WaitCard gives up at its timeout, names the reader in its error, and
// does so for a reader that pcscd does not know as well.
func TestWaitCardTimesOut(t *testing.T) {
	RequirePCSCD(t)

	for _, reader := range []string{"No Such Reader 00 00", ReaderName(1)} {
		t.Run(reader, func(t *testing.T) {
			if reader == ReaderName(1) {
				// Slot 1 holds no card while this test holds its lock,
				// because only the lock holder serves cards in it.
				LockSlot(t, 1)
			}
			_, err := WaitCard(context.Background(), reader, true, 500*time.Millisecond)
			if err == nil {
				t.Fatalf("WaitCard(%q, present) returned no error for a reader without a card", reader)
			}
			if !strings.Contains(err.Error(), reader) {
				t.Errorf("error %q does not name the reader %q", err, reader)
			}
		})
	}
}

// StartServe runs the built binary, WaitCard reports its card arriving and
// leaving, and the card responds through Connect and Transmit.
func TestStartServeCardComesAndGoes(t *testing.T) {
	RequirePCSCD(t)
	LockSlot(t, 0)
	reader := ReaderName(0)
	if _, err := WaitCard(context.Background(), reader, false, 5*time.Second); err != nil {
		t.Fatalf("slot 0 holds a card before the test serves one: %v", err)
	}

	serve := StartServe(t, "--profile", "guide-expired", "--state", t.TempDir(), "--slot", "0")
	atr, err := WaitCard(context.Background(), reader, true, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(atr, emulator.DefaultATR) {
		t.Errorf("ATR = % X, want % X", atr, emulator.DefaultATR)
	}

	card := Connect(t, reader)
	if _, _, err := Transmit(card, nil); err == nil {
		t.Errorf("Transmit of an empty command returned no error")
	}
	_, sw, err := Transmit(card, []byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x09, 0x00})
	if err != nil {
		t.Fatal(err)
	}
	if sw != 0x9000 {
		t.Errorf("SELECT DF 0900 answered %04X, want 9000", sw)
	}

	// Connect's documentation requires a disconnect before the daemon stops.
	if err := card.Disconnect(scard.LeaveCard); err != nil {
		t.Fatalf("SCardDisconnect: %v", err)
	}
	serve.Stop(t)
	if _, err := WaitCard(context.Background(), reader, false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(serve.Output(), "card ready") {
		t.Errorf("Output() lacks the daemon's log line \"card ready\":\n%s", serve.Output())
	}
}

// BuildGcacard builds one binary per test binary.
func TestBuildGcacardOnce(t *testing.T) {
	first := BuildGcacard(t)
	second := BuildGcacard(t)
	if first != second {
		t.Errorf("BuildGcacard returned %s, then %s", first, second)
	}
	if fi, err := os.Stat(first); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not an executable file: %v", first, err)
	}
	if filepath.Base(first) != "gcacard" {
		t.Errorf("binary is named %s, want gcacard", filepath.Base(first))
	}
}
