package client_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"testing"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/iso7816"
)

// wantWrongSecret checks that err is a *WrongSecretError for secret with
// triesLeft tries left.
func wantWrongSecret(t *testing.T, err error, secret client.Secret, triesLeft int) {
	t.Helper()
	var wrong *client.WrongSecretError
	if !errors.As(err, &wrong) {
		t.Fatalf("error = %v (%T), want *WrongSecretError", err, err)
	}
	if wrong.Secret != secret || wrong.TriesLeft != triesLeft {
		t.Errorf("error = %+v, want {Secret:%v TriesLeft:%d}", *wrong, secret, triesLeft)
	}
}

// wantBlocked checks that err is a *BlockedError for secret.
func wantBlocked(t *testing.T, err error, secret client.Secret) {
	t.Helper()
	var blocked *client.BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("error = %v (%T), want *BlockedError", err, err)
	}
	if blocked.Secret != secret {
		t.Errorf("BlockedError.Secret = %v, want %v", blocked.Secret, secret)
	}
}

// verifySignature checks a PKCS#1 v1.5 SHA-256 signature of message with
// the signing certificate that Info reads from the card.
func verifySignature(t *testing.T, c *client.Client, message, sig []byte) {
	t.Helper()
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	pub, ok := info.SigningCert.PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("signing certificate key is %T, want *rsa.PublicKey", info.SigningCert.PublicKey)
	}
	digest := sha256.Sum256(message)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("signature does not verify with the signing certificate: %v", err)
	}
}

func TestActivateSuccess(t *testing.T) {
	tc := openCard(t, "valid")
	c, rt := tc.client()
	const newPIN = "New1234"

	if err := c.Activate(validUserCode, newPIN); err != nil {
		t.Fatalf("Activate: %v", err)
	}

	if n := rt.count(insResetRetryCounter); n != 1 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 1", n)
	}
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.Lifecycle != client.LifecycleActivated {
		t.Errorf("Lifecycle = %v, want activated", info.Lifecycle)
	}
	if got := c.Status(info); got != client.StatusValid {
		t.Errorf("Status = %v, want valid", got)
	}
	// Activation sets the PIN but does not verify it.
	if want := (client.Tries{Max: 3, Remaining: 3}); info.PIN != want {
		t.Errorf("PIN tries = %+v, want %+v", info.PIN, want)
	}
	if want := (client.Tries{Max: 3, Remaining: 3}); info.UserCode != want {
		t.Errorf("user code tries = %+v, want %+v", info.UserCode, want)
	}

	if err := c.VerifyPIN(newPIN); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
	message := []byte("開卡後簽章測試")
	sig, err := c.Sign(newPIN, message)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if len(sig) != 256 {
		t.Errorf("signature is %d bytes, want 256", len(sig))
	}
	verifySignature(t, c, message, sig)
}

func TestActivateWrongUserCode(t *testing.T) {
	tc := openCard(t, "valid")
	c, rt := tc.client()
	before := tc.card.Status()

	err := c.Activate("Wrong1234", "New1234")

	wantWrongSecret(t, err, client.SecretUserCode, 2)
	after := tc.card.Status()
	if after.UserCodeTries.Remaining != 2 {
		t.Errorf("user code tries left = %d, want 2", after.UserCodeTries.Remaining)
	}
	if after.PINTries != before.PINTries {
		t.Errorf("PIN tries = %+v, want unchanged %+v", after.PINTries, before.PINTries)
	}
	if after.Lifecycle != client.LifecycleIssued {
		t.Errorf("lifecycle = %v, want issued", after.Lifecycle)
	}
	if n := rt.count(insResetRetryCounter); n != 1 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 1", n)
	}
}

