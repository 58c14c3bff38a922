package main

// Tests of the built gca binary against the real PC/SC stack. `gcacard
// serve` puts a fixture card into a vsmartcard vpcd reader of the
// machine's pcscd. gca then runs as a user runs it, with --reader and the
// secrets one per line on standard input (--stdin). The tests need pcscd
// with the vpcd driver (scripts/with-pcscd.sh starts it) and fail without
// it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ebfe/scard"

	"gcacard/fixtures"
	"gcacard/internal/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// stackSlot is the vpcd slot that these tests serve their cards in. Every
// test takes its lock with stacktest.LockSlot before it uses the reader.
const stackSlot = 1

// cardWaitTimeout bounds each wait for a card to appear in or leave the
// reader. The tests assert no time.
const cardWaitTimeout = 20 * time.Second

// gcaRunTimeout bounds each run of gca, which itself waits at most its
// --timeout (30 s by default) for each step.
const gcaRunTimeout = 60 * time.Second

// zhLocale and enLocale are the LANG values of the runs: gca writes zh-TW
// for the first and English for the second.
const (
	zhLocale = "zh_TW.UTF-8"
	enLocale = "en_US.UTF-8"
)

// The secrets these tests type. Each is a well-formed user code or PIN,
// and none is a fixture's secret.
const (
	stackPIN      = "Pin7Go24"
	stackPINNext  = "Nx8Pin35"
	wrongUserCode = "Wr0ngCode"
	newUserCode   = "NewCode42"
)

// moduleRoot returns the repository's root folder. gca runs there, so that
// a path such as fixtures/keys/valid/management.key.hex works as typed.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// fixtureSecrets lists every secret of the fixture cards: their PINs and
// user codes, and their card-management keys as lower- and upper-case hex.
var fixtureSecrets = sync.OnceValues(func() ([]string, error) {
	var secrets []string
	profiles, err := filepath.Glob(filepath.Join("..", "..", "fixtures", "cards", "*.json"))
	if err != nil || len(profiles) == 0 {
		return nil, errors.Join(errors.New("no fixture card profiles in ../../fixtures/cards"), err)
	}
	for _, path := range profiles {
		p, err := fixtures.Load(path)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, p.PIN.Value, p.UserCode.Value)
	}

	keys, err := filepath.Glob(filepath.Join("..", "..", "fixtures", "keys", "*", "management.key.hex"))
	if err != nil || len(keys) == 0 {
		return nil, errors.Join(errors.New("no management keys in ../../fixtures/keys"), err)
	}
	for _, path := range keys {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		key := strings.TrimSpace(string(data))
		secrets = append(secrets, strings.ToLower(key), strings.ToUpper(key))
	}
	return secrets, nil
})

// gcaProcess is one running gca. Its standard input is a pipe that the
// test writes the secrets to.
type gcaProcess struct {
	args   []string
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  *os.File
	typed  strings.Builder
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// gcaRun is the result of one run of gca.
type gcaRun struct {
	args           []string
	typed          string
	stdout, stderr string
	code           int
}

// startGca starts the built gca with args in the module root, with LANG
// set to locale and no other locale variable.
func startGca(t *testing.T, locale string, args ...string) *gcaProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gcaRunTimeout)
	p := &gcaProcess{args: args, cancel: cancel}
	p.cmd = exec.CommandContext(ctx, stacktest.BuildGca(t), args...)
	p.cmd.Dir = moduleRoot(t)
	p.cmd.Env = localeEnv(locale)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = 5 * time.Second

	// A pipe of our own, unlike StdinPipe, gives the file that waitRead
	// needs.
	stdinRead, stdin, err := os.Pipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	p.cmd.Stdin = stdinRead
	p.stdin = stdin
	err = p.cmd.Start()
	stdinRead.Close()
	if err != nil {
		stdin.Close()
		cancel()
		t.Fatalf("starting gca %s: %v", strings.Join(args, " "), err)
	}
	t.Cleanup(func() {
		// A run that the test did not wait for, after a t.Fatal, is
		// killed and reaped here.
		cancel()
		if p.cmd.ProcessState == nil {
			p.cmd.Wait()
		}
	})
	return p
}

