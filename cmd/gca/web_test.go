package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"gcacard/client"
	"gcacard/pcsc"
	"gcacard/web"
)

// webService lets gca web reach the harness's emulator readers.
type webService struct{ service *testService }

func (w webService) Readers() ([]pcsc.Reader, error) { return w.service.Readers() }

func (w webService) Connect(reader string) (web.Connection, error) {
	transport, err := w.service.Connect(reader)
	if err != nil {
		return nil, err
	}
	return webConnection{transport}, nil
}

type webConnection struct{ client.Transport }

func (webConnection) Disconnect() error { return nil }

var servedURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

// webRun is one gca web process in this test binary.
type webRun struct {
	url    string
	stop   context.CancelFunc
	code   chan int
	stderr *strings.Builder
}

// startWeb runs gca with args, which include web, until the test calls
// stop, and returns the URL that gca printed.
func startWeb(t *testing.T, env map[string]string, args ...string) *webRun {
	t.Helper()
	h := newHarness(t, "valid")
	ctx, cancel := context.WithCancel(context.Background())
	sys := system{
		openService: func() (readerService, error) { return h.service, nil },
		now:         time.Now,
		terminal:    func(io.Reader, io.Writer) (secretSource, bool) { return nil, false },
		webService:  webService{h.service},
		webContext:  func() (context.Context, context.CancelFunc) { return ctx, cancel },
	}
	stdoutReader, stdoutWriter := io.Pipe()
	run := &webRun{stop: cancel, code: make(chan int, 1), stderr: &strings.Builder{}}
	go func() {
		code := runGcaWeb(args, stdoutWriter, run.stderr, env, sys)
		stdoutWriter.Close()
		run.code <- code
	}()

	line, err := bufio.NewReader(stdoutReader).ReadString('\n')
	go io.Copy(io.Discard, stdoutReader)
	if err != nil {
		cancel()
		t.Fatalf("gca %s printed no line: %v", strings.Join(args, " "), err)
	}
	run.url = servedURL.FindString(line)
	if run.url == "" {
		cancel()
		t.Fatalf("gca %s printed %q, want a line with http://127.0.0.1:PORT/", strings.Join(args, " "), line)
	}
	t.Cleanup(cancel)
	return run
}

// runGcaWeb runs gca; the stderr builder is written only by this run.
func runGcaWeb(args []string, stdout io.Writer, stderr *strings.Builder, env map[string]string, sys system) int {
	return run(args, strings.NewReader(""), stdout, stderr, func(name string) string { return env[name] }, sys)
}

// get fetches the served page as a browser opening the URL does.
func (w *webRun) get(t *testing.T, acceptLanguage string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", acceptLanguage)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", w.url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s returned %d:\n%s", w.url, resp.StatusCode, body)
	}
	return string(body)
}

// wait stops gca web as Ctrl-C does and returns its exit code.
func (w *webRun) wait(t *testing.T) int {
	t.Helper()
	w.stop()
	select {
	case code := <-w.code:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("gca web did not stop within 10s of its context ending")
		return -1
	}
}

func TestWebServesPage(t *testing.T) {
	w := startWeb(t, nil, "web", "--listen", "127.0.0.1:0")

	page := w.get(t, "")
	for _, want := range []string{"偵測卡片", "進行開卡", "/assets/app.js"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if english := w.get(t, "en-US"); !strings.Contains(english, "Detect cards") {
		t.Errorf("page for Accept-Language en-US is not English")
	}

	if code := w.wait(t); code != exitOK {
		t.Errorf("exit code %d after the stop, want 0\nstderr:\n%s", code, w.stderr)
	}
	for _, want := range []string{"web server started", "web server stopped"} {
		if !strings.Contains(w.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, w.stderr)
		}
	}
}

// --lang fixes the page's language over the browser's.
func TestWebLangOption(t *testing.T) {
	w := startWeb(t, nil, "--lang", "en", "web", "--listen", "127.0.0.1:0")
	if page := w.get(t, "zh-TW"); !strings.Contains(page, "Detect cards") {
		t.Errorf("page with --lang en is not English")
	}
	w.wait(t)
}

// The locale of the environment sets gca's own output, not the page's.
func TestWebLocaleLeavesPage(t *testing.T) {
	w := startWeb(t, map[string]string{"LANG": "en_US.UTF-8"}, "web", "--listen", "127.0.0.1:0")
	if page := w.get(t, "zh-TW"); !strings.Contains(page, "偵測卡片") {
		t.Errorf("page for Accept-Language zh-TW is not zh-TW under LANG=en_US.UTF-8")
	}
	w.wait(t)
}

func TestWebListenRejected(t *testing.T) {
	cases := map[string]string{
		"0.0.0.0:8963":     "只接受 127.0.0.1 或 localhost",
		":8963":            "只接受 127.0.0.1 或 localhost",
		"[::1]:8963":       "只接受 127.0.0.1 或 localhost",
		"127.0.0.2:8963":   "只接受 127.0.0.1 或 localhost",
		"192.168.0.1:8963": "只接受 127.0.0.1 或 localhost",
		"example.com:80":   "只接受 127.0.0.1 或 localhost",
		"8963":             "無效",
		"127.0.0.1:99999":  "無效",
	}
	for listen, want := range cases {
		t.Run(listen, func(t *testing.T) {
			h := newHarness(t)
			o := h.run("", "web", "--listen", listen)
			o.wantCode(t, exitInvalid)
			o.wantOutput(t, want, "127.0.0.1:8963")
		})
	}
}

func TestWebListenEnglish(t *testing.T) {
	h := newHarness(t)
	o := h.run("", "--lang", "en", "web", "--listen", "0.0.0.0:8963")
	o.wantCode(t, exitInvalid)
	o.wantOutput(t, "takes only 127.0.0.1 or localhost", "--listen 127.0.0.1:PORT")
	if strings.Contains(o.output(), "not on this computer") {
		t.Errorf("a loopback address is called not on this computer:\n%s", o.output())
	}
}

func TestWebPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	h := newHarness(t)
	o := h.run("", "web", "--listen", ln.Addr().String())
	o.wantCode(t, exitFailure)
	o.wantOutput(t, "無法在 "+ln.Addr().String()+" 上提供網頁：該位址已被其他程式使用", "改用其他連接埠")
	if strings.Contains(o.output(), "address already in use") {
		t.Errorf("zh-TW message shows the system's English text:\n%s", o.output())
	}
}

func TestWebHelp(t *testing.T) {
	h := newHarness(t)
	o := h.run("", "help", "web")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "gca web [--listen 127.0.0.1:PORT]", "127.0.0.1:8963")

	o = h.run("", "help")
	o.wantOutput(t, "gca web")
}
