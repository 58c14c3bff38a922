// Command gcacard runs virtual GCA cards in vsmartcard vpcd readers, so
// that pcscd and every PC/SC program see them, and inspects their state.
//
// It never prints a PIN, a user code or a key, and it connects to and
// listens on loopback addresses only.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitProfile     = 3
	exitState       = 4
	exitUnreachable = 5
)

const usage = `Usage:
  gcacard serve --profile NAME|FILE [--state DIR] [--slot N | --vpcd HOST:PORT | --reversed ADDR]
                [--profile ... more cards] [--trace] [--connect-timeout DURATION]
  gcacard profiles
  gcacard inspect --state DIR [--json]
  gcacard help

serve     put cards into vpcd readers until SIGINT or SIGTERM. Each --profile
          starts a card; --state, --slot, --vpcd and --reversed after it
          apply to that card. Cards take slots 0, 1, ... in order unless
          --slot says otherwise (Debian's vpcd opens slots 0 and 1). The
          state folder defaults to ~/.local/state/gcacard/CARD-NUMBER.
          --vpcd HOST:PORT connects to vpcd at a loopback address, and
          --reversed ADDR listens on one for a vpcd configured in reversed
          mode. --trace logs every APDU with secrets redacted.
          --connect-timeout (default 5s) bounds the first connection.
          serve holds a lock on each slot it uses, and stops at once when
          another process (a test run, another serve) holds one.
profiles  list the built-in card profiles
inspect   show a card's lifecycle and retry counters from its state folder

Exit codes: 0 success, 1 failure, 2 invalid arguments, 3 profile not found
or invalid, 4 state folder not usable, 5 vpcd not reachable or its slot
in use.
`

// exitError carries the exit code of a failed command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func fail(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}

	var err error
	switch args[0] {
	case "serve":
		err = runServe(args[1:], stderr)
	case "profiles":
		err = runProfiles(args[1:], stdout)
	case "inspect":
		err = runInspect(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = fail(exitUsage, "unknown command %q: type gcacard serve, profiles, inspect or help", args[0])
	}
	if err == nil {
		return exitOK
	}

	fmt.Fprintf(stderr, "gcacard: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailure
}
