package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runOptionNames are options that the help must list.
var runOptionNames = []string{"-rounds", "-ops", "-scale", "-conformance-runs", "-out", "-doc"}

func TestHelpListsRunOptions(t *testing.T) {
	var stdout, stderr bytes.Buffer
	status := gcabench(context.Background(), []string{"help"}, &stdout, &stderr)

	if status != 0 {
		t.Errorf("gcabench help: exit status %d, want 0", status)
	}
	if stderr.Len() != 0 {
		t.Errorf("gcabench help: stderr %q, want nothing", stderr.String())
	}
	for _, name := range runOptionNames {
		if !strings.Contains(stdout.String(), name) {
			t.Errorf("gcabench help does not list %s:\n%s", name, stdout.String())
		}
	}
}

func TestRunHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"run", "-h"}, {"run", "--help"}, {"run", "help"}} {
		var stdout, stderr bytes.Buffer
		status := gcabench(context.Background(), args, &stdout, &stderr)

		if status != 0 {
			t.Errorf("gcabench %s: exit status %d, want 0", strings.Join(args, " "), status)
		}
		if stderr.Len() != 0 {
			t.Errorf("gcabench %s: stderr %q, want nothing", strings.Join(args, " "), stderr.String())
		}
		if !strings.Contains(stdout.String(), "Options of run:") || !strings.Contains(stdout.String(), "-rounds") {
			t.Errorf("gcabench %s: stdout lacks the options of run:\n%s", strings.Join(args, " "), stdout.String())
		}
	}
}

func TestRunUnknownOptionFails(t *testing.T) {
	var stdout, stderr bytes.Buffer
	status := gcabench(context.Background(), []string{"run", "-no-such-option"}, &stdout, &stderr)

	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	if want := "gcabench: flag provided but not defined: -no-such-option (see gcabench help)"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want it to contain %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
}

func TestSettingsPlurals(t *testing.T) {
	o, err := parseOptions([]string{"-rounds", "1", "-scale-rounds", "1"})
	if err != nil {
		t.Fatal(err)
	}

	got := o.settings([]int{1, 2})
	if want := "1 round, at most 2000 operations or 3s per workload, card and round; scale 1 round of 5s"; got != want {
		t.Errorf("settings = %q, want %q", got, want)
	}
	if got := o.settings(nil); strings.Contains(got, "scale") {
		t.Errorf("settings without a scale measurement = %q, want no scale part", got)
	}
}
