package crash_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/iso7816"
)

// corruption is one way to damage a state file.
type corruption struct {
	name string
	// write replaces the state file at path, whose good content is good.
	write func(path string, good []byte)
	// message is the cause that gcacard must give.
	message string
	// readable marks a file that is sound but belongs elsewhere. gcacard
	// inspect, which reads a folder without a profile, shows it.
	readable bool
}

var corruptions = []corruption{
	{name: "zero bytes", write: writeBytes(func(good []byte) []byte { return nil }), message: "corrupt card state"},
	{name: "truncated to half", write: writeBytes(func(good []byte) []byte { return good[:len(good)/2] }), message: "corrupt card state"},
	{name: "invalid JSON", write: writeBytes(func(good []byte) []byte { return append([]byte("{"), good...) }), message: "corrupt card state"},
	{name: "PIN tries raised by hand", write: editState(false, func(s map[string]any) { object(s, "pin")["remaining"] = 3 }), message: "checksum mismatch"},
	{name: "PIN tries lowered by hand", write: editState(false, func(s map[string]any) { object(s, "pin")["remaining"] = 0 }), message: "checksum mismatch"},
	{name: "PIN tries removed, checksum matching", write: editState(true, func(s map[string]any) { delete(object(s, "pin"), "remaining") }), message: "field pin.remaining missing"},
	{name: "user-code maximum removed, checksum matching", write: editState(true, func(s map[string]any) { delete(object(s, "userCode"), "maxTries") }), message: "field userCode.maxTries missing"},
	{name: "checksum removed", write: writeBytes(removeChecksum), message: "state or checksum missing"},
	{name: "user-code tries above the maximum, checksum matching", write: editState(true, func(s map[string]any) { object(s, "userCode")["remaining"] = 9 }), message: "out of range"},
	{name: "format version changed, checksum matching", write: editState(true, func(s map[string]any) { s["format"] = 2 }), message: "format 2, want 1"},
	{name: "other card's number, checksum matching", write: editState(true, func(s map[string]any) { s["cardNumber"] = "GC00000000299999" }), message: "belongs to card GC00000000299999", readable: true},
	{
		name: "state file replaced by a folder",
		write: func(path string, _ []byte) {
			Expect(os.Remove(path)).To(Succeed())
			Expect(os.Mkdir(path, 0o700)).To(Succeed())
		},
		message: "card state not accessible",
	},
}

// writeBytes returns a corruption that writes edit(good).
func writeBytes(edit func(good []byte) []byte) func(path string, good []byte) {
	return func(path string, good []byte) {
		GinkgoHelper()
		Expect(os.WriteFile(path, edit(good), 0o600)).To(Succeed())
	}
}

// stateFile is the outer form of a state file: the state and the SHA-256
// of its compact JSON.
type stateFile struct {
	State  json.RawMessage `json:"state"`
	SHA256 string          `json:"sha256,omitempty"`
}

// editState returns a corruption that edits the state's JSON object. With
// checksum it writes a matching checksum, as an editor who has read the
// format would. Without, it keeps the old checksum, as a careless hand
// edit would.
func editState(checksum bool, edit func(state map[string]any)) func(path string, good []byte) {
	return writeBytes(func(good []byte) []byte {
		GinkgoHelper()
		var file stateFile
		Expect(json.Unmarshal(good, &file)).To(Succeed())
		var state map[string]any
		Expect(json.Unmarshal(file.State, &state)).To(Succeed())

		edit(state)
		body, err := json.Marshal(state)
		Expect(err).NotTo(HaveOccurred())
		file.State = body
		if checksum {
			file.SHA256 = fmt.Sprintf("%x", sha256.Sum256(body))
		}
		out, err := json.MarshalIndent(file, "", "  ")
		Expect(err).NotTo(HaveOccurred())
		return out
	})
}

func removeChecksum(good []byte) []byte {
	GinkgoHelper()
	var file stateFile
	Expect(json.Unmarshal(good, &file)).To(Succeed())
	file.SHA256 = ""
	out, err := json.Marshal(file)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// object returns the JSON object under key.
func object(state map[string]any, key string) map[string]any {
	GinkgoHelper()
	obj, ok := state[key].(map[string]any)
	Expect(ok).To(BeTrue(), "state has no %s object", key)
	return obj
}

// openFixtureCard opens a fixture card in process on a state folder.
func openFixtureCard(p *fixtures.Profile, stateDir string) (*emulator.Card, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	return fixtures.OpenCard(p, emulator.FileStore{Dir: stateDir}, time.Now(), emulator.Options{Logger: quiet})
}

func mustBytes(cmd iso7816.Command) []byte {
	GinkgoHelper()
	b, err := cmd.Bytes()
	Expect(err).NotTo(HaveOccurred())
	return b
}