// localeEnv returns the environment without the locale variables that
// gca reads, plus LANG=locale.
func localeEnv(locale string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LANG="+locale)
}

// write types lines on gca's standard input, one secret per line.
func (p *gcaProcess) write(t *testing.T, lines ...string) {
	t.Helper()
	for _, line := range lines {
		p.typed.WriteString(line + "\n")
		if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
			t.Errorf("writing to the standard input of gca %s: %v", strings.Join(p.args, " "), err)
		}
	}
}

// waitRead waits until gca has read everything written to its standard
// input, so that it waits for the next line. FIONREAD on a pipe counts the
// bytes not read yet.
func (p *gcaProcess) waitRead(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(cardWaitTimeout)
	for {
		var unread int32
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, p.stdin.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&unread)))
		if errno != 0 {
			t.Fatalf("FIONREAD on the standard input of gca: %v", errno)
		}
		if unread == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gca %s left %d bytes of its input unread for %v", strings.Join(p.args, " "), unread, cardWaitTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait closes gca's standard input, waits for it to exit and checks that
// its output contains no secret.
func (p *gcaProcess) wait(t *testing.T) gcaRun {
	t.Helper()
	p.stdin.Close()
	err := p.cmd.Wait()
	p.cancel()

	r := gcaRun{args: p.args, typed: p.typed.String(), stdout: p.stdout.String(), stderr: p.stderr.String(), code: p.cmd.ProcessState.ExitCode()}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Errorf("gca %s: %v\n%s", strings.Join(p.args, " "), err, r.describe())
	}
	if r.code < 0 {
		t.Errorf("gca %s did not exit by itself within %v and was killed\n%s", strings.Join(p.args, " "), gcaRunTimeout, r.describe())
	}
	r.checkNoSecrets(t)
	return r
}

// runGca runs gca in zh-TW with the lines as standard input.
func runGca(t *testing.T, lines []string, args ...string) gcaRun {
	t.Helper()
	return runGcaIn(t, zhLocale, lines, args...)
}

// runGcaIn runs gca with LANG=locale and the lines as standard input.
func runGcaIn(t *testing.T, locale string, lines []string, args ...string) gcaRun {
	t.Helper()
	p := startGca(t, locale, args...)
	p.write(t, lines...)
	return p.wait(t)
}

// describe returns the command, what was typed and the output, for
// failure messages. The typed secrets are the tests' own.
func (r gcaRun) describe() string {
	return "command: gca " + strings.Join(r.args, " ") +
		"\nstdin: " + quoteLines(r.typed) +
		"\nexit code: " + strconv.Itoa(r.code) +
		"\nstdout:\n" + r.stdout + "stderr:\n" + r.stderr
}

func quoteLines(s string) string {
	if s == "" {
		return "(none)"
	}
	return strings.Join(strings.Split(strings.TrimSuffix(s, "\n"), "\n"), " / ")
}

// checkNoSecrets fails the test when stdout or stderr contains a fixture
// secret or a line typed on standard input.
func (r gcaRun) checkNoSecrets(t *testing.T) {
	t.Helper()
	secrets, err := fixtureSecrets()
	if err != nil {
		t.Fatalf("reading the fixture secrets: %v", err)
	}
	secrets = append(secrets, strings.Split(r.typed, "\n")...)
	output := r.stdout + r.stderr
	for _, secret := range secrets {
		if secret != "" && strings.Contains(output, secret) {
			t.Errorf("the output contains the secret %q\n%s", secret, r.describe())
		}
	}
}

func (r gcaRun) wantCode(t *testing.T, want int) {
	t.Helper()
	if r.code != want {
		t.Errorf("exit code %d, want %d\n%s", r.code, want, r.describe())
	}
}

func (r gcaRun) wantStdout(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if !strings.Contains(r.stdout, text) {
			t.Errorf("stdout does not contain %q\n%s", text, r.describe())
		}
	}
}

