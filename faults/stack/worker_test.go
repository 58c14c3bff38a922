package stack_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"golang.org/x/text/language"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/iso7816"
	"gcacard/messages"
	"gcacard/pcsc"
)

// The worker is this test binary started again with workerEnv=1: a PC/SC
// client in its own process. PCSCLITE_CSOCK_NAME can then point it at a
// pcscd of internal/pcscdns, because libpcsclite reads that variable once
// per process. A pcscd restart also hits a process the test does not share. It reads one JSON request per line on stdin and writes one
// JSON reply per line on stdout. Secrets travel on stdin, never as
// arguments.
const workerEnv = "GCA_FAULTS_STACK_WORKER"

// workerRequest is one request to the worker.
type workerRequest struct {
	Op       string   `json:"op"`
	Reader   string   `json:"reader,omitempty"`
	Readers  []string `json:"readers,omitempty"`
	PIN      string   `json:"pin,omitempty"`
	WrongPIN string   `json:"wrongPIN,omitempty"`
	Rounds   int      `json:"rounds,omitempty"`
	Tail     int      `json:"tail,omitempty"`
}

// workerReply is the worker's reply to one request.
type workerReply struct {
	OK bool `json:"ok"`
	// Code and Message describe the error as gca shows it: the stable
	// code of messages.Code and the English text.
	Code         string       `json:"code,omitempty"`
	Message      string       `json:"message,omitempty"`
	Error        string       `json:"error,omitempty"`
	Reads        int          `json:"reads,omitempty"`
	CardNumber   string       `json:"cardNumber,omitempty"`
	PINRemaining int          `json:"pinRemaining,omitempty"`
	Loads        []loadResult `json:"loads,omitempty"`
}

// loadResult is what the load request did on one reader.
type loadResult struct {
	Reader     string         `json:"reader"`
	Histogram  map[string]int `json:"histogram"`
	Unexpected []string       `json:"unexpected,omitempty"`
	Remaining  int            `json:"remaining"`
	Error      string         `json:"error,omitempty"`
}

// connectTimeout bounds the worker's wait for a card to connect to.
const connectTimeout = 30 * time.Second

// runWorker serves requests until stdin closes.
func runWorker() {
	w := &worker{}
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req workerRequest
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			out.Encode(workerReply{Error: "invalid request: " + err.Error()})
			continue
		}
		out.Encode(w.handle(req))
	}
	w.close()
}

// worker holds one PC/SC context and connection.
type worker struct {
	ctx  *pcsc.Context
	card *pcsc.Card
}

func (w *worker) handle(req workerRequest) workerReply {
	switch req.Op {
	case "connect":
		return result(w.connect(req.Reader))
	case "info":
		return w.info()
	case "readloop":
		return w.readLoop()
	case "load":
		return workerReply{OK: true, Loads: runLoad(req)}
	}
	return workerReply{Error: fmt.Sprintf("unknown op %q", req.Op)}
}

func (w *worker) close() {
	if w.card != nil {
		w.card.Disconnect()
	}
	if w.ctx != nil {
		w.ctx.Release()
	}
	w.card, w.ctx = nil, nil
}

