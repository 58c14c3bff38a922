package emulator

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gcacard/iso7816"
)

// openFileCard opens the test card on a FileStore in dir.
func openFileCard(t testing.TB, dir string, mutators ...func(*Image)) (*Card, FileStore) {
	t.Helper()
	img := testImage(t)
	for _, m := range mutators {
		m(img)
	}
	store := FileStore{Dir: dir}
	c, err := Open(img, store, Options{Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return c, store
}

// readFile returns the bytes of a file and fails the test when it cannot.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return b
}

// fileNames returns the names of the entries in dir.
func fileNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// rewriteState decodes a state file, applies edit to its state object and
// returns a file whose checksum matches the edited state, as another
// program or version of the format could write it.
func rewriteState(t testing.TB, file []byte, edit func(state map[string]any)) []byte {
	t.Helper()
	var outer struct {
		State map[string]any `json:"state"`
	}
	if err := json.Unmarshal(file, &outer); err != nil {
		t.Fatalf("decoding the state file: %v", err)
	}
	edit(outer.State)

	body, err := json.Marshal(outer.State)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	out, err := json.MarshalIndent(map[string]any{
		"state":  json.RawMessage(body),
		"sha256": hex.EncodeToString(sum[:]),
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SEC-01, SEC-02, FS-09: warm reset and power-off clear each part of the
// security status and select the MF. Without either, the same probe finds
// the part still in place.
func TestResetClearsSecurityStatus(t *testing.T) {
	parts := []struct {
		name string
		// set puts the part in place and returns what probe needs.
		set         func(t testing.TB, c *Card) []byte
		probe       func(t testing.TB, c *Card, saved []byte) iso7816.StatusWord
		wantKept    iso7816.StatusWord
		wantCleared iso7816.StatusWord
	}{
		{
			name: "PIN verified",
			set: func(t testing.TB, c *Card) []byte {
				wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
				return nil
			},
			probe:       func(t testing.TB, c *Card, _ []byte) iso7816.StatusWord { return queryPIN(t, c) },
			wantKept:    iso7816.SWSuccess,
			wantCleared: iso7816.RetriesRemaining(3),
		},
		{
			name: "CA authenticated",
			set: func(t testing.TB, c *Card) []byte {
				authenticateCA(t, c)
				return nil
			},
			probe: func(t testing.TB, c *Card, _ []byte) iso7816.StatusWord {
				return send(t, c, caResetCmd(t, newUserCode)).SW
			},
			wantKept:    iso7816.SWSuccess,
			wantCleared: iso7816.SWSecurityNotSatisfied,
		},
		{
			name: "challenge",
			set:  func(t testing.TB, c *Card) []byte { return getChallenge(t, c) },
			probe: func(t testing.TB, c *Card, challenge []byte) iso7816.StatusWord {
				return send(t, c, externalAuthenticateCmd(t, cryptogram(t, challenge))).SW
			},
			wantKept:    iso7816.SWSuccess,
			wantCleared: iso7816.SWConditionsNotSatisfied,
		},
		{
			name: "security environment",
			set: func(t testing.TB, c *Card) []byte {
				wantSW(t, sendHex(t, c, "00 22 41 B6 03 840101"), iso7816.SWSuccess)
				return nil
			},
			probe: func(t testing.TB, c *Card, _ []byte) iso7816.StatusWord {
				wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
				return send(t, c, signDigestInfoCmd(t)).SW
			},
			wantKept:    iso7816.SWSuccess,
			wantCleared: iso7816.SWConditionsNotSatisfied,
		},
		{
			name: "response data",
			set: func(t testing.TB, c *Card) []byte {
				// The MF's FCP is 9 bytes, so Le 02 leaves 7 waiting.
				wantSW(t, sendHex(t, c, "00 A4 00 00 02 3F00 02"), iso7816.BytesAvailable(7))
				return nil
			},
			probe:       func(t testing.TB, c *Card, _ []byte) iso7816.StatusWord { return sendHex(t, c, "00 C0 00 00 07").SW },
			wantKept:    iso7816.SWSuccess,
			wantCleared: iso7816.SWConditionsNotSatisfied,
		},
		{
			name: "current EF",
			set: func(t testing.TB, c *Card) []byte {
				wantSW(t, sendHex(t, c, "00 A4 08 0C 04 0900 0903"), iso7816.SWSuccess)
				return nil
			},
			probe:       func(t testing.TB, c *Card, _ []byte) iso7816.StatusWord { return sendHex(t, c, "00 B0 00 00 00").SW },
			wantKept:    iso7816.SWSuccess,
			wantCleared: iso7816.SWNoCurrentEF,
		},
		{
			// DF 0900 is a child of the MF but not of itself, so a path
			// from the current DF finds it only when the MF is selected.
			name: "current DF",
			set: func(t testing.TB, c *Card) []byte {
				wantSW(t, sendHex(t, c, "00 A4 08 0C 02 0900"), iso7816.SWSuccess)
				return nil
			},
			probe: func(t testing.TB, c *Card, _ []byte) iso7816.StatusWord {
				return sendHex(t, c, "00 A4 09 0C 02 0900").SW
			},
			wantKept:    iso7816.SWFileNotFound,
			wantCleared: iso7816.SWSuccess,
		},
	}
	clears := []struct {
		name  string
		clear func(*Card)
	}{
		{"no reset", nil},
		{"warm reset", (*Card).Reset},
		{"power-off", (*Card).PowerOff},
	}
	for _, part := range parts {
		for _, cl := range clears {
			t.Run(part.name+" "+cl.name, func(t *testing.T) {
				c, _ := newTestCard(t, activated)
				saved := part.set(t, c)

				want := part.wantKept
				if cl.clear != nil {
					cl.clear(c)
					want = part.wantCleared
				}

				if got := part.probe(t, c, saved); got != want {
					t.Errorf("status word %v, want %v", got, want)
				}
			})
		}
	}
}

// ST-01, ST-02: Open writes the state file at once, with mode 0600 in a
// folder of mode 0700.
func TestStateFileCreatedPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	_, store := openFileCard(t, dir)

	info, err := os.Stat(store.Path())
	if err != nil {
		t.Fatalf("state file after Open: %v", err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("state file mode %v, want 0600", got)
	}
	dirInfo, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("state folder after Open: %v", err)
	}
	if got := dirInfo.Mode().Perm(); got != 0o700 {
		t.Errorf("state folder mode %v, want 0700", got)
	}
}

// ST-02: the state file contains HMAC-SHA-256 digests keyed with a 32-byte
// salt, and none of the values in clear, current or past.
func TestStateFileHoldsNoSecrets(t *testing.T) {
	const (
		firstPIN  = "Qz7Wq2Lm"
		secondPIN = "Hx5Rt8Kp"
		userCode  = "Mn4Bv6Cx9"
	)
	dir := filepath.Join(t.TempDir(), "card")
	c, store := openFileCard(t, dir)
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, firstPIN)), iso7816.SWSuccess)
	wantSW(t, send(t, c, changeCmd(t, firstPIN, secondPIN)), iso7816.SWSuccess)
	authenticateCA(t, c)
	wantSW(t, send(t, c, caResetCmd(t, userCode)), iso7816.SWSuccess)

	file := readFile(t, store.Path())
	lowerFile := bytes.ToLower(file)
	for _, value := range []string{testUserCode, firstPIN, secondPIN, userCode} {
		if bytes.Contains(file, []byte(value)) {
			t.Errorf("state file contains %q in ASCII", value)
		}
		if bytes.Contains(lowerFile, []byte(hex.EncodeToString([]byte(value)))) {
			t.Errorf("state file contains %q in hex", value)
		}
	}

	st, err := store.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(st.Salt) != 32 {
		t.Errorf("salt of %d bytes, want 32", len(st.Salt))
	}
	if want := hmacSHA256(st.Salt, secondPIN); !bytes.Equal(st.PIN.Digest, want) {
		t.Errorf("PIN digest %X, want HMAC-SHA-256 of the PIN %X", st.PIN.Digest, want)
	}
	if want := hmacSHA256(st.Salt, userCode); !bytes.Equal(st.UserCode.Digest, want) {
		t.Errorf("user-code digest %X, want HMAC-SHA-256 of the user code %X", st.UserCode.Digest, want)
	}
}