func (r gcaRun) wantStderr(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if !strings.Contains(r.stderr, text) {
			t.Errorf("stderr does not contain %q\n%s", text, r.describe())
		}
	}
}

func (r gcaRun) wantNoOutput(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if strings.Contains(r.stdout+r.stderr, text) {
			t.Errorf("the output contains %q\n%s", text, r.describe())
		}
	}
}

// stackCard is a fixture card that `gcacard serve` serves in stackSlot.
type stackCard struct {
	profile  string
	stateDir string
	reader   string
	serve    *stacktest.Serve
}

// lockEmptySlot locks stackSlot and waits until its reader holds no card.
func lockEmptySlot(t *testing.T) string {
	t.Helper()
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, stackSlot)
	reader := stacktest.ReaderName(stackSlot)
	if _, err := stacktest.WaitCard(context.Background(), reader, false, cardWaitTimeout); err != nil {
		t.Fatalf("%v: a gcacard or vpcd client outside this test occupies the slot; stop it", err)
	}
	return reader
}

// serveCard locks stackSlot, serves the built-in profile in it with a new
// state folder and waits for the card.
func serveCard(t *testing.T, profile string) *stackCard {
	t.Helper()
	c := &stackCard{profile: profile, stateDir: t.TempDir(), reader: lockEmptySlot(t)}
	c.start(t)
	return c
}

// start serves the card from its state folder and waits for it.
func (c *stackCard) start(t *testing.T) {
	t.Helper()
	c.serve = stacktest.StartServe(t, "--profile", c.profile, "--slot", strconv.Itoa(stackSlot), "--state", c.stateDir)
	if _, err := stacktest.WaitCard(context.Background(), c.reader, true, cardWaitTimeout); err != nil {
		t.Fatal(err)
	}
}

// gca runs gca in zh-TW on this card's reader: the command and its
// options, then --reader.
func (c *stackCard) gca(t *testing.T, lines []string, args ...string) gcaRun {
	t.Helper()
	return runGca(t, lines, append(args, "--reader", c.reader)...)
}

// cardJSON is the part of `gca info --json` that these tests check.
type cardJSON struct {
	CardNumber string    `json:"cardNumber"`
	Holder     string    `json:"holder"`
	ValidFrom  string    `json:"validFrom"`
	ValidTo    string    `json:"validTo"`
	Issued     string    `json:"issued"`
	Lifecycle  string    `json:"lifecycle"`
	PIN        triesJSON `json:"pin"`
	UserCode   triesJSON `json:"userCode"`
	Status     string    `json:"status"`
	StatusText string    `json:"statusText"`
}

type triesJSON struct {
	Max       int  `json:"max"`
	Remaining int  `json:"remaining"`
	Blocked   bool `json:"blocked"`
	NotSet    bool `json:"notSet"`
}

// info runs `gca info --json` and parses its output.
func (c *stackCard) info(t *testing.T) cardJSON {
	t.Helper()
	r := c.gca(t, nil, "info", "--json")
	if r.code != exitOK {
		t.Fatalf("gca info --json failed\n%s", r.describe())
	}
	var info cardJSON
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("gca info --json printed invalid JSON: %v\n%s", err, r.describe())
	}
	return info
}

// wantUntouchedIssued checks that the card is issued, without a PIN, with
// every user-code try left: no secret reached it.
func wantUntouchedIssued(t *testing.T, info cardJSON) {
	t.Helper()
	if info.Lifecycle != "issued" {
		t.Errorf("lifecycle %q, want issued", info.Lifecycle)
	}
	if !info.PIN.NotSet {
		t.Errorf("PIN is set on a card that was never activated: %+v", info.PIN)
	}
	if info.UserCode.Remaining != info.UserCode.Max || info.UserCode.Max != 3 {
		t.Errorf("user code tries %d of %d, want 3 of 3", info.UserCode.Remaining, info.UserCode.Max)
	}
}