func TestActivateThreeWrongUserCodesBlock(t *testing.T) {
	tc := openCard(t, "valid")
	c, rt := tc.client()

	wantWrongSecret(t, c.Activate("Wrong1234", "New1234"), client.SecretUserCode, 2)
	wantWrongSecret(t, c.Activate("Wrong1234", "New1234"), client.SecretUserCode, 1)
	third := c.Activate("Wrong1234", "New1234")

	wantBlocked(t, third, client.SecretUserCode)
	if sw := rt.last(t, insResetRetryCounter).responseSW(t); sw != iso7816.RetriesRemaining(0) {
		t.Errorf("third RESET RETRY COUNTER answered %v, want 63C0", sw)
	}
	if n := rt.count(insResetRetryCounter); n != 3 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 3", n)
	}
	if got := tc.card.Status().UserCodeTries.Remaining; got != 0 {
		t.Errorf("user code tries left = %d, want 0", got)
	}

	// The fourth attempt, even with the right user code, stops in the
	// client.
	c4, rt4 := tc.client()
	fourth := c4.Activate(validUserCode, "New1234")

	wantBlocked(t, fourth, client.SecretUserCode)
	if n := rt4.count(insResetRetryCounter); n != 0 {
		t.Errorf("fourth attempt sent %d RESET RETRY COUNTER commands, want 0", n)
	}
	info, err := c4.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if got := c4.Status(info); got != client.StatusUserCodeLocked {
		t.Errorf("Status = %v, want user code locked", got)
	}
}

func TestActivateAfterTwoWrongUserCodes(t *testing.T) {
	tc := openCard(t, "valid")
	c, _ := tc.client()

	wantWrongSecret(t, c.Activate("Wrong1234", "New1234"), client.SecretUserCode, 2)
	wantWrongSecret(t, c.Activate("Wrong1234", "New1234"), client.SecretUserCode, 1)
	err := c.Activate(validUserCode, "New1234")

	if err != nil {
		t.Fatalf("Activate(right user code) = %v, want nil", err)
	}
	if got := tc.card.Status().UserCodeTries.Remaining; got != 3 {
		t.Errorf("user code tries left = %d, want 3", got)
	}
	if got := tries(t, tc.card, emulator.TagUserCodeTries); got != [2]byte{3, 3} {
		t.Errorf("GET DATA 0181 = %X, want 0303", got)
	}
	if err := c.VerifyPIN("New1234"); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
}

func TestActivateRefused(t *testing.T) {
	cases := []struct {
		card     string
		userCode string
		want     error
	}{
		{"activated", activatedUserCode, client.ErrAlreadyActivated},
		{"pin-blocked", pinBlockedUserCode, client.ErrAlreadyActivated},
		{"guide-expired", guideUserCode, client.ErrExpired},
		{"terminated", terminatedUserCode, client.ErrTerminated},
		{"window-passed", windowPassedUserCode, client.ErrWindowPassed},
	}
	for _, tt := range cases {
		t.Run(tt.card, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, rt := tc.client()
			before := tc.card.Status()

			err := c.Activate(tt.userCode, "New1234")

			if !errors.Is(err, tt.want) {
				t.Fatalf("Activate = %v, want %v", err, tt.want)
			}
			if n := rt.count(insResetRetryCounter); n != 0 {
				t.Errorf("sent %d RESET RETRY COUNTER commands, want 0", n)
			}
			if got := tc.card.Status(); got != before {
				t.Errorf("card status = %+v, want unchanged %+v", got, before)
			}
		})
	}
}

func TestActivateUserCodeBlockedCard(t *testing.T) {
	tc := openCard(t, "usercode-blocked")
	c, rt := tc.client()

	err := c.Activate(userCodeBlockedUserCode, "New1234")

	wantBlocked(t, err, client.SecretUserCode)
	if n := rt.count(insResetRetryCounter); n != 0 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 0", n)
	}
}