func hmacSHA256(key []byte, value string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(value))
	return mac.Sum(nil)
}

// ST-01: a new Open on the same folder, as after a restart, keeps the
// lifecycle, both counters and the PIN.
func TestStateSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	c, store := openFileCard(t, dir)
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)
	wantSW(t, send(t, c, rrcCmd(t, wrongUserCode, newPIN)), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.RetriesRemaining(2))

	restarted := reopen(t, c, store)

	if got := lifecycleByGetData(t, restarted); got != LifecycleActivated {
		t.Errorf("lifecycle %v, want activated", got)
	}
	wantTries(t, "PIN", triesByGetData(t, restarted, TagPINTries), Tries{Max: 3, Remaining: 2})
	wantTries(t, "user code", triesByGetData(t, restarted, TagUserCodeTries), Tries{Max: 3, Remaining: 2})
	wantSW(t, sendHex(t, restarted, "00 20 00 80"), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, restarted, verifyCmd(t, newPIN)), iso7816.SWSuccess)
}

// ST-01, ST-03: saves replace the one state file and leave no temporary
// file behind.
func TestSavesLeaveNoTempFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	c, _ := openFileCard(t, dir)

	wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)
	wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWSuccess)
	wantSW(t, send(t, c, changeCmd(t, newPIN, testPIN)), iso7816.SWSuccess)

	names := fileNames(t, dir)
	if len(names) != 1 || names[0] != StateFileName {
		t.Errorf("state folder contains %q, want only %q", names, StateFileName)
	}
}

