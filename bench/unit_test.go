package bench

import (
	"testing"
	"time"
)

func TestCeilingReplySizes(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		want    int // reply length, -1 for no reply
	}{
		{"get ATR", []byte{0x04}, len(CeilingATR)},
		{"power on", []byte{0x01}, -1},
		{"case 1", []byte{0x00, 0xA4, 0x00, 0x0C}, 2},
		{"case 2, Le 00", []byte{0x00, 0xB0, 0x00, 0x00, 0x00}, 258},
		{"case 2, Le 02", []byte{0x00, 0xCA, 0x01, 0x80, 0x02}, 4},
		{"case 3", []byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00}, 2},
		{"case 4", []byte{0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00, 0x10}, 18},
	}
	for _, c := range cases {
		reply := ceilingReply(c.payload)
		if c.want < 0 {
			if reply != nil {
				t.Errorf("%s: reply % X, want none", c.name, reply)
			}
			continue
		}
		if len(reply) != c.want {
			t.Errorf("%s: reply of %d bytes, want %d", c.name, len(reply), c.want)
		}
	}
}

func TestCeilingATRCheckByte(t *testing.T) {
	var x byte
	for _, b := range CeilingATR[1:] {
		x ^= b
	}
	if x != 0 {
		t.Errorf("ATR % X: XOR from T0 through TCK is %02X, want 00", CeilingATR, x)
	}
}

func TestParseGoBenchMedians(t *testing.T) {
	out := []byte("goos: linux\n" +
		"BenchmarkReadBinary-2   \t 1000000\t      1000 ns/op\t     288 B/op\t       2 allocs/op\n" +
		"BenchmarkReadBinary-2   \t 1000000\t      3000 ns/op\t     288 B/op\t       2 allocs/op\n" +
		"BenchmarkReadBinary-2   \t 1000000\t      1200 ns/op\t     288 B/op\t       2 allocs/op\n" +
		"BenchmarkStateSave-2    \t     500\t   2000000 ns/op\t    1024 B/op\t      12 allocs/op\n" +
		"PASS\n")
	got := ParseGoBench(out)
	if len(got) != 2 {
		t.Fatalf("got %d benchmarks, want 2: %+v", len(got), got)
	}
	if got[0].Name != "BenchmarkReadBinary" || got[0].Runs != 3 || got[0].NsPerOp != 1200 || got[0].AllocsPerOp != 2 {
		t.Errorf("ReadBinary = %+v, want 3 runs, median 1200 ns/op, 2 allocs/op", got[0])
	}
	if got[1].Name != "BenchmarkStateSave" || got[1].BytesPerOp != 1024 {
		t.Errorf("StateSave = %+v, want 1024 B/op", got[1])
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var values []time.Duration
	for i := 100; i >= 1; i-- {
		values = append(values, time.Duration(i))
	}
	if got := Percentile(values, 0.50); got != 50 {
		t.Errorf("p50 = %d, want 50", got)
	}
	if got := Percentile(values, 0.99); got != 99 {
		t.Errorf("p99 = %d, want 99", got)
	}
	if got := Percentile(nil, 0.5); got != 0 {
		t.Errorf("p50 of nothing = %d, want 0", got)
	}
}

func TestEvaluateScaleCPULimit(t *testing.T) {
	points := []ScalePoint{
		{Cards: 1, APDURate: 4000, CPUBusy: 0.6},
		{Cards: 2, APDURate: 6000, CPUBusy: 0.95},
		{Cards: 4, APDURate: 6100, CPUBusy: 0.97},
	}
	if got := evaluateScale(points); !got.Met {
		t.Errorf("growth then a CPU-bound plateau: not met, want met: %s", got.Measured)
	}
	points[2].CPUBusy = 0.5
	if got := evaluateScale(points); got.Met {
		t.Errorf("a plateau with the CPU half idle: met, want not met: %s", got.Measured)
	}
}
