package specs_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/harness"
	"gcacard/iso7816"
)

// Helpers of the reference-data specs (specs_rules_test.go and
// specs_lockout_test.go): raw commands that carry a PIN or a user code,
// reads that use no try, and access to a virtual card's state folder.

// Length rules of the profile (REF-01). The specs state them here rather
// than use the emulator's constants, so a wrong constant fails a spec.
const (
	profileMinPIN      = 6
	profileMaxPIN      = 8
	profileMinUserCode = 6
	profileMaxUserCode = 10
)

// Instruction bytes of the reference-data commands.
const (
	insVerify              = 0x20
	insChangeReferenceData = 0x24
	insResetRetryCounter   = 0x2C
	insExternalAuth        = 0x82
	insGetChallenge        = 0x84
)

// Well-formed values that the rules specs pair with a malformed one, so
// that only the malformed value can be the cause of a rejection.
const (
	wellFormedPIN      = "Pin2468"
	wellFormedUserCode = "Gca2024ok"
)

// retryCounter is a retry counter as GET DATA 0180 (PIN) or 0181 (user
// code) returns it.
type retryCounter struct {
	Max       int
	Remaining int
}

// refSnapshot is what a rejected command must leave as it was: the
// lifecycle, both retry counters, and the status words of both query forms
// of VERIFY, which also show whether the PIN is verified. Reading it uses
// no try.
type refSnapshot struct {
	Lifecycle     emulator.Lifecycle
	PINTries      retryCounter
	UserCodeTries retryCounter
	PINQuery      string
	UserCodeQuery string
}

// transmitRaw sends a raw command APDU through the harness, which records
// it, and returns the response.
func transmitRaw(card *harness.Card, command []byte) iso7816.Response {
	GinkgoHelper()
	resp, err := card.Transmit(command)
	Expect(err).NotTo(HaveOccurred(), "transmitting %s", emulator.RedactCommand(command))
	return resp
}

// expectRawSW sends command and checks its status word. It compares the
// status words as text, so a failure shows both in hex with their meaning.
func expectRawSW(card *harness.Card, command []byte, want iso7816.StatusWord, step string) iso7816.Response {
	GinkgoHelper()
	resp := transmitRaw(card, command)
	Expect(resp.SW.String()).To(Equal(want.String()), "%s: %s", step, emulator.RedactCommand(command))
	return resp
}

// refCommand encodes a short command APDU with CLA 00 and no Le: case 1
// without data, case 3 with it.
func refCommand(ins, p1, p2 byte, data []byte) []byte {
	GinkgoHelper()
	raw, err := iso7816.Command{INS: ins, P1: p1, P2: p2, Data: data}.Bytes()
	Expect(err).NotTo(HaveOccurred())
	return raw
}

// refBlock returns the bytes of value padded with FF to a 10-byte block
// (REF-02). Unlike emulator.EncodeBlock it accepts a value longer than a
// block and returns it unpadded, because the specs send such values on
// purpose.
func refBlock(value string) []byte {
	block := []byte(value)
	for len(block) < emulator.BlockSize {
		block = append(block, 0xFF)
	}
	return block
}

// refBlocks concatenates the blocks of values.
func refBlocks(values ...string) []byte {
	var data []byte
	for _, v := range values {
		data = append(data, refBlock(v)...)
	}
	return data
}

// withByte returns a copy of data with the byte at index i set to b.
func withByte(data []byte, i int, b byte) []byte {
	out := append([]byte(nil), data...)
	out[i] = b
	return out
}

// verifyCommand is VERIFY 00 20 00 80 with data, or the PIN query without.
func verifyCommand(data []byte) []byte {
	return refCommand(insVerify, 0x00, 0x80, data)
}

// changePINCommand is CHANGE REFERENCE DATA 00 24 00 80.
func changePINCommand(data []byte) []byte {
	return refCommand(insChangeReferenceData, 0x00, 0x80, data)
}

// resetPINCommand is RESET RETRY COUNTER 00 2C 00 80: activation or
// unblock with the user code.
func resetPINCommand(data []byte) []byte {
	return refCommand(insResetRetryCounter, 0x00, 0x80, data)
}

// setUserCodeCommand is RESET RETRY COUNTER 00 2C 02 81: the CA's
// user-code reset.
func setUserCodeCommand(data []byte) []byte {
	return refCommand(insResetRetryCounter, 0x02, 0x81, data)
}

// readGetData returns the data object of tag, checking 9000.
func readGetData(card *harness.Card, tag uint16, size int) []byte {
	GinkgoHelper()
	raw, err := iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: size}.Bytes()
	Expect(err).NotTo(HaveOccurred())
	resp := expectRawSW(card, raw, iso7816.SWSuccess, "GET DATA")
	Expect(resp.Data).To(HaveLen(size), "GET DATA %04X", tag)
	return append([]byte(nil), resp.Data...)
}