func TestChangePIN(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()
	const newPIN = "Chg12345"

	if err := c.ChangePIN(activatedPIN, newPIN); err != nil {
		t.Fatalf("ChangePIN: %v", err)
	}

	if n := rt.count(insChangeReferenceData); n != 1 {
		t.Errorf("sent %d CHANGE REFERENCE DATA commands, want 1", n)
	}
	if err := c.VerifyPIN(newPIN); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
	wantWrongSecret(t, c.VerifyPIN(activatedPIN), client.SecretPIN, 2)
}

func TestChangePINWrongOldPIN(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()
	beforeUserCode := tc.card.Status().UserCodeTries

	err := c.ChangePIN("999999", "Chg12345")

	wantWrongSecret(t, err, client.SecretPIN, 2)
	if got := tc.card.Status().UserCodeTries; got != beforeUserCode {
		t.Errorf("user code tries = %+v, want unchanged %+v", got, beforeUserCode)
	}
	if err := c.VerifyPIN(activatedPIN); err != nil {
		t.Errorf("VerifyPIN(old PIN) = %v, want nil: the PIN must not have changed", err)
	}
}

func TestChangePINRefused(t *testing.T) {
	cases := []struct {
		card  string
		pin   string
		check func(t *testing.T, err error)
	}{
		{"valid", "123456", func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrPINNotSet) {
				t.Errorf("ChangePIN = %v, want ErrPINNotSet", err)
			}
		}},
		{"pin-blocked", pinBlockedPIN, func(t *testing.T, err error) { wantBlocked(t, err, client.SecretPIN) }},
		{"terminated", terminatedPIN, func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrTerminated) {
				t.Errorf("ChangePIN = %v, want ErrTerminated", err)
			}
		}},
	}
	for _, tt := range cases {
		t.Run(tt.card, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, rt := tc.client()

			err := c.ChangePIN(tt.pin, "Chg12345")

			tt.check(t, err)
			if n := rt.count(insChangeReferenceData); n != 0 {
				t.Errorf("sent %d CHANGE REFERENCE DATA commands, want 0", n)
			}
		})
	}
}

func TestResetPINUnblocksPIN(t *testing.T) {
	tc := openCard(t, "pin-blocked")
	c, rt := tc.client()
	const newPIN = "Unb1234"

	if err := c.ResetPIN(pinBlockedUserCode, newPIN); err != nil {
		t.Fatalf("ResetPIN: %v", err)
	}

	if n := rt.count(insResetRetryCounter); n != 1 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 1", n)
	}
	if got := tc.card.Status().PINTries.Remaining; got != 3 {
		t.Errorf("PIN tries left = %d, want 3", got)
	}
	if err := c.VerifyPIN(newPIN); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if got := c.Status(info); got != client.StatusValid {
		t.Errorf("Status = %v, want valid", got)
	}
}

func TestResetPINOnActivatedCard(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()

	if err := c.ResetPIN(activatedUserCode, "Forgot12"); err != nil {
		t.Fatalf("ResetPIN: %v", err)
	}

	if err := c.VerifyPIN("Forgot12"); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
}

func TestResetPINWrongUserCode(t *testing.T) {
	tc := openCard(t, "pin-blocked")
	c, _ := tc.client()

	err := c.ResetPIN("Wrong1234", "Unb1234")

	wantWrongSecret(t, err, client.SecretUserCode, 2)
	status := tc.card.Status()
	if status.PINTries.Remaining != 0 {
		t.Errorf("PIN tries left = %d, want 0 (still blocked)", status.PINTries.Remaining)
	}
	if status.UserCodeTries.Remaining != 2 {
		t.Errorf("user code tries left = %d, want 2", status.UserCodeTries.Remaining)
	}
}

