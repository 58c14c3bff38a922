package bench

import (
	"strings"
	"testing"
	"time"
)

func TestCountPlurals(t *testing.T) {
	cases := []struct {
		n    int
		want string
	}{
		{0, "0 runs"},
		{1, "1 run"},
		{2, "2 runs"},
	}
	for _, c := range cases {
		if got := Count(c.n, "run"); got != c.want {
			t.Errorf("Count(%d, run) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestMarkdownOneConformanceRun(t *testing.T) {
	r := &Report{Conformance: &Conformance{
		Runs:    []time.Duration{14200 * time.Millisecond},
		Median:  14200 * time.Millisecond,
		Command: "bash scripts/conformance.sh",
	}}
	r.EvaluateTargets()
	markdown := r.Markdown()

	if !strings.Contains(markdown, "Median 14.2 s over 1 run (14.2 s)") {
		t.Errorf("conformance section lacks %q:\n%s", "over 1 run (", markdown)
	}
	if !strings.Contains(markdown, "median 14.2 s over 1 run |") {
		t.Errorf("targets lack %q:\n%s", "median 14.2 s over 1 run", markdown)
	}
	if strings.Contains(markdown, "1 runs") {
		t.Errorf("markdown contains %q:\n%s", "1 runs", markdown)
	}
}

func TestDisplayPath(t *testing.T) {
	cases := []struct {
		name, path, want string
	}{
		{"inside the repository", "/src/gcacard/reports/bench/conformance", "reports/bench/conformance"},
		{"outside", "/tmp/newcomer-bench/conformance", "OUT/conformance"},
		{"sibling with a common prefix", "/src/gcacard-old/conformance", "OUT/conformance"},
	}
	for _, c := range cases {
		if got := DisplayPath("/src/gcacard", c.path, "OUT/conformance"); got != c.want {
			t.Errorf("%s: DisplayPath(%s) = %q, want %q", c.name, c.path, got, c.want)
		}
	}
}
