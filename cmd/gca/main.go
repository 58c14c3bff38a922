// Command gca is the activation client of GCA certificate IC cards (政府憑證
// IC卡). It detects cards in PC/SC readers and shows a card's information
// and status. It performs activation (開卡), change PIN and unblock / reset
// PIN (解卡), and for the CA the user-code reset. gca web serves the same
// operations as a local web page (package web).
//
// Its texts are zh-TW by default and English when the locale or --lang
// says so (package messages). It reads secrets only from the terminal with
// echo off, or one per line from standard input with --stdin: never from
// arguments or environment variables, and it never prints or logs them.
//
// Exit codes, one per kind of failure:
//
//	0    success
//	1    other failure (unexpected card answer, card could not save)
//	2    invalid arguments or input: unknown option, input rule broken,
//	     new values that differ, several cards without --reader, standard
//	     input that is not a terminal without --stdin, bad key file
//	3    no pcscd, no reader, no card (also after waiting --timeout),
//	     unknown reader, or a card that is not a GCA card
//	4    wrong user code, PIN or card-management key: tries remain
//	5    user code or PIN blocked
//	6    the card's state refuses the operation: expired, activation
//	     window passed, already activated, not activated, terminated
//	7    card removed, reset or not answering, or a PC/SC failure
//	130  interrupted while reading a secret (SIGINT or SIGTERM)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gcacard/client"
	"gcacard/messages"
	"gcacard/web"
)

// Exit codes, as the package comment lists them.
const (
	exitOK          = 0
	exitFailure     = 1
	exitInvalid     = 2
	exitNoCard      = 3
	exitWrongSecret = 4
	exitBlocked     = 5
	exitCardState   = 6
	exitInterrupted = 7
	exitSignal      = 130
)

// exitCodes maps error codes (messages.Code and gca's own) to exit codes.
// A code not listed exits with exitFailure.
var exitCodes = map[string]int{
	"invalid-argument":       exitInvalid,
	"invalid-input":          exitInvalid,
	"missing-input":          exitInvalid,
	"not-a-terminal":         exitInvalid,
	"pin-mismatch":           exitInvalid,
	"user-code-mismatch":     exitInvalid,
	"several-cards":          exitInvalid,
	"invalid-management-key": exitInvalid,
	"key-file":               exitInvalid,
	"invalid-listen":         exitInvalid,

	"no-service":     exitNoCard,
	"no-reader":      exitNoCard,
	"no-card":        exitNoCard,
	"card-mute":      exitNoCard,
	"unknown-reader": exitNoCard,
	"unknown-card":   exitNoCard,

	"wrong-user-code":      exitWrongSecret,
	"wrong-pin":            exitWrongSecret,
	"wrong-management-key": exitWrongSecret,

	"user-code-blocked": exitBlocked,
	"pin-blocked":       exitBlocked,
	"blocked":           exitBlocked,

	"expired":           exitCardState,
	"window-passed":     exitCardState,
	"already-activated": exitCardState,
	"not-activated":     exitCardState,
	"pin-not-set":       exitCardState,
	"terminated":        exitCardState,

	"card-removed": exitInterrupted,
	"card-reset":   exitInterrupted,
	"card-in-use":  exitInterrupted,
	"timeout":      exitInterrupted,
	"cancelled":    exitInterrupted,
	"pcsc-failure": exitInterrupted,
}

// system is gca's access to the machine: readers, clock and terminal. Tests
// replace every part.
type system struct {
	openService func() (readerService, error)
	now         func() time.Time
	// terminal returns a source of hidden input when stdin is a terminal.
	terminal func(stdin io.Reader, prompts io.Writer) (secretSource, bool)
	// webService reaches the readers for gca web.
	webService web.Service
	// webContext returns the context whose end stops gca web. In the
	// program, SIGINT or SIGTERM ends it.
	webContext func() (context.Context, context.CancelFunc)
}

func main() {
	sys := system{openService: openPCSC, now: time.Now, terminal: openTerminal,
		webService: web.PCSCService{}, webContext: signalContext}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, sys))
}

// cli is one run of gca.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	sys            system
	p              *messages.Printer
	// langSet is set when --lang was given: it then fixes gca web's page
	// language too.
	langSet bool
	opts    options
	// op is the operation that writes to the card while it runs, for the
	// text of an error that cuts it off.
	op messages.Operation

	service   readerService
	reader    string
	abandoned bool
}