func TestResetPINRefused(t *testing.T) {
	cases := []struct {
		card     string
		userCode string
		want     error
	}{
		{"valid", validUserCode, client.ErrNotActivated},
		{"terminated", terminatedUserCode, client.ErrTerminated},
	}
	for _, tt := range cases {
		t.Run(tt.card, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, rt := tc.client()
			before := tc.card.Status()

			err := c.ResetPIN(tt.userCode, "New1234")

			if !errors.Is(err, tt.want) {
				t.Fatalf("ResetPIN = %v, want %v", err, tt.want)
			}
			if n := rt.count(insResetRetryCounter); n != 0 {
				t.Errorf("sent %d RESET RETRY COUNTER commands, want 0", n)
			}
			if got := tc.card.Status(); got != before {
				t.Errorf("card status = %+v, want unchanged %+v", got, before)
			}
		})
	}
}

func TestVerifyPINWrongUntilBlocked(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()

	wantWrongSecret(t, c.VerifyPIN("999999"), client.SecretPIN, 2)
	wantWrongSecret(t, c.VerifyPIN("999999"), client.SecretPIN, 1)
	wantBlocked(t, c.VerifyPIN("999999"), client.SecretPIN)
	if sw := rt.last(t, insVerify).responseSW(t); sw != iso7816.RetriesRemaining(0) {
		t.Errorf("third VERIFY answered %v, want 63C0", sw)
	}

	// Once blocked, even the right PIN is refused and uses no try.
	wantBlocked(t, c.VerifyPIN(activatedPIN), client.SecretPIN)
	if got := tc.card.Status().PINTries.Remaining; got != 0 {
		t.Errorf("PIN tries left = %d, want 0", got)
	}
	if got := tc.card.Status().UserCodeTries.Remaining; got != 3 {
		t.Errorf("user code tries left = %d, want 3", got)
	}
}

func TestVerifyPINRightRestoresTries(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()

	wantWrongSecret(t, c.VerifyPIN("999999"), client.SecretPIN, 2)
	if err := c.VerifyPIN(activatedPIN); err != nil {
		t.Fatalf("VerifyPIN(right PIN) = %v, want nil", err)
	}

	if got := tc.card.Status().PINTries.Remaining; got != 3 {
		t.Errorf("PIN tries left = %d, want 3", got)
	}
}

func TestVerifyPINRefused(t *testing.T) {
	cases := []struct {
		card  string
		pin   string
		check func(t *testing.T, err error)
	}{
		{"pin-blocked", pinBlockedPIN, func(t *testing.T, err error) { wantBlocked(t, err, client.SecretPIN) }},
		{"valid", "123456", func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrPINNotSet) {
				t.Errorf("VerifyPIN = %v, want ErrPINNotSet", err)
			}
		}},
		{"terminated", terminatedPIN, func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrTerminated) {
				t.Errorf("VerifyPIN = %v, want ErrTerminated", err)
			}
		}},
	}
	for _, tt := range cases {
		t.Run(tt.card, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, _ := tc.client()
			before := tc.card.Status()

			tt.check(t, c.VerifyPIN(tt.pin))

			if got := tc.card.Status(); got != before {
				t.Errorf("card status = %+v, want unchanged %+v", got, before)
			}
		})
	}
}

func TestSign(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()
	message := []byte("gcacard 簽章測試")

	sig, err := c.Sign(activatedPIN, message)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}

	if len(sig) != 256 {
		t.Errorf("signature is %d bytes, want 256", len(sig))
	}
	verifySignature(t, c, message, sig)
}

func TestSignWrongPIN(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()

	_, err := c.Sign("999999", []byte("message"))

	wantWrongSecret(t, err, client.SecretPIN, 2)
	if n := rt.count(insPerformSecurityOp); n != 0 {
		t.Errorf("sent %d PERFORM SECURITY OPERATION commands, want 0", n)
	}
}

