package main

import (
	"errors"
	"flag"
	"io"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/language"

	"gcacard/messages"
	"gcacard/web"
)

// defaultTimeout bounds the wait for a card and each sequence of PC/SC
// calls. A card operation with a real reader takes about a second, and
// a person needs some seconds to insert a card.
const defaultTimeout = 30 * time.Second

// options are the parsed options of one command.
type options struct {
	reader  string
	json    bool
	stdin   bool
	timeout time.Duration
	keyFile string
	listen  string
}

// Option sets that commands accept, beside --lang, --json and --timeout.
const (
	withReader = 1 << iota
	withStdin
	withKeyFile
	withListen
)

// errHelpRequested is returned for -h or --help after a command.
var errHelpRequested = errors.New("help requested")

// quotedValue matches a value that package flag quotes in its errors.
// Such values are cut from messages, because a user who typed a secret in
// the wrong place, as in --stdin=SECRET, must not see it printed back.
var quotedValue = regexp.MustCompile(`"[^"]*" ?`)

// parseOptions parses the options of the command topic (such as
// "activate" or "admin reset-user-code"). The command takes no
// positional arguments.
func parseOptions(topic string, accepted int, args []string) (options, error) {
	opts := options{timeout: defaultTimeout}
	fs := flag.NewFlagSet("gca "+topic, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&opts.json, "json", false, "")
	fs.DurationVar(&opts.timeout, "timeout", defaultTimeout, "")
	fs.String("lang", "", "") // read earlier by languageOption
	if accepted&withReader != 0 {
		fs.StringVar(&opts.reader, "reader", "", "")
	}
	if accepted&withStdin != 0 {
		fs.BoolVar(&opts.stdin, "stdin", false, "")
	}
	if accepted&withKeyFile != 0 {
		fs.StringVar(&opts.keyFile, "key-file", "", "")
	}
	if accepted&withListen != 0 {
		fs.StringVar(&opts.listen, "listen", web.DefaultAddress, "")
	}

	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return opts, errHelpRequested
	}
	if err != nil {
		return opts, flagError(err, topic)
	}
	if fs.NArg() > 0 {
		return opts, newTextError("invalid-argument", keyUnexpectedArg, topic)
	}
	if opts.timeout <= 0 {
		return opts, newTextError("invalid-argument", keyInvalidTimeout)
	}
	return opts, nil
}

// Errors of package flag, which are in English. flagError turns them into
// texts in the user's language.
var (
	flagUndefined  = regexp.MustCompile(`^flag provided but not defined: -+(\S+)$`)
	flagNeedsValue = regexp.MustCompile(`^flag needs an argument: -+(\S+)$`)
	flagBadValue   = regexp.MustCompile(`^invalid (?:boolean )?value .*for (?:flag )?-+([^:\s]+)`)
)

// secretOption matches the name of an option a user may try for a secret,
// such as --pin, --user-code, --new-pin or --puk.
var secretOption = regexp.MustCompile(`(?i)pin|puk|user-?code|passw|secret|^(management-)?key$`)

// optionExamples are real examples of the options that take a value.
var optionExamples = map[string]string{
	"reader":   `--reader "Virtual PCD 00 00"`,
	"timeout":  "--timeout 30s",
	"lang":     "--lang en",
	"listen":   "--listen " + web.DefaultAddress,
	"key-file": "--key-file management.key.hex",
}

// optionExample returns an example of option name with a value.
func optionExample(name string) string {
	if example, ok := optionExamples[name]; ok {
		return example
	}
	return "--" + name + " VALUE"
}

// flagError turns an error of package flag into a text error. A value the
// user typed is never shown.
func flagError(err error, topic string) error {
	msg := err.Error()
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		if secretOption.MatchString(m[1]) {
			return newTextError("invalid-argument", keySecretOption, m[1])
		}
		return newTextError("invalid-argument", keyUnknownOption, m[1], topic)
	}
	if m := flagNeedsValue.FindStringSubmatch(msg); m != nil {
		return newTextError("invalid-argument", keyOptionNeedsValue, m[1], optionExample(m[1]), topic)
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		if m[1] == "timeout" {
			return newTextError("invalid-argument", keyInvalidTimeout)
		}
		return newTextError("invalid-argument", keyOptionBadValue, m[1], topic)
	}
	return newTextError("invalid-argument", keyInvalidOption, quotedValue.ReplaceAllString(msg, ""), topic)
}

// languageOption returns the value of --lang in args, before any "--",
// and whether it is there. The language is needed before the options are
// parsed, so that errors in them are in that language.
func languageOption(args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			break
		}
		name, value, hasValue := strings.Cut(arg, "=")
		if name != "--lang" && name != "-lang" {
			continue
		}
		if hasValue {
			return value, true
		}
		if i+1 < len(args) {
			return args[i+1], true
		}
		return "", true
	}
	return "", false
}

// jsonOption reports whether args ask for --json, for an error in
// options that package flag stopped parsing before --json.
func jsonOption(args []string) bool {
	for _, arg := range args {
		if arg == "--" {
			break
		}
		switch arg {
		case "--json", "-json", "--json=true", "-json=true":
			return true
		}
	}
	return false
}

// chooseLanguage returns the language of --lang, or of the locale in env.
func chooseLanguage(args []string, env func(string) string) (language.Tag, error) {
	value, ok := languageOption(args)
	if !ok {
		return messages.Lang(env), nil
	}
	tag, err := messages.ParseLang(value)
	if err != nil {
		return messages.Lang(env), newTextError("invalid-argument", keyInvalidLang, value)
	}
	return tag, nil
}

// withoutLanguage returns args without --lang and its value, so that
// --lang may also come before the command.
func withoutLanguage(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		if name == "--lang" || name == "-lang" {
			if !hasValue {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}