// gca info shows the guide's card as the GCA activation page shows it, and
// its --json output parses.
func TestStackInfoGuideCard(t *testing.T) {
	card := serveCard(t, "guide-expired")

	r := card.gca(t, nil, "info")
	r.wantCode(t, exitOK)
	r.wantStdout(t,
		"讀卡機："+card.reader+"\n",
		"卡號：GC00000000105736\n",
		"卡片持有者資訊：C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心\n",
		"卡片效期：自2015年9月10日 至 2021年9月10日\n",
		"憑證狀態：已過期\n",
	)

	info := card.info(t)
	want := cardJSON{
		CardNumber: "GC00000000105736",
		Holder:     "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心",
		ValidFrom:  "2015-09-10",
		ValidTo:    "2021-09-10",
		Issued:     "2015-09-10",
		Lifecycle:  "issued",
		PIN:        triesJSON{Max: 3, Remaining: 3, NotSet: true},
		UserCode:   triesJSON{Max: 3, Remaining: 3},
		Status:     "expired",
		StatusText: "已過期",
	}
	if info != want {
		t.Errorf("gca info --json = %+v, want %+v", info, want)
	}

	status := card.gca(t, nil, "status")
	status.wantCode(t, exitOK)
	status.wantStdout(t, "憑證狀態：已過期\n")
}

// An expired card refuses activation before gca sends the user code.
func TestStackActivateExpiredCard(t *testing.T) {
	card := serveCard(t, "guide-expired")
	userCode := loadSecrets(t, "guide-expired").UserCode.Value

	r := card.gca(t, []string{userCode, stackPIN, stackPIN}, "activate", "--stdin")
	r.wantCode(t, exitCardState)
	r.wantStderr(t, "卡片憑證已過期，無法再開卡或使用")
	r.wantNoOutput(t, "開卡成功")

	wantUntouchedIssued(t, card.info(t))
}

// A card past its 90-day activation window refuses activation before gca
// sends the user code.
func TestStackActivateWindowPassed(t *testing.T) {
	card := serveCard(t, "window-passed")
	userCode := loadSecrets(t, "window-passed").UserCode.Value

	r := card.gca(t, []string{userCode, stackPIN, stackPIN}, "activate", "--stdin")
	r.wantCode(t, exitCardState)
	r.wantStderr(t, "已超過發卡日期後90天的開卡期限（逾期未開卡）")
	r.wantNoOutput(t, "開卡成功")

	info := card.info(t)
	wantUntouchedIssued(t, info)
	if info.Status != "window-passed" {
		t.Errorf("status %q, want window-passed", info.Status)
	}
}

// Activation with the user code succeeds, the status is then 有效, the new
// PIN is the one typed, and a second activation is refused.
func TestStackActivateThenStatusValid(t *testing.T) {
	card := serveCard(t, "valid")
	userCode := loadSecrets(t, "valid").UserCode.Value

	r := card.gca(t, []string{userCode, stackPIN, stackPIN}, "activate", "--stdin")
	r.wantCode(t, exitOK)
	r.wantStdout(t, "開卡成功\n", "完成開卡！您可開始使用卡片。", "卡號：GC00000000200001\n", "憑證狀態：有效\n")
	r.wantStderr(t, "開卡作業進行中，請稍候…")

	status := card.gca(t, nil, "status")
	status.wantCode(t, exitOK)
	status.wantStdout(t, "卡號：GC00000000200001\n", "憑證狀態：有效\n")

	again := card.gca(t, []string{userCode, stackPINNext, stackPINNext}, "activate", "--stdin")
	again.wantCode(t, exitCardState)
	again.wantStderr(t, "卡片已完成開卡，不需再開卡", "gca change-pin", "gca reset-pin")

	info := card.info(t)
	if info.Lifecycle != "activated" {
		t.Errorf("lifecycle %q after activation, want activated", info.Lifecycle)
	}
	if info.PIN.NotSet || info.PIN.Remaining != 3 {
		t.Errorf("PIN %+v after activation, want set with 3 tries left", info.PIN)
	}
	if info.UserCode.Remaining != 3 {
		t.Errorf("user code tries %d after activation, want 3: the refused second activation must not use one", info.UserCode.Remaining)
	}

	// The PIN typed at activation is the card's PIN.
	changed := card.gca(t, []string{stackPIN, stackPINNext, stackPINNext}, "change-pin", "--stdin")
	changed.wantCode(t, exitOK)
	changed.wantStdout(t, "PIN碼更改成功\n")
}

