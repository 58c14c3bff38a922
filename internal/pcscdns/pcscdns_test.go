package pcscdns_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"gcacard/internal/pcscdns"
	"gcacard/internal/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

func TestReaderConfOpensSlotPair(t *testing.T) {
	conf := pcscdns.ReaderConf(1)
	if !strings.Contains(conf, "DEVICENAME   /dev/null:0x8C7D\n") {
		t.Errorf("ReaderConf(1) = %q, want DEVICENAME /dev/null:0x8C7D (port 35965, slot 2)", conf)
	}
	if !strings.Contains(conf, "LIBPATH      "+pcscdns.Driver) {
		t.Errorf("ReaderConf(1) = %q, want LIBPATH %s", conf, pcscdns.Driver)
	}
}

func TestStartRejectsInvalidIndex(t *testing.T) {
	for _, index := range []int{0, pcscdns.MaxIndex + 1} {
		if _, err := pcscdns.Start(context.Background(), index, t.TempDir()); err == nil {
			t.Errorf("Start(%d) succeeded, want an error", index)
		}
	}
}

// TestInstanceServesCard serves a card on slot 2 and lists it through the
// instance's pcscd with opensc-tool, while the machine's pcscd keeps its own
// readers.
func TestInstanceServesCard(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a further pcscd needs root; CI runs as root")
	}
	stacktest.RequirePCSCD(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	in, err := pcscdns.Start(ctx, 1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Stop(); err != nil {
			t.Error(err)
		}
	})
	serve := stacktest.StartServe(t, "--profile", "valid", "--state", t.TempDir(), "--slot", "2")
	defer serve.Stop(t)

	var out []byte
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, err = in.Command("opensc-tool", "--list-readers").CombinedOutput()
		if err == nil && strings.Contains(string(out), "Yes") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(string(out), "Virtual PCD 00 00") {
		t.Fatalf("opensc-tool through instance 1 lists no vpcd reader:\n%s\npcscd log: %s", out, in.LogPath())
	}
	if !strings.Contains(string(out), "Yes") {
		t.Fatalf("opensc-tool through instance 1 shows no card in slot 2:\n%s", out)
	}
}