// readRetryCounter reads the retry counter with GET DATA tag 0180 (PIN) or
// 0181 (user code), which uses no try (GD-03).
func readRetryCounter(card *harness.Card, tag uint16) retryCounter {
	GinkgoHelper()
	data := readGetData(card, tag, 2)
	return retryCounter{Max: int(data[0]), Remaining: int(data[1])}
}

func readPINTries(card *harness.Card) retryCounter {
	GinkgoHelper()
	return readRetryCounter(card, emulator.TagPINTries)
}

func readUserCodeTries(card *harness.Card) retryCounter {
	GinkgoHelper()
	return readRetryCounter(card, emulator.TagUserCodeTries)
}

// readLifecycle reads the lifecycle state with GET DATA 0101.
func readLifecycle(card *harness.Card) emulator.Lifecycle {
	GinkgoHelper()
	return emulator.Lifecycle(readGetData(card, emulator.TagLifecycle, 1)[0])
}

// queryRef sends the query form of VERIFY (no data) for key reference
// ref, which uses no try (VER-02).
func queryRef(card *harness.Card, ref byte) iso7816.StatusWord {
	GinkgoHelper()
	return transmitRaw(card, refCommand(insVerify, 0x00, ref, nil)).SW
}

func takeRefSnapshot(card *harness.Card) refSnapshot {
	GinkgoHelper()
	return refSnapshot{
		Lifecycle:     readLifecycle(card),
		PINTries:      readPINTries(card),
		UserCodeTries: readUserCodeTries(card),
		PINQuery:      queryRef(card, 0x80).String(),
		UserCodeQuery: queryRef(card, 0x81).String(),
	}
}

// expectUnchanged fails the spec when the card's snapshot differs from
// before, showing the fields that moved.
func expectUnchanged(card *harness.Card, before refSnapshot, after string) {
	GinkgoHelper()
	Expect(cmp.Diff(before, takeRefSnapshot(card))).To(BeEmpty(),
		"counters, lifecycle or security status changed after %s (-before +after)", after)
}

// skipIfTerminated skips a spec that needs the data checks of reference
// data commands. A terminated card returns 6A81 to those commands before
// it looks at their parameters or data (GEN-06, LC-03).
func skipIfTerminated(card *harness.Card) {
	GinkgoHelper()
	if readLifecycle(card) == emulator.LifecycleTerminated {
		Skip("the card is terminated: it answers 6A81 before checking reference data")
	}
}

// requireCardState checks a precondition of a spec that needs a card in a
// given state. A virtual card that fails it means the fixture is wrong, so
// the spec fails. A physical card may simply be in another state, so the
// spec is skipped.
func requireCardState(card *harness.Card, ok bool, needed string) {
	GinkgoHelper()
	if ok {
		return
	}
	if card.Virtual() {
		Fail("fixture card " + card.Profile.Name + " is not in the state the spec needs: " + needed)
	}
	Skip("the card is not in the state this spec needs: " + needed)
}

// requireFullCounter checks that a retry counter is at its maximum, and
// the maximum in the profile's range of 1 to 15 (REF-04).
func requireFullCounter(card *harness.Card, counter retryCounter, name string) {
	GinkgoHelper()
	Expect(counter.Max).To(BeNumerically(">=", 1), "%s maximum tries", name)
	Expect(counter.Max).To(BeNumerically("<=", 15), "%s maximum tries", name)
	requireCardState(card, counter.Remaining == counter.Max, name+" retry counter at its maximum")
}

// requireSecrets skips a spec when the run does not know the card's user
// code, PIN or card-management key that the spec needs.
func requireSecrets(card *harness.Card, userCode, pin, managementKey bool) {
	GinkgoHelper()
	switch {
	case userCode && card.Secrets.UserCode == "":
		Skip("the secrets file has no user code for this card")
	case pin && card.Secrets.PIN == "":
		Skip("the secrets file has no PIN for this card")
	case managementKey && len(card.Secrets.ManagementKey) != 16:
		Skip("the secrets file has no 16-byte card-management key for this card")
	}
}

// newRefClient returns an activation client on a new connection whose
// exchanges go to the card's APDU record.
func newRefClient(card *harness.Card) *client.Client {
	GinkgoHelper()
	cl, err := card.Client()
	Expect(err).NotTo(HaveOccurred(), "connecting to the card in %q", card.Reader)
	return cl
}

// wrongValue returns a well-formed value of length n that differs from
// secret, so presenting it uses a try and fails.
func wrongValue(secret string, n int) string {
	for _, c := range "0123456789" {
		v := strings.Repeat(string(c), n)
		if v != secret {
			return v
		}
	}
	panic("unreachable: at most one of ten values can equal the secret")
}