// With LANG=en_US.UTF-8, gca writes the activation and its result in
// English.
func TestStackActivateInEnglish(t *testing.T) {
	card := serveCard(t, "valid")
	userCode := loadSecrets(t, "valid").UserCode.Value

	r := runGcaIn(t, enLocale, []string{userCode, stackPIN, stackPIN}, "activate", "--stdin", "--reader", card.reader)
	r.wantCode(t, exitOK)
	r.wantStdout(t, "Card activated\n", "Card number: GC00000000200001\n", "Certificate status: valid\n")
	r.wantStderr(t, "Activating the card, please wait…")
	r.wantNoOutput(t, "開卡", "憑證")

	again := runGcaIn(t, enLocale, []string{userCode, stackPIN, stackPIN}, "activate", "--stdin", "--reader", card.reader)
	again.wantCode(t, exitCardState)
	again.wantStderr(t, "The card is already activated.")
}

// Each wrong user code shows the tries left, the third blocks the user
// code, and the CA's user-code reset, which reads the new code twice,
// restores it for activation.
func TestStackWrongUserCodeBlocksUntilReset(t *testing.T) {
	card := serveCard(t, "valid")
	wrong := []string{wrongUserCode, stackPIN, stackPIN}

	first := card.gca(t, wrong, "activate", "--stdin")
	first.wantCode(t, exitWrongSecret)
	first.wantStderr(t, "用戶代碼錯誤，尚可嘗試 2 次。")
	first.wantNoOutput(t, "再輸入錯誤一次")

	second := card.gca(t, wrong, "activate", "--stdin")
	second.wantCode(t, exitWrongSecret)
	second.wantStderr(t, "用戶代碼錯誤，尚可嘗試 1 次。", "再輸入錯誤一次，用戶代碼將鎖定。")

	third := card.gca(t, wrong, "activate", "--stdin")
	third.wantCode(t, exitBlocked)
	third.wantStderr(t, "用戶代碼已鎖定（輸入錯誤達上限），請進行用戶代碼重設")

	// The right user code no longer helps.
	right := card.gca(t, []string{loadSecrets(t, "valid").UserCode.Value, stackPIN, stackPIN}, "activate", "--stdin")
	right.wantCode(t, exitBlocked)
	right.wantStderr(t, "用戶代碼重設")

	status := card.gca(t, nil, "status")
	status.wantCode(t, exitOK)
	status.wantStdout(t, "憑證狀態：用戶代碼已鎖定\n")
	info := card.info(t)
	if !info.UserCode.Blocked || info.UserCode.Remaining != 0 {
		t.Errorf("user code %+v after three wrong entries, want blocked with 0 tries left", info.UserCode)
	}

	keyFile := filepath.Join("fixtures", "keys", "valid", "management.key.hex")
	mismatch := card.gca(t, []string{newUserCode, "NewCode43"}, "admin", "reset-user-code", "--key-file", keyFile, "--stdin")
	mismatch.wantCode(t, exitInvalid)
	mismatch.wantStderr(t, "兩次輸入的新用戶代碼不一致")
	if info := card.info(t); !info.UserCode.Blocked {
		t.Errorf("user code %+v after a reset with two different new codes, want still blocked", info.UserCode)
	}

	reset := card.gca(t, []string{newUserCode, newUserCode}, "admin", "reset-user-code", "--key-file", keyFile, "--stdin")
	reset.wantCode(t, exitOK)
	reset.wantStdout(t, "用戶代碼重設成功\n", "憑證狀態：未開卡\n")
	info = card.info(t)
	if info.UserCode.Blocked || info.UserCode.Remaining != 3 {
		t.Errorf("user code %+v after the reset, want 3 tries left", info.UserCode)
	}

	activated := card.gca(t, []string{newUserCode, stackPIN, stackPIN}, "activate", "--stdin")
	activated.wantCode(t, exitOK)
	activated.wantStdout(t, "開卡成功\n", "憑證狀態：有效\n")
}

