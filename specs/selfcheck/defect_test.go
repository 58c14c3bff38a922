package selfcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"gcacard/emulator"
	"gcacard/harness"
	"gcacard/internal/stacktest"
)

// defectCases are the deliberate defects, the label filter that keeps each
// run short while still running the specs that should catch the defect,
// and the requirement IDs that the defect breaks.
var defectCases = []struct {
	defect string
	labels string
	broken []string
}{
	{defect: emulator.DefectNoUserCodeDecrement, labels: "lockout", broken: []string{"CNT-01", "ACT-02"}},
	{defect: emulator.DefectShortPIN, labels: "rules", broken: []string{"REF-01", "REF-03"}},
}

// TestSuiteCatchesDefects runs the suite once per defect, on virtual
// cards in two parallel processes.
func TestSuiteCatchesDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suite twice, so it is skipped with -short")
	}
	stacktest.RequirePCSCD(t)

	for _, c := range defectCases {
		t.Run(c.defect, func(t *testing.T) {
			dir := t.TempDir()
			output, err := runSuite(t, dir, c.defect, c.labels)
			var exitErr *exec.ExitError
			switch {
			case err == nil:
				t.Fatalf("the suite passed on a card with defect %s (label filter %q): it must fail", c.defect, c.labels)
			case !errors.As(err, &exitErr):
				t.Fatalf("running ginkgo: %v\n%s", err, output)
			}

			verdicts := summaryVerdicts(t, filepath.Join(dir, "summary.md"))
			failedIDs := failedSpecIDs(t, filepath.Join(dir, "report.json"))
			for _, id := range c.broken {
				if verdicts[id] != "FAIL" {
					t.Errorf("summary.md marks %s as %q with defect %s, want FAIL", id, verdicts[id], c.defect)
				}
				if !slices.Contains(failedIDs, id) {
					t.Errorf("report.json has no failed spec citing %s with defect %s", id, c.defect)
				}
			}
			if t.Failed() {
				t.Logf("ginkgo output:\n%s", output)
			}
		})
	}
}

// runSuite runs the specs with go tool ginkgo on the virtual target with
// defect, writing summary.md and report.json into dir. It returns ginkgo's
// output and its exit error.
func runSuite(t *testing.T, dir, defect, labels string) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		defer cancel()
	}

	procs := os.Getenv(harness.EnvSlots)
	if procs == "" {
		procs = "2"
	}
	// The test runs in specs/selfcheck, so the suite is the parent folder.
	cmd := exec.CommandContext(ctx, "go", "tool", "ginkgo",
		"--procs", procs, "--no-color", "--succinct",
		"--label-filter", labels,
		"--json-report", "report.json", "--output-dir", dir,
		"..")
	cmd.Env = append(suiteEnv(),
		harness.EnvReportDir+"="+dir,
		harness.EnvDefect+"="+defect)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err := cmd.Run()
	return output.Bytes(), err
}

// suiteEnv returns the environment without the variables that configure a
// conformance run, so the run is on the virtual target whatever the
// caller's environment holds.
func suiteEnv() []string {
	drop := []string{harness.EnvReader, harness.EnvSecretsFile, harness.EnvAllowDestructive,
		harness.EnvReportDir, harness.EnvDefect}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			env = append(env, kv)
		}
	}
	return env
}

// summaryRow matches a row of the requirements table in summary.md:
// | ID | verdict | passed | failed | not run |.
var summaryRow = regexp.MustCompile(`(?m)^\| ([A-Z]{2,4}-\d{2}) \| ([^|]+?) \|`)

// summaryVerdicts returns the verdict of each requirement ID in summary.md.
func summaryVerdicts(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the suite's summary: %v", err)
	}
	verdicts := map[string]string{}
	for _, m := range summaryRow.FindAllStringSubmatch(string(b), -1) {
		verdicts[m[1]] = m[2]
	}
	if len(verdicts) == 0 {
		t.Fatalf("%s has no requirements table", path)
	}
	return verdicts
}

var citedID = regexp.MustCompile(`\b[A-Z]{2,4}-\d{2}\b`)

// failedSpecIDs returns the requirement IDs that the failed specs of
// report.json cite.
func failedSpecIDs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading ginkgo's JSON report: %v", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	var ids []string
	for _, report := range reports {
		for _, spec := range report.SpecReports {
			if spec.LeafNodeType == types.NodeTypeIt && spec.State.Is(types.SpecStateFailureStates) {
				ids = append(ids, citedID.FindAllString(spec.FullText(), -1)...)
			}
		}
	}
	return ids
}
