package main

// Tests of the gcacard command against the real PC/SC stack: the built
// binary serves cards into vsmartcard's vpcd readers of the machine's
// pcscd, and the tests talk to them through PC/SC as any client does.
// They need pcscd with the vpcd driver (scripts/with-pcscd.sh starts it)
// and fail without it. Requirement IDs refer to docs/card-profile.md.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/internal/stacktest"
	"gcacard/vpcd"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// presenceTimeout is how soon a card must appear in its reader after serve
// starts, and disappear after SIGTERM.
const presenceTimeout = 3 * time.Second

// waitTimeout bounds the other waits for a card, where the tests assert no
// time.
const waitTimeout = 20 * time.Second

// commandTimeout bounds each run of gcacard or of another command-line tool.
const commandTimeout = 30 * time.Second

// The card appears in the reader with the profile's ATR within 3 s of
// serve, and leaves it within 3 s of SIGTERM, after which serve exits 0
// (GEN-01).
func TestServePresentAndAbsentWithin3s(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)

	serve := stacktest.StartServe(t, "--profile", "guide-expired", "--state", t.TempDir(), "--slot", "0")
	atr, err := stacktest.WaitCard(context.Background(), reader, true, presenceTimeout)
	if err != nil {
		t.Fatal(err)
	}
	wantATR := hexBytes(t, "3B 8A 01 67 63 61 63 61 72 64 2F 76 31 92")
	if !bytes.Equal(atr, wantATR) {
		t.Errorf("ATR = % X, want % X", atr, wantATR)
	}

	serve.Stop(t)
	if _, err := stacktest.WaitCard(context.Background(), reader, false, presenceTimeout); err != nil {
		t.Error(err)
	}
}

// SELECT and READ BINARY through pcscd return the card number (FS-02) and
// the four certificates of EF 08F2 at their offsets, padded with 00 (FS-04).
// The expected bytes come from the fixture, built in-process for the dates
// in the card's state folder. A short Le 00 reads 256 bytes, and one
// extended Le reads a whole 1792-byte certificate slot (RB-03, GEN-02). The
// holder DN is the signing certificate's subject (DATA-01).
func TestReadFilesThroughPCSCD(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	stateDir := t.TempDir()
	startCard(t, "guide-expired", stateDir, 0)
	img := expectedImage(t, "guide-expired", stateDir)
	card := stacktest.Connect(t, reader)

	if got := readCardNumber(t, card); got != img.CardNumber {
		t.Errorf("EF 0903 = %q, want %q", got, img.CardNumber)
	}

	wantFile := certificateFile(img)
	mustSW(t, card, "SELECT DF 5030", "00 A4 00 0C 02 50 30", 0x9000)
	mustSW(t, card, "SELECT EF 08F2", "00 A4 00 0C 02 08 F2", 0x9000)

	// The whole EF in short READ BINARY commands of 256 bytes.
	var file []byte
	for offset := 0; offset < emulator.CertFileSize; offset += 256 {
		data := mustSW(t, card, fmt.Sprintf("READ BINARY at %04X", offset), fmt.Sprintf("00 B0 %02X %02X 00", offset>>8, offset&0xFF), 0x9000)
		if len(data) != 256 {
			t.Fatalf("READ BINARY at %04X with Le 00 returned %d bytes, want 256", offset, len(data))
		}
		file = append(file, data...)
	}
	if !bytes.Equal(file, wantFile) {
		t.Errorf("EF 08F2 read in 256-byte parts differs from the fixture's certificates: first difference at %04X", firstDifference(file, wantFile))
	}

	// Each certificate slot in one extended READ BINARY.
	slots := []struct {
		name   string
		offset int
	}{
		{"root CA", emulator.CertOffsetRoot},
		{"issuing CA", emulator.CertOffsetIssuing},
		{"encryption", emulator.CertOffsetEncryption},
		{"signing", emulator.CertOffsetSigning},
	}
	certs := map[string]*x509.Certificate{}
	for _, slot := range slots {
		command := fmt.Sprintf("00 B0 %02X %02X 00 %02X %02X", slot.offset>>8, slot.offset&0xFF, emulator.CertSlotSize>>8, emulator.CertSlotSize&0xFF)
		data := mustSW(t, card, "extended READ BINARY of the "+slot.name+" slot", command, 0x9000)
		want := wantFile[slot.offset : slot.offset+emulator.CertSlotSize]
		if len(data) != emulator.CertSlotSize {
			t.Errorf("%s slot: extended READ BINARY returned %d bytes, want %d", slot.name, len(data), emulator.CertSlotSize)
			continue
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s slot differs from the fixture's certificate: first difference at %04X", slot.name, slot.offset+firstDifference(data, want))
		}
		certs[slot.name] = parseSlot(t, slot.name, data)
	}

	signing := certs["signing"]
	if signing == nil {
		t.Fatal("no signing certificate to check")
	}
	if !slices.Contains(signing.Subject.OrganizationalUnit, "政府憑證管理中心") {
		t.Errorf("signing certificate subject %q has no OU 政府憑證管理中心", signing.Subject)
	}
	if issuing := certs["issuing CA"]; issuing != nil {
		if err := signing.CheckSignatureFrom(issuing); err != nil {
			t.Errorf("signing certificate does not verify with the issuing CA read from the card: %v", err)
		}
	}
}

