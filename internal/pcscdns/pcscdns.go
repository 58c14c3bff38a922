// Package pcscdns runs further pcscd instances beside the machine's own, so
// that one machine can serve more than two vpcd cards at once.
//
// Debian's vpcd driver (vsmartcard 3.3) is built with two slots and keeps
// its card connections in one array indexed by slot number, so a second
// vpcd entry in the same pcscd overwrites the first entry's slots. pcscd
// 1.9.9 always binds /run/pcscd/pcscd.comm. An Instance therefore runs
// pcscd under `unshare --mount` with a private folder bind-mounted on
// /run/pcscd, and a reader.conf that opens vpcd slots 2K and 2K+1 (TCP
// ports vpcd.SlotAddr(2K) and vpcd.SlotAddr(2K+1)). Its readers have the
// usual names, "Virtual PCD 00 00" and "Virtual PCD 00 01".
//
// A PC/SC client reaches an Instance when PCSCLITE_CSOCK_NAME names its
// socket before the client's first PC/SC call: libpcsclite reads that
// variable once per process, so each Instance needs its own client process
// (see Instance.Command). Starting an Instance needs root.
package pcscdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"gcacard/internal/flock"
	"gcacard/vpcd"
)

// SocketEnv is the environment variable that sets the pcscd socket libpcsclite connects to.
const SocketEnv = "PCSCLITE_CSOCK_NAME"

// Driver is the vpcd driver that Debian's vsmartcard-vpcd package installs.
const Driver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

// MaxIndex is the highest instance index: the machine's pcscd serves slots
// 0 and 1, and instance K serves 2K and 2K+1, up to slot 15.
const MaxIndex = 7

// startTimeout bounds how long Start waits for the socket.
const startTimeout = 10 * time.Second

// Instance is one extra pcscd serving two vpcd slots.
type Instance struct {
	Index int    // K, from 1 to MaxIndex
	Dir   string // folder with reader.conf, pcscd.log and run/pcscd.comm

	cmd    *exec.Cmd
	lock   *flock.Lock
	exited chan struct{}
}

// Start runs instance index in dir, an empty folder that the caller owns,
// and returns once its socket accepts connections. It takes the lock file
// LockPath(index) first, waiting while another process runs that instance.
func Start(ctx context.Context, index int, dir string) (*Instance, error) {
	if index < 1 || index > MaxIndex {
		return nil, fmt.Errorf("invalid pcscd instance %d: want 1 to %d (the machine's own pcscd serves slots 0 and 1)", index, MaxIndex)
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("a further pcscd needs root (for unshare --mount): run as root, as CI does")
	}
	if _, err := os.Stat(Driver); err != nil {
		return nil, fmt.Errorf("vpcd driver not found: run `make deps`: %w", err)
	}
	for _, tool := range []string{"unshare", "pcscd"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s not found: run `make deps`: %w", tool, err)
		}
	}

	lock, err := lockInstance(ctx, index)
	if err != nil {
		return nil, err
	}
	in := &Instance{Index: index, Dir: dir, lock: lock, exited: make(chan struct{})}
	if err := in.start(ctx); err != nil {
		lock.Close()
		return nil, err
	}
	return in, nil
}

func (in *Instance) start(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(in.Dir, "run"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(in.confPath(), []byte(ReaderConf(in.Index)), 0o644); err != nil {
		return err
	}
	logFile, err := os.OpenFile(in.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()

	// unshare execs sh, and sh execs pcscd, so the process is pcscd itself.
	script := `mount --bind "$1" /run/pcscd && exec pcscd --foreground --config "$2"`
	in.cmd = exec.Command("unshare", "--mount", "--propagation", "private",
		"sh", "-c", script, "sh", filepath.Join(in.Dir, "run"), in.confPath())
	in.cmd.Stdout = logFile
	in.cmd.Stderr = logFile
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := in.cmd.Start(); err != nil {
		return fmt.Errorf("starting pcscd instance %d: %w", in.Index, err)
	}
	go func() {
		in.cmd.Wait()
		close(in.exited)
	}()
	return in.waitSocket(ctx)
}

func (in *Instance) waitSocket(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		if conn, err := net.Dial("unix", in.Socket()); err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-in.exited:
			return fmt.Errorf("pcscd instance %d exited at start: see %s", in.Index, in.LogPath())
		case <-ctx.Done():
			in.Stop()
			return fmt.Errorf("pcscd instance %d: socket %s not ready: %w (log: %s)", in.Index, in.Socket(), ctx.Err(), in.LogPath())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop ends the pcscd and releases the instance's lock.
func (in *Instance) Stop() error {
	defer in.lock.Close()
	select {
	case <-in.exited:
		return nil
	default:
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
		return nil
	case <-time.After(5 * time.Second):
		in.cmd.Process.Kill()
		<-in.exited
		return fmt.Errorf("pcscd instance %d ignored SIGTERM for 5 s and was killed", in.Index)
	}
}

// Socket returns the path of the instance's pcscd socket.
func (in *Instance) Socket() string { return filepath.Join(in.Dir, "run", "pcscd.comm") }

// LogPath returns the file that receives the instance's pcscd output.
func (in *Instance) LogPath() string { return filepath.Join(in.Dir, "pcscd.log") }

// Env returns the environment entry that points libpcsclite at the instance.
func (in *Instance) Env() string { return SocketEnv + "=" + in.Socket() }

// Slot returns the global vpcd slot of the instance's local slot, 0 or 1.
func (in *Instance) Slot(local int) int { return 2*in.Index + local }

// Command returns a command whose PC/SC calls go to this instance.
func (in *Instance) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), in.Env())
	return cmd
}

func (in *Instance) confPath() string { return filepath.Join(in.Dir, "reader.conf") }

// ReaderConf returns the reader.conf of instance index: one vpcd entry
// whose two slots listen on the ports of global slots 2K and 2K+1.
func ReaderConf(index int) string {
	_, portText, _ := net.SplitHostPort(vpcd.SlotAddr(2 * index))
	port, _ := strconv.Atoi(portText)
	return fmt.Sprintf("FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x%04X\nLIBPATH      %s\nCHANNELID    0x%04X\n",
		port, Driver, port)
}
