package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeState loads state files from bytes (ST-04). Every input is
// tried as it is, and again with its checksum recomputed, so that the
// mutations reach the checks behind the checksum. A file that loads must
// follow the state rules as stated here, must save, and its saved form
// must load back to the same state and save to the same bytes.
func FuzzDecodeState(f *testing.F) {
	issued := issuedStateFile(f)
	f.Add(issued)
	f.Add(activatedStateFile(f))
	f.Add(rewriteState(f, issued, func(s map[string]any) { delete(s, "pin") }))
	f.Add(rewriteState(f, issued, func(s map[string]any) { s["lifecycle"] = 2 }))
	f.Add(rewriteState(f, issued, func(s map[string]any) { s["cardNumber"] = "gc00000000000001" }))
	f.Add([]byte(`{"state":{},"sha256":""}`))

	f.Fuzz(func(t *testing.T, file []byte) {
		checkStateFile(t, file)
		if fixed, ok := withChecksum(file); ok {
			checkStateFile(t, fixed)
		}
	})
}

// issuedStateFile returns the state file of a new card of the test image.
func issuedStateFile(t testing.TB) []byte {
	_, store := newTestCard(t)
	return store.Raw()
}

// activatedStateFile returns the state file of a test card after
// activation with RESET RETRY COUNTER.
func activatedStateFile(t testing.TB) []byte {
	card, store := newTestCard(t)
	resp := card.Transmit(rrcCmd(t, testUserCode, "123456"))
	if !bytes.HasSuffix(resp, []byte{0x90, 0x00}) {
		t.Fatalf("activating the test card: response %X", resp)
	}
	return store.Raw()
}

// withChecksum returns the file with the checksum of its state object
// recomputed, when the file has one.
func withChecksum(file []byte) ([]byte, bool) {
	var f stateFile
	if json.Unmarshal(file, &f) != nil || len(f.State) == 0 {
		return nil, false
	}
	var body bytes.Buffer
	if json.Compact(&body, f.State) != nil {
		return nil, false
	}
	sum := sha256.Sum256(body.Bytes())
	f.State, f.Checksum = body.Bytes(), hex.EncodeToString(sum[:])
	out, err := json.Marshal(f)
	return out, err == nil
}

func checkStateFile(t *testing.T, file []byte) {
	t.Helper()
	s, err := decodeState(file)
	if err != nil {
		if !errors.Is(err, ErrCorruptState) {
			t.Fatalf("decodeState(%q): %v, want an error that wraps ErrCorruptState", file, err)
		}
		return
	}
	checkStateRules(t, s)

	saved, err := encodeState(s)
	if err != nil {
		t.Fatalf("a state that loads from %q does not save: %v", file, err)
	}
	again, err := decodeState(saved)
	if err != nil {
		t.Fatalf("the saved form %q of a state that loads does not load: %v", saved, err)
	}
	if diff := cmp.Diff(s, again); diff != "" {
		t.Fatalf("state after a save and a load differs (-loaded +reloaded):\n%s", diff)
	}
	resaved, err := encodeState(again)
	if err != nil {
		t.Fatalf("saving the reloaded state: %v", err)
	}
	if !bytes.Equal(saved, resaved) {
		t.Fatalf("a second save differs from the first:\n%s\n%s", saved, resaved)
	}
}

// checkStateRules checks a loaded state against the rules of a state file,
// written out here independently of State.validate.
func checkStateRules(t *testing.T, s *State) {
	t.Helper()
	if s.Format != 1 {
		t.Errorf("format %d loaded, want 1", s.Format)
	}
	if !isCardNumber(s.CardNumber) {
		t.Errorf("card number %q loaded, want two upper-case letters and 14 digits", s.CardNumber)
	}
	if s.Lifecycle != 0x01 && s.Lifecycle != 0x02 && s.Lifecycle != 0x0F {
		t.Errorf("lifecycle %02X loaded, want 01, 02 or 0F", byte(s.Lifecycle))
	}
	if len(s.Salt) != 32 {
		t.Errorf("salt of %d bytes loaded, want 32", len(s.Salt))
	}
	var zero Dates
	if s.Dates.Issued == zero.Issued || s.Dates.NotBefore == zero.NotBefore || s.Dates.NotAfter == zero.NotAfter {
		t.Errorf("dates %+v loaded, want all three set", s.Dates)
	}
	for name, r := range map[string]RefState{"PIN": s.PIN, "user code": s.UserCode} {
		if r.MaxTries < 1 || r.MaxTries > 15 {
			t.Errorf("%s maxTries %d loaded, want 1 to 15", name, r.MaxTries)
		}
		if r.Remaining < 0 || r.Remaining > r.MaxTries {
			t.Errorf("%s remaining %d loaded, want 0 to maxTries %d", name, r.Remaining, r.MaxTries)
		}
		if len(r.Digest) != 0 && len(r.Digest) != 32 {
			t.Errorf("%s digest of %d bytes loaded, want none or 32", name, len(r.Digest))
		}
	}
	if len(s.UserCode.Digest) == 0 {
		t.Error("state without a user code loaded")
	}
	if s.Lifecycle == 0x02 && len(s.PIN.Digest) == 0 {
		t.Error("activated state without a PIN loaded")
	}
}

func isCardNumber(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i < 2 && (c < 'A' || c > 'Z') || i >= 2 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