// A warm reset (SCardReconnect with SCARD_RESET_CARD) and a power cycle
// (SCARD_UNPOWER_CARD) clear the PIN's security status, so a signature
// needs VERIFY again (SEC-02, KEY-05), and neither changes the PIN's retry
// counter (GD-03).
func TestReconnectClearsSecurityStatus(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	stateDir := t.TempDir()
	startCard(t, "activated", stateDir, 0)
	pin, _ := fixtureSecrets(t, "activated")
	card := stacktest.Connect(t, reader)
	signingKey := readCertificate(t, card, emulator.CertOffsetSigning).PublicKey.(*rsa.PublicKey)

	digest := sha256.Sum256([]byte("gcacard reconnect test"))
	digestInfo := append(hexBytes(t, "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"), digest[:]...)
	pso := append(append([]byte{0x00, 0x2A, 0x9E, 0x9A, byte(len(digestInfo))}, digestInfo...), 0x00)

	for _, tc := range []struct {
		name        string
		disposition scard.Disposition
	}{
		{"reset", scard.ResetCard},
		{"unpower", scard.UnpowerCard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustSW(t, card, "VERIFY PIN", "00 20 00 80 0A "+hex.EncodeToString(secretBlock(pin)), 0x9000)
			mustSW(t, card, "MSE SET signing with SIGN", "00 22 41 B6 06 84 01 01 80 01 02", 0x9000)
			signature := mustSWBytes(t, card, "PSO COMPUTE DIGITAL SIGNATURE", pso, 0x9000)
			if err := rsa.VerifyPKCS1v15(signingKey, crypto.SHA256, digest[:], signature); err != nil {
				t.Errorf("signature does not verify with the signing certificate: %v", err)
			}
			triesBefore := mustSW(t, card, "GET DATA PIN tries", "00 CA 01 80 02", 0x9000)

			if err := card.Reconnect(scard.ShareExclusive, scard.ProtocolT1, tc.disposition); err != nil {
				t.Fatalf("SCardReconnect with %s: %v", tc.name, err)
			}

			mustSWBytes(t, card, "PSO after "+tc.name, pso, 0x6982)
			triesAfter := mustSW(t, card, "GET DATA PIN tries after "+tc.name, "00 CA 01 80 02", 0x9000)
			if !bytes.Equal(triesAfter, triesBefore) {
				t.Errorf("PIN tries after %s = % X, want % X as before", tc.name, triesAfter, triesBefore)
			}
			// The query shows the PIN unverified, with all tries left (VER-02).
			mustSW(t, card, "VERIFY query after "+tc.name, "00 20 00 80", 0x63C3)
		})
	}
}

