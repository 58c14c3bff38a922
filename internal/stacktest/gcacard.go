package stacktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"gcacard/vpcd"
)

// StopTimeout bounds how long a gcacard process gets to exit after
// SIGTERM or SIGKILL.
const StopTimeout = 10 * time.Second

// build is the gcacard binary that BuildGcacard built for this test
// binary, shared by all its tests. Its mutex also guards gcaBuild, and dir
// is the temporary folder of both binaries.
var build struct {
	sync.Mutex
	mainCalled bool
	dir        string
	path       string
	err        error
}

// Main runs the tests of a package that calls BuildGcacard or BuildGca and
// then removes the binaries. Call it from TestMain:
//
//	func TestMain(m *testing.M) { stacktest.Main(m) }
func Main(m *testing.M) {
	build.Lock()
	build.mainCalled = true
	build.Unlock()

	code := m.Run()

	build.Lock()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	build.Unlock()
	os.Exit(code)
}

// BuildGcacard builds the gcacard command into a temporary folder once per
// test binary and returns the binary's path. The test binary's TestMain
// must call Main, which removes the folder at the end.
func BuildGcacard(t testing.TB) string {
	t.Helper()
	build.Lock()
	defer build.Unlock()
	if !build.mainCalled {
		t.Fatal("BuildGcacard needs stacktest.Main: add `func TestMain(m *testing.M) { stacktest.Main(m) }` to the package's tests")
	}
	if build.path == "" && build.err == nil {
		build.path, build.err = buildCommand("gcacard")
	}
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// buildCommand builds the command gcacard/cmd/NAME into build.dir, which
// it creates on first use, and returns the binary's path. The caller holds
// build's lock.
func buildCommand(name string) (string, error) {
	if build.dir == "" {
		dir, err := os.MkdirTemp("", "gcacard-stacktest-")
		if err != nil {
			return "", fmt.Errorf("building %s: %w", name, err)
		}
		build.dir = dir
	}
	path := filepath.Join(build.dir, name)

	// go test puts its own toolchain first in PATH. The import path works
	// from any package folder inside the module.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "gcacard/cmd/"+name)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build gcacard/cmd/%s failed: %v\n%s", name, err, output)
	}
	return path, nil
}

// Serve is a running `gcacard serve` process.
type Serve struct {
	Args []string

	cmd    *exec.Cmd
	output *SyncBuffer
	exited chan struct{}
	// waitErr is the result of cmd.Wait, set before exited is closed.
	waitErr error

	mu      sync.Mutex
	stopped bool
}

// ServeEnv returns the environment for a gcacard serve that a test starts
// while it holds the slot's lock (LockSlot), so that serve does not take it.
func ServeEnv() []string { return append(os.Environ(), vpcd.SlotLockHeldEnv+"=1") }

// StartServe starts `gcacard serve ARGS...` with the binary from
// BuildGcacard. Its stdout and stderr go to a buffer that Output returns
// and that the test log shows when the test fails. At cleanup a process
// still running gets SIGTERM and must exit with status 0.
func StartServe(t testing.TB, args ...string) *Serve {
	t.Helper()
	bin := BuildGcacard(t)

	s := &Serve{
		Args:   append([]string{"serve"}, args...),
		output: &SyncBuffer{},
		exited: make(chan struct{}),
	}
	s.cmd = exec.Command(bin, s.Args...)
	s.cmd.Env = ServeEnv()
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting gcacard %v: %v", s.Args, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	t.Cleanup(func() {
		if !s.isStopped() {
			s.Stop(t)
		}
		if t.Failed() {
			t.Logf("output of gcacard %v (pid %d):\n%s", s.Args, s.PID(), s.Output())
		}
	})
	return s
}

// PID returns the process ID.
func (s *Serve) PID() int { return s.cmd.Process.Pid }

// Output returns what the process has written to stdout and stderr so far.
func (s *Serve) Output() string { return s.output.String() }

// Exited is closed when the process has exited.
func (s *Serve) Exited() <-chan struct{} { return s.exited }

// Running reports whether the process has not exited yet.
func (s *Serve) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *Serve) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

func (s *Serve) markStopped() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
}

// Stop sends SIGTERM, waits up to StopTimeout for the process to exit and
// fails the test unless it exits with status 0. A process that is still
// running then gets SIGKILL.
func (s *Serve) Stop(t testing.TB) {
	t.Helper()
	s.markStopped()
	if s.Running() {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("sending SIGTERM to gcacard (pid %d): %v", s.PID(), err)
		}
	}
	if !s.wait(StopTimeout) {
		t.Errorf("gcacard %v (pid %d) still running %v after SIGTERM, sending SIGKILL", s.Args, s.PID(), StopTimeout)
		s.cmd.Process.Kill()
		s.wait(StopTimeout)
		return
	}
	if code := s.ExitCode(); code != 0 {
		t.Errorf("gcacard %v (pid %d) exited with status %d after SIGTERM, want 0 (wait: %v)", s.Args, s.PID(), code, s.waitErr)
	}
}

// Kill sends SIGKILL, as a crash or power loss would end the daemon, and
// waits up to StopTimeout for the process to exit.
func (s *Serve) Kill(t testing.TB) {
	t.Helper()
	s.markStopped()
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("sending SIGKILL to gcacard (pid %d): %v", s.PID(), err)
	}
	if !s.wait(StopTimeout) {
		t.Errorf("gcacard (pid %d) still running %v after SIGKILL", s.PID(), StopTimeout)
	}
}

// ExitCode returns the exit status, or -1 while the process runs or when a
// signal ended it.
func (s *Serve) ExitCode() int {
	if s.Running() {
		return -1
	}
	return s.cmd.ProcessState.ExitCode()
}

func (s *Serve) wait(timeout time.Duration) bool {
	select {
	case <-s.exited:
		return true
	case <-time.After(timeout):
		return false
	}
}

// SyncBuffer is a bytes.Buffer that a process's output copiers and the
// test can use at the same time.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