// run runs gca with args (without the program name) and returns the exit
// code. env reads the environment: only the locale variables.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string, sys system) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, sys: sys}
	c.opts.json = jsonOption(args)
	tag, langErr := chooseLanguage(args, env)
	_, c.langSet = languageOption(args)
	c.p = newPrinter(tag)
	if langErr != nil {
		return c.report(langErr)
	}
	args = withoutLanguage(args)
	if len(args) == 0 {
		c.writeHelp(c.stderr, "")
		return exitInvalid
	}

	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" {
		return c.help(rest)
	}
	if name == "admin" {
		if len(rest) == 0 || rest[0] != "reset-user-code" {
			return c.report(newTextError("invalid-argument", keyUnknownAdmin))
		}
		name, rest = "admin reset-user-code", rest[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		return c.report(unknownCommand(name))
	}

	opts, err := parseOptions(name, cmd.accepts, rest)
	if errors.Is(err, errHelpRequested) {
		c.writeHelp(c.stdout, name)
		return exitOK
	}
	c.opts = opts
	if err != nil {
		c.opts.json = jsonOption(rest)
		return c.report(err)
	}

	defer c.closeService()
	if err := cmd.run(c); err != nil {
		return c.report(err)
	}
	return exitOK
}

// command is one gca command.
type command struct {
	accepts int
	run     func(c *cli) error
}

var commands = map[string]command{
	"detect":                {0, (*cli).detect},
	"info":                  {withReader, (*cli).info},
	"status":                {withReader, (*cli).status},
	"activate":              {withReader | withStdin, (*cli).activate},
	"change-pin":            {withReader | withStdin, (*cli).changePIN},
	"reset-pin":             {withReader | withStdin, (*cli).resetPIN},
	"admin reset-user-code": {withReader | withStdin | withKeyFile, (*cli).resetUserCode},
	"web":                   {withListen, (*cli).web},
}

// exitCode returns the exit code of err.
func exitCode(err error) int {
	if code, ok := exitCodes[messages.Code(err)]; ok {
		return code
	}
	return exitFailure
}

// errorJSON is the object that --json prints for an error.
type errorJSON struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	ExitCode  int    `json:"exitCode"`
	Reader    string `json:"reader,omitempty"`
	TriesLeft *int   `json:"triesLeft,omitempty"`
}

// report writes err, with --json as an object on stdout and otherwise as
// a sentence on stderr with a hint of the command to run next, and
// returns its exit code.
func (c *cli) report(err error) int {
	code := exitCode(err)
	text := c.p.OperationError(c.op, err)
	if c.opts.json {
		out := errorJSON{Error: messages.Code(err), Message: text, ExitCode: code, Reader: c.reader, TriesLeft: triesLeft(err)}
		c.writeJSON(out)
		return code
	}
	c.line(c.stderr, keyErrorLine, text)
	for _, hint := range c.hints(err) {
		c.line(c.stderr, keyErrorLine, c.p.Sprintf(hint))
	}
	return code
}

// writeJSON writes v as indented JSON on stdout.
func (c *cli) writeJSON(v any) {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(c.stderr, "gca: writing the JSON output failed: %v\n", err)
	}
}

// line writes one line rendered from key.
func (c *cli) line(w io.Writer, key messages.Key, args ...any) {
	io.WriteString(w, c.p.Sprintf(key, args...)+"\n")
}

// progress writes to stderr what gca waits for, so stdout keeps only the
// result.
func (c *cli) progress(key messages.Key, args ...any) {
	io.WriteString(c.stderr, c.p.Sprintf(key, args...)+"\n")
}

// triesLeft returns the tries left after a wrong secret, or nil.
func triesLeft(err error) *int {
	var wrong *client.WrongSecretError
	if errors.As(err, &wrong) {
		return &wrong.TriesLeft
	}
	return nil
}

// hints returns the commands to suggest after err.
func (c *cli) hints(err error) []messages.Key {
	code := messages.Code(err)
	switch code {
	case "pin-blocked", "wrong-pin":
		return []messages.Key{keyHintResetPIN}
	case "already-activated":
		return []messages.Key{keyHintChangePIN, keyHintResetPIN}
	case "not-activated", "pin-not-set":
		return []messages.Key{keyHintActivate}
	}
	if c.op != messages.OpRead && exitCode(err) == exitInterrupted {
		return []messages.Key{keyHintStatus}
	}
	return nil
}