// A user code of 5 or 11 and a PIN of 5 or 9 characters break the input
// rules and reach no counter. A user code of 6 or 10 and a PIN of 6 or 8
// pass them: with a wrong user code, each such activation uses exactly one
// user-code try.
func TestStackLengthBoundaries(t *testing.T) {
	card := serveCard(t, "valid")
	userCode := loadSecrets(t, "valid").UserCode.Value
	wantUntouchedIssued(t, card.info(t))

	steps := []struct {
		name  string
		input []string
		code  int
		text  string
		// userCodeLeft is the user code's tries left after the step.
		userCodeLeft int
	}{
		{"user code of 5", []string{"Ab3d5", stackPIN, stackPIN}, exitInvalid, "用戶代碼太短（少於6碼）", 3},
		{"user code of 11", []string{"Ab3d5f7h9jK", stackPIN, stackPIN}, exitInvalid, "用戶代碼太長（超過10碼）", 3},
		{"PIN of 5", []string{userCode, "Pq3r5", "Pq3r5"}, exitInvalid, "新的PIN碼太短（少於6碼）", 3},
		{"PIN of 9", []string{userCode, "Pq3r5t7v9", "Pq3r5t7v9"}, exitInvalid, "新的PIN碼太長（超過8碼）", 3},
		{"wrong user code of 6, PIN of 6", []string{"Wr6ng6", "Pq3r5t", "Pq3r5t"}, exitWrongSecret, "用戶代碼錯誤，尚可嘗試 2 次", 2},
		{"wrong user code of 10, PIN of 8", []string{"Wr0ngCd10x", "Pq3r5t7v", "Pq3r5t7v"}, exitWrongSecret, "用戶代碼錯誤，尚可嘗試 1 次", 1},
	}
	for _, step := range steps {
		r := card.gca(t, step.input, "activate", "--stdin")
		if r.code != step.code {
			t.Errorf("%s: exit code %d, want %d\n%s", step.name, r.code, step.code, r.describe())
		}
		if !strings.Contains(r.stderr, step.text) {
			t.Errorf("%s: stderr does not contain %q\n%s", step.name, step.text, r.describe())
		}

		info := card.info(t)
		if info.UserCode.Remaining != step.userCodeLeft {
			t.Errorf("%s: user code tries left %d, want %d", step.name, info.UserCode.Remaining, step.userCodeLeft)
		}
		if info.Lifecycle != "issued" || !info.PIN.NotSet {
			t.Errorf("%s: lifecycle %q and PIN %+v, want issued without a PIN", step.name, info.Lifecycle, info.PIN)
		}
	}

	// The right user code with a PIN of 6 activates the card and restores
	// the user code's tries.
	r := card.gca(t, []string{userCode, "Pq3r5t", "Pq3r5t"}, "activate", "--stdin")
	r.wantCode(t, exitOK)
	r.wantStdout(t, "開卡成功\n")
	info := card.info(t)
	if info.Lifecycle != "activated" || info.PIN.NotSet || info.PIN.Remaining != 3 || info.UserCode.Remaining != 3 {
		t.Errorf("after activation: lifecycle %q, PIN %+v, user code %+v, want activated with 3 PIN and 3 user-code tries", info.Lifecycle, info.PIN, info.UserCode)
	}
}

// A reader name that pcscd does not list exits 3 and names the reader.
func TestStackUnknownReader(t *testing.T) {
	stacktest.RequirePCSCD(t)
	userCode := loadSecrets(t, "valid").UserCode.Value

	r := runGca(t, []string{userCode, stackPIN, stackPIN}, "activate", "--stdin", "--reader", "No Such Reader")
	r.wantCode(t, exitNoCard)
	r.wantStderr(t, "找不到讀卡機「No Such Reader」", "目前的讀卡機：")

	info := runGca(t, nil, "info", "--reader", "No Such Reader")
	info.wantCode(t, exitNoCard)
	info.wantStderr(t, "找不到讀卡機「No Such Reader」")
}