// lastResponse returns the recorded response, in hex, of the last command
// with instruction ins.
func lastResponse(card *harness.Card, ins byte) string {
	GinkgoHelper()
	exchanges := card.Rec.Exchanges()
	for i := len(exchanges) - 1; i >= 0; i-- {
		if exchanges[i].INS == ins {
			return exchanges[i].Response
		}
	}
	Fail(fmt.Sprintf("no command with INS %02X was recorded", ins))
	return ""
}

// expectRuleError checks that err is a *client.RuleError equal to want.
func expectRuleError(err error, want *client.RuleError, call string) {
	GinkgoHelper()
	var got *client.RuleError
	Expect(errors.As(err, &got)).To(BeTrue(), "%s: want a client.RuleError, got %v", call, err)
	Expect(cmp.Diff(want, got)).To(BeEmpty(), "%s: rule error (-want +got)", call)
}

// expectWrongSecret checks that err is a *client.WrongSecretError for
// secret with triesLeft tries left.
func expectWrongSecret(err error, secret client.Secret, triesLeft int, call string) {
	GinkgoHelper()
	var got *client.WrongSecretError
	Expect(errors.As(err, &got)).To(BeTrue(), "%s: want a client.WrongSecretError, got %v", call, err)
	want := &client.WrongSecretError{Secret: secret, TriesLeft: triesLeft}
	Expect(cmp.Diff(want, got)).To(BeEmpty(), "%s (-want +got)", call)
}

// expectBlocked checks that err is a *client.BlockedError for secret.
func expectBlocked(err error, secret client.Secret, call string) {
	GinkgoHelper()
	var got *client.BlockedError
	Expect(errors.As(err, &got)).To(BeTrue(), "%s: want a client.BlockedError, got %v", call, err)
	Expect(got.Secret).To(Equal(secret), "%s: blocked secret", call)
}

// expectWrongTry checks the result of the k-th of max wrong tries: a
// WrongSecretError while tries are left, and for the last one a
// BlockedError for a command to which the card returned 63C0 (CNT-04).
func expectWrongTry(card *harness.Card, err error, secret client.Secret, ins byte, k, maxTries int) {
	GinkgoHelper()
	call := fmt.Sprintf("wrong try %d of %d", k, maxTries)
	if left := maxTries - k; left > 0 {
		expectWrongSecret(err, secret, left, call)
		return
	}
	expectBlocked(err, secret, call)
	Expect(lastResponse(card, ins)).To(Equal("63C0"), "the try that brings the counter to 0")
}

// useCardWithStateDir returns a fresh virtual card and the folder that
// holds its state file. It skips the spec on the physical target.
//
// NOTE: the harness has no accessor for the state folder. It creates the
// folder with os.MkdirTemp("", ...), so this helper points TMPDIR at an
// empty folder of its own for the card's creation and finds the card's
// folder there. A change in how the harness names or places the folder
// breaks this helper.
func useCardWithStateDir(profile string) (*harness.Card, string) {
	GinkgoHelper()
	if cfg.Target != harness.TargetVirtual {
		Skip("needs the state folder of a virtual card")
	}
	parent := GinkgoT().TempDir()
	GinkgoT().Setenv("TMPDIR", parent)
	card := useCard(profile)

	dirs, err := filepath.Glob(filepath.Join(parent, "gcacard-harness-*"))
	Expect(err).NotTo(HaveOccurred())
	Expect(dirs).To(HaveLen(1), "the harness should have made one state folder in %s", parent)
	Expect(loadStateFile(dirs[0]).CardNumber).To(Equal(card.CardNumber), "state file in %s", dirs[0])
	return card, dirs[0]
}

// loadStateFile reads and checks the state file in dir with the
// emulator's own loader, as a restarted card would.
func loadStateFile(dir string) *emulator.State {
	GinkgoHelper()
	st, err := emulator.FileStore{Dir: dir}.Load()
	Expect(err).NotTo(HaveOccurred(), "loading the card state in %s", dir)
	return st
}

// breakStateFolder replaces the card's state folder with a regular file,
// so every save fails as on a broken disk. Permissions would not do: the
// specs run as root. The returned function puts the folder back. It also
// runs at the end of the spec, before the harness removes the card.
func breakStateFolder(dir string) (restore func()) {
	GinkgoHelper()
	moved := dir + ".moved"
	Expect(os.Rename(dir, moved)).To(Succeed())
	Expect(os.WriteFile(dir, []byte("stands in for the state folder\n"), 0o600)).To(Succeed())

	restored := false
	restore = func() {
		if restored {
			return
		}
		restored = true
		Expect(os.Remove(dir)).To(Succeed())
		Expect(os.Rename(moved, dir)).To(Succeed())
	}
	DeferCleanup(restore)
	return restore
}

// hmacSHA256 returns HMAC-SHA-256 of value keyed with salt, the digest the
// profile prescribes for stored reference data (ST-02).
func hmacSHA256(salt []byte, value string) []byte {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(value))
	return mac.Sum(nil)
}
