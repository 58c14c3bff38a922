package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gcacard/vpcd"
)

// cardArgs are the options of one card in gcacard serve.
type cardArgs struct {
	profile  string
	stateDir string
	slot     int
	slotSet  bool
	vpcdAddr string
	reversed string
}

// serveArgs are gcacard serve's options.
type serveArgs struct {
	cards          []*cardArgs
	trace          bool
	connectTimeout time.Duration
}

// errHelp is returned for --help, which prints the usage text.
var errHelp = errors.New("help requested")

var knownServeOptions = map[string]bool{
	"--profile": true, "--state": true, "--slot": true, "--vpcd": true,
	"--reversed": true, "--connect-timeout": true,
}

// parseServeArgs reads the options of gcacard serve. Each --profile starts
// a card, and --state, --slot, --vpcd and --reversed that follow it apply to
// that card.
func parseServeArgs(args []string) (*serveArgs, error) {
	out := &serveArgs{connectTimeout: 5 * time.Second}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		if !strings.HasPrefix(name, "--") {
			return nil, fmt.Errorf("unexpected argument %q: options start with --, see gcacard help", args[i])
		}
		if name == "--trace" {
			out.trace = true
			continue
		}
		if name == "--help" || name == "-h" {
			return nil, errHelp
		}
		if !knownServeOptions[name] {
			return nil, fmt.Errorf("unknown option %s: the options are --profile, --state, --slot, --vpcd, --reversed, --trace and --connect-timeout (see gcacard help)", name)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if err := out.set(name, value); err != nil {
			return nil, err
		}
	}
	return out, out.check()
}

func (a *serveArgs) set(name, value string) error {
	if name == "--profile" {
		a.cards = append(a.cards, &cardArgs{profile: value})
		return nil
	}
	if name == "--connect-timeout" {
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return fmt.Errorf("invalid --connect-timeout %q: want a duration such as 5s", value)
		}
		a.connectTimeout = d
		return nil
	}

	if len(a.cards) == 0 {
		return fmt.Errorf("%s must follow the --profile of its card", name)
	}
	card := a.cards[len(a.cards)-1]
	switch name {
	case "--state":
		card.stateDir = value
	case "--slot":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > 15 {
			return fmt.Errorf("invalid --slot %q: want a vpcd slot number such as 0 or 1", value)
		}
		card.slot, card.slotSet = n, true
	case "--vpcd":
		if err := vpcd.CheckLoopback(value); err != nil {
			return fmt.Errorf("invalid --vpcd: %w", err)
		}
		card.vpcdAddr = value
	case "--reversed":
		if err := vpcd.CheckLoopback(value); err != nil {
			return fmt.Errorf("invalid --reversed: %w", err)
		}
		card.reversed = value
	default:
		return fmt.Errorf("unknown option %s, see gcacard help", name)
	}
	return nil
}

// check fills in default slots and rejects cards that would share a slot
// or a state folder.
func (a *serveArgs) check() error {
	if len(a.cards) == 0 {
		return fmt.Errorf("serve needs at least one --profile NAME|FILE (see gcacard profiles)")
	}
	addrs := map[string]string{}
	states := map[string]string{}
	for i, c := range a.cards {
		if c.slotSet && (c.vpcdAddr != "" || c.reversed != "") || c.vpcdAddr != "" && c.reversed != "" {
			return fmt.Errorf("card %s: give only one of --slot, --vpcd and --reversed", c.profile)
		}
		if !c.slotSet {
			c.slot = i
		}
		addr := c.address()
		if other, dup := addrs[addr]; dup {
			return fmt.Errorf("cards %s and %s both use %s: give each its own --slot", other, c.profile, addr)
		}
		addrs[addr] = c.profile
		if c.stateDir != "" {
			if other, dup := states[c.stateDir]; dup {
				return fmt.Errorf("cards %s and %s both use state folder %s", other, c.profile, c.stateDir)
			}
			states[c.stateDir] = c.profile
		}
	}
	return nil
}

// address returns where the card talks to vpcd.
func (c *cardArgs) address() string {
	switch {
	case c.reversed != "":
		return "listen " + c.reversed
	case c.vpcdAddr != "":
		return c.vpcdAddr
	}
	return vpcd.SlotAddr(c.slot)
}