// A try used by a wrong PIN is saved before the comparison, so killing the
// daemon with SIGKILL keeps it. After a restart with the same state folder
// the query returns 63C1 (CNT-01, CNT-04, VER-02).
func TestWrongPINsSurviveKill(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	stateDir := t.TempDir()
	serve := startCard(t, "activated", stateDir, 0)

	card := stacktest.Connect(t, reader)
	wrong := "00 20 00 80 0A " + hex.EncodeToString(secretBlock("000000"))
	mustSW(t, card, "first wrong VERIFY", wrong, 0x63C2)
	mustSW(t, card, "second wrong VERIFY", wrong, 0x63C1)
	disconnect(t, card)

	serve.Kill(t)
	if _, err := stacktest.WaitCard(context.Background(), reader, false, waitTimeout); err != nil {
		t.Fatal(err)
	}

	startCard(t, "activated", stateDir, 0)
	card = stacktest.Connect(t, reader)
	mustSW(t, card, "empty VERIFY after the restart", "00 20 00 80", 0x63C1)
	if tries := mustSW(t, card, "GET DATA PIN tries", "00 CA 01 80 02", 0x9000); !bytes.Equal(tries, []byte{3, 1}) {
		t.Errorf("PIN tries after the restart = % X, want 03 01", tries)
	}
}

// Twenty stops with SIGTERM and starts with the same state folder each
// bring the card back within 3 s, and each stop takes it out within 3 s.
func TestServeRestartsTwentyTimes(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	stateDir := t.TempDir()

	for i := 1; i <= 20; i++ {
		serve := stacktest.StartServe(t, "--profile", "guide-expired", "--state", stateDir, "--slot", "0")
		if _, err := stacktest.WaitCard(context.Background(), reader, true, presenceTimeout); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		serve.Stop(t)
		if _, err := stacktest.WaitCard(context.Background(), reader, false, presenceTimeout); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
	}
}

// When pcscd restarts under a running daemon, the daemon reconnects to the
// new vpcd by itself, and the card is back and responds. This test restarts
// the machine's pcscd, so it runs only when stacktest.RestartPCSCDEnv
// allows it.
func TestCardReturnsAfterPCSCDRestart(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.AllowPCSCDRestart(t)
	// No other test may use any reader while pcscd restarts.
	stacktest.LockSlot(t, 0)
	stacktest.LockSlot(t, 1)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	serve := startCard(t, "guide-expired", t.TempDir(), 0)

	stacktest.RestartPCSCD(t)
	if _, err := stacktest.WaitCard(context.Background(), reader, true, waitTimeout); err != nil {
		t.Fatal(err)
	}
	if !serve.Running() {
		t.Fatalf("gcacard serve exited with status %d during the pcscd restart", serve.ExitCode())
	}
	card := stacktest.Connect(t, reader)
	if got, want := readCardNumber(t, card), "GC00000000105736"; got != want {
		t.Errorf("card number after the pcscd restart = %q, want %q", got, want)
	}
	if n := strings.Count(serve.Output(), "card inserted: connected to vpcd"); n < 2 {
		t.Errorf("daemon logged %d connections to vpcd, want at least 2 (before and after the restart)", n)
	}
}

// One daemon serves two cards, one per slot, each with its own state
// folder. Each reader returns its own card number, and wrong PINs on one
// card leave the other card's retry counter alone (REF-04).
func TestTwoCardsInOneDaemon(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	stacktest.LockSlot(t, 1)
	readers := []string{stacktest.ReaderName(0), stacktest.ReaderName(1)}
	for _, reader := range readers {
		requireEmpty(t, reader)
	}

	// The second card is the activated card under another card number,
	// from a profile file as a user would write one.
	const twinNumber = "GC00000000299003"
	twinProfile := writeTwinProfile(t, "activated", "activated-twin", twinNumber)
	stateDirs := []string{t.TempDir(), t.TempDir()}
	serve := stacktest.StartServe(t,
		"--profile", "activated", "--state", stateDirs[0], "--slot", "0",
		"--profile", twinProfile, "--state", stateDirs[1], "--slot", "1")
	for _, reader := range readers {
		if _, err := stacktest.WaitCard(context.Background(), reader, true, waitTimeout); err != nil {
			t.Fatal(err)
		}
	}
	cards := []*scard.Card{stacktest.Connect(t, readers[0]), stacktest.Connect(t, readers[1])}

	for i, want := range []string{"GC00000000200003", twinNumber} {
		if got := readCardNumber(t, cards[i]); got != want {
			t.Errorf("%s: card number %q, want %q", readers[i], got, want)
		}
	}

	wrong := "00 20 00 80 0A " + hex.EncodeToString(secretBlock("000000"))
	mustSW(t, cards[0], "wrong VERIFY on slot 0", wrong, 0x63C2)
	checkPINTries(t, cards[0], readers[0], 2)
	checkPINTries(t, cards[1], readers[1], 3)

	mustSW(t, cards[1], "first wrong VERIFY on slot 1", wrong, 0x63C2)
	mustSW(t, cards[1], "second wrong VERIFY on slot 1", wrong, 0x63C1)
	checkPINTries(t, cards[1], readers[1], 1)
	checkPINTries(t, cards[0], readers[0], 2)

	// Each state folder holds its own card's counter.
	disconnect(t, cards[0])
	disconnect(t, cards[1])
	serve.Stop(t)
	for i, want := range []int{2, 1} {
		view := inspectJSON(t, stateDirs[i])
		if view.PINTries.Remaining != want {
			t.Errorf("inspect %s: PIN tries remaining %d, want %d", stateDirs[i], view.PINTries.Remaining, want)
		}
	}
}

