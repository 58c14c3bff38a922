package client

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"gcacard/emulator"
)

// Field names an input of the client.
type Field int

// Fields.
const (
	FieldUserCode Field = iota + 1
	FieldPIN
	FieldNewPIN
)

func (f Field) String() string {
	switch f {
	case FieldUserCode:
		return "user code"
	case FieldNewPIN:
		return "new PIN"
	}
	return "PIN"
}

// Problem is the kind of rule an input breaks.
type Problem int

// Problems, in the order they are checked.
const (
	ProblemBlank Problem = iota + 1
	ProblemSpace
	ProblemFullWidth
	ProblemNonASCII
	ProblemControl
	ProblemSymbol
	ProblemTooShort
	ProblemTooLong
)

// RuleError is an input that breaks a length or character rule. No APDU
// was sent.
type RuleError struct {
	Field    Field
	Problem  Problem
	Min, Max int
}

func (e *RuleError) Error() string {
	what := map[Problem]string{
		ProblemBlank:     "is blank",
		ProblemSpace:     "contains a space",
		ProblemFullWidth: "contains a full-width character",
		ProblemNonASCII:  "contains a non-ASCII character",
		ProblemControl:   "contains a control character",
		ProblemSymbol:    "contains a symbol",
		ProblemTooShort:  "is too short",
		ProblemTooLong:   "is too long",
	}[e.Problem]
	return fmt.Sprintf("%s %s: type %d to %d ASCII letters or digits", e.Field, what, e.Min, e.Max)
}

// TrimNewline drops one trailing newline ("\n" or "\r\n"), as a line read
// from a pipe or file ends. Anything else stays and is checked.
func TrimNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t
	}
	s, _ = strings.CutSuffix(s, "\n")
	return s
}

// CheckUserCode checks the user-code rule: 6 to 10 ASCII letters or
// digits, case-sensitive.
func CheckUserCode(s string) error {
	return checkValue(FieldUserCode, s, emulator.MinUserCodeLength, emulator.MaxUserCodeLength)
}

// CheckPIN checks the PIN rule for field: 6 to 8 ASCII letters or digits.
func CheckPIN(field Field, s string) error {
	return checkValue(field, s, emulator.MinPINLength, emulator.MaxPINLength)
}

// CheckNewPIN checks a new PIN and its confirmation.
func CheckNewPIN(pin, again string) error {
	if err := CheckPIN(FieldNewPIN, pin); err != nil {
		return err
	}
	if pin != again {
		return ErrPINMismatch
	}
	return nil
}

func checkValue(field Field, s string, minLen, maxLen int) error {
	fail := func(p Problem) error { return &RuleError{Field: field, Problem: p, Min: minLen, Max: maxLen} }

	if strings.TrimSpace(s) == "" {
		return fail(ProblemBlank)
	}
	for _, r := range s {
		if p := charProblem(r); p != 0 {
			return fail(p)
		}
	}
	switch n := utf8.RuneCountInString(s); {
	case n < minLen:
		return fail(ProblemTooShort)
	case n > maxLen:
		return fail(ProblemTooLong)
	}
	return nil
}

// charProblem returns what is wrong with one character, or 0.
func charProblem(r rune) Problem {
	switch {
	case r == ' ' || r == '\u3000':
		return ProblemSpace
	case r >= '\uFF01' && r <= '\uFF5E':
		return ProblemFullWidth
	case r == utf8.RuneError || r > unicode.MaxASCII:
		return ProblemNonASCII
	case unicode.IsControl(r) || unicode.IsSpace(r):
		return ProblemControl
	case !isASCIIAlnum(r):
		return ProblemSymbol
	}
	return 0
}

func isASCIIAlnum(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
}
