package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// GoBench is the median result of one Go benchmark over its runs.
type GoBench struct {
	Name        string  `json:"name"`
	Runs        int     `json:"runs"`
	NsPerOp     float64 `json:"nsPerOp"`
	BytesPerOp  float64 `json:"bytesPerOp"`
	AllocsPerOp float64 `json:"allocsPerOp"`
}

// RunGoBenchmarks runs `go test -run ^$ -bench . -benchmem -count N PKG`
// in dir and returns the median of each benchmark.
func RunGoBenchmarks(ctx context.Context, dir, pkg string, count int) ([]GoBench, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", strconv.Itoa(count), pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench %s: %w\n%s", pkg, err, out)
	}
	return ParseGoBench(out), nil
}

// ParseGoBench reads the benchmark lines of go test output, such as
// "BenchmarkReadBinary-2  1000000  1043 ns/op  288 B/op  2 allocs/op",
// and returns the median of each benchmark's runs in order of appearance.
func ParseGoBench(out []byte) []GoBench {
	type runs struct{ ns, bytes, allocs []float64 }
	var order []string
	byName := map[string]*runs{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		r := byName[name]
		if r == nil {
			r = &runs{}
			byName[name] = r
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				r.ns = append(r.ns, v)
			case "B/op":
				r.bytes = append(r.bytes, v)
			case "allocs/op":
				r.allocs = append(r.allocs, v)
			}
		}
	}
	var results []GoBench
	for _, name := range order {
		r := byName[name]
		results = append(results, GoBench{Name: name, Runs: len(r.ns), NsPerOp: Median(r.ns), BytesPerOp: Median(r.bytes), AllocsPerOp: Median(r.allocs)})
	}
	return results
}