func TestSignRefused(t *testing.T) {
	cases := []struct {
		card  string
		pin   string
		check func(t *testing.T, err error)
	}{
		{"valid", "123456", func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrPINNotSet) {
				t.Errorf("Sign = %v, want ErrPINNotSet", err)
			}
		}},
		{"pin-blocked", pinBlockedPIN, func(t *testing.T, err error) { wantBlocked(t, err, client.SecretPIN) }},
		{"terminated", terminatedPIN, func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrTerminated) {
				t.Errorf("Sign = %v, want ErrTerminated", err)
			}
		}},
	}
	for _, tt := range cases {
		t.Run(tt.card, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, rt := tc.client()

			sig, err := c.Sign(tt.pin, []byte("message"))

			tt.check(t, err)
			if sig != nil {
				t.Errorf("Sign returned a %d-byte signature with an error", len(sig))
			}
			if n := rt.countWithData(insVerify); n != 0 {
				t.Errorf("sent %d VERIFY commands with a PIN, want 0", n)
			}
		})
	}
}

func TestResetUserCodeThenActivate(t *testing.T) {
	tc := openCard(t, "usercode-blocked")
	c, _ := tc.client()
	// 10 characters and 8 characters, the longest each rule allows.
	const newUserCode, newPIN = "NewCode789", "Pin12345"

	if err := c.ResetUserCode(managementKey(t, "usercode-blocked"), newUserCode); err != nil {
		t.Fatalf("ResetUserCode: %v", err)
	}

	if got := tc.card.Status().UserCodeTries.Remaining; got != 3 {
		t.Errorf("user code tries left = %d, want 3", got)
	}
	if got := tc.card.Status().Lifecycle; got != client.LifecycleIssued {
		t.Errorf("lifecycle = %v, want issued", got)
	}
	if err := c.Activate(newUserCode, newPIN); err != nil {
		t.Fatalf("Activate(new user code) = %v, want nil", err)
	}
	if err := c.VerifyPIN(newPIN); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
}

func TestResetUserCodeReplacesOldCode(t *testing.T) {
	tc := openCard(t, "valid")
	c, _ := tc.client()

	if err := c.ResetUserCode(managementKey(t, "valid"), "Repl4ced"); err != nil {
		t.Fatalf("ResetUserCode: %v", err)
	}

	wantWrongSecret(t, c.Activate(validUserCode, "New1234"), client.SecretUserCode, 2)
	if err := c.Activate("Repl4ced", "New1234"); err != nil {
		t.Errorf("Activate(new user code) = %v, want nil", err)
	}
}

func TestResetUserCodeOnActivatedCard(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()

	if err := c.ResetUserCode(managementKey(t, "activated"), "Ab1234"); err != nil {
		t.Fatalf("ResetUserCode: %v", err)
	}

	if err := c.ResetPIN("Ab1234", "Forgot1"); err != nil {
		t.Fatalf("ResetPIN(new user code) = %v, want nil", err)
	}
	if err := c.VerifyPIN("Forgot1"); err != nil {
		t.Errorf("VerifyPIN(new PIN) = %v, want nil", err)
	}
}

func TestResetUserCodeWrongKey(t *testing.T) {
	tc := openCard(t, "usercode-blocked")
	c, rt := tc.client()
	key := managementKey(t, "usercode-blocked")
	key[0] ^= 0x01
	// The key of another card is just as wrong.
	other := managementKey(t, "valid")

	for _, k := range [][]byte{key, other} {
		err := c.ResetUserCode(k, "NewCode789")

		if !errors.Is(err, client.ErrAuthentication) {
			t.Errorf("ResetUserCode(wrong key) = %v, want ErrAuthentication", err)
		}
	}
	if n := rt.count(insExternalAuth); n != 2 {
		t.Errorf("sent %d EXTERNAL AUTHENTICATE commands, want 2", n)
	}
	if n := rt.count(insResetRetryCounter); n != 0 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 0", n)
	}
	if got := tc.card.Status().UserCodeTries.Remaining; got != 0 {
		t.Errorf("user code tries left = %d, want 0 (still blocked)", got)
	}
}

