package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/stacktest"
)

// TestMain runs the worker when the test binary is started as one, and the
// specs otherwise.
func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		runWorker()
		os.Exit(0)
	}
	stacktest.Main(m)
}

func TestStackFaults(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "PC/SC stack faults")
}

// Labels of the specs. Every spec carries Faults and one area label.
var (
	Faults      = Label("faults")
	Stack       = Label("stack")
	Concurrency = Label("concurrency")
	Random      = Label("random")
	// NeedsRoot specs start pcscd instances of internal/pcscdns.
	NeedsRoot = Label("root")
)

var _ = BeforeSuite(func() {
	stacktest.RequirePCSCD(GinkgoTB())
})

// stackCounts are the counts the suite writes to stack-counts.json. A spec
// that did not run leaves its fields at zero.
type stackCounts struct {
	mu sync.Mutex

	PCSCDRestarts      int    `json:"pcscdRestarts"`
	ReadsBeforeRestart int    `json:"readsBeforeRestart"`
	RestartErrorCode   string `json:"restartErrorCode,omitempty"`
	// ErrorCodeWhileStopped is the code of a call made while pcscd is down.
	ErrorCodeWhileStopped string         `json:"errorCodeWhileStopped,omitempty"`
	CertificateDrops      int            `json:"certificateReadDrops"`
	PowerCycles           int            `json:"powerCycles"`
	PowerOffsSeen         int            `json:"powerOffsSeenByCard"`
	Reinsertions          int            `json:"reinsertions"`
	ReinsertionOutcomes   map[string]int `json:"reinsertionOutcomes,omitempty"`
	RaceTransactions      int            `json:"raceTransactions"`
	RaceVerifies          int            `json:"raceVerifies"`
	LoadCards             int            `json:"loadCards"`
	LoadVerifies          int            `json:"loadVerifies"`
	LoadHistogram         map[string]int `json:"loadHistogram,omitempty"`
	RandomSeed            uint64         `json:"randomSeed"`
	RandomAPDUs           int            `json:"randomAPDUs"`
	RandomKinds           map[string]int `json:"randomKinds,omitempty"`
	RandomHistogram       map[string]int `json:"randomHistogram,omitempty"`
	ConformanceAfter      string         `json:"conformanceAfterRandom,omitempty"`
}

var counts = &stackCounts{}

// update changes the counts under their lock.
func (c *stackCounts) update(f func(c *stackCounts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// reportDir returns GCA_REPORT_DIR, or reports/ at the top of the
// repository: the suite runs in faults/stack.
func reportDir() string {
	if dir := os.Getenv("GCA_REPORT_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "reports")
}

var _ = AfterSuite(func() {
	dir := filepath.Join(reportDir(), "faults")
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	counts.mu.Lock()
	b, err := json.MarshalIndent(counts, "", "  ")
	counts.mu.Unlock()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(dir, "stack-counts.json")
	Expect(os.WriteFile(path, append(b, '\n'), 0o644)).To(Succeed())
	GinkgoWriter.Printf("counts written to %s\n", path)
})
