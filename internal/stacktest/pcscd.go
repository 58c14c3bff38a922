package stacktest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RestartPCSCDEnv names the environment variable that allows tests to
// restart pcscd. RestartPCSCD runs only when it is "1". scripts/with-pcscd.sh
// sets it when it started pcscd itself, and .ci/run sets it because CI owns
// the machine. A developer's own pcscd is left alone otherwise.
const RestartPCSCDEnv = "GCACARD_TEST_RESTART_PCSCD"

// PCSCDLogEnv names the environment variable with the log file that a
// pcscd started by RestartPCSCD appends to. scripts/with-pcscd.sh sets it
// to its own pcscd log. Without it the log is gcacard-test-pcscd.log in
// os.TempDir().
const PCSCDLogEnv = "GCACARD_PCSCD_LOG"

// pcscdTimeout bounds each step of a pcscd restart: the old process
// exiting and the new one opening its socket.
const pcscdTimeout = 10 * time.Second

// RestartPCSCD stops the running pcscd with SIGTERM and starts a new
// `pcscd --foreground` in its own session, and leaves the new one running
// after the test. It skips or fails the test as AllowPCSCDRestart does.
//
// A restart breaks every PC/SC client on the machine, so the caller must
// hold the lock of every slot (LockSlot) to keep other tests that use the
// readers out. Tests that use pcscd without a slot lock are not protected.
func RestartPCSCD(t testing.TB) {
	t.Helper()
	AllowPCSCDRestart(t)
	if !holdsAllSlots() {
		t.Fatalf("RestartPCSCD: lock every slot with LockSlot first, so no other test uses the readers during the restart")
	}

	stopPCSCD(t)
	startPCSCD(t)
}

// AllowPCSCDRestart skips the test unless RestartPCSCDEnv is "1", and fails
// it when that is set but the test does not run as root. A test calls it
// before it starts anything that a skip would waste.
func AllowPCSCDRestart(t testing.TB) {
	t.Helper()
	if os.Getenv(RestartPCSCDEnv) != "1" {
		t.Skipf("restarting pcscd is off: set %s=1 to let this test restart the machine's pcscd (scripts/with-pcscd.sh sets it when it started pcscd, and .ci/run sets it)", RestartPCSCDEnv)
	}
	if os.Geteuid() != 0 {
		t.Fatalf("%s=1, but restarting pcscd needs root: run the tests as root or unset %s", RestartPCSCDEnv, RestartPCSCDEnv)
	}
}

// stopPCSCD sends SIGTERM to the pcscd named in PCSCDPIDFile and waits for
// it to exit and its socket to close.
func stopPCSCD(t testing.TB) {
	t.Helper()
	raw, err := os.ReadFile(PCSCDPIDFile)
	if err != nil {
		t.Fatalf("reading pcscd's pid: %v: a pcscd started by systemd socket activation cannot be restarted by the tests, unset %s", err, RestartPCSCDEnv)
	}
	// pcscd 1.9.9 writes the pid, a newline and a NUL byte.
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimRight(string(raw), "\x00")))
	if err != nil || pid <= 0 {
		t.Fatalf("invalid pid %q in %s", raw, PCSCDPIDFile)
	}
	if name := processName(pid); name != "pcscd" {
		t.Fatalf("%s names pid %d, which is %q, not pcscd", PCSCDPIDFile, pid, name)
	}

	t.Logf("stopping pcscd (pid %d)", pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("sending SIGTERM to pcscd (pid %d): %v", pid, err)
	}
	deadline := time.Now().Add(pcscdTimeout)
	for processRunning(pid) || socketLive(t) {
		if time.Now().After(deadline) {
			t.Fatalf("pcscd (pid %d) did not exit within %v of SIGTERM", pid, pcscdTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startPCSCD starts pcscd and waits for its socket. The new pcscd gets its
// own session and a log file for its output, so it outlives the test
// binary and does not hold go test's output pipe open.
func startPCSCD(t testing.TB) {
	t.Helper()
	// pcscd refuses to start while its pid file names a process that still
	// exists, such as the old pcscd as a zombie that its parent has not
	// reaped yet. No process listens on the socket here, so both files
	// are stale.
	for _, path := range []string{PCSCDSocket, PCSCDPIDFile} {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("removing stale %s: %v", path, err)
		}
	}

	logPath := os.Getenv(PCSCDLogEnv)
	if logPath == "" {
		logPath = filepath.Join(os.TempDir(), "gcacard-test-pcscd.log")
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("opening the pcscd log: %v", err)
	}
	defer logFile.Close()

	cmd := exec.Command("pcscd", "--foreground")
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting pcscd: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		// Reaps pcscd if it exits while this test binary runs.
		cmd.Wait()
		close(exited)
	}()
	t.Logf("started pcscd --foreground (pid %d), log in %s", cmd.Process.Pid, logPath)

	deadline := time.Now().Add(pcscdTimeout)
	for !socketLive(t) {
		select {
		case <-exited:
			t.Fatalf("pcscd exited before it opened %s: %v. Last lines of %s:\n%s", PCSCDSocket, cmd.ProcessState, logPath, tail(logPath, 20))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pcscd did not open %s within %v. Last lines of %s:\n%s", PCSCDSocket, pcscdTimeout, logPath, tail(logPath, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func socketLive(t testing.TB) bool {
	t.Helper()
	live, err := SocketIsLive()
	if err != nil {
		t.Fatalf("checking whether pcscd listens on %s: %v", PCSCDSocket, err)
	}
	return live
}

// processName returns the command name of pid from /proc, or "" when the
// process does not exist.
func processName(pid int) string {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(comm))
}

// processRunning reports whether pid exists and is not a zombie.
func processRunning(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return true
	}
	return stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// tail returns the last n lines of a file, or the error reading it.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