// OpenSC's opensc-tool, a PC/SC client that this project did not write,
// reads the card number with plain SELECT and READ BINARY commands (FS-02).
func TestOpenSCToolReadsCardNumber(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	startCard(t, "guide-expired", t.TempDir(), 0)

	readers := runTool(t, "opensc-tool", "--list-readers")
	index := openSCReaderIndex(t, readers, reader)

	output := runTool(t, "opensc-tool", "--reader", index,
		"--send-apdu", "00A4000C020900",
		"--send-apdu", "00A4000C020903",
		"--send-apdu", "00B0000010")
	_, lastResponse, found := strings.Cut(output, "Sending: 00 B0 00 00 10")
	if !found {
		t.Fatalf("opensc-tool output has no READ BINARY:\n%s", output)
	}
	if !strings.Contains(lastResponse, "SW1=0x90, SW2=0x00") {
		t.Errorf("READ BINARY through opensc-tool did not answer 9000:\n%s", output)
	}
	wantHex := fmt.Sprintf("% X", []byte("GC00000000105736"))
	if !strings.Contains(lastResponse, wantHex) {
		t.Errorf("opensc-tool output lacks the card number bytes %s:\n%s", wantHex, output)
	}
}

// pcsc_scan from pcsc-tools lists the card in its reader with the card's
// ATR (GEN-01). Its -c option lists the cards once and exits.
func TestPCSCScanListsCard(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	startCard(t, "guide-expired", t.TempDir(), 0)

	output := runTool(t, "pcsc_scan", "-c")
	block := pcscScanReaderBlock(output, reader)
	if block == "" {
		t.Fatalf("pcsc_scan -c does not list reader %q:\n%s", reader, output)
	}
	if !strings.Contains(block, "Card inserted") {
		t.Errorf("pcsc_scan -c does not show a card in %q:\n%s", reader, block)
	}
	if want := "ATR: 3B 8A 01 67 63 61 63 61 72 64 2F 76 31 92"; !strings.Contains(block, want) {
		t.Errorf("pcsc_scan -c shows no %q for %q:\n%s", want, reader, block)
	}
}

// gcacard's exit codes tell a script what went wrong, and the messages tell
// the user what to do.
func TestServeExitCodes(t *testing.T) {
	stacktest.RequirePCSCD(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantText string
	}{
		{
			name:     "unknown profile",
			args:     []string{"serve", "--profile", "no-such-profile", "--state", t.TempDir(), "--vpcd", "127.0.0.1:1", "--connect-timeout", "1s"},
			wantCode: exitProfile,
			wantText: "no-such-profile",
		},
		{
			name:     "state folder under a regular file",
			args:     []string{"serve", "--profile", "guide-expired", "--state", filepath.Join(notADir, "state"), "--vpcd", "127.0.0.1:1", "--connect-timeout", "1s"},
			wantCode: exitState,
			wantText: filepath.Join(notADir, "state"),
		},
		{
			name:     "vpcd not reachable",
			args:     []string{"serve", "--profile", "guide-expired", "--state", t.TempDir(), "--vpcd", "127.0.0.1:1", "--connect-timeout", "1s"},
			wantCode: exitUnreachable,
			wantText: "pcscd --foreground",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			output, code := runGcacard(t, nil, tc.args...)
			if code != tc.wantCode {
				t.Errorf("gcacard %v exited with status %d, want %d:\n%s", tc.args, code, tc.wantCode, output)
			}
			if !strings.Contains(output, tc.wantText) {
				t.Errorf("gcacard %v output lacks %q:\n%s", tc.args, tc.wantText, output)
			}
		})
	}
}

