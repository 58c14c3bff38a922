package emulator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrNoState is returned by Store.Load when the store holds no state yet.
var ErrNoState = errors.New("no card state")

// ErrStateAccess is wrapped by every FileStore error for a state file or
// folder that cannot be read or written, such as a full disk, a read-only
// folder or a state file that is a folder.
var ErrStateAccess = errors.New("card state not accessible")

// Store keeps a card's persistent state. Save must be durable when it
// returns nil: the card relies on that to count a try before comparing
// (CNT-01).
type Store interface {
	Load() (*State, error)
	Save(*State) error
}

// StateFileName is the name of the state file inside a FileStore's folder.
const StateFileName = "state.json"

// FileStore keeps the state in StateFileName inside Dir (ST-03).
type FileStore struct {
	Dir string
}

// Path returns the state file's path.
func (f FileStore) Path() string { return filepath.Join(f.Dir, StateFileName) }

// Load reads and checks the state file. It returns ErrNoState when the file
// does not exist, and an error naming the file for anything else (ST-04).
func (f FileStore) Load() (*State, error) {
	b, err := os.ReadFile(f.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("reading card state: %w: %w", ErrStateAccess, err)
	}
	s, err := decodeState(b)
	if err != nil {
		return nil, fmt.Errorf("card state %s: %w", f.Path(), err)
	}
	return s, nil
}

// Save writes the state to a temporary file, syncs it, renames it over the
// state file and syncs the folder, so a crash leaves the old or the new
// state and nothing in between. Its I/O errors wrap ErrStateAccess.
func (f FileStore) Save(s *State) error {
	b, err := encodeState(s)
	if err != nil {
		return err
	}
	if err := f.save(b); err != nil {
		return fmt.Errorf("%w: %w", ErrStateAccess, err)
	}
	return nil
}

// save writes an encoded state file as Save describes.
func (f FileStore) save(b []byte) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("creating state folder: %w", err)
	}

	tmp, err := os.CreateTemp(f.Dir, StateFileName+".*.tmp")
	if err != nil {
		return fmt.Errorf("saving card state: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	if err := writeAndSync(tmp, b); err != nil {
		return fmt.Errorf("saving card state to %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving card state to %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), f.Path()); err != nil {
		return fmt.Errorf("saving card state: %w", err)
	}
	committed = true
	return syncDir(f.Dir)
}

func writeAndSync(file *os.File, b []byte) error {
	if err := file.Chmod(0o600); err != nil {
		return err
	}
	if _, err := file.Write(b); err != nil {
		return err
	}
	return file.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing state folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing state folder %s: %w", dir, err)
	}
	return nil
}

// MemoryStore keeps the encoded state in memory. It is for unit tests and
// benchmarks; FailSaves makes Save fail as a full disk would.
type MemoryStore struct {
	mu        sync.Mutex
	data      []byte
	saves     int
	FailSaves bool
	// AfterSave, when set, runs after each successful save with the saved
	// state. A test panics in it to simulate a crash after the save.
	AfterSave func(*State)
}

// Load decodes the last saved state.
func (m *MemoryStore) Load() (*State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, ErrNoState
	}
	return decodeState(m.data)
}

// Save encodes and keeps the state unless FailSaves is set.
func (m *MemoryStore) Save(s *State) error {
	m.mu.Lock()
	if m.FailSaves {
		m.mu.Unlock()
		return errors.New("memory store: save failed on purpose")
	}
	b, err := encodeState(s)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	m.data = b
	m.saves++
	hook := m.AfterSave
	m.mu.Unlock()

	if hook != nil {
		hook(s)
	}
	return nil
}

// Saves returns the number of successful saves.
func (m *MemoryStore) Saves() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saves
}

// Raw returns a copy of the encoded state file, or nil.
func (m *MemoryStore) Raw() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.data...)
}

// SetRaw replaces the encoded state file, for tests of corrupt files.
func (m *MemoryStore) SetRaw(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = append([]byte(nil), b...)
}
