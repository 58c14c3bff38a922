package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"gcacard/internal/pcscdns"
)

// WorkerResult is the JSON line that a scale worker prints: its READ
// BINARY sample over the measured interval.
type WorkerResult struct {
	Reader string `json:"reader"`
	Sample Sample `json:"sample"`
}

// RunWorker runs one scale worker. It connects to the card in reader
// through the pcscd that PCSCLITE_CSOCK_NAME names (the machine's when
// unset), selects EF 08F2, warms up and prints "ready". Then it waits for
// a line on in, sends READ BINARY for duration and prints a WorkerResult.
func RunWorker(ctx context.Context, reader string, duration time.Duration, in io.Reader, out io.Writer) error {
	session, err := OpenSession(ctx, reader, 30*time.Second)
	if err != nil {
		return err
	}
	defer session.Close()
	plan := APDUWorkloads(Secrets{PIN: "000000"})[0].Plans[KindGcacard]
	if err := runSteps(session.Card, plan.Setup); err != nil {
		return err
	}
	for range 50 {
		if _, _, err := runOp(session.Card, plan); err != nil {
			return err
		}
	}

	fmt.Fprintln(out, "ready")
	if _, err := bufio.NewReader(in).ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for the start line: %w", err)
	}
	s, err := Measure(ctx, session.Card, &Plan{Op: plan.Op}, Limits{MinOps: 1, MaxOps: 1 << 30, MaxTime: duration})
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(WorkerResult{Reader: reader, Sample: s})
}

// ScaleConfig sets up the scale measurement.
type ScaleConfig struct {
	// Counts are the numbers of cards, each 1, 2 or an even number up to
	// 2*(pcscdns.MaxIndex+1).
	Counts   []int
	Rounds   int
	Duration time.Duration
	// GcacardBin serves the cards; WorkerCommand starts a worker for a
	// reader (the benchmark binary itself with its worker arguments).
	GcacardBin    string
	WorkerCommand func(reader string, duration time.Duration) *exec.Cmd
	WorkDir       string
	Log           io.Writer
}

// ScalePoint is the median result for one number of cards.
type ScalePoint struct {
	Cards int `json:"cards"`
	// APDURate is the aggregate READ BINARY rate of all cards, the median
	// over rounds.
	APDURate float64 `json:"apduRate"`
	// P50 and P99 are the medians over rounds of the cards' median
	// per-card latencies.
	P50 time.Duration `json:"p50Ns"`
	P99 time.Duration `json:"p99Ns"`
	// CPUBusy is the machine's busy share during the measured interval,
	// the median over rounds.
	CPUBusy float64   `json:"cpuBusy"`
	Rounds  []float64 `json:"roundRates"`
}

// MeasureScale measures the aggregate READ BINARY rate of 1 to 8 cards,
// each served by its own gcacard serve and driven by its own worker
// process. Slots 0 and 1 belong to the machine's pcscd. Debian's vpcd
// driver serves only two slots per pcscd, so slots 2K and 2K+1 come from
// pcscdns instance K, and more than two cards need root.
func MeasureScale(ctx context.Context, cfg ScaleConfig) ([]ScalePoint, error) {
	var points []ScalePoint
	for _, n := range cfg.Counts {
		if n < 1 || n > 2 && n%2 != 0 || n > 2*(pcscdns.MaxIndex+1) {
			return points, fmt.Errorf("invalid card count %d: want 1, 2 or an even number up to %d", n, 2*(pcscdns.MaxIndex+1))
		}
		if n > 2 && os.Geteuid() != 0 {
			fmt.Fprintf(cfg.Log, "bench: scale: skipping %d cards and more: cards beyond slot 1 need further pcscd instances, which need root\n", n)
			break
		}
		p := ScalePoint{Cards: n}
		var busy, p50s, p99s []float64
		for round := range cfg.Rounds {
			rate, p50, p99, cpu, err := scaleRound(ctx, cfg, n)
			if err != nil {
				return points, fmt.Errorf("%d cards, round %d: %w", n, round+1, err)
			}
			fmt.Fprintf(cfg.Log, "bench: scale: %d cards, round %d/%d: %.0f APDU/s, CPU %.0f%% busy\n", n, round+1, cfg.Rounds, rate, 100*cpu)
			p.Rounds = append(p.Rounds, rate)
			busy = append(busy, cpu)
			p50s = append(p50s, float64(p50))
			p99s = append(p99s, float64(p99))
		}
		p.APDURate = Median(p.Rounds)
		p.CPUBusy = Median(busy)
		p.P50, p.P99 = time.Duration(Median(p50s)), time.Duration(Median(p99s))
		points = append(points, p)
	}
	return points, nil
}

