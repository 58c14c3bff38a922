package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/pcscdns"
	"gcacard/internal/stacktest"
)

// restartInstance is the pcscdns instance of the restart spec. It serves
// slots 8 and 9, which the eight-card spec does not use.
const restartInstance = 4

// requireRoot skips a spec that starts pcscd instances when the run is not
// root, and fails it under CI=true, where a skip would hide a gap.
func requireRoot() {
	GinkgoHelper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		Fail("this spec starts pcscd instances of internal/pcscdns, which needs root: run the suite as root in CI")
	}
	Skip("this spec starts pcscd instances of internal/pcscdns, which needs root")
}

// startInstance starts pcscdns instance index in dir. It first removes a
// socket or PID file that a stopped pcscd left there. So the instance can
// start again in the same folder and keep its socket path, which is all a
// running client knows of it.
func startInstance(ctx context.Context, index int, dir string) *pcscdns.Instance {
	GinkgoHelper()
	for _, name := range []string{"pcscd.comm", "pcscd.pid"} {
		os.Remove(filepath.Join(dir, "run", name))
	}
	in, err := pcscdns.Start(ctx, index, dir)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(in.Stop)
	return in
}

var _ = Describe("pcscd restarted", Faults, Stack, NeedsRoot, Serial, func() {
	It("gives the client a clear error, keeps the counters and lets the client reconnect", func() {
		requireRoot()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		dir := GinkgoT().TempDir()
		in := startInstance(ctx, restartInstance, dir)
		s := serveCard("activated", in.Slot(0))
		reader := stacktest.ReaderName(0)

		w, err := startWorker(in.Env())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(w.stop)
		reply, err := w.call(workerRequest{Op: "connect", Reader: reader})
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.OK).To(BeTrue(), "connect: %+v", reply)
		reply, err = w.call(workerRequest{Op: "info"})
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.OK).To(BeTrue(), "info: %+v", reply)
		Expect(reply.CardNumber).To(Equal(s.profile.CardNumber))
		before := s.status()

		By("stopping the instance's pcscd while the client reads the card in a loop")
		start, _ := s.card.counts()
		loop := make(chan workerReply, 1)
		loopErr := make(chan error, 1)
		go func() {
			r, err := w.call(workerRequest{Op: "readloop"})
			loop <- r
			loopErr <- err
		}()
		Eventually(func() int { n, _ := s.card.counts(); return n - start }).
			WithTimeout(30*time.Second).Should(BeNumerically(">=", 100), "commands of the read loop")
		Expect(in.Stop()).To(Succeed())

		var interrupted workerReply
		Eventually(loop).WithTimeout(time.Minute).Should(Receive(&interrupted))
		Expect(<-loopErr).NotTo(HaveOccurred())
		GinkgoWriter.Printf("read loop after pcscd stopped: %+v\n", interrupted)
		Expect(interrupted.OK).To(BeFalse(), "the read loop must stop with an error")
		Expect(interrupted.Reads).To(BeNumerically(">", 0))
		// NOTE: the call that pcscd's stop cuts returns SCARD_F_COMM_ERROR
		// (shown as no-service) or SCARD_E_NO_ACCESS (shown as a reader
		// failure, "Access denied") with pcsc-lite 1.9.9, depending on timing.
		Expect(interrupted.Code).To(BeElementOf("no-service", "pcsc-failure"), "error code of %q", interrupted.Error)
		Expect(interrupted.Message).NotTo(BeEmpty())
		reply, err = w.call(workerRequest{Op: "info"})
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.OK).To(BeFalse(), "info with pcscd stopped: %+v", reply)
		Expect(reply.Code).To(Equal("no-service"), "info with pcscd stopped: %+v", reply)
		Expect(s.status()).To(Equal(before), "card state in memory after the interruption")
		Expect(s.savedStatus()).To(Equal(before), "card state in its state file after the interruption")

		By("starting pcscd again and reconnecting the same client process")
		startInstance(ctx, restartInstance, dir)
		reply, err = w.call(workerRequest{Op: "connect", Reader: reader})
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.OK).To(BeTrue(), "connect after the restart: %+v", reply)
		reply, err = w.call(workerRequest{Op: "info"})
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.OK).To(BeTrue(), "info after the restart: %+v", reply)
		Expect(reply.CardNumber).To(Equal(s.profile.CardNumber))
		Expect(reply.PINRemaining).To(Equal(before.PINTries.Remaining))
		Expect(s.status()).To(Equal(before))

		counts.update(func(c *stackCounts) {
			c.PCSCDRestarts = 1
			c.ReadsBeforeRestart = interrupted.Reads
			c.RestartErrorCode = interrupted.Code
			c.ErrorCodeWhileStopped = reply.Code
		})
	})
})