// ST-04: a state file that is damaged, edited or from another card stops
// Open with an error naming the file, and the file stays as it was.
func TestCorruptStateFileStopsCard(t *testing.T) {
	cases := []struct {
		name string
		edit func(t testing.TB, file []byte) []byte
	}{
		{"empty", func(t testing.TB, file []byte) []byte { return []byte{} }},
		{"truncated", func(t testing.TB, file []byte) []byte { return file[:len(file)/2] }},
		{"invalid JSON", func(t testing.TB, file []byte) []byte {
			return bytes.Replace(file, []byte(`"state":`), []byte(`"state"`), 1)
		}},
		{"counter edited by hand", func(t testing.TB, file []byte) []byte {
			edited := bytes.Replace(file, []byte(`"remaining": 3`), []byte(`"remaining": 2`), 1)
			if bytes.Equal(edited, file) {
				t.Fatal(`state file has no "remaining": 3 to edit`)
			}
			return edited
		}},
		{"checksum missing", func(t testing.TB, file []byte) []byte {
			var outer map[string]json.RawMessage
			if err := json.Unmarshal(file, &outer); err != nil {
				t.Fatal(err)
			}
			delete(outer, "sha256")
			out, err := json.Marshal(outer)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}},
		{"unknown field", func(t testing.TB, file []byte) []byte {
			return rewriteState(t, file, func(state map[string]any) { state["pinHint"] = "none" })
		}},
		{"salt missing", func(t testing.TB, file []byte) []byte {
			return rewriteState(t, file, func(state map[string]any) { delete(state, "salt") })
		}},
		{"remaining missing", func(t testing.TB, file []byte) []byte {
			return rewriteState(t, file, func(state map[string]any) {
				delete(state["userCode"].(map[string]any), "remaining")
			})
		}},
		{"other card number", func(t testing.TB, file []byte) []byte {
			return rewriteState(t, file, func(state map[string]any) { state["cardNumber"] = "GC00000000654321" })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "card")
			c, store := openFileCard(t, dir)
			corrupt := tc.edit(t, readFile(t, store.Path()))
			if err := os.WriteFile(store.Path(), corrupt, 0o600); err != nil {
				t.Fatal(err)
			}

			img := c.img
			_, err := Open(&img, store, Options{Logger: quietLogger()})

			if err == nil {
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), store.Path()) {
				t.Errorf("error %q does not name the file %s", err, store.Path())
			}
			if !errors.Is(err, ErrCorruptState) {
				t.Errorf("error %q does not wrap ErrCorruptState", err)
			}
			if got := readFile(t, store.Path()); !bytes.Equal(got, corrupt) {
				t.Error("Open changed the state file")
			}
		})
	}
}

// ST-04: the rewriteState helper of the test above writes a file that
// loads when nothing was edited, so the errors there come from the edits.
func TestRewrittenStateFileLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	c, store := openFileCard(t, dir, activated)
	rewritten := rewriteState(t, readFile(t, store.Path()), func(map[string]any) {})
	if err := os.WriteFile(store.Path(), rewritten, 0o600); err != nil {
		t.Fatal(err)
	}

	restarted := reopen(t, c, store)

	wantSW(t, send(t, restarted, verifyCmd(t, testPIN)), iso7816.SWSuccess)
}

// ST-04: the state of another card in the folder stops Open with an error
// naming the file.
func TestOtherCardStateRejected(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	_, store := openFileCard(t, dir)
	before := readFile(t, store.Path())

	img := testImage(t)
	img.CardNumber = "GC00000000654321"
	_, err := Open(img, store, Options{Logger: quietLogger()})

	if err == nil {
		t.Fatal("Open succeeded, want an error")
	}
	if !strings.Contains(err.Error(), store.Path()) {
		t.Errorf("error %q does not name the file %s", err, store.Path())
	}
	if got := readFile(t, store.Path()); !bytes.Equal(got, before) {
		t.Error("Open changed the state file")
	}
}

