package specs_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/harness"
	"gcacard/iso7816"
)

// New values that the lockout specs set. Each is well-formed and differs
// from every fixture card's secrets.
const (
	lockoutNewPIN      = "Nw8Pin42"
	lockoutNewUserCode = "NewCode77"
)

// Key references in P2.
const (
	refPINP2      = 0x80
	refUserCodeP2 = 0x81
)

// managementAuthCommand runs GET CHALLENGE and returns the EXTERNAL
// AUTHENTICATE command with the cryptogram for that challenge under the
// card's management key. It must be the next command the card receives,
// because a challenge is valid for one command only (UCR-01).
func managementAuthCommand(card *harness.Card) []byte {
	GinkgoHelper()
	resp := expectRawSW(card, []byte{0x00, insGetChallenge, 0x00, 0x00, emulator.ChallengeSize}, iso7816.SWSuccess, "GET CHALLENGE")
	cryptogram, err := emulator.ManagementCryptogram(card.Secrets.ManagementKey, resp.Data, card.CardNumber)
	Expect(err).NotTo(HaveOccurred())
	return refCommand(insExternalAuth, 0x00, emulator.ManagementKeyRef, cryptogram)
}

// signCommand is PERFORM SECURITY OPERATION COMPUTE DIGITAL SIGNATURE of a
// SHA-256 DigestInfo, with Le 00.
func signCommand() []byte {
	GinkgoHelper()
	digest := sha256.Sum256([]byte("lockout spec"))
	digestInfo := append([]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, digest[:]...)
	raw, err := iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: digestInfo, Ne: 256}.Bytes()
	Expect(err).NotTo(HaveOccurred())
	return raw
}

