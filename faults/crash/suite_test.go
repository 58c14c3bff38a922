package crash_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/stacktest"
)

// Labels of the specs. Every spec carries Faults and one of the others.
var (
	Faults  = Label("faults")
	Crash   = Label("crash")
	Storage = Label("storage")
)

// gcacardBin is the gcacard binary built with the crashtest tag, shared
// by every parallel process of the suite.
var gcacardBin string

func TestCrash(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Crash and storage faults")
}

var _ = SynchronizedBeforeSuite(func() []byte {
	stacktest.RequirePCSCD(GinkgoTB())
	dir, err := os.MkdirTemp("", "gcacard-faults-crash-")
	Expect(err).NotTo(HaveOccurred())
	bin := filepath.Join(dir, "gcacard")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-tags", "crashtest", "-o", bin, "gcacard/cmd/gcacard")
	output, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build -tags crashtest gcacard/cmd/gcacard:\n%s", output)
	return []byte(bin)
}, func(bin []byte) {
	gcacardBin = string(bin)
})

var _ = SynchronizedAfterSuite(func() {
	Expect(writeProcessCounts()).To(Succeed())
}, func() {
	Expect(mergeCounts()).To(Succeed())
	os.RemoveAll(filepath.Dir(gcacardBin))
})