func TestResetUserCodeBadKeyLength(t *testing.T) {
	tc := openCard(t, "usercode-blocked")
	c, rt := tc.client()
	key := managementKey(t, "usercode-blocked")
	hexText := []byte("00112233445566778899aabbccddeeff")

	for _, k := range [][]byte{nil, key[:15], append(key, 0x00), hexText} {
		err := c.ResetUserCode(k, "NewCode789")

		if !errors.Is(err, client.ErrBadManagementKey) {
			t.Errorf("ResetUserCode(%d-byte key) = %v, want ErrBadManagementKey", len(k), err)
		}
	}
	if n := rt.total(); n != 0 {
		t.Errorf("sent %d APDUs, want 0", n)
	}
}

func TestResetUserCodeTerminated(t *testing.T) {
	tc := openCard(t, "terminated")
	c, rt := tc.client()

	err := c.ResetUserCode(managementKey(t, "terminated"), "NewCode789")

	if !errors.Is(err, client.ErrTerminated) {
		t.Errorf("ResetUserCode = %v, want ErrTerminated", err)
	}
	if n := rt.count(insExternalAuth); n != 0 {
		t.Errorf("sent %d EXTERNAL AUTHENTICATE commands, want 0", n)
	}
}

// TestStateNotSaved runs each operation on a card whose store fails every
// save. The card returns 6581 and the client returns ErrStateNotSaved.
func TestStateNotSaved(t *testing.T) {
	cases := []struct {
		name string
		card string
		run  func(c *client.Client) error
	}{
		{"Activate", "valid", func(c *client.Client) error { return c.Activate(validUserCode, "New1234") }},
		{"VerifyPIN", "activated", func(c *client.Client) error { return c.VerifyPIN(activatedPIN) }},
		{"ChangePIN", "activated", func(c *client.Client) error { return c.ChangePIN(activatedPIN, "Chg12345") }},
		{"ResetPIN", "pin-blocked", func(c *client.Client) error { return c.ResetPIN(pinBlockedUserCode, "Unb1234") }},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, _ := tc.client()
			before := tc.card.Status()
			tc.store.FailSaves = true

			err := tt.run(c)

			if !errors.Is(err, client.ErrStateNotSaved) {
				t.Fatalf("%s = %v, want ErrStateNotSaved", tt.name, err)
			}
			if got := tc.card.Status(); got != before {
				t.Errorf("card status = %+v, want unchanged %+v", got, before)
			}
		})
	}
}

func TestResetPINUntilUserCodeBlocked(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()

	wantWrongSecret(t, c.ResetPIN("Wrong1234", "Unb1234"), client.SecretUserCode, 2)
	wantWrongSecret(t, c.ResetPIN("Wrong1234", "Unb1234"), client.SecretUserCode, 1)
	wantBlocked(t, c.ResetPIN("Wrong1234", "Unb1234"), client.SecretUserCode)
	if n := rt.count(insResetRetryCounter); n != 3 {
		t.Errorf("sent %d RESET RETRY COUNTER commands, want 3", n)
	}

	// The fourth attempt stops in the client, and the PIN still works.
	c4, rt4 := tc.client()
	wantBlocked(t, c4.ResetPIN(activatedUserCode, "Unb1234"), client.SecretUserCode)
	if n := rt4.count(insResetRetryCounter); n != 0 {
		t.Errorf("fourth attempt sent %d RESET RETRY COUNTER commands, want 0", n)
	}
	if err := c4.VerifyPIN(activatedPIN); err != nil {
		t.Errorf("VerifyPIN(old PIN) = %v, want nil", err)
	}
	info, err := c4.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if got := c4.Status(info); got != client.StatusValid {
		t.Errorf("Status = %v, want valid: a blocked user code leaves an activated card usable", got)
	}

	// The CA's user-code reset makes the user code usable again.
	if err := c4.ResetUserCode(managementKey(t, "activated"), "Again1234"); err != nil {
		t.Fatalf("ResetUserCode: %v", err)
	}
	if err := c4.ResetPIN("Again1234", "Unb1234"); err != nil {
		t.Errorf("ResetPIN(new user code) = %v, want nil", err)
	}
}
