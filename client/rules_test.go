package client_test

import (
	"errors"
	"strings"
	"testing"

	"gcacard/client"
)

// ruleCase is one input with the problem the rules must find in it, or 0
// when the input is valid.
type ruleCase struct {
	name    string
	input   string
	problem client.Problem
}

var userCodeCases = []ruleCase{
	{"5 characters", "Ab123", client.ProblemTooShort},
	{"6 characters", "Ab1234", 0},
	{"10 characters", "Ab12345678", 0},
	{"11 characters", "Ab123456789", client.ProblemTooLong},
	{"digits only", "123456", 0},
	{"letters only", "AbCdEf", 0},
	{"blank", "", client.ProblemBlank},
	{"only spaces", "      ", client.ProblemBlank},
	{"inner space", "Ab12 34", client.ProblemSpace},
	{"leading space", " Ab1234", client.ProblemSpace},
	{"trailing space", "Ab1234 ", client.ProblemSpace},
	{"ideographic space", "Ab12\u300034", client.ProblemSpace},
	{"full-width digits", "１２３４５６", client.ProblemFullWidth},
	{"full-width letter", "Ab1234Ｘ", client.ProblemFullWidth},
	{"Chinese", "密碼ab12", client.ProblemNonASCII},
	{"accented letter", "Ab12é4", client.ProblemNonASCII},
	{"invalid UTF-8", "Ab12\xff34", client.ProblemNonASCII},
	{"NUL", "Ab12\x0034", client.ProblemControl},
	{"tab", "Ab12\t34", client.ProblemControl},
	{"newline", "Ab1234\n", client.ProblemControl},
	{"carriage return", "Ab1234\r", client.ProblemControl},
	{"DEL", "Ab1234\x7f", client.ProblemControl},
	{"hyphen", "Ab12-34", client.ProblemSymbol},
	{"punctuation", "Ab12!?34", client.ProblemSymbol},
	{"underscore", "Ab12_34", client.ProblemSymbol},
	// Character problems are found before length problems.
	{"short with space", "a 1", client.ProblemSpace},
	{"short full-width", "１２", client.ProblemFullWidth},
	{"long with symbol", "Ab12345678-", client.ProblemSymbol},
}

var pinCases = []ruleCase{
	{"5 characters", "12345", client.ProblemTooShort},
	{"6 characters", "123456", 0},
	{"8 characters", "1234abCD", 0},
	{"9 characters", "123456789", client.ProblemTooLong},
	{"blank", "", client.ProblemBlank},
	{"only spaces", "        ", client.ProblemBlank},
	{"inner space", "123 456", client.ProblemSpace},
	{"full-width digits", "１２３４５６", client.ProblemFullWidth},
	{"Chinese", "密碼ab12", client.ProblemNonASCII},
	{"NUL", "123\x00456", client.ProblemControl},
	{"escape", "\x1b123456", client.ProblemControl},
	{"two newlines", "135790\n\n", client.ProblemControl},
	{"symbol", "1234#6", client.ProblemSymbol},
}

// checkRuleError checks that err is a *RuleError for field and problem,
// with the length limits of that field.
func checkRuleError(t *testing.T, err error, field client.Field, problem client.Problem, minLen, maxLen int) {
	t.Helper()
	var rule *client.RuleError
	if !errors.As(err, &rule) {
		t.Fatalf("error = %v (%T), want *RuleError", err, err)
	}
	if rule.Field != field {
		t.Errorf("Field = %v, want %v", rule.Field, field)
	}
	if rule.Problem != problem {
		t.Errorf("Problem = %d, want %d", rule.Problem, problem)
	}
	if rule.Min != minLen || rule.Max != maxLen {
		t.Errorf("Min, Max = %d, %d, want %d, %d", rule.Min, rule.Max, minLen, maxLen)
	}
	if rule.Error() == "" {
		t.Errorf("Error() is empty")
	}
}

func TestCheckUserCode(t *testing.T) {
	for _, tt := range userCodeCases {
		t.Run(tt.name, func(t *testing.T) {
			err := client.CheckUserCode(tt.input)

			if tt.problem == 0 {
				if err != nil {
					t.Fatalf("CheckUserCode(%q) = %v, want nil", tt.input, err)
				}
				return
			}
			checkRuleError(t, err, client.FieldUserCode, tt.problem, 6, 10)
		})
	}
}

func TestCheckPIN(t *testing.T) {
	for _, tt := range pinCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, field := range []client.Field{client.FieldPIN, client.FieldNewPIN} {
				err := client.CheckPIN(field, tt.input)

				if tt.problem == 0 {
					if err != nil {
						t.Fatalf("CheckPIN(%v, %q) = %v, want nil", field, tt.input, err)
					}
					continue
				}
				checkRuleError(t, err, field, tt.problem, 6, 8)
			}
		})
	}
}

func TestRuleErrorHidesValue(t *testing.T) {
	const value = "Secret99X"
	err := client.CheckPIN(client.FieldPIN, value)
	if err == nil {
		t.Fatalf("CheckPIN(%q) = nil, want too long", value)
	}
	if strings.Contains(err.Error(), value) {
		t.Errorf("error %q shows the PIN", err)
	}
}

