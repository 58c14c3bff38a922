// Command gcabench measures gcacard's APDU throughput and latency through
// pcscd against vsmartcard's vicc and a reply-only ceiling card, its
// scaling over several cards, the conformance suite's wall time and the
// in-process Go benchmarks. It writes reports/bench/results.md and
// results.json. `make bench` runs it; see docs/benchmarks.md.
//
// Usage:
//
//	gcabench [run] [options]          the whole benchmark (as root for more than two cards)
//	gcabench ceiling ADDR             serves the ceiling card to vpcd at ADDR (used by run)
//	gcabench worker READER DURATION   a scale worker (used by run)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gcacard/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	status := gcabench(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(status)
}

// gcabench runs the command in args and returns the exit status: 0 on
// success and after help, 1 on an error, which it prints to stderr.
func gcabench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	command := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		command, args = args[0], args[1:]
	}

	var err error
	switch command {
	case "run":
		err = run(ctx, args, stdout, stderr)
	case "ceiling":
		if len(args) != 1 {
			err = fmt.Errorf("usage: gcabench ceiling ADDR, such as 127.0.0.1:35963")
			break
		}
		err = bench.ServeCeiling(ctx, args[0])
	case "worker":
		err = worker(ctx, args)
	case "help":
		printUsage(stdout)
	default:
		err = fmt.Errorf("unknown command %q: the commands are run, ceiling and worker (see gcabench help)", command)
	}
	if err != nil {
		fmt.Fprintln(stderr, "gcabench:", err)
		return 1
	}
	return 0
}

func worker(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: gcabench worker READER DURATION, such as \"Virtual PCD 00 00\" 5s")
	}
	d, err := time.ParseDuration(args[1])
	if err != nil || d <= 0 {
		return fmt.Errorf("invalid duration %q: want a duration such as 5s", args[1])
	}
	return bench.RunWorker(ctx, args[0], d, os.Stdin, os.Stdout)
}
