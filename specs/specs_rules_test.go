package specs_test

import (
	"errors"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/iso7816"
)

// clientCall is one client operation that takes the value under test.
type clientCall struct {
	name  string
	field client.Field
	call  func(cl *client.Client, value string) error
}

// placeholderManagementKey has the size of a card-management key. The
// client rejects the user code before it would use the key.
var placeholderManagementKey = make([]byte, 16)

// userCodeCalls are the client operations that take a user code.
var userCodeCalls = []clientCall{
	{"Activate", client.FieldUserCode, func(cl *client.Client, v string) error { return cl.Activate(v, wellFormedPIN) }},
	{"ResetPIN", client.FieldUserCode, func(cl *client.Client, v string) error { return cl.ResetPIN(v, wellFormedPIN) }},
	{"ResetUserCode", client.FieldUserCode, func(cl *client.Client, v string) error {
		return cl.ResetUserCode(placeholderManagementKey, v)
	}},
}

// pinCalls are the client operations that take a PIN or a new PIN.
var pinCalls = []clientCall{
	{"VerifyPIN", client.FieldPIN, func(cl *client.Client, v string) error { return cl.VerifyPIN(v) }},
	{"ChangePIN old", client.FieldPIN, func(cl *client.Client, v string) error { return cl.ChangePIN(v, wellFormedPIN) }},
	{"ChangePIN new", client.FieldNewPIN, func(cl *client.Client, v string) error { return cl.ChangePIN(wellFormedPIN, v) }},
	{"Activate", client.FieldNewPIN, func(cl *client.Client, v string) error { return cl.Activate(wellFormedUserCode, v) }},
	{"ResetPIN", client.FieldNewPIN, func(cl *client.Client, v string) error { return cl.ResetPIN(wellFormedUserCode, v) }},
}

// expectClientRejects runs every call with value on the card and checks
// that each returns the rule error and sends no APDU at all.
func expectClientRejects(calls []clientCall, value string, problem client.Problem, minLen, maxLen int) {
	GinkgoHelper()
	card := useCard("valid")
	cl := newRefClient(card)
	for _, c := range calls {
		sent := card.Rec.Len()
		err := c.call(cl, value)
		Expect(card.Rec.Len()).To(Equal(sent), "%s sent an APDU for an invalid %s", c.name, c.field)
		want := &client.RuleError{Field: c.field, Problem: problem, Min: minLen, Max: maxLen}
		expectRuleError(err, want, c.name)
	}
}

