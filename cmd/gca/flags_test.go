package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Errors of package flag become our own texts, and a value the user typed
// in the wrong place is never shown.
func TestFlagErrorTexts(t *testing.T) {
	tests := []struct {
		name string
		args []string
		key  string
	}{
		{"unknown option", []string{"--jsn"}, string(keyUnknownOption)},
		{"missing value", []string{"--reader"}, string(keyOptionNeedsValue)},
		{"bad duration", []string{"--timeout", "5"}, string(keyInvalidTimeout)},
		{"bad boolean", []string{"--stdin=Secret99"}, string(keyOptionBadValue)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOptions("activate", withReader|withStdin, tt.args)
			var te *textError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is not a text error", err)
			}
			if string(te.key) != tt.key {
				t.Errorf("key %s, want %s", te.key, tt.key)
			}
			for _, arg := range te.args {
				if s, ok := arg.(string); ok && (s == "5" || s == "Secret99") {
					t.Errorf("message shows the typed value %q", s)
				}
			}
		})
	}
}

// flagError keeps the generic text for an error it does not know.
func TestFlagErrorUnknownForm(t *testing.T) {
	err := flagError(errors.New("something else"), "info")
	var te *textError
	if !errors.As(err, &te) || te.key != keyInvalidOption {
		t.Errorf("error %v, want a %s text error", err, keyInvalidOption)
	}
}

// Usage errors name what went wrong, say what to type, and print one
// hint only.
func TestUsageErrorTexts(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"bogus"}, []string{"未知的指令「bogus」", "gca help"}},
		{[]string{"help", "bogus"}, []string{"未知的指令「bogus」"}},
		{[]string{"Secret99"}, []string{"未知的指令（為保護機密，不顯示內容）"}},
		{[]string{"info", "--reader"}, []string{`例如 --reader "Virtual PCD 00 00"`}},
		{[]string{"info", "--timeout"}, []string{"例如 --timeout 30s"}},
		{[]string{"web", "--listen"}, []string{"例如 --listen 127.0.0.1:8963"}},
		{[]string{"activate", "--pin=Secret99"}, []string{"gca 沒有選項 --pin", "ps", "--stdin"}},
		{[]string{"reset-pin", "--user-code", "Secret99"}, []string{"gca 沒有選項 --user-code", "--stdin"}},
		{[]string{"change-pin", "--new-pin"}, []string{"gca 沒有選項 --new-pin"}},
		{[]string{"info", "--jsn"}, []string{"不認識的選項 --jsn", "gca help info"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, "valid")
			h.secrets = append(h.secrets, "Secret99")
			o := h.run("", tt.args...)
			o.wantCode(t, exitInvalid)
			o.wantOutput(t, tt.want...)
			if n := strings.Count(o.stderr, "gca："); n != 1 {
				t.Errorf("%d lines of error and hints, want 1:\n%s", n, o.stderr)
			}
			if strings.Contains(o.stderr, "VALUE") {
				t.Errorf("example shows a placeholder:\n%s", o.stderr)
			}
		})
	}
}

func TestUsageErrorTextsEnglish(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run("", "--lang", "en", "bogus")
	o.wantOutput(t, `Unknown command "bogus"`, "gca help")
	o = h.run("", "--lang", "en", "activate", "--pin", "x")
	o.wantOutput(t, "no option --pin", "ps", "--stdin")
}

// A key file that is missing or unreadable is named with a catalogue
// reason, not the system's English text.
func TestKeyFileErrorReason(t *testing.T) {
	h := newHarness(t, "valid")
	missing := filepath.Join(t.TempDir(), "x")
	o := h.run("", "admin", "reset-user-code", "--key-file", missing, "--stdin")
	o.wantCode(t, exitInvalid)
	o.wantOutput(t, "無法讀取金鑰檔 "+missing+"：檔案不存在")
	if strings.Contains(o.output(), "no such file") {
		t.Errorf("zh-TW message shows the system's English text:\n%s", o.output())
	}
}