func TestTrimNewline(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc123\n", "abc123"},
		{"abc123\r\n", "abc123"},
		{"abc123", "abc123"},
		{"abc123\n\n", "abc123\n"},
		{"abc123\r\n\r\n", "abc123\r\n"},
		{"abc123\n\r\n", "abc123\n"},
		{"abc123\r", "abc123\r"},
		{"abc123 \n", "abc123 "},
		{"\n", ""},
		{"", ""},
	}
	for _, tt := range cases {
		if got := client.TrimNewline(tt.in); got != tt.want {
			t.Errorf("TrimNewline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTrimNewlineThenCheck(t *testing.T) {
	if err := client.CheckPIN(client.FieldPIN, client.TrimNewline("abc123\n")); err != nil {
		t.Errorf("CheckPIN(TrimNewline(%q)) = %v, want nil", "abc123\n", err)
	}
	if err := client.CheckPIN(client.FieldPIN, client.TrimNewline("abc123\r\n")); err != nil {
		t.Errorf("CheckPIN(TrimNewline(%q)) = %v, want nil", "abc123\r\n", err)
	}

	err := client.CheckPIN(client.FieldPIN, client.TrimNewline("abc123\n\n"))
	checkRuleError(t, err, client.FieldPIN, client.ProblemControl, 6, 8)
}

func TestCheckNewPIN(t *testing.T) {
	if err := client.CheckNewPIN("New1234", "New1234"); err != nil {
		t.Errorf("CheckNewPIN(same) = %v, want nil", err)
	}
	if err := client.CheckNewPIN("New1234", "New1235"); !errors.Is(err, client.ErrPINMismatch) {
		t.Errorf("CheckNewPIN(different) = %v, want ErrPINMismatch", err)
	}
	if err := client.CheckNewPIN("New1234", "new1234"); !errors.Is(err, client.ErrPINMismatch) {
		t.Errorf("CheckNewPIN(different case) = %v, want ErrPINMismatch", err)
	}
	if err := client.CheckNewPIN("New1234", ""); !errors.Is(err, client.ErrPINMismatch) {
		t.Errorf("CheckNewPIN(empty confirmation) = %v, want ErrPINMismatch", err)
	}

	err := client.CheckNewPIN("New12", "New12")
	checkRuleError(t, err, client.FieldNewPIN, client.ProblemTooShort, 6, 8)
}

// operation is one client call whose input the rules reject before any
// APDU: the card it runs on and the field the bad value goes into.
type operation struct {
	name  string
	card  string
	field client.Field
	// run calls the client with bad in the field under test and valid
	// values elsewhere.
	run func(c *client.Client, bad string) error
}

func userCodeOperations(t *testing.T) []operation {
	key := managementKey(t, "usercode-blocked")
	return []operation{
		{"Activate", "valid", client.FieldUserCode, func(c *client.Client, bad string) error {
			return c.Activate(bad, "New1234")
		}},
		{"ResetPIN", "pin-blocked", client.FieldUserCode, func(c *client.Client, bad string) error {
			return c.ResetPIN(bad, "New1234")
		}},
		{"ResetUserCode", "usercode-blocked", client.FieldUserCode, func(c *client.Client, bad string) error {
			return c.ResetUserCode(key, bad)
		}},
	}
}

func pinOperations() []operation {
	return []operation{
		{"Activate new PIN", "valid", client.FieldNewPIN, func(c *client.Client, bad string) error {
			return c.Activate(validUserCode, bad)
		}},
		{"ResetPIN new PIN", "pin-blocked", client.FieldNewPIN, func(c *client.Client, bad string) error {
			return c.ResetPIN(pinBlockedUserCode, bad)
		}},
		{"ChangePIN old PIN", "activated", client.FieldPIN, func(c *client.Client, bad string) error {
			return c.ChangePIN(bad, "New1234")
		}},
		{"ChangePIN new PIN", "activated", client.FieldNewPIN, func(c *client.Client, bad string) error {
			return c.ChangePIN(activatedPIN, bad)
		}},
		{"VerifyPIN", "activated", client.FieldPIN, func(c *client.Client, bad string) error {
			return c.VerifyPIN(bad)
		}},
		{"Sign", "activated", client.FieldPIN, func(c *client.Client, bad string) error {
			_, err := c.Sign(bad, []byte("message"))
			return err
		}},
	}
}

func TestRulesCheckedBeforeAnyAPDU(t *testing.T) {
	run := func(t *testing.T, ops []operation, cases []ruleCase, minLen, maxLen int) {
		for _, op := range ops {
			tc := openCard(t, op.card)
			before := tc.card.Status()
			for _, tt := range cases {
				if tt.problem == 0 {
					continue
				}
				t.Run(op.name+"/"+tt.name, func(t *testing.T) {
					c, rt := tc.client()

					err := op.run(c, tt.input)

					checkRuleError(t, err, op.field, tt.problem, minLen, maxLen)
					if n := rt.total(); n != 0 {
						t.Errorf("sent %d APDUs, want 0", n)
					}
				})
			}
			if got := tc.card.Status(); got != before {
				t.Errorf("%s: card status changed from %+v to %+v", op.name, before, got)
			}
		}
	}

	t.Run("user code", func(t *testing.T) { run(t, userCodeOperations(t), userCodeCases, 6, 10) })
	t.Run("PIN", func(t *testing.T) { run(t, pinOperations(), pinCases, 6, 8) })
}

// TestRulesSecondNewlineRejected feeds a PIN read from a file with one
// newline too many: TrimNewline leaves a newline, and VerifyPIN rejects it
// without sending anything.
func TestRulesSecondNewlineRejected(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()

	err := c.VerifyPIN(client.TrimNewline(activatedPIN + "\n\n"))

	checkRuleError(t, err, client.FieldPIN, client.ProblemControl, 6, 8)
	if n := rt.total(); n != 0 {
		t.Errorf("sent %d APDUs, want 0", n)
	}
	if err := c.VerifyPIN(client.TrimNewline(activatedPIN + "\r\n")); err != nil {
		t.Errorf("VerifyPIN(PIN with one CRLF trimmed) = %v, want nil", err)
	}
}
