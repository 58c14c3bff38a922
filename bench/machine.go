package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where a run took place.
type Machine struct {
	Cores     int    `json:"cores"`
	CPU       string `json:"cpu"`
	Kernel    string `json:"kernel"`
	PCSCLite  string `json:"pcscLite"`
	VPCD      string `json:"vsmartcardVpcd"`
	Go        string `json:"go"`
	LoadStart string `json:"loadAverageAtStart"`
}

// DescribeMachine reads the machine's cores, CPU model, kernel, load
// average and the versions of pcscd and vsmartcard-vpcd from dpkg.
func DescribeMachine() Machine {
	return Machine{
		Cores:     runtime.NumCPU(),
		CPU:       cpuModel(),
		Kernel:    readTrimmed("/proc/sys/kernel/osrelease"),
		PCSCLite:  debianVersion("pcscd"),
		VPCD:      debianVersion("vsmartcard-vpcd"),
		Go:        runtime.Version(),
		LoadStart: loadAverage(),
	}
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func loadAverage() string {
	fields := strings.Fields(readTrimmed("/proc/loadavg"))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

func debianVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil || len(out) == 0 {
		return "unknown"
	}
	return string(out)
}

// CPUTimes is a snapshot of the machine's CPU time from /proc/stat, in
// clock ticks.
type CPUTimes struct{ Busy, Total uint64 }

// ReadCPUTimes reads the aggregate cpu line of /proc/stat.
func ReadCPUTimes() CPUTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return CPUTimes{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	var t CPUTimes
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		t.Total += v
		// Fields 4 and 5 are idle and iowait; the rest is busy. Guest
		// time is counted in user already.
		switch {
		case i == 3 || i == 4:
		case i >= 8:
			t.Total -= v
		default:
			t.Busy += v
		}
	}
	return t
}

// BusyFraction returns the share of CPU time spent busy between two
// snapshots, from 0 to 1.
func BusyFraction(before, after CPUTimes) float64 {
	total := after.Total - before.Total
	if total == 0 {
		return 0
	}
	return float64(after.Busy-before.Busy) / float64(total)
}
