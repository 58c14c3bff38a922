package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Conformance is the wall time of the conformance suite on the virtual
// target over several runs.
type Conformance struct {
	Runs    []time.Duration `json:"runsNs"`
	Median  time.Duration   `json:"medianNs"`
	Command string          `json:"command"`
	// Failure is the first failed run's error; runs after it are skipped.
	Failure string `json:"failure,omitempty"`
}

// TimeConformance runs `bash scripts/conformance.sh` in repo runs times,
// with its reports and log in reportDir, and times each run. A failed run
// ends the timing and is recorded in Failure, because its time would mean
// nothing. Only a folder that cannot be written is an error. Command and
// Failure name reportDir as shownDir, a path without the machine's
// folders (see DisplayPath).
func TimeConformance(ctx context.Context, repo, reportDir, shownDir string, runs int) (*Conformance, error) {
	if err := os.MkdirAll(reportDir, 0o755); err != nil {
		return nil, err
	}
	c := &Conformance{Command: "bash scripts/conformance.sh (virtual target, GCA_REPORT_DIR=" + shownDir + ")"}
	var seconds []float64
	for i := range runs {
		logPath := filepath.Join(reportDir, fmt.Sprintf("run-%d.log", i+1))
		log, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, "bash", "scripts/conformance.sh")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GCA_REPORT_DIR="+reportDir, "CI=true")
		cmd.Stdout, cmd.Stderr = log, log
		start := time.Now()
		err = cmd.Run()
		d := time.Since(start)
		log.Close()
		if err != nil {
			c.Failure = fmt.Sprintf("run %d failed after %.0f s (%v): see %s/%s", i+1, d.Seconds(), err, shownDir, filepath.Base(logPath))
			break
		}
		c.Runs = append(c.Runs, d)
		seconds = append(seconds, d.Seconds())
	}
	c.Median = time.Duration(Median(seconds) * float64(time.Second))
	return c, nil
}
