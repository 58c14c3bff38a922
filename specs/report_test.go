package specs_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// profilePath is the card profile, relative to this package.
const profilePath = "../docs/card-profile.md"

var (
	profileID = regexp.MustCompile(`(?m)^\| ([A-Z]{2,4}-\d{2}) \|`)
	citedID   = regexp.MustCompile(`\b[A-Z]{2,4}-\d{2}\b`)
)

// requirementIDs returns the IDs of the profile's requirement tables.
func requirementIDs() ([]string, error) {
	b, err := os.ReadFile(profilePath)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, m := range profileID.FindAllStringSubmatch(string(b), -1) {
		ids = append(ids, m[1])
	}
	return ids, nil
}

// specIDs returns the requirement IDs a spec's texts cite.
func specIDs(r types.SpecReport) []string {
	text := strings.Join(append(r.ContainerHierarchyTexts, r.LeafNodeText), " ")
	return citedID.FindAllString(text, -1)
}

// The coverage check and the summary run once, after all processes.
var _ = ReportAfterSuite("coverage and summary", func(report Report) {
	ids, err := requirementIDs()
	if err != nil {
		Fail(fmt.Sprintf("reading the card profile: %v", err))
		return
	}
	results := resultsByID(report)

	var missing []string
	for _, id := range ids {
		if _, ok := results[id]; !ok {
			missing = append(missing, id)
		}
	}
	if err := writeSummary(report, ids, results); err != nil {
		Fail(fmt.Sprintf("writing the summary: %v", err))
	}
	// When the suite's setup failed no spec ran or was listed, and the
	// setup failure is the one to report.
	if len(missing) > 0 && !setupFailed(report) {
		Fail(fmt.Sprintf("coverage: no spec cites %d requirement IDs of the card profile: %s",
			len(missing), strings.Join(missing, ", ")))
	}
})

// setupFailed reports whether a BeforeSuite node failed.
func setupFailed(report Report) bool {
	for _, r := range report.SpecReports {
		if r.LeafNodeType.Is(types.NodeTypeBeforeSuite|types.NodeTypeSynchronizedBeforeSuite) && r.State.Is(types.SpecStateFailureStates) {
			return true
		}
	}
	return false
}

// idResult is what the run found for one requirement ID.
type idResult struct {
	passed, failed, skipped int
	failures                []string
}

func (r idResult) verdict() string {
	switch {
	case r.failed > 0:
		return "FAIL"
	case r.passed > 0:
		return "pass"
	}
	return "not run"
}

// resultsByID counts, for every cited ID, the specs that passed, failed
// or did not run. A spec the label filter left out still counts as citing
// its IDs.
func resultsByID(report Report) map[string]*idResult {
	results := map[string]*idResult{}
	for _, r := range report.SpecReports {
		if r.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, id := range specIDs(r) {
			res := results[id]
			if res == nil {
				res = &idResult{}
				results[id] = res
			}
			switch {
			case r.State.Is(types.SpecStatePassed):
				res.passed++
			case r.State.Is(types.SpecStateFailureStates):
				res.failed++
				res.failures = append(res.failures, r.FullText())
			default:
				res.skipped++
			}
		}
	}
	return results
}

// writeSummary writes reports/summary.md: the run, the cards, and pass or
// fail per requirement ID with links to the APDU records.
func writeSummary(report Report, ids []string, results map[string]*idResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# GCA card profile conformance\n\n")
	fmt.Fprintf(&b, "- date: %s\n", report.StartTime.Format(time.RFC3339))
	fmt.Fprintf(&b, "- target: %s\n", cfg.Target)
	if cfg.Reader != "" {
		fmt.Fprintf(&b, "- reader: %s\n", cfg.Reader)
	}
	specs := report.SpecReports.WithLeafNodeType(types.NodeTypeIt)
	fmt.Fprintf(&b, "- result: %s (%d specs passed, %d failed, %d skipped)\n\n",
		map[bool]string{true: "PASS", false: "FAIL"}[report.SuiteSucceeded],
		specs.CountWithState(types.SpecStatePassed),
		specs.CountWithState(types.SpecStateFailureStates),
		specs.CountWithState(types.SpecStateSkipped|types.SpecStatePending))

	fmt.Fprintf(&b, "## Cards\n\n| card number | reader | ATR |\n|---|---|---|\n")
	for _, c := range cardsOf(report) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.CardNumber, c.Reader, c.ATR)
	}

	fmt.Fprintf(&b, "\n## Requirements\n\n| ID | result | passed | failed | not run |\n|---|---|---|---|---|\n")
	for _, id := range ids {
		r := results[id]
		if r == nil {
			fmt.Fprintf(&b, "| %s | NOT CITED | 0 | 0 | 0 |\n", id)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d |\n", id, r.verdict(), r.passed, r.failed, r.skipped)
	}

	fmt.Fprintf(&b, "\n## Failures\n\n")
	failed := 0
	for _, r := range report.SpecReports {
		if r.State.Is(types.SpecStateFailureStates) {
			failed++
			name := r.FullText()
			if name == "" {
				name = r.LeafNodeType.String()
			}
			fmt.Fprintf(&b, "- %s: %s\n", name, firstLine(r.Failure.Message))
		}
	}
	if failed == 0 {
		fmt.Fprintf(&b, "None.\n")
	}
	fmt.Fprintf(&b, "\n## APDU records\n\nOne file per spec that sends APDUs in [apdu/](apdu/), secrets redacted.\n")

	path := filepath.Join(cfg.ReportDir, "summary.md")
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// cardsOf returns each distinct card of the run's report entries.
func cardsOf(report Report) []cardEntry {
	var cards []cardEntry
	for _, r := range report.SpecReports {
		for _, e := range r.ReportEntries {
			if e.Name != "card" {
				continue
			}
			// Entries from other parallel processes arrive as JSON.
			c, ok := e.GetRawValue().(cardEntry)
			if !ok && json.Unmarshal([]byte(e.Value.AsJSON), &c) != nil {
				continue
			}
			if !slices.ContainsFunc(cards, func(o cardEntry) bool { return o.CardNumber == c.CardNumber && o.Reader == c.Reader }) {
				cards = append(cards, c)
			}
		}
	}
	return cards
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