// A reader without a card makes gca wait up to --timeout, then exit 3.
func TestStackEmptyReaderTimesOut(t *testing.T) {
	reader := lockEmptySlot(t)

	r := runGca(t, nil, "info", "--reader", reader, "--timeout", "2s")
	r.wantCode(t, exitNoCard)
	r.wantStderr(t, "請將IC卡按正確方向插入讀卡機「"+reader+"」", "2s內沒有卡片插入讀卡機「"+reader+"」")
	if r.stdout != "" {
		t.Errorf("stdout is not empty\n%s", r.describe())
	}
}

// The card leaves the reader, its daemon killed, while gca waits for the
// confirmation of the new PIN. gca then exits 7 with a message that the
// activation may not have completed. The card, served again from the same
// state, is either activated with the new PIN or untouched, never in
// between. The confirmation comes either once pcscd shows the reader
// empty, or at once, before pcscd may have noticed.
func TestStackCardRemovedDuringActivation(t *testing.T) {
	for _, waitForEmpty := range []bool{true, false} {
		name := "confirmation at once"
		if waitForEmpty {
			name = "confirmation after reader empty"
		}
		t.Run(name, func(t *testing.T) {
			card := serveCard(t, "valid")
			userCode := loadSecrets(t, "valid").UserCode.Value

			p := startGca(t, zhLocale, "activate", "--stdin", "--reader", card.reader, "--timeout", "5s")
			p.write(t, userCode, stackPIN)
			waitInUse(t, card.reader)
			// gca reads its input only after it has read the card's
			// state, so it now waits for the confirmation.
			p.waitRead(t)

			card.serve.Kill(t)
			if waitForEmpty {
				waitEmpty(t, card.reader)
			}
			p.write(t, stackPIN)
			r := p.wait(t)
			t.Logf("gca after the card left:\n%s", r.describe())

			r.wantCode(t, exitInterrupted)
			r.wantStderr(t, "開卡可能未完成，也可能已完成", "gca status")
			r.wantNoOutput(t, "開卡成功")
			// A PC/SC error text that ends in a full stop must not get a
			// second one from the sentence around it.
			r.wantNoOutput(t, ".。")

			waitEmpty(t, card.reader)
			card.start(t)
			info := card.info(t)
			switch info.Lifecycle {
			case "issued":
				t.Logf("the card is untouched: issued, user code tries %d of %d", info.UserCode.Remaining, info.UserCode.Max)
				wantUntouchedIssued(t, info)
			case "activated":
				t.Logf("the card is activated")
				if info.PIN.NotSet || info.PIN.Remaining != 3 || info.UserCode.Remaining != 3 {
					t.Errorf("activated card with PIN %+v and user code %+v, want a set PIN and 3 tries of each", info.PIN, info.UserCode)
				}
				changed := card.gca(t, []string{stackPIN, stackPINNext, stackPINNext}, "change-pin", "--stdin")
				changed.wantCode(t, exitOK)
			default:
				t.Errorf("lifecycle %q after the interrupted activation, want issued or activated", info.Lifecycle)
			}
		})
	}
}

// waitEmpty waits until pcscd shows no card in reader.
func waitEmpty(t *testing.T, reader string) {
	t.Helper()
	if _, err := stacktest.WaitCard(context.Background(), reader, false, cardWaitTimeout); err != nil {
		t.Fatal(err)
	}
}

// waitInUse waits until a PC/SC client, gca here, is connected to the
// card in reader, as pcscd reports with SCARD_STATE_INUSE.
func waitInUse(t *testing.T, reader string) {
	t.Helper()
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatalf("SCardEstablishContext: %v", err)
	}
	defer ctx.Release()

	deadline := time.Now().Add(cardWaitTimeout)
	for {
		states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
		if err := ctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
			t.Fatalf("SCardGetStatusChange %q: %v", reader, err)
		}
		if states[0].EventState&scard.StateInuse != 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PC/SC client connected to the card in %q within %v", reader, cardWaitTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
