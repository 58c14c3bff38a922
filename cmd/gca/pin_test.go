package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChangePINSuccess(t *testing.T) {
	h := newHarness(t, "activated")
	current := loadSecrets(t, "activated").PIN.Value

	o := h.run(lines(current, newPIN, newPIN), "change-pin", "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "PIN碼更改成功", "憑證狀態：有效")
	if !strings.Contains(o.stderr, "更改PIN碼作業進行中，請稍候…") {
		t.Errorf("stderr does not show the progress:\n%s", o.stderr)
	}

	// The old PIN is gone: changing with it again is a wrong PIN.
	again := h.run(lines(current, "Other135", "Other135"), "change-pin", "--stdin")
	again.wantCode(t, exitWrongSecret)
	again.wantOutput(t, "PIN碼錯誤，尚可嘗試 2 次")
}

func TestChangePINWrongCurrentPIN(t *testing.T) {
	h := newHarness(t, "activated")
	o := h.run(lines("Wrong135", newPIN, newPIN), "change-pin", "--stdin")
	o.wantCode(t, exitWrongSecret)
	o.wantOutput(t, "PIN碼錯誤，尚可嘗試 2 次")
}

func TestChangePINLastTryHintsReset(t *testing.T) {
	h := newHarness(t, "activated")
	h.run(lines("Wrong135", newPIN, newPIN), "change-pin", "--stdin")
	o := h.run(lines("Wrong135", newPIN, newPIN), "change-pin", "--stdin")
	o.wantCode(t, exitWrongSecret)
	o.wantOutput(t, "尚可嘗試 1 次", "gca reset-pin")
}

func TestChangePINRulesSendNoAPDU(t *testing.T) {
	current := loadSecrets(t, "activated").PIN.Value
	cases := map[string][]string{
		"current PIN of 5":        {"13579", newPIN, newPIN},
		"current PIN of 9":        {"135790135", newPIN, newPIN},
		"new PIN full-width":      {current, "ＡＢＣ１２３", "ＡＢＣ１２３"},
		"mismatched confirmation": {current, newPIN, "Pin1357"},
	}
	for name, input := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "activated")
			o := h.run(lines(input...), "change-pin", "--stdin")
			o.wantCode(t, exitInvalid)
			o.wantNoSecretAPDU(t)
		})
	}
}

func TestChangePINBlockedAdvisesReset(t *testing.T) {
	h := newHarness(t, "pin-blocked")
	o := h.run(lines(loadSecrets(t, "pin-blocked").PIN.Value, newPIN, newPIN), "change-pin", "--stdin")
	o.wantCode(t, exitBlocked)
	o.wantOutput(t, "PIN碼已鎖定", "解卡解碼/重設PIN碼", "gca reset-pin")
}

func TestChangePINOnIssuedCard(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines("135790", newPIN, newPIN), "change-pin", "--stdin")
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "請先進行開卡", "gca activate")
}

func TestResetPINUnblocksCard(t *testing.T) {
	h := newHarness(t, "pin-blocked")
	before := h.run("", "status")
	before.wantOutput(t, "憑證狀態：PIN碼已鎖定", "解卡解碼/重設PIN碼")

	o := h.run(lines(loadSecrets(t, "pin-blocked").UserCode.Value, newPIN, newPIN), "reset-pin", "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "PIN碼重設成功（解卡）", "憑證狀態：有效")

	after := h.run("", "status")
	after.wantOutput(t, "憑證狀態：有效")
}

func TestResetPINWrongUserCode(t *testing.T) {
	h := newHarness(t, "pin-blocked")
	o := h.run(lines("Wrong555", newPIN, newPIN), "reset-pin", "--stdin")
	o.wantCode(t, exitWrongSecret)
	o.wantOutput(t, "用戶代碼錯誤，尚可嘗試 2 次")
}

func TestResetPINOnIssuedCard(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "reset-pin", "--stdin")
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "卡片尚未開卡")
}

