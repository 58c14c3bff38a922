package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"gcacard/emulator"
)

// runInspect prints a card's persistent state, never its secrets.
func runInspect(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("state", "", "card state folder")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return fail(exitUsage, "inspect: %v: type gcacard inspect --state DIR [--json]", err)
	}
	if *dir == "" || fs.NArg() > 0 {
		return fail(exitUsage, "inspect needs --state DIR and nothing else: type gcacard inspect --state DIR")
	}

	store := emulator.FileStore{Dir: *dir}
	st, err := store.Load()
	if errors.Is(err, emulator.ErrNoState) {
		return fail(exitState, "no card state in %s: it is made by gcacard serve --state %s", *dir, *dir)
	}
	if err != nil {
		return fail(exitState, "%v", err)
	}

	view := inspectView{
		CardNumber:    st.CardNumber,
		Lifecycle:     st.Lifecycle.String(),
		Issued:        st.Dates.Issued.String(),
		NotBefore:     st.Dates.NotBefore.String(),
		NotAfter:      st.Dates.NotAfter.String(),
		PINSet:        st.PIN.IsSet(),
		PINTries:      emulator.Tries{Max: st.PIN.MaxTries, Remaining: st.PIN.Remaining},
		UserCodeTries: emulator.Tries{Max: st.UserCode.MaxTries, Remaining: st.UserCode.Remaining},
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(view)
	}
	fmt.Fprintf(stdout, "card number:      %s\n", view.CardNumber)
	fmt.Fprintf(stdout, "lifecycle:        %s\n", view.Lifecycle)
	fmt.Fprintf(stdout, "issued:           %s\n", view.Issued)
	fmt.Fprintf(stdout, "valid:            %s to %s\n", view.NotBefore, view.NotAfter)
	fmt.Fprintf(stdout, "PIN set:          %t\n", view.PINSet)
	fmt.Fprintf(stdout, "PIN tries:        %d of %d left\n", view.PINTries.Remaining, view.PINTries.Max)
	fmt.Fprintf(stdout, "user code tries:  %d of %d left\n", view.UserCodeTries.Remaining, view.UserCodeTries.Max)
	return nil
}

type inspectView struct {
	CardNumber    string         `json:"cardNumber"`
	Lifecycle     string         `json:"lifecycle"`
	Issued        string         `json:"issued"`
	NotBefore     string         `json:"notBefore"`
	NotAfter      string         `json:"notAfter"`
	PINSet        bool           `json:"pinSet"`
	PINTries      emulator.Tries `json:"pinTries"`
	UserCodeTries emulator.Tries `json:"userCodeTries"`
}