var _ = Describe("Reference data rules", AreaRules, func() {
	Describe("the activation client", PhysicalSafe, func() {
		DescribeTable("rejects an invalid user code before sending any APDU [REF-01]",
			func(value string, problem client.Problem) {
				expectClientRejects(userCodeCalls, value, problem, profileMinUserCode, profileMaxUserCode)
			},
			Entry("5 characters, one below the minimum", "Ab3d5", client.ProblemTooShort),
			Entry("11 characters, one above the maximum", "Ab3d5f7h9j1", client.ProblemTooLong),
			Entry("blank", "", client.ProblemBlank),
			Entry("only spaces", "        ", client.ProblemBlank),
			Entry("a space inside", "Gca 2024ok", client.ProblemSpace),
			Entry("a leading space", " Gca2024ok", client.ProblemSpace),
			Entry("an ideographic space", "Gca\u30002024", client.ProblemSpace),
			Entry("full-width digits", "１２３４５６", client.ProblemFullWidth),
			Entry("full-width letters", "Ｇｃａ２０２４", client.ProblemFullWidth),
			Entry("an accented letter", "Gcä2024ok", client.ProblemNonASCII),
			Entry("Chinese characters", "用戶代碼2024", client.ProblemNonASCII),
			Entry("invalid UTF-8", "Gca\xff2024ok", client.ProblemNonASCII),
			Entry("a tab", "Gca\t2024ok", client.ProblemControl),
			Entry("a NUL byte", "Gca\x002024ok", client.ProblemControl),
			Entry("a trailing newline", "Gca2024ok\n", client.ProblemControl),
			Entry("a DEL byte", "Gca\x7f2024ok", client.ProblemControl),
			Entry("a symbol", "Gca-2024ok", client.ProblemSymbol),
		)

		DescribeTable("rejects an invalid PIN before sending any APDU [REF-01]",
			func(value string, problem client.Problem) {
				expectClientRejects(pinCalls, value, problem, profileMinPIN, profileMaxPIN)
			},
			Entry("5 characters, one below the minimum", "Pin12", client.ProblemTooShort),
			Entry("9 characters, one above the maximum", "Pin123456", client.ProblemTooLong),
			Entry("10 characters, a user code's maximum", "Pin1234567", client.ProblemTooLong),
			Entry("blank", "", client.ProblemBlank),
			Entry("only spaces", "      ", client.ProblemBlank),
			Entry("a space inside", "Pin 1234", client.ProblemSpace),
			Entry("a trailing space", "Pin1234 ", client.ProblemSpace),
			Entry("an ideographic space", "Pin\u3000123", client.ProblemSpace),
			Entry("full-width digits", "１２３４５６", client.ProblemFullWidth),
			Entry("full-width letters", "Ｐｉｎ１２３", client.ProblemFullWidth),
			Entry("an accented letter", "Pín1234", client.ProblemNonASCII),
			Entry("Chinese characters", "密碼123456", client.ProblemNonASCII),
			Entry("invalid UTF-8", "Pin\xfe1234", client.ProblemNonASCII),
			Entry("a tab", "Pin\t1234", client.ProblemControl),
			Entry("a NUL byte", "Pin\x001234", client.ProblemControl),
			Entry("a carriage return", "Pin1234\r", client.ProblemControl),
			Entry("a symbol", "Pin#1234", client.ProblemSymbol),
		)

		DescribeTable("accepts values at the boundary lengths [REF-01]",
			func(check func(string) error, value string) {
				Expect(check(value)).To(Succeed())
			},
			Entry("user code of 6 characters", client.CheckUserCode, "Ab3d5f"),
			Entry("user code of 10 characters", client.CheckUserCode, "Ab3d5f7h9j"),
			Entry("user code of digits only", client.CheckUserCode, "0000000"),
			Entry("PIN of 6 characters", checkNewPIN, "Pin123"),
			Entry("PIN of 8 characters", checkNewPIN, "Pin12345"),
			Entry("PIN of letters only", checkNewPIN, "abcDEF"),
		)

		// CheckNewPIN takes no card, so it cannot send an APDU: these
		// specs need none.
		DescribeTable("rejects a new PIN whose confirmation differs [REF-01]",
			func(pin, again string, want error) {
				err := client.CheckNewPIN(pin, again)
				Expect(errors.Is(err, want)).To(BeTrue(), "CheckNewPIN(%q, %q) = %v, want %v", pin, again, err, want)
			},
			Entry("another digit", "Pin2468", "Pin2469", client.ErrPINMismatch),
			Entry("other letter case", "Pin2468", "pin2468", client.ErrPINMismatch),
			Entry("a trailing space", "Pin2468", "Pin2468 ", client.ErrPINMismatch),
			Entry("an empty confirmation", "Pin2468", "", client.ErrPINMismatch),
			Entry("a full-width confirmation", "246813", "２４６８１３", client.ErrPINMismatch),
		)

		It("checks the new PIN's rule before its confirmation [REF-01]", func() {
			err := client.CheckNewPIN("Pin12", "Pin12")
			want := &client.RuleError{Field: client.FieldNewPIN, Problem: client.ProblemTooShort, Min: profileMinPIN, Max: profileMaxPIN}
			expectRuleError(err, want, "CheckNewPIN with a 5-character PIN")

			err = client.CheckNewPIN("Pin123456", "Pin12345")
			want = &client.RuleError{Field: client.FieldNewPIN, Problem: client.ProblemTooLong, Min: profileMinPIN, Max: profileMaxPIN}
			expectRuleError(err, want, "CheckNewPIN with a 9-character PIN")
		})
	})

	Describe("the card", func() {
		// Every command below is malformed. The card must reject it before
		// it compares anything (GEN-06), so no command uses a try on a
		// conforming card. Where a key reference or P1 is wrong, the data
		// is malformed too: a card that checks the data first returns 6A80
		// and fails the spec without using a try.
		DescribeTable("rejects malformed reference data and changes no counter",
			PhysicalSafe,
			func(profile string, command []byte, want iso7816.StatusWord) {
				card := useCard(profile)
				skipIfTerminated(card)
				before := takeRefSnapshot(card)

				expectRawSW(card, command, want, "malformed command")
				expectUnchanged(card, before, emulator.RedactCommand(command))
			},

			// VERIFY 00 20 00 80 takes one 10-byte block.
			Entry("VERIFY with a 9-byte block [REF-02] [REF-03] [VER-01]",
				"activated", verifyCommand(refBlock("Pin1234")[:9]), iso7816.SWWrongLength),
			Entry("VERIFY with an 11-byte block [REF-02] [REF-03] [VER-01]",
				"activated", verifyCommand(append(refBlock("Pin1234"), 0xFF)), iso7816.SWWrongLength),
			Entry("VERIFY with two blocks [REF-02] [REF-03] [VER-01]",
				"activated", verifyCommand(refBlocks("Pin1234", "Pin1234")), iso7816.SWWrongLength),
			Entry("VERIFY with a 5-character PIN [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin12")), iso7816.SWWrongData),
			Entry("VERIFY with a 9-character PIN [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin123456")), iso7816.SWWrongData),
			Entry("VERIFY with a 10-character PIN [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin1234567")), iso7816.SWWrongData),
			Entry("VERIFY with a blank block of FF only [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("")), iso7816.SWWrongData),
			Entry("VERIFY with 6 spaces [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("      ")), iso7816.SWWrongData),
			Entry("VERIFY with a space inside [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin 1234")), iso7816.SWWrongData),
			Entry("VERIFY with full-width digits in UTF-8 [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("１２３")), iso7816.SWWrongData),
			Entry("VERIFY with an accented letter [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pín1234")), iso7816.SWWrongData),
			Entry("VERIFY with a tab [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin\t1234")), iso7816.SWWrongData),
			Entry("VERIFY with a NUL byte [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin\x001234")), iso7816.SWWrongData),
			Entry("VERIFY with 00 padding instead of FF [REF-02] [REF-03]",
				"activated", verifyCommand([]byte("Pin1234\x00\x00\x00")), iso7816.SWWrongData),
			Entry("VERIFY with a symbol [REF-01] [REF-03]",
				"activated", verifyCommand(refBlock("Pin#1234")), iso7816.SWWrongData),
			Entry("VERIFY with a non-FF byte after the padding [REF-02] [REF-03]",
				"activated", verifyCommand(withByte(refBlock("Pin1234"), 8, '5')), iso7816.SWWrongData),
			Entry("VERIFY with padding before the value [REF-02] [REF-03]",
				"activated", verifyCommand(append([]byte{0xFF}, refBlock("Pin1234")[:9]...)), iso7816.SWWrongData),
			Entry("VERIFY with a 5-character PIN on an issued card: data before lifecycle [REF-03] [GEN-06]",
				"valid", verifyCommand(refBlock("Pin12")), iso7816.SWWrongData),
			Entry("VERIFY with a 9-byte block on an issued card: length before lifecycle [REF-03] [GEN-06]",
				"valid", verifyCommand(refBlock("Pin1234")[:9]), iso7816.SWWrongLength),
			Entry("VERIFY with a 9-character PIN on a blocked PIN: data before blocking [REF-03] [REF-05] [GEN-06]",
				"pin-blocked", verifyCommand(refBlock("Pin123456")), iso7816.SWWrongData),

			// CHANGE REFERENCE DATA 00 24 00 80 takes the old and the new
			// PIN, two blocks.
			Entry("CHANGE REFERENCE DATA with one block [REF-02] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlock("Pin1234")), iso7816.SWWrongLength),
			Entry("CHANGE REFERENCE DATA with 19 bytes [REF-02] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks("Pin1234", "Pin5678")[:19]), iso7816.SWWrongLength),
			Entry("CHANGE REFERENCE DATA with 21 bytes [REF-02] [REF-03] [CHG-01]",
				"activated", changePINCommand(append(refBlocks("Pin1234", "Pin5678"), 0xFF)), iso7816.SWWrongLength),
			Entry("CHANGE REFERENCE DATA with a 5-character old PIN [REF-01] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks("Pin12", wellFormedPIN)), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a 9-character new PIN [REF-01] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks(wellFormedPIN, "Pin123456")), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a 5-character new PIN [REF-01] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks(wellFormedPIN, "Pin12")), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a blank new PIN [REF-01] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks(wellFormedPIN, "")), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a space in the new PIN [REF-01] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks(wellFormedPIN, "Pin 123")), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a full-width new PIN [REF-01] [REF-03] [CHG-01]",
				"activated", changePINCommand(refBlocks(wellFormedPIN, "１２３")), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a non-FF byte after the new PIN's padding [REF-02] [REF-03] [CHG-01]",
				"activated", changePINCommand(withByte(refBlocks(wellFormedPIN, "Pin1234"), 19, 0x00)), iso7816.SWWrongData),
			Entry("CHANGE REFERENCE DATA with a 5-character old PIN on an issued card: data before lifecycle [REF-03] [GEN-06]",
				"valid", changePINCommand(refBlocks("Pin12", wellFormedPIN)), iso7816.SWWrongData),

			// RESET RETRY COUNTER 00 2C 00 80 takes the user code, then the
			// new PIN.
			Entry("RESET RETRY COUNTER with one block [REF-02] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlock(wellFormedUserCode)), iso7816.SWWrongLength),
			Entry("RESET RETRY COUNTER with 19 bytes [REF-02] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks(wellFormedUserCode, wellFormedPIN)[:19]), iso7816.SWWrongLength),
			Entry("RESET RETRY COUNTER with an 11-character user code, 21 bytes [REF-01] [REF-02] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("Ab3d5f7h9j1", wellFormedPIN)), iso7816.SWWrongLength),
			Entry("RESET RETRY COUNTER with a 5-character user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("Ab3d5", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a blank user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with spaces for the user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("        ", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a full-width user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("ＧＣＡ", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a Chinese user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("代碼12", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a control character in the user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks("Gca\r2024ok", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a 5-character new PIN [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks(wellFormedUserCode, "Pin12")), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a 9-character new PIN [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks(wellFormedUserCode, "Pin123456")), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a 10-character new PIN, valid only as a user code [REF-01] [REF-03] [ACT-01]",
				"valid", resetPINCommand(refBlocks(wellFormedUserCode, "Pin1234567")), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a 5-character user code on an activated card [REF-01] [REF-03] [ACT-03]",
				"activated", resetPINCommand(refBlocks("Ab3d5", wellFormedPIN)), iso7816.SWWrongData),
			Entry("RESET RETRY COUNTER with a 5-character user code on a blocked user code: data before blocking [REF-03] [REF-05] [GEN-06]",
				"usercode-blocked", resetPINCommand(refBlocks("Ab3d5", wellFormedPIN)), iso7816.SWWrongData),

			// RESET RETRY COUNTER 00 2C 02 81 takes one user-code block.
			// The data is checked before the CA's security status.
			Entry("user-code reset with a 9-byte block [REF-02] [REF-03] [UCR-03]",
				"valid", setUserCodeCommand(refBlock(wellFormedUserCode)[:9]), iso7816.SWWrongLength),
			Entry("user-code reset with two blocks [REF-02] [REF-03] [UCR-03]",
				"valid", setUserCodeCommand(refBlocks(wellFormedUserCode, wellFormedUserCode)), iso7816.SWWrongLength),
			Entry("user-code reset with an 11-character user code [REF-01] [REF-03] [UCR-03]",
				"valid", setUserCodeCommand(refBlock("Ab3d5f7h9j1")), iso7816.SWWrongLength),
			Entry("user-code reset with a 5-character user code [REF-01] [REF-03] [UCR-03]",
				"valid", setUserCodeCommand(refBlock("Ab3d5")), iso7816.SWWrongData),
			Entry("user-code reset with a symbol [REF-01] [REF-03] [UCR-03]",
				"valid", setUserCodeCommand(refBlock("Gca_2024")), iso7816.SWWrongData),

			// Key references and P1.
			Entry("VERIFY of key reference 82, which the card does not have [REF-06]",
				"activated", refCommand(insVerify, 0x00, 0x82, refBlock("Pin12")), iso7816.SWReferencedDataNotFound),
			Entry("query of key reference 82 [REF-06] [VER-02]",
				"activated", refCommand(insVerify, 0x00, 0x82, nil), iso7816.SWReferencedDataNotFound),
			Entry("VERIFY of the user code with data [REF-06] [VER-04]",
				"activated", refCommand(insVerify, 0x00, 0x81, refBlock("Ab3d5")), iso7816.SWIncorrectP1P2),
			Entry("VERIFY with P1 01 [VER-04]",
				"activated", refCommand(insVerify, 0x01, 0x80, refBlock("Pin12")), iso7816.SWIncorrectP1P2),
			Entry("VERIFY with P1 FF and data [VER-03]",
				"activated", refCommand(insVerify, 0xFF, 0x80, refBlock("Pin12")), iso7816.SWWrongLength),
			Entry("CHANGE REFERENCE DATA of the user code [REF-06] [CHG-02]",
				"activated", refCommand(insChangeReferenceData, 0x00, 0x81, refBlocks("Ab3d5", "Ab3d5")), iso7816.SWIncorrectP1P2),
			Entry("CHANGE REFERENCE DATA with P1 01 [CHG-02]",
				"activated", refCommand(insChangeReferenceData, 0x01, 0x80, refBlocks("Pin12", "Pin12")), iso7816.SWIncorrectP1P2),
			Entry("CHANGE REFERENCE DATA of key reference 82 [REF-06]",
				"activated", refCommand(insChangeReferenceData, 0x00, 0x82, refBlocks("Pin12", "Pin12")), iso7816.SWReferencedDataNotFound),
			Entry("RESET RETRY COUNTER 00 81, unblock of the user code [REF-06]",
				"valid", refCommand(insResetRetryCounter, 0x00, 0x81, refBlocks("Ab3d5", "Pin12")), iso7816.SWIncorrectP1P2),
			Entry("RESET RETRY COUNTER 02 80, CA reset of the PIN [REF-06]",
				"valid", refCommand(insResetRetryCounter, 0x02, 0x80, refBlock("Pin12")), iso7816.SWIncorrectP1P2),
			Entry("RESET RETRY COUNTER of key reference 82 [REF-06]",
				"valid", refCommand(insResetRetryCounter, 0x00, 0x82, refBlocks("Ab3d5", "Pin12")), iso7816.SWReferencedDataNotFound),
		)

		Context("with well-formed values", Virtual, Destructive, func() {
			It("accepts values at the boundary lengths [REF-01] [REF-02] [UCR-03] [ACT-02] [CHG-01]", func() {
				card := useCard("valid")
				requireSecrets(card, false, false, true)
				requireCardState(card, readLifecycle(card) == emulator.LifecycleIssued, "an issued card")
				cl := newRefClient(card)

				shortCode, longCode := "Ab3d5f", "Ab3d5f7h9j"
				shortPIN, longPIN := "Pin123", "Pin12345"
				Expect(cl.ResetUserCode(card.Secrets.ManagementKey, shortCode)).To(Succeed(), "setting a 6-character user code")
				Expect(cl.Activate(shortCode, shortPIN)).To(Succeed(), "activating with a 6-character user code and PIN")
				Expect(cl.VerifyPIN(shortPIN)).To(Succeed(), "verifying a 6-character PIN")
				Expect(cl.ChangePIN(shortPIN, longPIN)).To(Succeed(), "changing to an 8-character PIN")
				Expect(cl.VerifyPIN(longPIN)).To(Succeed(), "verifying an 8-character PIN")

				Expect(cl.ResetUserCode(card.Secrets.ManagementKey, longCode)).To(Succeed(), "setting a 10-character user code")
				Expect(cl.ResetPIN(longCode, shortPIN)).To(Succeed(), "resetting the PIN with a 10-character user code")
				Expect(cl.VerifyPIN(shortPIN)).To(Succeed(), "verifying the reset PIN")
			})

			It("compares letters case-sensitively [REF-01] [CNT-04]", func() {
				card := useCard("valid")
				requireSecrets(card, true, false, false)
				requireCardState(card, readLifecycle(card) == emulator.LifecycleIssued, "an issued card")
				requireFullCounter(card, readUserCodeTries(card), "user code")
				cl := newRefClient(card)
				userCode := card.Secrets.UserCode
				swapped := swapCase(userCode)
				requireCardState(card, swapped != userCode, "a user code with letters")

				err := cl.Activate(swapped, "AbCdEf12")
				expectWrongSecret(err, client.SecretUserCode, readUserCodeTries(card).Max-1, "Activate with the user code in swapped case")
				Expect(cl.Activate(userCode, "AbCdEf12")).To(Succeed())

				err = cl.VerifyPIN("aBcDeF12")
				expectWrongSecret(err, client.SecretPIN, readPINTries(card).Max-1, "VerifyPIN with the PIN in swapped case")
				Expect(cl.VerifyPIN("AbCdEf12")).To(Succeed())
			})
		})
	})
})

// checkNewPIN checks a new PIN against the PIN rule.
func checkNewPIN(s string) error { return client.CheckPIN(client.FieldNewPIN, s) }

// swapCase swaps upper- and lower-case ASCII letters.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}