// A --vpcd address off loopback is an invalid argument (exit 2), rejected
// before the card is opened or any connection is tried. The process runs in
// a network namespace of its own, so even a wrong connection attempt could
// not leave the machine.
func TestServeRejectsNonLoopbackVPCD(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if os.Geteuid() != 0 {
		attr = &syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}},
		}
	}

	args := []string{"serve", "--profile", "guide-expired", "--state", stateDir, "--vpcd", "10.0.0.1:35963", "--connect-timeout", "1s"}
	output, code := runGcacard(t, attr, args...)
	if code != exitUsage {
		t.Errorf("gcacard %v exited with status %d, want %d:\n%s", args, code, exitUsage, output)
	}
	if !strings.Contains(output, "not on loopback") {
		t.Errorf("output lacks \"not on loopback\":\n%s", output)
	}
	for _, sign := range []string{"card ready", "vpcd not reachable", "card inserted"} {
		if strings.Contains(output, sign) {
			t.Errorf("output contains %q, so serve went past the argument check:\n%s", sign, output)
		}
	}
	if _, err := os.Stat(stateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve created the state folder %s before rejecting the address (stat: %v)", stateDir, err)
	}
}

// A slot whose lock another process holds stops serve at once, before it
// opens the card, so that it cannot take the reader of a test run.
func TestServeRejectsLockedSlot(t *testing.T) {
	stacktest.LockSlot(t, 1)
	stateDir := filepath.Join(t.TempDir(), "state")
	args := []string{"serve", "--profile", "guide-expired", "--state", stateDir, "--slot", "1"}

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, stacktest.BuildGcacard(t), args...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(v string) bool { return strings.HasPrefix(v, vpcd.SlotLockHeldEnv+"=") })
	out, err := cmd.CombinedOutput()
	output := string(out)
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitUnreachable {
		t.Fatalf("gcacard %v with slot 1 locked: %v, want exit status %d:\n%s", args, err, exitUnreachable, output)
	}
	if !strings.Contains(output, "vpcd slot 1 is in use by another process") {
		t.Errorf("output does not say that slot 1 is in use:\n%s", output)
	}
	if !strings.Contains(output, vpcd.SlotLockPath(1)) {
		t.Errorf("output does not name the lock file %s:\n%s", vpcd.SlotLockPath(1), output)
	}
	if _, err := os.Stat(stateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve created the state folder %s although the slot was in use (stat: %v)", stateDir, err)
	}
}

// A damaged state file stops inspect and serve with exit 4 and an error
// naming the file; the card is never silently reset (ST-04).
func TestCorruptStateNamesFile(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	stateDir := t.TempDir()
	serve := startCard(t, "guide-expired", stateDir, 0)
	serve.Stop(t)

	statePath := emulator.FileStore{Dir: stateDir}.Path()
	good, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	edited := editPINTries(t, good)

	for _, tc := range []struct {
		name     string
		content  []byte
		wantText string
	}{
		{"truncated", good[:len(good)/2], "corrupt card state"},
		{"edited counter", edited, "checksum mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(statePath, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}

			output, code := runGcacard(t, nil, "inspect", "--state", stateDir)
			if code != exitState {
				t.Errorf("inspect exited with status %d, want %d:\n%s", code, exitState, output)
			}
			if !strings.Contains(output, statePath) {
				t.Errorf("inspect output does not name %s:\n%s", statePath, output)
			}
			if !strings.Contains(output, tc.wantText) {
				t.Errorf("inspect output lacks %q:\n%s", tc.wantText, output)
			}

			output, code = runGcacard(t, nil, "serve", "--profile", "guide-expired", "--state", stateDir, "--slot", "0")
			if code != exitState {
				t.Errorf("serve exited with status %d, want %d:\n%s", code, exitState, output)
			}
			if !strings.Contains(output, statePath) {
				t.Errorf("serve output does not name %s:\n%s", statePath, output)
			}
		})
	}
}