// connect opens a new context and connection, retrying until the reader
// holds a card or connectTimeout passes.
func (w *worker) connect(reader string) error {
	w.close()
	deadline := time.Now().Add(connectTimeout)
	for {
		ctx, card, err := open(reader)
		if err == nil {
			w.ctx, w.card = ctx, card
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func open(reader string) (*pcsc.Context, *pcsc.Card, error) {
	ctx, err := pcsc.Establish()
	if err != nil {
		return nil, nil, err
	}
	card, err := ctx.Connect(reader)
	if err != nil {
		ctx.Release()
		return nil, nil, err
	}
	return ctx, card, nil
}

func (w *worker) info() workerReply {
	if w.card == nil {
		return workerReply{Error: "info before connect"}
	}
	info, err := client.New(w.card).Info()
	if err != nil {
		return result(err)
	}
	return workerReply{OK: true, CardNumber: info.CardNumber, PINRemaining: info.PIN.Remaining}
}

// readLoop reads the card's information until a read fails, and returns
// how many succeeded with the error. It gives up after a minute.
func (w *worker) readLoop() workerReply {
	if w.card == nil {
		return workerReply{Error: "readloop before connect"}
	}
	c := client.New(w.card)
	deadline := time.Now().Add(time.Minute)
	reads := 0
	for time.Now().Before(deadline) {
		if _, err := c.Info(); err != nil {
			reply := result(err)
			reply.Reads = reads
			return reply
		}
		reads++
	}
	return workerReply{OK: true, Reads: reads, Error: "no read failed within a minute"}
}

// result turns an error into a reply with gca's code and English text.
func result(err error) workerReply {
	if err == nil {
		return workerReply{OK: true}
	}
	return workerReply{
		Code:    messages.Code(err),
		Message: messages.New(language.English).Error(err),
		Error:   err.Error(),
	}
}

// runLoad runs the load on every reader at once, each on its own context.
func runLoad(req workerRequest) []loadResult {
	results := make([]loadResult, len(req.Readers))
	var wg sync.WaitGroup
	for i, reader := range req.Readers {
		wg.Go(func() { results[i] = loadReader(reader, req) })
	}
	wg.Wait()
	return results
}

// loadReader sends Rounds times wrong, wrong, right VERIFY, then Tail wrong
// ones, checks each status word against the one a card with 3 tries must
// return, and reads the PIN's retry counter at the end.
func loadReader(reader string, req workerRequest) loadResult {
	res := loadResult{Reader: reader, Histogram: map[string]int{}}
	ctx, card, err := openWithin(reader, connectTimeout)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer ctx.Release()
	defer card.Disconnect()

	wrong, right := verifyCommand(req.WrongPIN), verifyCommand(req.PIN)
	send := func(command []byte, want iso7816.StatusWord) bool {
		out, err := card.Transmit(command)
		if err != nil {
			res.Error = err.Error()
			return false
		}
		resp, err := iso7816.ParseResponse(out)
		if err != nil {
			res.Error = err.Error()
			return false
		}
		res.Histogram[swKey(resp.SW)]++
		if resp.SW != want {
			res.Unexpected = append(res.Unexpected, fmt.Sprintf("%v where %v was expected", resp.SW, want))
		}
		return true
	}
	for range req.Rounds {
		if !send(wrong, iso7816.RetriesRemaining(2)) || !send(wrong, iso7816.RetriesRemaining(1)) || !send(right, iso7816.SWSuccess) {
			return res
		}
	}
	for i := range req.Tail {
		if !send(wrong, iso7816.RetriesRemaining(2-i)) {
			return res
		}
	}

	out, err := card.Transmit([]byte{0x00, 0xCA, 0x01, 0x80, 0x02})
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if len(out) == 4 {
		res.Remaining = int(out[1])
	}
	return res
}

func openWithin(reader string, timeout time.Duration) (*pcsc.Context, *pcsc.Card, error) {
	deadline := time.Now().Add(timeout)
	for {
		ctx, card, err := open(reader)
		if err == nil || time.Now().After(deadline) {
			return ctx, card, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// verifyCommand returns VERIFY 00 20 00 80 with pin's block.
func verifyCommand(pin string) []byte {
	block, err := emulator.EncodeBlock(pin)
	if err != nil {
		panic(err)
	}
	return append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(block))}, block...)
}

// workerProcess is the test's end of a running worker.
type workerProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Scanner
	stderr *lockedBuffer
}

// startWorker starts the worker with extra environment entries, such as
// the PCSCLITE_CSOCK_NAME of a pcscdns instance.
func startWorker(env ...string) (*workerProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(append(os.Environ(), workerEnv+"=1"), env...)
	w := &workerProcess{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = w.stderr
	if w.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.stdout = bufio.NewScanner(stdout)
	w.stdout.Buffer(make([]byte, 1<<20), 1<<20)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return w, nil
}

// call sends one request and waits for its reply.
func (w *workerProcess) call(req workerRequest) (workerReply, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return workerReply{}, err
	}
	if _, err := w.stdin.Write(append(line, '\n')); err != nil {
		return workerReply{}, fmt.Errorf("writing to the worker: %w (stderr: %s)", err, w.stderr.String())
	}
	if !w.stdout.Scan() {
		return workerReply{}, fmt.Errorf("worker exited without a reply to %s: %v (stderr: %s)", req.Op, w.stdout.Err(), w.stderr.String())
	}
	var reply workerReply
	if err := json.Unmarshal(w.stdout.Bytes(), &reply); err != nil {
		return workerReply{}, fmt.Errorf("worker reply %q: %w", w.stdout.Text(), err)
	}
	return reply, nil
}

// stop closes the worker's stdin and waits for it to exit.
func (w *workerProcess) stop() error {
	w.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("worker: %w (stderr: %s)", err, w.stderr.String())
		}
		return nil
	case <-time.After(30 * time.Second):
		w.cmd.Process.Kill()
		<-done
		return errors.New("worker did not exit within 30 s of its stdin closing and was killed")
	}
}

// lockedBuffer is a bytes buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
