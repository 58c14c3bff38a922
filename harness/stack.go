package harness

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Paths of the PC/SC stack as Debian's pcscd and vsmartcard-vpcd install it.
const (
	PCSCDSocket = "/run/pcscd/pcscd.comm"
	VPCDDriver  = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

// pcscdStartTimeout bounds the wait for a pcscd that the harness starts.
const pcscdStartTimeout = 10 * time.Second

// socketIsLive reports whether a process listens on PCSCDSocket. A socket
// file left by a killed pcscd is not listed in /proc/net/unix.
func socketIsLive() bool {
	if fi, err := os.Stat(PCSCDSocket); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return false
	}
	table, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(table), "\n") {
		if strings.HasSuffix(line, " "+PCSCDSocket) {
			return true
		}
	}
	return false
}

// ensurePCSCD checks the stack for target and uses a running pcscd. When
// none runs and the process is root, it starts one and returns the function
// that stops it. Otherwise it returns an error that says what to run.
func ensurePCSCD(target string, log *slog.Logger) (stop func(), err error) {
	if target == TargetVirtual {
		if _, err := os.Stat(VPCDDriver); err != nil {
			return nil, fmt.Errorf("vpcd driver %s not found: install it with `sudo apt-get install vsmartcard-vpcd` (or `make deps`), then restart pcscd", VPCDDriver)
		}
	}
	if socketIsLive() {
		return func() {}, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("pcscd is not running: start it with `sudo systemctl start pcscd` (or as root `pcscd --foreground &`), then run again")
	}
	return startPCSCD(log)
}

func startPCSCD(log *slog.Logger) (func(), error) {
	// pcscd refuses to start while the files of a killed pcscd remain.
	os.Remove(PCSCDSocket)
	os.Remove("/run/pcscd/pcscd.pid")

	cmd := exec.Command("pcscd", "--foreground")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting pcscd: %w: install it with `apt-get install pcscd`", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		log.Info("stopped the pcscd this run started")
	}

	ctx, cancel := context.WithTimeout(context.Background(), pcscdStartTimeout)
	defer cancel()
	for !socketIsLive() {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("pcscd exited at start: %v", err)
		case <-ctx.Done():
			stop()
			return nil, fmt.Errorf("pcscd did not open %s within %s", PCSCDSocket, pcscdStartTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
	log.Info("started pcscd for this run", "pid", cmd.Process.Pid)
	return stop, nil
}