// ST-04: a state file that cannot be read stops Open with an error naming
// the file.
func TestUnreadableStateFileStopsCard(t *testing.T) {
	dir := t.TempDir()
	store := FileStore{Dir: dir}
	if err := os.Mkdir(store.Path(), 0o700); err != nil {
		t.Fatal(err)
	}

	_, err := Open(testImage(t), store, Options{Logger: quietLogger()})

	if err == nil {
		t.Fatal("Open succeeded, want an error")
	}
	if !strings.Contains(err.Error(), store.Path()) {
		t.Errorf("error %q does not name the file %s", err, store.Path())
	}
	if !errors.Is(err, ErrStateAccess) {
		t.Errorf("error %q does not wrap ErrStateAccess", err)
	}
}

// A new card whose first state cannot be saved stops Open with an error
// that wraps ErrStateAccess and names the folder, so gcacard serve reports
// an unusable state folder rather than a bad profile.
func TestNewCardUnsavableStateStopsCard(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err := Open(testImage(t), FileStore{Dir: dir}, Options{Logger: quietLogger()})

	if err == nil {
		t.Fatal("Open succeeded, want an error")
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name the folder %s", err, dir)
	}
	if !errors.Is(err, ErrStateAccess) {
		t.Errorf("error %q does not wrap ErrStateAccess", err)
	}
}

// CNT-02, ST-03: when the state folder cannot be written, VERIFY returns
// 6581 and the counters stay as they were, in memory and on disk. The
// folder is swapped for a regular file, which makes the save fail even
// for root, who ignores permission bits.
func TestUnwritableFolderFailsVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "card")
	c, store := openFileCard(t, dir, activated)
	before := readFile(t, store.Path())
	status := c.Status()

	away := dir + ".away"
	if err := os.Rename(dir, away); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.SWMemoryFailure)
	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWMemoryFailure)
	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.RetriesRemaining(3))
	wantTries(t, "PIN", c.Status().PINTries, status.PINTries)

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(away, dir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, store.Path()); !bytes.Equal(got, before) {
		t.Error("state file changed")
	}
	if names := fileNames(t, dir); len(names) != 1 {
		t.Errorf("state folder contains %q, want only %q", names, StateFileName)
	}
	restarted := reopen(t, c, store)
	wantTries(t, "PIN after restart", triesByGetData(t, restarted, TagPINTries), Tries{Max: 3, Remaining: 3})
}

// LOG-01: a full activation, PIN change, lockout, unblock, CA reset and
// failed save log no PIN, user code or card-management key, in ASCII or
// hex.
func TestLogsNoSecrets(t *testing.T) {
	const (
		firstPIN  = "Lg4Pn7Qa"
		secondPIN = "Lg9Zx2Wb"
		thirdPIN  = "Lg3Kj5Rd"
		badPIN    = "Wr0ngPin"
		userCode  = "Lg8Uc1Ty"
	)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		// The time is left out because its digits could match a secret.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	store := &MemoryStore{}
	c, err := Open(testImage(t), store, Options{Logger: logger})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	wantSW(t, send(t, c, rrcCmd(t, wrongUserCode, firstPIN)), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, firstPIN)), iso7816.SWSuccess)
	wantSW(t, send(t, c, verifyCmd(t, firstPIN)), iso7816.SWSuccess)
	wantSW(t, send(t, c, changeCmd(t, firstPIN, secondPIN)), iso7816.SWSuccess)
	for left := 2; left >= 0; left-- {
		wantSW(t, send(t, c, verifyCmd(t, badPIN)), iso7816.RetriesRemaining(left))
	}
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, thirdPIN)), iso7816.SWSuccess)

	getChallenge(t, c)
	wantSW(t, send(t, c, externalAuthenticateCmd(t, make([]byte, 16))), iso7816.SWAuthenticationFailed)
	challenge := getChallenge(t, c)
	wantSW(t, send(t, c, externalAuthenticateCmd(t, cryptogram(t, challenge))), iso7816.SWSuccess)
	wantSW(t, send(t, c, caResetCmd(t, userCode)), iso7816.SWSuccess)

	store.FailSaves = true
	wantSW(t, send(t, c, verifyCmd(t, thirdPIN)), iso7816.SWMemoryFailure)

	text := logs.String()
	for _, event := range []string{"card activated", "blocked", "user code reset", "saving card state failed"} {
		if !strings.Contains(text, event) {
			t.Errorf("log lacks %q, so the run did not log what this test checks", event)
		}
	}
	lowerText := strings.ToLower(text)
	secrets := []string{testUserCode, wrongUserCode, userCode, firstPIN, secondPIN, thirdPIN, badPIN, string(testManagementKey)}
	for _, secret := range secrets {
		if strings.Contains(text, secret) {
			t.Errorf("log contains %q in ASCII", secret)
		}
		if strings.Contains(lowerText, hex.EncodeToString([]byte(secret))) {
			t.Errorf("log contains %q in hex", secret)
		}
	}
}
