package main

import (
	"errors"
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
