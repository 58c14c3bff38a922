package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/messages"
)

// secretSource supplies the secrets of one operation, in order. Secrets
// never come from arguments or environment variables.
type secretSource interface {
	// ReadSecret returns the next secret. A terminal shows prompt first
	// and hides what is typed.
	ReadSecret(prompt string) (string, error)
}

// maxLineLength bounds a line read with --stdin. A longer line is cut
// there, which keeps it too long for every rule.
const maxLineLength = 256

// lineSource reads secrets one per line (--stdin) and drops each line's
// newline with client.TrimNewline.
type lineSource struct {
	reader *bufio.Reader
	// want names the lines the operation reads, for the error when
	// standard input ends early.
	want  []messages.Key
	lines int
}

func (s *lineSource) ReadSecret(string) (string, error) {
	line, err := readLine(s.reader)
	if errors.Is(err, io.EOF) && line == "" {
		return "", &inputError{code: "missing-input", key: keyMissingInput, want: s.want, lines: s.lines}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", newTextError("invalid-input", keyReadInput, err.Error())
	}
	s.lines++
	return client.TrimNewline(line), nil
}

// readLine reads up to and including the next newline, keeping at most
// maxLineLength+1 bytes of it. It returns io.EOF with the last line when
// that has no newline.
func readLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			return string(line), err
		}
		if len(line) <= maxLineLength {
			line = append(line, b)
		}
		if b == '\n' {
			return string(line), nil
		}
	}
}

// terminalSource prompts on the terminal and reads with echo off.
type terminalSource struct {
	fd      int
	prompts io.Writer
}

// openTerminal returns a terminalSource when stdin is a terminal.
func openTerminal(stdin io.Reader, prompts io.Writer) (secretSource, bool) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, false
	}
	return &terminalSource{fd: int(f.Fd()), prompts: prompts}, true
}

// ReadSecret reads one line with echo off. term.ReadPassword leaves
// signals on, so a Ctrl-C would end the process with echo still off: the
// terminal's state is restored before exiting on SIGINT or SIGTERM.
func (s *terminalSource) ReadSecret(prompt string) (string, error) {
	state, err := term.GetState(s.fd)
	if err != nil {
		return "", newTextError("invalid-input", keyReadInput, err.Error())
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() {
		signal.Stop(signals)
		close(done)
	}()
	go func() {
		select {
		case <-signals:
			_ = term.Restore(s.fd, state)
			fmt.Fprintln(s.prompts)
			os.Exit(exitSignal)
		case <-done:
		}
	}()

	fmt.Fprint(s.prompts, prompt)
	secret, err := term.ReadPassword(s.fd)
	fmt.Fprintln(s.prompts)
	if err != nil {
		return "", newTextError("invalid-input", keyReadInput, err.Error())
	}
	return string(secret), nil
}

// secretSource returns where the secrets of an operation come from:
// standard input with --stdin, else the terminal. Without --stdin a
// standard input that is not a terminal is refused, since what is typed
// could not be hidden and a pipe is better read on purpose.
func (c *cli) secretSource(want []messages.Key) (secretSource, error) {
	if c.opts.stdin {
		return &lineSource{reader: bufio.NewReader(c.stdin), want: want}, nil
	}
	if source, ok := c.sys.terminal(c.stdin, c.stderr); ok {
		return source, nil
	}
	return nil, &inputError{code: "not-a-terminal", key: keyNotTerminal, want: want}
}

// secretKind is a kind of secret with its prompt and length rule.
type secretKind struct {
	prompt   messages.Key
	min, max int
}

var (
	askUserCode         = secretKind{messages.PromptUserCode, emulator.MinUserCodeLength, emulator.MaxUserCodeLength}
	askCurrentPIN       = secretKind{messages.PromptCurrentPIN, emulator.MinPINLength, emulator.MaxPINLength}
	askNewPIN           = secretKind{messages.PromptNewPIN, emulator.MinPINLength, emulator.MaxPINLength}
	askNewPINAgain      = secretKind{messages.PromptNewPINAgain, emulator.MinPINLength, emulator.MaxPINLength}
	askNewUserCode      = secretKind{messages.PromptNewUserCode, emulator.MinUserCodeLength, emulator.MaxUserCodeLength}
	askNewUserCodeAgain = secretKind{messages.PromptNewUserCodeAgain, emulator.MinUserCodeLength, emulator.MaxUserCodeLength}
)

// ask reads one secret from source, prompting in the user's language
// with the length rule, as the GCA page shows it beside each field.
func (c *cli) ask(source secretSource, kind secretKind) (string, error) {
	prompt := c.p.Sprintf(keyPrompt, c.p.Sprintf(kind.prompt), c.p.Sprintf(messages.HintLength, kind.min, kind.max))
	return source.ReadSecret(prompt)
}