// scaleRound runs one measurement with n cards and returns the aggregate
// rate, the median of the cards' p50 and p99, and the CPU busy share.
func scaleRound(ctx context.Context, cfg ScaleConfig, n int) (rate float64, p50, p99 time.Duration, cpu float64, err error) {
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()

	// Slots of the machine's pcscd, in ascending order as the tests lock.
	type card struct {
		slot   int
		reader string
		env    string
	}
	var cards []card
	for slot := range min(n, MachineSlots) {
		lock, err := LockSlot(ctx, slot)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		cleanup = append(cleanup, func() {
			if err := WaitAbsent(context.Background(), ReaderName(slot), 15*time.Second); err != nil {
				fmt.Fprintf(cfg.Log, "bench: warning: %v\n", err)
			}
			lock.Release()
		})
		cards = append(cards, card{slot: slot, reader: ReaderName(slot)})
	}
	for index := 1; 2*index < n; index++ {
		dir, err := os.MkdirTemp(cfg.WorkDir, "pcscd-")
		if err != nil {
			return 0, 0, 0, 0, err
		}
		in, err := pcscdns.Start(ctx, index, dir)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		cleanup = append(cleanup, func() { in.Stop() })
		for local := range 2 {
			cards = append(cards, card{slot: in.Slot(local), reader: ReaderName(local), env: in.Env()})
		}
	}

	for _, c := range cards {
		serve := GcacardServe(cfg.GcacardBin, "activated", cfg.WorkDir)
		if err := serve.Start(ctx, c.slot); err != nil {
			return 0, 0, 0, 0, err
		}
		cleanup = append(cleanup, func() { serve.Stop() })
	}

	workers := make([]*worker, len(cards))
	for i, c := range cards {
		w, err := startWorker(cfg, c.reader, c.env)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		workers[i] = w
		cleanup = append(cleanup, w.stop)
	}
	for _, w := range workers {
		if err := w.waitReady(); err != nil {
			return 0, 0, 0, 0, err
		}
	}

	before := ReadCPUTimes()
	for _, w := range workers {
		fmt.Fprintln(w.stdin, "go")
	}
	var total float64
	var p50s, p99s []float64
	for _, w := range workers {
		res, err := w.result()
		if err != nil {
			return 0, 0, 0, 0, err
		}
		total += float64(res.Sample.APDUs)
		p50s = append(p50s, float64(res.Sample.P50))
		p99s = append(p99s, float64(res.Sample.P99))
	}
	cpu = BusyFraction(before, ReadCPUTimes())
	// Every worker runs for cfg.Duration from the same start line.
	return total / cfg.Duration.Seconds(), time.Duration(Median(p50s)), time.Duration(Median(p99s)), cpu, nil
}

// worker is a running scale worker process.
type worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	reader string
	stderr *strings.Builder
}

func startWorker(cfg ScaleConfig, reader, env string) (*worker, error) {
	cmd := cfg.WorkerCommand(reader, cfg.Duration)
	cmd.Env = withoutEnv(os.Environ(), pcscdns.SocketEnv)
	if env != "" {
		cmd.Env = append(cmd.Env, env)
	}
	w := &worker{cmd: cmd, reader: reader, stderr: &strings.Builder{}}
	cmd.Stderr = w.stderr
	var err error
	if w.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.lines = bufio.NewScanner(stdout)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting a worker for %q: %w", reader, err)
	}
	return w, nil
}

func (w *worker) waitReady() error {
	if !w.lines.Scan() || w.lines.Text() != "ready" {
		return fmt.Errorf("worker for %q (%s) did not get ready: %s", w.reader, envOf(w.cmd), w.stderr.String())
	}
	return nil
}

func (w *worker) result() (WorkerResult, error) {
	var res WorkerResult
	if !w.lines.Scan() {
		return res, fmt.Errorf("worker for %q printed no result: %s", w.reader, w.stderr.String())
	}
	if err := json.Unmarshal(w.lines.Bytes(), &res); err != nil {
		return res, fmt.Errorf("worker for %q: invalid result %q: %w", w.reader, w.lines.Text(), err)
	}
	return res, nil
}

func (w *worker) stop() {
	w.stdin.Close()
	done := make(chan struct{})
	go func() {
		w.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}

func envOf(cmd *exec.Cmd) string {
	for _, e := range cmd.Env {
		if strings.HasPrefix(e, pcscdns.SocketEnv+"=") {
			return e
		}
	}
	return "machine's pcscd"
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}
