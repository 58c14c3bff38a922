package client_test

import (
	"errors"
	"strings"
	"testing"

	"gcacard/client"
)

// FuzzInputRules checks the user-code and PIN rules against the rules as
// the activation guide and the README state them: a user code is 6 to 10,
// a PIN 6 to 8 ASCII letters or digits, and nothing else is accepted. A
// rejected input must return a RuleError for the right field and limits,
// whose problem agrees with the input. TrimNewline must drop exactly one
// trailing "\n" or "\r\n".
func FuzzInputRules(f *testing.F) {
	for _, c := range userCodeCases {
		f.Add(c.input)
	}
	for _, c := range pinCases {
		f.Add(c.input)
	}

	f.Fuzz(func(t *testing.T, s string) {
		checkRule(t, "CheckUserCode", client.CheckUserCode(s), s, client.FieldUserCode, 6, 10)
		checkRule(t, "CheckPIN", client.CheckPIN(client.FieldPIN, s), s, client.FieldPIN, 6, 8)
		checkRule(t, "CheckNewPIN", client.CheckNewPIN(s, s), s, client.FieldNewPIN, 6, 8)

		if isAlphanumeric(s, 6, 8) {
			if err := client.CheckNewPIN(s, s+"0"); !errors.Is(err, client.ErrPINMismatch) {
				t.Errorf("CheckNewPIN with a confirmation that differs: got %v, want ErrPINMismatch", err)
			}
		}

		checkTrimNewline(t, s)
	})
}

// isAlphanumeric reports whether s has minLen to maxLen bytes, each an
// ASCII letter or digit.
func isAlphanumeric(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

func checkRule(t *testing.T, name string, err error, s string, field client.Field, minLen, maxLen int) {
	t.Helper()
	valid := isAlphanumeric(s, minLen, maxLen)
	if valid {
		if err != nil {
			t.Errorf("%s(%q) = %v, want nil for %d ASCII letters or digits", name, s, err, len(s))
		}
		return
	}

	var rule *client.RuleError
	if !errors.As(err, &rule) {
		t.Fatalf("%s(%q) = %v, want a RuleError", name, s, err)
	}
	if rule.Field != field || rule.Min != minLen || rule.Max != maxLen {
		t.Errorf("%s(%q): RuleError for %v with limits %d to %d, want %v with %d to %d",
			name, s, rule.Field, rule.Min, rule.Max, field, minLen, maxLen)
	}

	allAlphanumeric := isAlphanumeric(s, 0, len(s))
	switch rule.Problem {
	case client.ProblemBlank:
		if strings.TrimSpace(s) != "" {
			t.Errorf("%s(%q): ProblemBlank for an input that is not blank", name, s)
		}
	case client.ProblemTooShort:
		if !allAlphanumeric || len(s) >= minLen {
			t.Errorf("%s(%q): ProblemTooShort, want it only for fewer than %d letters or digits", name, s, minLen)
		}
	case client.ProblemTooLong:
		if !allAlphanumeric || len(s) <= maxLen {
			t.Errorf("%s(%q): ProblemTooLong, want it only for more than %d letters or digits", name, s, maxLen)
		}
	default:
		if allAlphanumeric {
			t.Errorf("%s(%q): character problem %v for ASCII letters and digits only", name, s, rule.Problem)
		}
	}
	if allAlphanumeric && s != "" && rule.Problem != client.ProblemTooShort && rule.Problem != client.ProblemTooLong {
		t.Errorf("%s(%q): problem %v, want a length problem for %d letters or digits", name, s, rule.Problem, len(s))
	}
}

// checkTrimNewline checks TrimNewline on s with and without a line end.
func checkTrimNewline(t *testing.T, s string) {
	t.Helper()
	want := s
	switch {
	case strings.HasSuffix(s, "\r\n"):
		want = s[:len(s)-2]
	case strings.HasSuffix(s, "\n"):
		want = s[:len(s)-1]
	}
	if got := client.TrimNewline(s); got != want {
		t.Errorf("TrimNewline(%q) = %q, want %q", s, got, want)
	}
	if got := client.TrimNewline(s + "\n"); got != s && !strings.HasSuffix(s, "\r") {
		t.Errorf("TrimNewline(%q) = %q, want %q", s+"\n", got, s)
	}
}