// Neither inspect (text and JSON), nor the state file, nor serve's log with
// --trace contains the card's PIN or user code after both were sent to the
// card (ST-02, LOG-01, LOG-02).
func TestSecretsStayOutOfOutput(t *testing.T) {
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, 0)
	reader := stacktest.ReaderName(0)
	requireEmpty(t, reader)
	stateDir := t.TempDir()
	pin, userCode := fixtureSecrets(t, "activated")
	serve := stacktest.StartServe(t, "--profile", "activated", "--state", stateDir, "--slot", "0", "--trace")
	if _, err := stacktest.WaitCard(context.Background(), reader, true, waitTimeout); err != nil {
		t.Fatal(err)
	}

	card := stacktest.Connect(t, reader)
	mustSW(t, card, "VERIFY PIN", "00 20 00 80 0A "+hex.EncodeToString(secretBlock(pin)), 0x9000)
	mustSW(t, card, "wrong VERIFY", "00 20 00 80 0A "+hex.EncodeToString(secretBlock("000000")), 0x63C2)
	// Unblock with the user code, setting the same PIN again (ACT-03).
	unblock := "00 2C 00 80 14 " + hex.EncodeToString(secretBlock(userCode)) + hex.EncodeToString(secretBlock(pin))
	mustSW(t, card, "RESET RETRY COUNTER", unblock, 0x9000)
	disconnect(t, card)
	serve.Stop(t)

	text, code := runGcacard(t, nil, "inspect", "--state", stateDir)
	if code != exitOK {
		t.Fatalf("inspect exited with status %d:\n%s", code, text)
	}
	jsonOutput, code := runGcacard(t, nil, "inspect", "--state", stateDir, "--json")
	if code != exitOK {
		t.Fatalf("inspect --json exited with status %d:\n%s", code, jsonOutput)
	}
	stateFile, err := os.ReadFile(emulator.FileStore{Dir: stateDir}.Path())
	if err != nil {
		t.Fatal(err)
	}

	outputs := map[string]string{
		"inspect":        text,
		"inspect --json": jsonOutput,
		"state file":     string(stateFile),
		"serve --trace":  serve.Output(),
	}
	if !strings.Contains(serve.Output(), "<redacted 10 bytes>") {
		t.Errorf("serve --trace shows no redacted VERIFY data:\n%s", serve.Output())
	}
	for name, output := range outputs {
		for secretName, secret := range map[string]string{"PIN": pin, "user code": userCode} {
			for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), fmt.Sprintf("%X", secret)} {
				if strings.Contains(output, form) {
					t.Errorf("%s contains the %s as %q", name, secretName, form)
				}
			}
		}
	}
}

