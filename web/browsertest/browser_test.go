package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"gcacard/internal/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// screenshotsEnv names the environment variable with the folder for the
// screenshots; without it they go to reports/web.
const screenshotsEnv = "GCACARD_WEB_SCREENSHOTS"

// slot is the vpcd slot of the test's card. The test takes its lock, so
// other tests that use the slot wait.
const slot = 0

// stepTimeout bounds each wait for the page. Each card operation through
// pcscd took under a second on the machine the test was written on.
const stepTimeout = 20 * time.Second

// The secrets that the test types and that no fixture has. Each is a
// well-formed user code or PIN.
const (
	wrongUserCode = "Wr0ngCode"
	firstPIN      = "Web7Pin2"
	secondPIN     = "Nx8Pin35"
	thirdPIN      = "Rs9Pin46"
)

// validUserCode returns the user code of the fixture card "valid", read
// from its profile file.
func validUserCode(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "cards", "valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	var profile struct {
		UserCode struct{ Value string } `json:"userCode"`
	}
	if err := json.Unmarshal(data, &profile); err != nil {
		t.Fatal(err)
	}
	return profile.UserCode.Value
}

// requireChromium fails the test when Chromium is missing, as the stack
// tests fail without pcscd, so that a run without it cannot pass.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium not found at %s (%v): run `make deps`, which installs the Debian packages chromium and chromium-driver", chromiumPath, err)
	}
}

// screenshotDir returns the folder for the screenshots and creates it.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "reports", "web")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("creating the screenshot folder: %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// gcaWeb is a running `gca web` process.
type gcaWeb struct {
	cmd    *exec.Cmd
	url    string
	stderr *stacktest.SyncBuffer
	done   chan struct{}
}

var servedURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

// startGcaWeb runs the built `gca web` on a free port, as a user starts
// it, and returns once it has printed its URL. The page's language follows
// the browser, because no --lang is given.
func startGcaWeb(t *testing.T) *gcaWeb {
	t.Helper()
	w := &gcaWeb{stderr: &stacktest.SyncBuffer{}, done: make(chan struct{})}
	w.cmd = exec.Command(stacktest.BuildGca(t), "web", "--listen", "127.0.0.1:0")
	w.cmd.Stderr = w.stderr
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("starting gca web: %v", err)
	}
	go func() {
		w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			w.cmd.Process.Kill()
			<-w.done
		}
		if t.Failed() {
			t.Logf("stderr of gca web:\n%s", w.stderr)
		}
	})

	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		w.url = servedURL.FindString(line)
		if w.url == "" {
			t.Fatalf("gca web printed %q, want a line with its http://127.0.0.1:PORT/ address", line)
		}
	case <-time.After(stepTimeout):
		t.Fatalf("gca web printed no address within %v", stepTimeout)
	}
	return w
}

// stop sends SIGINT, as Ctrl-C does, and checks that gca web exits with 0.
func (w *gcaWeb) stop(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("sending SIGINT to gca web: %v", err)
	}
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatal("gca web still runs 10s after SIGINT")
	}
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("gca web exited with %d after SIGINT, want 0", code)
	}
}

// browser is one headless Chromium tab on the page.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	count int
}

// newBrowser starts headless Chromium with a fresh profile folder and only
// the flags that a test of a local page needs. chromedp adds the profile
// folder, the DevTools pipe and about:blank.
func newBrowser(t *testing.T, acceptLanguage string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})

	b := &browser{t: t, ctx: ctx, shots: screenshotDir(t)}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("starting Chromium at %s: %v", chromiumPath, err)
	}
	b.setLanguage(acceptLanguage)
	b.do(chromedp.EmulateViewport(1000, 900))
	return b
}

// setLanguage makes every request send acceptLanguage, as a browser set
// to that language does.
func (b *browser) setLanguage(acceptLanguage string) {
	b.t.Helper()
	headers := network.Headers{"Accept-Language": acceptLanguage}
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers}); err != nil {
		b.t.Fatalf("setting Accept-Language: %v", err)
	}
}

// do runs actions within stepTimeout and fails the test on error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("browser action failed: %v", err)
	}
}

// eval evaluates a JavaScript expression and returns its result.
func eval[T any](b *browser, expression string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	result, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		b.fail("evaluating %s: %v", expression, err)
	}
	return result
}

