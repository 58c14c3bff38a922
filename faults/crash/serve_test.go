package crash_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/stacktest"
)

// Bounds of the waits. The specs assert no time: these only keep a broken
// run from hanging.
const (
	// exitTimeout bounds how long gcacard takes to exit after SIGTERM, a
	// self-inflicted SIGKILL or a start that must fail.
	exitTimeout = 15 * time.Second
	// cardTimeout bounds how long pcscd takes to show a card inserted or
	// removed.
	cardTimeout = 30 * time.Second
)

// crashEnv names the variable that a crashtest build of gcacard serve
// reads (cmd/gcacard/crashtest.go).
const crashEnv = "GCACARD_TEST_CRASH"

// server is one `gcacard serve` process of the crashtest build.
type server struct {
	args   []string
	cmd    *exec.Cmd
	output *stacktest.SyncBuffer
	exited chan struct{}
}

// startServer starts gcacard serve with one card of profile in slot,
// with crash (OP:STAGE:N) in crashEnv when not empty. The process is
// killed at cleanup when it still runs, and its output is attached to a
// failed spec.
func startServer(profile, stateDir string, slot int, crash string) *server {
	GinkgoHelper()
	s := &server{
		args:   []string{"serve", "--profile", profile, "--state", stateDir, "--slot", fmt.Sprint(slot)},
		output: &stacktest.SyncBuffer{},
		exited: make(chan struct{}),
	}
	s.cmd = exec.Command(gcacardBin, s.args...)
	s.cmd.Env = stacktest.ServeEnv()
	if crash != "" {
		s.cmd.Env = append(s.cmd.Env, crashEnv+"="+crash)
	}
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	Expect(s.cmd.Start()).To(Succeed(), "starting gcacard %v", s.args)
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()

	DeferCleanup(func() {
		if s.running() {
			s.cmd.Process.Kill()
			<-s.exited
		}
		if CurrentSpecReport().Failed() {
			AddReportEntry(fmt.Sprintf("output of gcacard %s %v", crash, s.args), s.output.String())
		}
	})
	return s
}

func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// waitExit waits for the process to exit and fails the spec when it does
// not within exitTimeout.
func (s *server) waitExit() {
	GinkgoHelper()
	select {
	case <-s.exited:
	case <-time.After(exitTimeout):
		Fail(fmt.Sprintf("gcacard %v still running after %v:\n%s", s.args, exitTimeout, s.output.String()))
	}
}

// killedBySIGKILL reports whether the exited process was ended by SIGKILL.
func (s *server) killedBySIGKILL() bool {
	status, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && status.Signaled() && status.Signal() == syscall.SIGKILL
}

// stop sends SIGTERM and expects exit status 0.
func (s *server) stop() {
	GinkgoHelper()
	Expect(s.cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
	s.waitExit()
	Expect(s.cmd.ProcessState.ExitCode()).To(Equal(0), "gcacard exit status after SIGTERM:\n%s", s.output.String())
}

// runGcacard runs the crashtest gcacard to its end with args and returns
// its combined output and exit status.
func runGcacard(args ...string) (string, int) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()
	output, err := exec.CommandContext(ctx, gcacardBin, args...).CombinedOutput()
	Expect(ctx.Err()).NotTo(HaveOccurred(), "gcacard %v did not exit within %v:\n%s", args, exitTimeout, output)
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return string(output), exitErr.ExitCode()
	}
	Expect(err).NotTo(HaveOccurred(), "running gcacard %v", args)
	return string(output), 0
}

// useSlot locks a vpcd slot for the rest of the spec and waits until its
// reader is empty. Parallel process N of the suite uses slot (N-1) mod 2.
func useSlot() (slot int, reader string) {
	GinkgoHelper()
	stacktest.RequirePCSCD(GinkgoTB())
	slot = (GinkgoParallelProcess() - 1) % stacktest.Slots
	stacktest.LockSlot(GinkgoTB(), slot)
	reader = stacktest.ReaderName(slot)
	waitCard(reader, false)
	return slot, reader
}

// waitCard waits through PC/SC until reader holds a card or is empty.
func waitCard(reader string, present bool) {
	GinkgoHelper()
	_, err := stacktest.WaitCard(context.Background(), reader, present, cardTimeout)
	Expect(err).NotTo(HaveOccurred())
}

// outputContains reports whether output contains every part.
func outputContains(output *stacktest.SyncBuffer, parts ...string) bool {
	out := output.String()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			return false
		}
	}
	return true
}