// editPINTries returns the state file with the PIN's remaining tries
// lowered by one and the checksum left as it was, as a careless hand edit
// would.
func editPINTries(t *testing.T, stateFile []byte) []byte {
	t.Helper()
	var file struct {
		State  map[string]json.RawMessage `json:"state"`
		SHA256 string                     `json:"sha256"`
	}
	if err := json.Unmarshal(stateFile, &file); err != nil {
		t.Fatalf("state file is not the expected JSON: %v\n%s", err, stateFile)
	}
	var pin map[string]any
	if err := json.Unmarshal(file.State["pin"], &pin); err != nil {
		t.Fatalf("state file has no pin object: %v\n%s", err, stateFile)
	}
	remaining, ok := pin["remaining"].(float64)
	if !ok || file.SHA256 == "" {
		t.Fatalf("state file has no pin.remaining or no sha256:\n%s", stateFile)
	}
	pin["remaining"] = remaining - 1

	edited, err := json.Marshal(pin)
	if err != nil {
		t.Fatal(err)
	}
	file.State["pin"] = edited
	out, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// disconnect ends a PC/SC connection and leaves the card as it is, which a
// test does before it stops the daemon (see stacktest.Connect).
func disconnect(t *testing.T, card *scard.Card) {
	t.Helper()
	if err := card.Disconnect(scard.LeaveCard); err != nil {
		t.Fatalf("SCardDisconnect: %v", err)
	}
}

// requireEmpty fails the test when reader holds a card before the test
// serves one, which means a daemon from elsewhere uses the slot without
// its lock.
func requireEmpty(t *testing.T, reader string) {
	t.Helper()
	if _, err := stacktest.WaitCard(context.Background(), reader, false, waitTimeout); err != nil {
		t.Fatalf("%v: a gcacard or vpcd client outside this test occupies the slot; stop it", err)
	}
}

// startCard serves the built-in profile in slot and waits for its card,
// within 3 s.
func startCard(t *testing.T, profile, stateDir string, slot int) *stacktest.Serve {
	t.Helper()
	serve := stacktest.StartServe(t, "--profile", profile, "--state", stateDir, "--slot", fmt.Sprint(slot))
	if _, err := stacktest.WaitCard(context.Background(), stacktest.ReaderName(slot), true, presenceTimeout); err != nil {
		t.Fatal(err)
	}
	return serve
}

// expectedImage builds the card image in-process as the daemon does, with
// the dates stored in the card's state folder.
func expectedImage(t *testing.T, profile, stateDir string) *emulator.Image {
	t.Helper()
	p, err := fixtures.Load(profile)
	if err != nil {
		t.Fatal(err)
	}
	state, err := emulator.FileStore{Dir: stateDir}.Load()
	if err != nil {
		t.Fatalf("loading the daemon's state: %v", err)
	}
	img, err := p.Image(state.Dates)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// certificateFile returns the expected content of EF 08F2 (FS-04).
func certificateFile(img *emulator.Image) []byte {
	file := make([]byte, emulator.CertFileSize)
	copy(file[emulator.CertOffsetRoot:], img.Certificates.Root)
	copy(file[emulator.CertOffsetIssuing:], img.Certificates.Issuing)
	copy(file[emulator.CertOffsetEncryption:], img.Certificates.Encryption)
	copy(file[emulator.CertOffsetSigning:], img.Certificates.Signing)
	return file
}

// parseSlot parses the DER certificate at the start of a certificate slot
// and checks that only 00 bytes follow it.
func parseSlot(t *testing.T, name string, slot []byte) *x509.Certificate {
	t.Helper()
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(slot, &raw)
	if err != nil {
		t.Errorf("%s slot: no DER value at its start: %v", name, err)
		return nil
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		t.Errorf("%s slot: non-zero bytes after the certificate", name)
	}
	cert, err := x509.ParseCertificate(raw.FullBytes)
	if err != nil {
		t.Errorf("%s slot: %v", name, err)
		return nil
	}
	return cert
}

// readCertificate reads and parses the certificate slot at offset.
func readCertificate(t *testing.T, card *scard.Card, offset int) *x509.Certificate {
	t.Helper()
	mustSW(t, card, "SELECT DF 5030", "00 A4 00 0C 02 50 30", 0x9000)
	mustSW(t, card, "SELECT EF 08F2", "00 A4 00 0C 02 08 F2", 0x9000)
	command := fmt.Sprintf("00 B0 %02X %02X 00 07 00", offset>>8, offset&0xFF)
	cert := parseSlot(t, fmt.Sprintf("%04X", offset), mustSW(t, card, "READ BINARY certificate", command, 0x9000))
	if cert == nil {
		t.FailNow()
	}
	return cert
}

// readCardNumber selects EF 0903 under DF 0900 and reads it.
func readCardNumber(t *testing.T, card *scard.Card) string {
	t.Helper()
	mustSW(t, card, "SELECT DF 0900", "00 A4 00 0C 02 09 00", 0x9000)
	mustSW(t, card, "SELECT EF 0903", "00 A4 00 0C 02 09 03", 0x9000)
	return string(mustSW(t, card, "READ BINARY EF 0903", "00 B0 00 00 00", 0x9000))
}

func checkPINTries(t *testing.T, card *scard.Card, reader string, want byte) {
	t.Helper()
	tries := mustSW(t, card, "GET DATA PIN tries on "+reader, "00 CA 01 80 02", 0x9000)
	if !bytes.Equal(tries, []byte{3, want}) {
		t.Errorf("%s: PIN tries % X, want 03 %02X", reader, tries, want)
	}
}

// mustSW sends a command written in hex and fails the test unless the card
// returns wantSW. It returns the response data.
func mustSW(t *testing.T, card *scard.Card, step, command string, wantSW uint16) []byte {
	t.Helper()
	return mustSWBytes(t, card, step, hexBytes(t, command), wantSW)
}

func mustSWBytes(t *testing.T, card *scard.Card, step string, command []byte, wantSW uint16) []byte {
	t.Helper()
	data, sw, err := stacktest.Transmit(card, command)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	if sw != wantSW {
		t.Fatalf("%s: card returned %04X, want %04X", step, sw, wantSW)
	}
	return data
}

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("invalid hex %q: %v", s, err)
	}
	return b
}