var _ = Describe("Retry counters and lockout", AreaLockout, func() {
	Describe("user code", Virtual, Destructive, func() {
		It("blocks after the maximum of wrong codes, then refuses the right one [REF-04] [REF-05] [CNT-01] [CNT-04] [ACT-02] [ACT-04] [VER-02]", func() {
			card := useCard("valid")
			requireSecrets(card, true, false, false)
			requireCardState(card, readLifecycle(card) == emulator.LifecycleIssued, "an issued card")
			counter := readUserCodeTries(card)
			requireFullCounter(card, counter, "user code")
			pinBefore := readPINTries(card)
			n := counter.Max
			wrong := wrongValue(card.Secrets.UserCode, 8)
			cl := newRefClient(card)

			for k := 1; k <= n; k++ {
				err := cl.Activate(wrong, lockoutNewPIN)
				expectWrongTry(card, err, client.SecretUserCode, insResetRetryCounter, k, n)
				Expect(readUserCodeTries(card)).To(Equal(retryCounter{n, n - k}), "user code counter after wrong try %d", k)
			}
			Expect(readPINTries(card)).To(Equal(pinBefore), "a wrong user code changes only the user code's counter")
			Expect(readLifecycle(card)).To(Equal(emulator.LifecycleIssued), "lifecycle after the wrong user codes")

			before := takeRefSnapshot(card)
			Expect(before.UserCodeQuery).To(Equal(iso7816.SWAuthMethodBlocked.String()), "query of a blocked user code")
			right := resetPINCommand(refBlocks(card.Secrets.UserCode, lockoutNewPIN))
			expectRawSW(card, right, iso7816.SWAuthMethodBlocked, "activation with the right user code once blocked")
			expectUnchanged(card, before, "activation with the right user code once blocked")

			sent := card.Rec.Count(insResetRetryCounter)
			expectBlocked(cl.Activate(card.Secrets.UserCode, lockoutNewPIN), client.SecretUserCode, "client Activate once blocked")
			Expect(card.Rec.Count(insResetRetryCounter)).To(Equal(sent), "the client must not send a blocked user code")
		})

		It("restores its counter on a match and activates the card [CNT-03] [ACT-02] [LC-01] [VER-02]", func() {
			card := useCard("valid")
			requireSecrets(card, true, false, false)
			requireCardState(card, readLifecycle(card) == emulator.LifecycleIssued, "an issued card")
			counter := readUserCodeTries(card)
			requireFullCounter(card, counter, "user code")
			n := counter.Max
			wrong := wrongValue(card.Secrets.UserCode, 8)
			cl := newRefClient(card)

			for k := 1; k < n; k++ {
				expectWrongSecret(cl.Activate(wrong, lockoutNewPIN), client.SecretUserCode, n-k, fmt.Sprintf("wrong try %d", k))
			}
			Expect(readUserCodeTries(card)).To(Equal(retryCounter{n, 1}), "one try left")

			Expect(cl.Activate(card.Secrets.UserCode, lockoutNewPIN)).To(Succeed(), "activation with the right user code on the last try")
			Expect(readUserCodeTries(card)).To(Equal(retryCounter{n, n}), "user code counter after activation")
			pinTries := readPINTries(card)
			Expect(pinTries.Remaining).To(Equal(pinTries.Max), "PIN counter after activation")
			Expect(readLifecycle(card)).To(Equal(emulator.LifecycleActivated), "lifecycle after activation")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.RetriesRemaining(pinTries.Max).String()),
				"the PIN is set but not verified after activation")

			Expect(cl.VerifyPIN(lockoutNewPIN)).To(Succeed(), "verifying the PIN set by activation")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.SWSuccess.String()), "query after VERIFY")
		})

		It("refuses even the right code once blocked [REF-05] [ACT-04] [VER-02]", func() {
			card := useCard("usercode-blocked")
			requireSecrets(card, true, false, false)
			requireCardState(card, readUserCodeTries(card).Remaining == 0, "a blocked user code")

			before := takeRefSnapshot(card)
			Expect(before.UserCodeQuery).To(Equal(iso7816.SWAuthMethodBlocked.String()), "query of a blocked user code")
			right := resetPINCommand(refBlocks(card.Secrets.UserCode, lockoutNewPIN))
			expectRawSW(card, right, iso7816.SWAuthMethodBlocked, "activation with the right user code")
			expectUnchanged(card, before, "activation with the right user code")

			cl := newRefClient(card)
			sent := card.Rec.Count(insResetRetryCounter)
			expectBlocked(cl.Activate(card.Secrets.UserCode, lockoutNewPIN), client.SecretUserCode, "client Activate")
			Expect(card.Rec.Count(insResetRetryCounter)).To(Equal(sent), "the client must not send a blocked user code")
		})

		It("blocks unblock after the maximum of wrong codes, keeping the PIN [ACT-03] [ACT-04] [CNT-04] [REF-04]", func() {
			card := useCard("activated")
			requireSecrets(card, true, true, false)
			counter := readUserCodeTries(card)
			requireFullCounter(card, counter, "user code")
			pinBefore := readPINTries(card)
			n := counter.Max
			wrong := wrongValue(card.Secrets.UserCode, 8)
			cl := newRefClient(card)

			for k := 1; k <= n; k++ {
				err := cl.ResetPIN(wrong, lockoutNewPIN)
				expectWrongTry(card, err, client.SecretUserCode, insResetRetryCounter, k, n)
			}
			Expect(readPINTries(card)).To(Equal(pinBefore), "PIN counter after the wrong user codes")

			before := takeRefSnapshot(card)
			right := resetPINCommand(refBlocks(card.Secrets.UserCode, lockoutNewPIN))
			expectRawSW(card, right, iso7816.SWAuthMethodBlocked, "unblock with the right user code once blocked")
			expectUnchanged(card, before, "unblock with the right user code once blocked")
			Expect(cl.VerifyPIN(card.Secrets.PIN)).To(Succeed(), "the old PIN still works")
		})
	})

	Describe("CA user-code reset", func() {
		It("restores a blocked user code for activation with the new code [UCR-01] [UCR-02] [UCR-03] [ACT-02] [LC-01]", Virtual, Destructive, func() {
			card := useCard("usercode-blocked")
			requireSecrets(card, true, false, true)
			requireCardState(card, readUserCodeTries(card).Remaining == 0, "a blocked user code")
			n := readUserCodeTries(card).Max
			cl := newRefClient(card)

			Expect(cl.ResetUserCode(card.Secrets.ManagementKey, lockoutNewUserCode)).To(Succeed())
			Expect(readUserCodeTries(card)).To(Equal(retryCounter{n, n}), "user code counter after the reset")
			Expect(readLifecycle(card)).To(Equal(emulator.LifecycleIssued), "the reset does not activate the card")
			expectRawSW(card, setUserCodeCommand(refBlock("Again2024")), iso7816.SWSecurityNotSatisfied,
				"a second user-code reset: the CA's security status is used up")

			expectWrongSecret(cl.Activate(card.Secrets.UserCode, lockoutNewPIN), client.SecretUserCode, n-1, "Activate with the old user code")
			Expect(cl.Activate(lockoutNewUserCode, lockoutNewPIN)).To(Succeed(), "Activate with the new user code")
			Expect(readLifecycle(card)).To(Equal(emulator.LifecycleActivated))
			Expect(readUserCodeTries(card)).To(Equal(retryCounter{n, n}), "user code counter after activation")
			Expect(cl.VerifyPIN(lockoutNewPIN)).To(Succeed())
		})

		It("works on an activated card [UCR-03] [ACT-03]", Virtual, Destructive, func() {
			card := useCard("activated")
			requireSecrets(card, true, true, true)
			n := readUserCodeTries(card).Max
			cl := newRefClient(card)

			Expect(cl.ResetUserCode(card.Secrets.ManagementKey, lockoutNewUserCode)).To(Succeed())
			expectWrongSecret(cl.ResetPIN(card.Secrets.UserCode, lockoutNewPIN), client.SecretUserCode, n-1, "ResetPIN with the old user code")
			Expect(cl.ResetPIN(lockoutNewUserCode, lockoutNewPIN)).To(Succeed(), "ResetPIN with the new user code")
			Expect(cl.VerifyPIN(lockoutNewPIN)).To(Succeed())
		})

		It("rejects a wrong management key with 6300 [UCR-02] [UCR-03]", Virtual, Destructive, func() {
			card := useCard("usercode-blocked")
			requireCardState(card, readUserCodeTries(card).Remaining == 0, "a blocked user code")
			before := takeRefSnapshot(card)
			cl := newRefClient(card)

			wrongKey := bytes.Repeat([]byte{0x5A}, 16)
			Expect(cl.ResetUserCode(wrongKey, lockoutNewUserCode)).To(MatchError(client.ErrAuthentication))
			Expect(lastResponse(card, insExternalAuth)).To(Equal("6300"), "EXTERNAL AUTHENTICATE with a wrong cryptogram")
			Expect(card.Rec.Count(insResetRetryCounter)).To(BeZero(), "the client must stop after a failed authentication")
			expectRawSW(card, setUserCodeCommand(refBlock(lockoutNewUserCode)), iso7816.SWSecurityNotSatisfied,
				"user-code reset after a failed authentication")
			expectUnchanged(card, before, "the failed user-code reset")
		})

		It("requires the CA's authentication [UCR-03]", Virtual, Destructive, func() {
			card := useCard("valid")
			before := takeRefSnapshot(card)
			expectRawSW(card, setUserCodeCommand(refBlock(lockoutNewUserCode)), iso7816.SWSecurityNotSatisfied,
				"user-code reset without EXTERNAL AUTHENTICATE")
			expectUnchanged(card, before, "user-code reset without EXTERNAL AUTHENTICATE")
		})

		It("accepts a cryptogram for the last challenge only [UCR-01] [UCR-02]", Virtual, func() {
			card := useCard("usercode-blocked")
			requireSecrets(card, false, false, true)

			zeros := make([]byte, 16)
			expectRawSW(card, refCommand(insExternalAuth, 0x00, emulator.ManagementKeyRef, zeros), iso7816.SWConditionsNotSatisfied,
				"EXTERNAL AUTHENTICATE before any GET CHALLENGE")

			auth := managementAuthCommand(card)
			expectRawSW(card, []byte{0x00, 0xCA, 0x01, 0x01, 0x00}, iso7816.SWSuccess, "GET DATA between challenge and cryptogram")
			expectRawSW(card, auth, iso7816.SWConditionsNotSatisfied, "a cryptogram after another command used up the challenge")

			auth = managementAuthCommand(card)
			wrong := withByte(auth, len(auth)-1, auth[len(auth)-1]^0x01)
			expectRawSW(card, wrong, iso7816.SWAuthenticationFailed, "a wrong cryptogram for the fresh challenge")
			expectRawSW(card, auth, iso7816.SWConditionsNotSatisfied, "the right cryptogram after a wrong one used up the challenge")

			auth = managementAuthCommand(card)
			expectRawSW(card, auth, iso7816.SWSuccess, "the cryptogram for the fresh challenge")
			expectRawSW(card, auth, iso7816.SWConditionsNotSatisfied, "the same cryptogram again: the challenge is used up")
		})

		DescribeTable("GET CHALLENGE", PhysicalSafe,
			func(command []byte, want iso7816.StatusWord, dataLen int) {
				card := useCard("activated")
				skipIfTerminated(card)
				resp := expectRawSW(card, command, want, "GET CHALLENGE")
				Expect(resp.Data).To(HaveLen(dataLen), "challenge bytes")
				if dataLen > 0 {
					again := expectRawSW(card, command, want, "a second GET CHALLENGE")
					Expect(again.Data).NotTo(Equal(resp.Data), "two challenges are random, so they differ")
				}
			},
			Entry("with Le 08 returns 8 random bytes [UCR-01]", []byte{0x00, 0x84, 0x00, 0x00, 0x08}, iso7816.SWSuccess, 8),
			Entry("with Le 00 returns 8 random bytes [UCR-01]", []byte{0x00, 0x84, 0x00, 0x00, 0x00}, iso7816.SWSuccess, 8),
			Entry("with Le 04 answers 6C08 [UCR-01]", []byte{0x00, 0x84, 0x00, 0x00, 0x04}, iso7816.WrongLe(8), 0),
			Entry("without Le answers 6700 [UCR-01]", []byte{0x00, 0x84, 0x00, 0x00}, iso7816.SWWrongLength, 0),
			Entry("with P1-P2 0001 answers 6A86 [UCR-01]", []byte{0x00, 0x84, 0x00, 0x01, 0x08}, iso7816.SWIncorrectP1P2, 0),
		)
	})

	Describe("PIN", Virtual, Destructive, func() {
		It("VERIFY blocks it after the maximum of wrong PINs [VER-01] [REF-04] [REF-05] [CNT-01] [CNT-04] [VER-02]", func() {
			card := useCard("activated")
			requireSecrets(card, false, true, false)
			counter := readPINTries(card)
			requireFullCounter(card, counter, "PIN")
			userCodeBefore := readUserCodeTries(card)
			n := counter.Max
			wrong := wrongValue(card.Secrets.PIN, 6)
			cl := newRefClient(card)

			for k := 1; k <= n; k++ {
				err := cl.VerifyPIN(wrong)
				expectWrongTry(card, err, client.SecretPIN, insVerify, k, n)
				Expect(readPINTries(card)).To(Equal(retryCounter{n, n - k}), "PIN counter after wrong try %d", k)
			}
			Expect(readUserCodeTries(card)).To(Equal(userCodeBefore), "each key reference has its own counter")

			before := takeRefSnapshot(card)
			Expect(before.PINQuery).To(Equal(iso7816.SWAuthMethodBlocked.String()), "query of a blocked PIN")
			expectRawSW(card, verifyCommand(refBlock(card.Secrets.PIN)), iso7816.SWAuthMethodBlocked, "VERIFY with the right PIN once blocked")
			expectUnchanged(card, before, "VERIFY with the right PIN once blocked")
			expectBlocked(cl.VerifyPIN(card.Secrets.PIN), client.SecretPIN, "client VerifyPIN once blocked")
		})

		It("VERIFY restores the counter and status on a match [VER-01] [VER-02] [VER-03] [CNT-03]", func() {
			card := useCard("activated")
			requireSecrets(card, false, true, false)
			counter := readPINTries(card)
			requireFullCounter(card, counter, "PIN")
			n := counter.Max
			wrong := wrongValue(card.Secrets.PIN, 6)
			cl := newRefClient(card)

			for k := 1; k < n; k++ {
				expectWrongSecret(cl.VerifyPIN(wrong), client.SecretPIN, n-k, fmt.Sprintf("wrong try %d", k))
			}
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.RetriesRemaining(1).String()), "query with one try left")

			Expect(cl.VerifyPIN(card.Secrets.PIN)).To(Succeed(), "the right PIN on the last try")
			Expect(readPINTries(card)).To(Equal(retryCounter{n, n}), "PIN counter after a match")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.SWSuccess.String()), "query of a verified PIN")

			expectRawSW(card, refCommand(insVerify, 0xFF, refUserCodeP2, nil), iso7816.SWSuccess, "VERIFY FF 81")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.SWSuccess.String()), "VERIFY FF 81 leaves the PIN verified")
			expectRawSW(card, refCommand(insVerify, 0xFF, refPINP2, nil), iso7816.SWSuccess, "VERIFY FF 80 clears the PIN's status")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.RetriesRemaining(n).String()), "query after VERIFY FF 80")

			Expect(cl.VerifyPIN(card.Secrets.PIN)).To(Succeed())
			expectWrongSecret(cl.VerifyPIN(wrong), client.SecretPIN, n-1, "a wrong PIN after a verified one")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.RetriesRemaining(n-1).String()),
				"a mismatch clears the PIN's security status")
		})

		It("CHANGE REFERENCE DATA blocks it after the maximum of wrong PINs [CHG-01] [CNT-01] [CNT-04] [REF-05]", func() {
			card := useCard("activated")
			requireSecrets(card, false, true, false)
			counter := readPINTries(card)
			requireFullCounter(card, counter, "PIN")
			n := counter.Max
			wrong := wrongValue(card.Secrets.PIN, 6)
			cl := newRefClient(card)

			for k := 1; k <= n; k++ {
				err := cl.ChangePIN(wrong, lockoutNewPIN)
				expectWrongTry(card, err, client.SecretPIN, insChangeReferenceData, k, n)
				Expect(readPINTries(card)).To(Equal(retryCounter{n, n - k}), "PIN counter after wrong try %d", k)
			}

			before := takeRefSnapshot(card)
			expectRawSW(card, changePINCommand(refBlocks(card.Secrets.PIN, lockoutNewPIN)), iso7816.SWAuthMethodBlocked,
				"CHANGE REFERENCE DATA with the right old PIN once blocked")
			expectRawSW(card, verifyCommand(refBlock(card.Secrets.PIN)), iso7816.SWAuthMethodBlocked, "VERIFY with the old PIN once blocked")
			expectRawSW(card, verifyCommand(refBlock(lockoutNewPIN)), iso7816.SWAuthMethodBlocked, "VERIFY with the refused new PIN")
			expectUnchanged(card, before, "the commands on a blocked PIN")
		})

		It("CHANGE REFERENCE DATA sets the new PIN on a match [CHG-01] [CNT-03] [VER-02]", func() {
			card := useCard("activated")
			requireSecrets(card, false, true, false)
			counter := readPINTries(card)
			requireFullCounter(card, counter, "PIN")
			n := counter.Max
			wrong := wrongValue(card.Secrets.PIN, 6)
			cl := newRefClient(card)

			for k := 1; k < n; k++ {
				expectWrongSecret(cl.ChangePIN(wrong, lockoutNewPIN), client.SecretPIN, n-k, fmt.Sprintf("wrong try %d", k))
			}
			Expect(cl.ChangePIN(card.Secrets.PIN, lockoutNewPIN)).To(Succeed(), "the right old PIN on the last try")
			Expect(readPINTries(card)).To(Equal(retryCounter{n, n}), "PIN counter after the change")
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.SWSuccess.String()), "the change sets the PIN's security status")

			expectWrongSecret(cl.VerifyPIN(card.Secrets.PIN), client.SecretPIN, n-1, "VerifyPIN with the old PIN")
			Expect(cl.VerifyPIN(lockoutNewPIN)).To(Succeed(), "VerifyPIN with the new PIN")
			Expect(readPINTries(card)).To(Equal(retryCounter{n, n}))
		})

		It("is unblocked with the user code [ACT-03] [REF-05] [CNT-03] [VER-02]", func() {
			card := useCard("pin-blocked")
			requireSecrets(card, true, true, false)
			requireCardState(card, readPINTries(card).Remaining == 0, "a blocked PIN")
			expectRawSW(card, verifyCommand(refBlock(card.Secrets.PIN)), iso7816.SWAuthMethodBlocked, "VERIFY with the right PIN while blocked")
			cl := newRefClient(card)

			Expect(cl.ResetPIN(card.Secrets.UserCode, lockoutNewPIN)).To(Succeed())
			pinTries := readPINTries(card)
			Expect(pinTries.Remaining).To(Equal(pinTries.Max), "PIN counter after unblock")
			userCodeTries := readUserCodeTries(card)
			Expect(userCodeTries.Remaining).To(Equal(userCodeTries.Max), "user code counter after unblock")
			Expect(readLifecycle(card)).To(Equal(emulator.LifecycleActivated))
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.RetriesRemaining(pinTries.Max).String()),
				"the new PIN is not verified by the unblock")

			expectWrongSecret(cl.VerifyPIN(card.Secrets.PIN), client.SecretPIN, pinTries.Max-1, "VerifyPIN with the old PIN")
			Expect(cl.VerifyPIN(lockoutNewPIN)).To(Succeed(), "VerifyPIN with the new PIN")
		})

		It("stays blocked after a wrong user code [ACT-03] [CNT-04]", func() {
			card := useCard("pin-blocked")
			requireSecrets(card, true, false, false)
			requireCardState(card, readPINTries(card).Remaining == 0, "a blocked PIN")
			counter := readUserCodeTries(card)
			requireFullCounter(card, counter, "user code")
			cl := newRefClient(card)

			err := cl.ResetPIN(wrongValue(card.Secrets.UserCode, 8), lockoutNewPIN)
			expectWrongSecret(err, client.SecretUserCode, counter.Max-1, "ResetPIN with a wrong user code")
			Expect(readPINTries(card).Remaining).To(BeZero(), "the PIN stays blocked")
			Expect(readUserCodeTries(card)).To(Equal(retryCounter{counter.Max, counter.Max - 1}))
		})

		It("loses its security status when the user code resets it [ACT-03] [VER-02]", func() {
			card := useCard("activated")
			requireSecrets(card, true, true, false)
			cl := newRefClient(card)

			Expect(cl.VerifyPIN(card.Secrets.PIN)).To(Succeed())
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.SWSuccess.String()), "query after VERIFY")
			Expect(cl.ResetPIN(card.Secrets.UserCode, lockoutNewPIN)).To(Succeed())
			n := readPINTries(card).Max
			Expect(queryRef(card, refPINP2).String()).To(Equal(iso7816.RetriesRemaining(n).String()), "query after the reset")
		})
	})

	Describe("query form of VERIFY", func() {
		It("uses no try on any card [VER-02] [GD-03]", PhysicalSafe, func() {
			card := useCard("activated")
			skipIfTerminated(card)
			pinTries, userCodeTries := readPINTries(card), readUserCodeTries(card)
			issued := readLifecycle(card) == emulator.LifecycleIssued

			for range 2*max(pinTries.Max, userCodeTries.Max) + 1 {
				pinQuery := queryRef(card, refPINP2)
				switch {
				case issued:
					Expect(pinQuery.String()).To(Equal(iso7816.SWReferenceDataNotUsable.String()), "PIN query on an issued card")
				case pinTries.Remaining == 0:
					Expect(pinQuery.String()).To(Equal(iso7816.SWAuthMethodBlocked.String()), "query of a blocked PIN")
				default:
					Expect(pinQuery.String()).To(Equal(iso7816.RetriesRemaining(pinTries.Remaining).String()), "PIN query")
				}

				userCodeQuery := queryRef(card, refUserCodeP2)
				if userCodeTries.Remaining == 0 {
					Expect(userCodeQuery.String()).To(Equal(iso7816.SWAuthMethodBlocked.String()), "query of a blocked user code")
				} else {
					Expect(userCodeQuery.String()).To(Equal(iso7816.RetriesRemaining(userCodeTries.Remaining).String()),
						"user-code query, which never answers 9000")
				}
			}
			Expect(readPINTries(card)).To(Equal(pinTries), "PIN counter after the queries")
			Expect(readUserCodeTries(card)).To(Equal(userCodeTries), "user code counter after the queries")
		})

		DescribeTable("returns the state of each fixture card", Virtual,
			func(profile string, pinWant, userCodeWant iso7816.StatusWord) {
				card := useCard(profile)
				before := takeRefSnapshot(card)
				Expect(before.PINQuery).To(Equal(pinWant.String()), "PIN query")
				Expect(before.UserCodeQuery).To(Equal(userCodeWant.String()), "user-code query")
				for range 7 {
					queryRef(card, refPINP2)
					queryRef(card, refUserCodeP2)
				}
				expectUnchanged(card, before, "seven queries of each reference")
			},
			Entry("issued card: the PIN is not set [VER-02] [LC-02]", "valid",
				iso7816.SWReferenceDataNotUsable, iso7816.RetriesRemaining(3)),
			Entry("activated card [VER-02]", "activated",
				iso7816.RetriesRemaining(3), iso7816.RetriesRemaining(3)),
			Entry("blocked PIN [VER-02] [REF-05]", "pin-blocked",
				iso7816.SWAuthMethodBlocked, iso7816.RetriesRemaining(3)),
			Entry("blocked user code on an issued card [VER-02] [REF-05] [LC-02]", "usercode-blocked",
				iso7816.SWReferenceDataNotUsable, iso7816.SWAuthMethodBlocked),
		)
	})

	Describe("issued card", Virtual, func() {
		It("refuses PIN commands until activation [LC-01] [LC-02]", func() {
			card := useCard("valid")
			requireCardState(card, readLifecycle(card) == emulator.LifecycleIssued, "an issued card")
			before := takeRefSnapshot(card)

			expectRawSW(card, verifyCommand(refBlock(wellFormedPIN)), iso7816.SWReferenceDataNotUsable, "VERIFY on an issued card")
			expectRawSW(card, changePINCommand(refBlocks(wellFormedPIN, lockoutNewPIN)), iso7816.SWReferenceDataNotUsable,
				"CHANGE REFERENCE DATA on an issued card")
			expectRawSW(card, signCommand(), iso7816.SWSecurityNotSatisfied, "COMPUTE DIGITAL SIGNATURE on an issued card")
			expectUnchanged(card, before, "PIN commands on an issued card")

			cl := newRefClient(card)
			Expect(cl.VerifyPIN(wellFormedPIN)).To(MatchError(client.ErrPINNotSet))
		})
	})

	Describe("state folder", Virtual, func() {
		// The state file is read with emulator.FileStore, as the card
		// reads it after a restart or a crash.
		DescribeTable("saves a used try before the response", Destructive,
			func(profile string, command func(*harness.Card) []byte, counterOf func(*emulator.State) emulator.RefState) {
				card, dir := useCardWithStateDir(profile)
				saved := counterOf(loadStateFile(dir))
				requireCardState(card, saved.Remaining == saved.MaxTries, "a full retry counter")

				expectRawSW(card, command(card), iso7816.RetriesRemaining(saved.MaxTries-1), "the wrong value")
				Expect(counterOf(loadStateFile(dir)).Remaining).To(Equal(saved.MaxTries-1), "tries left in the state file")
			},
			Entry("VERIFY [CNT-01] [VER-01]", "activated",
				func(card *harness.Card) []byte { return verifyCommand(refBlock(wrongValue(card.Secrets.PIN, 6))) },
				pinState),
			Entry("CHANGE REFERENCE DATA [CNT-01] [CHG-01]", "activated",
				func(card *harness.Card) []byte {
					return changePINCommand(refBlocks(wrongValue(card.Secrets.PIN, 6), lockoutNewPIN))
				},
				pinState),
			Entry("activation [CNT-01] [ACT-02]", "valid",
				func(card *harness.Card) []byte {
					return resetPINCommand(refBlocks(wrongValue(card.Secrets.UserCode, 8), lockoutNewPIN))
				},
				userCodeState),
			Entry("unblock [CNT-01] [ACT-03]", "pin-blocked",
				func(card *harness.Card) []byte {
					return resetPINCommand(refBlocks(wrongValue(card.Secrets.UserCode, 8), lockoutNewPIN))
				},
				userCodeState),
		)

		// breakStateFolder makes every save fail. The command must then
		// change nothing: not the counters, the lifecycle or the security
		// status in memory, and not a byte of the state file.
		DescribeTable("returns 6581 when a save fails, changing nothing", Destructive,
			func(profile string, command func(*harness.Card) []byte) {
				card, dir := useCardWithStateDir(profile)
				path := filepath.Join(dir, emulator.StateFileName)
				fileBefore, err := os.ReadFile(path)
				Expect(err).NotTo(HaveOccurred())
				before := takeRefSnapshot(card)
				statusBefore := card.Emulator().Status()

				apdu := command(card)
				restore := breakStateFolder(dir)
				expectRawSW(card, apdu, iso7816.SWMemoryFailure, "the command whose save fails")
				expectUnchanged(card, before, "the failed save")
				Expect(card.Emulator().Status()).To(Equal(statusBefore), "the emulator's state in memory")

				restore()
				fileAfter, err := os.ReadFile(path)
				Expect(err).NotTo(HaveOccurred())
				Expect(fileAfter).To(Equal(fileBefore), "the state file after the failed save")
				entries, err := os.ReadDir(dir)
				Expect(err).NotTo(HaveOccurred())
				Expect(entries).To(HaveLen(1), "the state folder holds only the state file")
			},
			Entry("VERIFY with the right PIN [CNT-02] [VER-01]", "activated",
				func(card *harness.Card) []byte { return verifyCommand(refBlock(card.Secrets.PIN)) }),
			Entry("VERIFY with a wrong PIN [CNT-02] [VER-01]", "activated",
				func(card *harness.Card) []byte { return verifyCommand(refBlock(wrongValue(card.Secrets.PIN, 6))) }),
			Entry("CHANGE REFERENCE DATA with the right old PIN [CNT-02] [CHG-01]", "activated",
				func(card *harness.Card) []byte { return changePINCommand(refBlocks(card.Secrets.PIN, lockoutNewPIN)) }),
			Entry("activation with the right user code [CNT-02] [ACT-02]", "valid",
				func(card *harness.Card) []byte {
					return resetPINCommand(refBlocks(card.Secrets.UserCode, lockoutNewPIN))
				}),
			Entry("unblock with a wrong user code [CNT-02] [ACT-03]", "pin-blocked",
				func(card *harness.Card) []byte {
					return resetPINCommand(refBlocks(wrongValue(card.Secrets.UserCode, 8), lockoutNewPIN))
				}),
			Entry("the CA's user-code reset [CNT-02] [UCR-03]", "usercode-blocked",
				func(card *harness.Card) []byte {
					expectRawSW(card, managementAuthCommand(card), iso7816.SWSuccess, "EXTERNAL AUTHENTICATE")
					return setUserCodeCommand(refBlock(lockoutNewUserCode))
				}),
		)

		// NOTE: constant-time comparison (CNT-05) cannot be observed through
		// APDUs. This spec checks the salted digests that the comparison
		// runs on, the part of CNT-05 that the state file shows.
		It("stores salted digests of the same PIN [CNT-05] [ST-02]", func() {
			card, dir := useCardWithStateDir("activated")
			requireSecrets(card, true, true, false)
			first := loadStateFile(dir)

			otherDir := GinkgoT().TempDir()
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			_, err := fixtures.OpenCard(card.Profile, emulator.FileStore{Dir: otherDir}, time.Now(), emulator.Options{Logger: quiet})
			Expect(err).NotTo(HaveOccurred(), "opening a second card of profile %s", card.Profile.Name)
			second := loadStateFile(otherDir)

			Expect(first.Salt).To(HaveLen(32), "salt of the first card")
			Expect(second.Salt).To(HaveLen(32), "salt of the second card")
			Expect(first.Salt).NotTo(Equal(second.Salt), "each card draws its own salt")
			Expect(first.PIN.Digest).To(Equal(hmacSHA256(first.Salt, card.Secrets.PIN)), "first card's PIN digest")
			Expect(second.PIN.Digest).To(Equal(hmacSHA256(second.Salt, card.Secrets.PIN)), "second card's PIN digest")
			Expect(first.PIN.Digest).NotTo(Equal(second.PIN.Digest), "the same PIN gives different digests")
			Expect(first.UserCode.Digest).NotTo(Equal(second.UserCode.Digest), "the same user code gives different digests")

			for _, d := range []string{dir, otherDir} {
				raw, err := os.ReadFile(filepath.Join(d, emulator.StateFileName))
				Expect(err).NotTo(HaveOccurred())
				Expect(string(raw)).NotTo(ContainSubstring(card.Secrets.PIN), "state file in %s holds the PIN in clear", d)
				Expect(string(raw)).NotTo(ContainSubstring(card.Secrets.UserCode), "state file in %s holds the user code in clear", d)
			}
		})
	})
})

func pinState(s *emulator.State) emulator.RefState      { return s.PIN }
func userCodeState(s *emulator.State) emulator.RefState { return s.UserCode }
