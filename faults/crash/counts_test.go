package crash_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
)

// reportDirEnv names the variable with the folder for crash-counts.json.
// `make faults` sets it to reports/faults.
const reportDirEnv = "GCA_FAULTS_REPORT_DIR"

// countsFile is the suite's summary in the report folder.
const countsFile = "crash-counts.json"

// runRecord is one crash run or storage case of this process.
type runRecord struct {
	Kind  string `json:"kind"` // "crash" or "storage"
	Name  string `json:"name"`
	Point string `json:"point,omitempty"`
	Value string `json:"value,omitempty"`
	Hit   int    `json:"hit,omitempty"`
	// Killed reports that gcacard serve was seen to end by SIGKILL at
	// the point.
	Killed bool `json:"killed,omitempty"`
	Passed bool `json:"passed"`
}

// runCounts collects the records of this process.
type runCounts struct {
	mu      sync.Mutex
	records []*runRecord
	current *runRecord
}

var counts = &runCounts{}

// startRun adds a crash run and makes it the current one.
func (c *runCounts) startRun(cc crashCase) *runRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &runRecord{Kind: "crash", Name: cc.String(), Point: cc.point().String(), Value: pick(cc.correct, "correct", "wrong"), Hit: cc.hit}
	c.records = append(c.records, r)
	c.current = r
	return r
}

// killed marks the current crash run as ended by SIGKILL.
func (c *runCounts) killed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current.Killed = true
}

// startStorage adds a storage case.
func (c *runCounts) startStorage(name string) *runRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &runRecord{Kind: "storage", Name: name}
	c.records = append(c.records, r)
	return r
}

// recordStorage adds the current spec as a storage case and sets whether
// it passed when the spec ends.
func recordStorage() {
	r := counts.startStorage(CurrentSpecReport().LeafNodeText)
	DeferCleanup(func() { r.Passed = !CurrentSpecReport().Failed() })
}

func reportDir() (string, error) {
	if dir := os.Getenv(reportDirEnv); dir != "" {
		return dir, nil
	}
	// The suite runs in faults/crash.
	return filepath.Abs(filepath.Join("..", "..", "reports", "faults"))
}

func processFile(dir string, proc int) string {
	return filepath.Join(dir, fmt.Sprintf(".crash-counts-%d.json", proc))
}

// writeProcessCounts writes this process's records for mergeCounts.
func writeProcessCounts() error {
	dir, err := reportDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	counts.mu.Lock()
	defer counts.mu.Unlock()
	b, err := json.Marshal(counts.records)
	if err != nil {
		return err
	}
	return os.WriteFile(processFile(dir, GinkgoParallelProcess()), b, 0o644)
}

// summary is the content of crash-counts.json.
type summary struct {
	// CrashPoints lists the distinct OP:STAGE points that were crashed.
	CrashPoints    []string     `json:"crashPoints"`
	Operations     int          `json:"operations"`
	CrashRuns      int          `json:"crashRuns"`
	KillsConfirmed int          `json:"killsConfirmed"`
	CrashPassed    int          `json:"crashPassed"`
	StorageCases   int          `json:"storageCases"`
	StoragePassed  int          `json:"storagePassed"`
	Runs           []*runRecord `json:"runs"`
}

// mergeCounts joins the records of every parallel process into
// crash-counts.json and prints the totals. Process 1 runs it after all
// processes have written their records.
func mergeCounts() error {
	dir, err := reportDir()
	if err != nil {
		return err
	}
	var s summary
	suiteConfig, _ := GinkgoConfiguration()
	for proc := 1; proc <= suiteConfig.ParallelTotal; proc++ {
		b, err := os.ReadFile(processFile(dir, proc))
		if err != nil {
			return fmt.Errorf("reading the counts of process %d: %w", proc, err)
		}
		var records []*runRecord
		if err := json.Unmarshal(b, &records); err != nil {
			return fmt.Errorf("reading the counts of process %d: %w", proc, err)
		}
		s.Runs = append(s.Runs, records...)
		os.Remove(processFile(dir, proc))
	}

	operations := map[string]bool{}
	for _, r := range s.Runs {
		if r.Kind == "storage" {
			s.StorageCases++
			if r.Passed {
				s.StoragePassed++
			}
			continue
		}
		s.CrashRuns++
		if r.Killed {
			s.KillsConfirmed++
		}
		if r.Passed {
			s.CrashPassed++
		}
		if !slices.Contains(s.CrashPoints, r.Point) {
			s.CrashPoints = append(s.CrashPoints, r.Point)
		}
		op, _, _ := strings.Cut(r.Point, ":")
		operations[op] = true
	}
	slices.Sort(s.CrashPoints)
	s.Operations = len(operations)

	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, countsFile), b, 0o644); err != nil {
		return err
	}
	AddReportEntry("crash fault counts", fmt.Sprintf("%d crash points over %d operations, %d crash runs (%d passed, %d ended by SIGKILL), %d storage cases (%d passed); details in %s",
		len(s.CrashPoints), s.Operations, s.CrashRuns, s.CrashPassed, s.KillsConfirmed, s.StorageCases, s.StoragePassed, filepath.Join(dir, countsFile)))
	return nil
}