// secretBlock pads a PIN or user code with FF to a 10-byte block (REF-02).
func secretBlock(value string) []byte {
	block := bytes.Repeat([]byte{0xFF}, 10)
	copy(block, value)
	return block
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// fixtureSecrets reads a built-in card's PIN and user code from its profile
// file.
func fixtureSecrets(t *testing.T, name string) (pin, userCode string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "cards", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var profile struct {
		PIN      struct{ Value string } `json:"pin"`
		UserCode struct{ Value string } `json:"userCode"`
	}
	if err := json.Unmarshal(data, &profile); err != nil {
		t.Fatal(err)
	}
	if profile.PIN.Value == "" || profile.UserCode.Value == "" {
		t.Fatalf("profile %s has no PIN or no user code", name)
	}
	return profile.PIN.Value, profile.UserCode.Value
}

// writeTwinProfile writes a profile file that is the built-in profile base
// under another name and card number, with its key files named by absolute
// paths, and returns the file's path.
func writeTwinProfile(t *testing.T, base, name, cardNumber string) string {
	t.Helper()
	cardsDir, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "cards"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cardsDir, base+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var profile map[string]any
	if err := json.Unmarshal(data, &profile); err != nil {
		t.Fatal(err)
	}
	profile["name"] = name
	profile["cardNumber"] = cardNumber
	keys, ok := profile["keys"].(map[string]any)
	if !ok {
		t.Fatalf("profile %s has no keys object", base)
	}
	for field, value := range keys {
		keys[field] = filepath.Join(cardsDir, value.(string))
	}

	out, err := json.Marshal(profile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// inspectJSON runs gcacard inspect --json on a state folder.
func inspectJSON(t *testing.T, stateDir string) inspectView {
	t.Helper()
	output, code := runGcacard(t, nil, "inspect", "--state", stateDir, "--json")
	if code != exitOK {
		t.Fatalf("inspect --state %s exited with status %d:\n%s", stateDir, code, output)
	}
	var view inspectView
	if err := json.Unmarshal([]byte(output), &view); err != nil {
		t.Fatalf("inspect --json output is not JSON: %v\n%s", err, output)
	}
	return view
}

// runGcacard runs the built gcacard to its end and returns its combined
// output and exit status. attr, when not nil, sets up the process.
func runGcacard(t *testing.T, attr *syscall.SysProcAttr, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, stacktest.BuildGcacard(t), args...)
	cmd.Env = stacktest.ServeEnv()
	cmd.SysProcAttr = attr
	output, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("gcacard %v did not exit within %v:\n%s", args, commandTimeout, output)
	case errors.As(err, &exitErr):
		return string(output), exitErr.ExitCode()
	case err != nil:
		t.Fatalf("running gcacard %v: %v", args, err)
	}
	return string(output), 0
}

// runTool runs a command-line tool to its end and fails the test unless it
// exits with status 0.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	output, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not exit within %v:\n%s", name, args, commandTimeout, output)
	}
	if err != nil {
		t.Fatalf("%s %v: %v (install it with `make deps`)\n%s", name, args, err, output)
	}
	return string(output)
}

// openSCReaderIndex returns opensc-tool's number for reader from the table
// that `opensc-tool --list-readers` prints.
func openSCReaderIndex(t *testing.T, table, reader string) string {
	t.Helper()
	for line := range strings.SplitSeq(table, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 && strings.HasSuffix(strings.TrimSpace(line), reader) {
			return fields[0]
		}
	}
	t.Fatalf("opensc-tool --list-readers does not list %q:\n%s", reader, table)
	return ""
}

// pcscScanReaderBlock returns the lines that pcsc_scan prints for reader,
// from its " Reader N: NAME" line up to the next reader.
func pcscScanReaderBlock(output, reader string) string {
	var block []string
	inBlock := false
	for line := range strings.SplitSeq(output, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Reader ") {
			inBlock = strings.HasSuffix(strings.TrimSpace(line), ": "+reader)
		}
		if inBlock {
			block = append(block, line)
		}
	}
	return strings.Join(block, "\n")
}