// text returns the text content of the element with id, or "" when there
// is none.
func (b *browser) text(id string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.getElementById(%q) || {}).textContent || ""`, id))
}

// waitText waits until the element with id contains want.
func (b *browser) waitText(id, want string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !strings.Contains(b.text(id), want) {
		if time.Now().After(deadline) {
			b.fail("#%s = %q, want it to contain %q", id, b.text(id), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fail saves a screenshot of the page and fails the test with the page's
// hint and error lines, which show what the page was doing.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(b.shots, "failure.png"), shot, 0o644)
	}
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`"hint: " + document.getElementById("hint").textContent + "\nerror: " + document.getElementById("error").textContent`))
	b.t.Fatalf(format+"\npage state:\n%s\nscreenshot: %s", append(args, state, filepath.Join(b.shots, "failure.png"))...)
}

// shot saves a full-page PNG screenshot as NN-name.png and returns its
// path.
func (b *browser) shot(name string) string {
	b.t.Helper()
	b.count++
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.count, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("saving screenshot: %v", err)
	}
	return path
}

// open loads path of the served page and waits for its script.
func (b *browser) open(base, path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(strings.TrimSuffix(base, "/")+path), chromedp.WaitVisible(chromedp.ID("detect")))
}

// follow clicks the tab that links to href and waits for the new page.
func (b *browser) follow(href string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	click := chromedp.Click(chromedp.CSS(`a[href="` + href + `"]`))
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, click)); err != nil {
		b.fail("following the link to %s: %v", href, err)
	}
	b.do(chromedp.WaitVisible(chromedp.ID("detect")))
}

// typeInto types value into the input with id, key by key, after clearing
// it, and then moves the focus on, as a user does with Tab.
func (b *browser) typeInto(id, value string) {
	b.t.Helper()
	eval[chromedp.Void](b, fmt.Sprintf(`document.getElementById(%q).value = ""`, id))
	b.do(chromedp.SendKeys(chromedp.ID(id), value), chromedp.Blur(chromedp.ID(id)))
}

// chooseCard detects the cards and chooses reader in 選擇卡片, unless the
// page chose it already because it holds the only card, and waits for the
// card's number.
func (b *browser) chooseCard(reader, cardNumber string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.ID("detect")))
	deadline := time.Now().Add(stepTimeout)
	option := fmt.Sprintf(`Array.from(document.getElementById("reader").options).some(o => o.value === %q)`, reader)
	for !eval[bool](b, option) {
		if time.Now().After(deadline) {
			b.fail("選擇卡片 does not list reader %q", reader)
		}
		time.Sleep(50 * time.Millisecond)
	}
	eval[chromedp.Void](b, fmt.Sprintf(`(() => {
		const select = document.getElementById("reader");
		if (select.value !== %[1]q) {
			select.value = %[1]q;
			select.dispatchEvent(new Event("change"));
		}
	})()`, reader))
	b.waitText("card-number", cardNumber)
}

// submitState is what the page shows right after the submit button is
// pressed, before the server responds.
type submitState struct {
	SubmitDisabled bool   `json:"submitDisabled"`
	DetectDisabled bool   `json:"detectDisabled"`
	InputsDisabled bool   `json:"inputsDisabled"`
	ProgressShown  bool   `json:"progressShown"`
	ProgressText   string `json:"progressText"`
	Busy           string `json:"busy"`
}

// pressSubmit presses the submit button and returns the page's state in
// the same task, before any response can arrive.
func (b *browser) pressSubmit() submitState {
	b.t.Helper()
	return eval[submitState](b, `(() => {
		const $ = (id) => document.getElementById(id);
		$("submit").click();
		return {
			submitDisabled: $("submit").disabled,
			detectDisabled: $("detect").disabled,
			inputsDisabled: Array.from(document.querySelectorAll("input")).every(i => i.disabled),
			progressShown: !$("progress").hidden,
			progressText: $("progress-text").textContent,
			busy: $("card-form").getAttribute("aria-busy"),
		};
	})()`)
}

// pausedRequests holds the page's calls to an API path in Chromium until
// the test releases them, so the test can see the page while the card
// works.
type pausedRequests struct {
	events chan *fetch.EventRequestPaused
	cancel context.CancelFunc
}

func (b *browser) pauseRequests(path string) *pausedRequests {
	b.t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	p := &pausedRequests{events: make(chan *fetch.EventRequestPaused, 8), cancel: cancel}
	// Subscribe before enabling, so no event is lost.
	events := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			p.events <- &ev
		}
	}()
	params := fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*" + path}}}
	if _, err := chromedp.Call(b.ctx, fetch.Enable, params); err != nil {
		cancel()
		b.fail("enabling request interception: %v", err)
	}
	return p
}

// next waits for the next paused request.
func (p *pausedRequests) next(b *browser) *fetch.EventRequestPaused {
	b.t.Helper()
	select {
	case ev := <-p.events:
		return ev
	case <-time.After(stepTimeout):
		b.fail("the page sent no request within %v", stepTimeout)
		return nil
	}
}

// release lets a paused request go on to the server.
func (p *pausedRequests) release(b *browser, ev *fetch.EventRequestPaused) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID}); err != nil {
		b.fail("continuing the paused request: %v", err)
	}
}

// stop ends the interception and returns the number of requests that
// were paused but not taken with next.
func (p *pausedRequests) stop(b *browser) int {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, fetch.Disable, struct{}{}); err != nil {
		b.fail("disabling request interception: %v", err)
	}
	p.cancel()
	return len(p.events)
}

// serveCard serves a new "valid" card in the slot, which the test has
// locked, and waits until pcscd shows it.
func serveCard(t *testing.T) string {
	t.Helper()
	stacktest.RequirePCSCD(t)
	stacktest.LockSlot(t, slot)
	reader := stacktest.ReaderName(slot)
	if _, err := stacktest.WaitCard(context.Background(), reader, false, stepTimeout); err != nil {
		t.Fatalf("%v: a gcacard or vpcd client outside this test occupies the slot; stop it", err)
	}
	stacktest.StartServe(t, "--profile", "valid", "--slot", strconv.Itoa(slot), "--state", t.TempDir())
	if _, err := stacktest.WaitCard(context.Background(), reader, true, stepTimeout); err != nil {
		t.Fatal(err)
	}
	return reader
}

// checkNoSecrets fails the test when text contains a secret the test
// typed.
func checkNoSecrets(t *testing.T, source, text string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(text, secret) {
			t.Errorf("%s contains the secret %q", source, secret)
		}
	}
}