// keyFile copies a fixture card's management key into a temporary file
// with mode perm.
func keyFile(t *testing.T, profile string, perm os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "keys", profile, "management.key.hex"))
	if err != nil {
		t.Fatalf("reading key of %s: %v", profile, err)
	}
	path := filepath.Join(t.TempDir(), "management.key.hex")
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAdminResetUserCodeThenActivate(t *testing.T) {
	h := newHarness(t, "usercode-blocked")
	newCode := "NewCode42"
	h.secrets = append(h.secrets, newCode)

	o := h.run(lines(newCode, newCode), "admin", "reset-user-code", "--key-file", keyFile(t, "usercode-blocked", 0o600), "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "用戶代碼重設成功", "憑證狀態：未開卡")
	if strings.Contains(o.stderr, "警告") {
		t.Errorf("a key file with mode 0600 gave a warning:\n%s", o.stderr)
	}

	activated := h.run(lines(newCode, newPIN, newPIN), "activate", "--stdin")
	activated.wantCode(t, exitOK)
	activated.wantOutput(t, "開卡成功")
}

func TestAdminResetUserCodeWarnsOfReadableKeyFile(t *testing.T) {
	h := newHarness(t, "usercode-blocked")
	o := h.run(lines("NewCode42", "NewCode42"), "admin", "reset-user-code", "--key-file", keyFile(t, "usercode-blocked", 0o644), "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "警告", "chmod 600")
}

func TestAdminResetUserCodeWrongKey(t *testing.T) {
	h := newHarness(t, "usercode-blocked")
	o := h.run(lines("NewCode42", "NewCode42"), "admin", "reset-user-code", "--key-file", keyFile(t, "valid", 0o600), "--stdin")
	o.wantCode(t, exitWrongSecret)
	o.wantOutput(t, "卡片管理金鑰錯誤")
}

func TestAdminResetUserCodeBadInput(t *testing.T) {
	badKey := filepath.Join(t.TempDir(), "bad.key.hex")
	if err := os.WriteFile(badKey, []byte("not hex at all, and too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := keyFile(t, "usercode-blocked", 0o600)
	cases := []struct {
		name  string
		args  []string
		input string
		want  string
	}{
		{"no key file", []string{"admin", "reset-user-code", "--stdin"}, lines("NewCode42", "NewCode42"), "--key-file"},
		{"missing key file", []string{"admin", "reset-user-code", "--key-file", "/nonexistent/key.hex", "--stdin"}, lines("NewCode42", "NewCode42"), "無法讀取金鑰檔"},
		{"malformed key file", []string{"admin", "reset-user-code", "--key-file", badKey, "--stdin"}, lines("NewCode42", "NewCode42"), "32個十六進位數字"},
		{"mismatched user codes", []string{"admin", "reset-user-code", "--key-file", good, "--stdin"}, lines("NewCode42", "NewCode43"), "兩次輸入的新用戶代碼不一致"},
		{"user code too short", []string{"admin", "reset-user-code", "--key-file", good, "--stdin"}, lines("New42", "New42"), "用戶代碼太短"},
		{"no subcommand", []string{"admin"}, "", "reset-user-code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "usercode-blocked")
			o := h.run(tc.input, tc.args...)
			o.wantCode(t, exitInvalid)
			o.wantOutput(t, tc.want)
			o.wantNoSecretAPDU(t)
		})
	}
}

func TestAdminResetUserCodeNeverPrintsKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "keys", "usercode-blocked", "management.key.hex"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, "usercode-blocked")
	h.secrets = append(h.secrets, string(data))
	h.run(lines("NewCode42", "NewCode42"), "admin", "reset-user-code", "--key-file", keyFile(t, "usercode-blocked", 0o644), "--stdin", "--json")
	h.run(lines("NewCode42", "NewCode42"), "admin", "reset-user-code", "--key-file", keyFile(t, "valid", 0o600), "--stdin")
}
