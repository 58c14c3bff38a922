package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gcacard/pcsc"
)

const newPIN = "Pin2468"

func TestActivateSuccessThenStatusValid(t *testing.T) {
	h := newHarness(t, "valid")
	code := loadSecrets(t, "valid").UserCode.Value

	o := h.run(lines(code, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "開卡成功", "GC00000000200001", "憑證狀態：有效")
	if !strings.Contains(o.stderr, "開卡作業進行中，請稍候…") {
		t.Errorf("stderr does not show the progress:\n%s", o.stderr)
	}
	if strings.Contains(o.stdout, "請稍候") {
		t.Errorf("stdout shows the progress, which belongs on stderr:\n%s", o.stdout)
	}

	status := h.run("", "status")
	status.wantCode(t, exitOK)
	status.wantOutput(t, "憑證狀態：有效")
}

func TestActivateWrongUserCodeThenBlocked(t *testing.T) {
	h := newHarness(t, "valid")
	wrong := lines("Wrong2024", newPIN, newPIN)

	first := h.run(wrong, "activate", "--stdin")
	first.wantCode(t, exitWrongSecret)
	first.wantOutput(t, "用戶代碼錯誤，尚可嘗試 2 次")

	second := h.run(wrong, "activate", "--stdin")
	second.wantCode(t, exitWrongSecret)
	second.wantOutput(t, "用戶代碼錯誤，尚可嘗試 1 次", "再輸入錯誤一次，用戶代碼將鎖定")

	third := h.run(wrong, "activate", "--stdin")
	third.wantCode(t, exitBlocked)
	third.wantOutput(t, "用戶代碼已鎖定（輸入錯誤達上限），請進行用戶代碼重設")

	// The correct user code no longer helps, and the client does not send it.
	right := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	right.wantCode(t, exitBlocked)
	right.wantOutput(t, "用戶代碼重設")

	status := h.run("", "status")
	status.wantCode(t, exitOK)
	status.wantOutput(t, "憑證狀態：用戶代碼已鎖定")
}

func TestActivateInputRulesSendNoAPDU(t *testing.T) {
	userCode := loadSecrets(t, "valid").UserCode.Value
	cases := []struct {
		name  string
		input []string
		want  string
	}{
		{"user code of 5", []string{"Abc12", newPIN, newPIN}, "用戶代碼太短（少於6碼）"},
		{"user code of 11", []string{"Abcde123456", newPIN, newPIN}, "用戶代碼太長（超過10碼）"},
		{"PIN of 5", []string{userCode, "12345", "12345"}, "新的PIN碼太短（少於6碼）"},
		{"PIN of 9", []string{userCode, "123456789", "123456789"}, "新的PIN碼太長（超過8碼）"},
		{"blank user code", []string{"", newPIN, newPIN}, "用戶代碼不可為空白"},
		{"spaces only", []string{"      ", newPIN, newPIN}, "用戶代碼不可為空白"},
		{"space inside", []string{"Gca 2024ok", newPIN, newPIN}, "用戶代碼不可含有空白字元"},
		{"full-width digits", []string{userCode, "１２３４５６", "１２３４５６"}, "請使用半形英文字母或數字"},
		{"non-ASCII", []string{"用戶代碼用戶代碼", newPIN, newPIN}, "請使用半形英文字母或數字"},
		{"symbol", []string{"Gca-2024ok", newPIN, newPIN}, "只能使用英文字母或數字"},
		{"tab", []string{"Gca\t2024ok", newPIN, newPIN}, "控制字元"},
		{"blank PIN", []string{userCode, "", ""}, "新的PIN碼不可為空白"},
		{"mismatched confirmation", []string{userCode, newPIN, "Pin2469"}, "兩次輸入的新PIN碼不一致"},
		{"confirmation differs in case", []string{userCode, newPIN, strings.ToLower(newPIN)}, "兩次輸入的新PIN碼不一致"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "valid")
			o := h.run(lines(tc.input...), "activate", "--stdin")
			o.wantCode(t, exitInvalid)
			o.wantOutput(t, tc.want)
			o.wantNoSecretAPDU(t)
		})
	}
}

func TestActivateRuleMentionsWhatToType(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines("Abc12", newPIN, newPIN), "activate", "--stdin")
	o.wantOutput(t, "用戶代碼須為6~10碼半形英文字母或數字（英文字母有大小寫區別），且不為空白")
}

func TestActivateLengthBoundariesPassRules(t *testing.T) {
	userCode := loadSecrets(t, "valid").UserCode.Value
	cases := []struct {
		name  string
		input []string
		code  int
	}{
		// A user code of 6 or 10 passes the rule and reaches the card,
		// which rejects it as wrong.
		{"user code of 6", []string{"Abc123", newPIN, newPIN}, exitWrongSecret},
		{"user code of 10", []string{"Abcde12345", newPIN, newPIN}, exitWrongSecret},
		{"PIN of 6", []string{userCode, "123456", "123456"}, exitOK},
		{"PIN of 8", []string{userCode, "abCD5678", "abCD5678"}, exitOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "valid")
			o := h.run(lines(tc.input...), "activate", "--stdin")
			o.wantCode(t, tc.code)
			if o.secrets == 0 {
				t.Errorf("no APDU sent for input within the rules")
			}
		})
	}
}

func TestActivateAcceptsCRLFAndLastLineWithoutNewline(t *testing.T) {
	h := newHarness(t, "valid")
	code := loadSecrets(t, "valid").UserCode.Value
	o := h.run(code+"\r\n"+newPIN+"\r\n"+newPIN, "activate", "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "開卡成功")
}

func TestActivateMissingInput(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value), "activate", "--stdin")
	o.wantCode(t, exitInvalid)
	o.wantOutput(t, "標準輸入的資料不足：需要 3 行", "只讀到 1 行")
	o.wantNoSecretAPDU(t)
}

func TestActivateGuideExpiredCard(t *testing.T) {
	h := newHarness(t, "guide-expired")
	o := h.run(lines(loadSecrets(t, "guide-expired").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "卡片憑證已過期")
}

func TestActivateWindowPassedCard(t *testing.T) {
	h := newHarness(t, "window-passed")
	o := h.run(lines(loadSecrets(t, "window-passed").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "已超過發卡日期後90天的開卡期限（逾期未開卡）")
}

func TestActivateWindowFollowsClock(t *testing.T) {
	// The valid card was issued 7 days before it was made: day 90 after
	// the issue date is 83 days after that, and day 91 is 84 days after.
	code := loadSecrets(t, "valid").UserCode.Value

	h := newHarness(t, "valid")
	h.clock = h.made.AddDate(0, 0, 84)
	late := h.run(lines(code, newPIN, newPIN), "activate", "--stdin")
	late.wantCode(t, exitCardState)
	late.wantOutput(t, "逾期未開卡")
	status := h.run("", "status")
	status.wantOutput(t, "憑證狀態：逾期未開卡")

	h = newHarness(t, "valid")
	h.clock = h.made.AddDate(0, 0, 83)
	lastDay := h.run(lines(code, newPIN, newPIN), "activate", "--stdin")
	lastDay.wantCode(t, exitOK)
}

func TestActivateAlreadyActivatedCard(t *testing.T) {
	h := newHarness(t, "activated")
	o := h.run(lines(loadSecrets(t, "activated").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "卡片已完成開卡", "更改PIN碼", "gca change-pin", "gca reset-pin")
}

func TestActivateTerminatedCard(t *testing.T) {
	h := newHarness(t, "terminated")
	o := h.run(lines(loadSecrets(t, "terminated").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "卡片損毀")
}

func TestActivateInEnglish(t *testing.T) {
	h := newHarness(t, "valid")
	h.env["LANG"] = "en_US.UTF-8"

	wrong := h.run(lines("Wrong2024", newPIN, newPIN), "activate", "--stdin")
	wrong.wantCode(t, exitWrongSecret)
	wrong.wantOutput(t, "Wrong user code (tries left: 2).")

	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "Card activated", "Certificate status: valid", "Activating the card, please wait…")
	if strings.Contains(o.output(), "開卡") {
		t.Errorf("English output contains zh-TW text:\n%s", o.output())
	}
}

func TestActivateLangOptionOverridesLocale(t *testing.T) {
	h := newHarness(t, "valid")
	h.env["LANG"] = "en_US.UTF-8"
	o := h.run(lines("Abc12", newPIN, newPIN), "activate", "--stdin", "--lang", "zh-TW")
	o.wantCode(t, exitInvalid)
	o.wantOutput(t, "用戶代碼太短")
}

func TestActivateRefusesPipeWithoutStdinOption(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "activate")
	o.wantCode(t, exitInvalid)
	o.wantOutput(t, "標準輸入不是終端機", "--stdin", "用戶代碼、新的PIN碼、再一次新的PIN碼")
	o.wantNoAPDU(t)
}

func TestActivateOnTerminalPromptsHidden(t *testing.T) {
	h := newHarness(t, "valid")
	h.terminal = &fakeTerminal{typed: []string{loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN}}
	o := h.run("", "activate")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "開卡成功")

	want := []string{"請輸入用戶代碼（請輸入6~10碼組合", "請輸入新的PIN碼（請輸入6~8碼組合", "請再輸入一次新的PIN碼"}
	if len(h.terminal.prompts) != len(want) {
		t.Fatalf("prompts %q, want %d", h.terminal.prompts, len(want))
	}
	for i, prefix := range want {
		if !strings.HasPrefix(h.terminal.prompts[i], prefix) {
			t.Errorf("prompt %d = %q, want it to start with %q", i, h.terminal.prompts[i], prefix)
		}
	}
}

func TestActivateStopsAtFirstBadSecretOnTerminal(t *testing.T) {
	h := newHarness(t, "valid")
	h.terminal = &fakeTerminal{typed: []string{"short", newPIN, newPIN}}
	o := h.run("", "activate")
	o.wantCode(t, exitInvalid)
	if len(h.terminal.prompts) != 1 {
		t.Errorf("gca asked %d times after a user code that breaks the rule, want 1", len(h.terminal.prompts))
	}
}

func TestSecretArgumentsRejected(t *testing.T) {
	code := loadSecrets(t, "valid").UserCode.Value
	cases := [][]string{
		{"activate", code, newPIN},
		{"activate", "--stdin", code},
		{"activate", "--stdin=" + code},
		{"activate", "--user-code", code},
		{"activate", "--pin=" + newPIN},
		{"change-pin", newPIN},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			h := newHarness(t, "valid")
			h.secrets = append(h.secrets, code, newPIN)
			o := h.run("", args...)
			o.wantCode(t, exitInvalid)
			o.wantNoAPDU(t)
		})
	}
}

func TestActivateCardRemovedDuringOperation(t *testing.T) {
	h := newHarness(t, "valid")
	h.service.intercept = func(command []byte) ([]byte, error, bool) {
		if len(command) > 1 && command[1] == 0x2C {
			return nil, fmt.Errorf("SCardTransmit: %w", pcsc.ErrRemoved), true
		}
		return nil, nil, false
	}
	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "activate", "--stdin")
	o.wantCode(t, exitInterrupted)
	o.wantOutput(t, "開卡作業進行中，卡片被移出讀卡機", "開卡可能未完成，也可能已完成", "gca status")
}

func TestActivateCardStopsAnswering(t *testing.T) {
	h := newHarness(t, "valid")
	b := newBlocker()
	t.Cleanup(b.stop)
	h.service.intercept = func(command []byte) ([]byte, error, bool) {
		if len(command) > 1 && command[1] == 0x2C {
			<-b.release
			return nil, fmt.Errorf("SCardTransmit: %w", pcsc.ErrRemoved), true
		}
		return nil, nil, false
	}
	start := time.Now()
	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "activate", "--stdin", "--timeout", "200ms")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("gca took %v, want about the 200ms timeout", elapsed)
	}
	o.wantCode(t, exitInterrupted)
	o.wantOutput(t, "卡片沒有回應（逾時）", "開卡可能未完成")
	if h.service.closed.Load() {
		t.Errorf("gca closed the reader service while a call was still running")
	}
}

func TestCardStateRefusedBeforePrompts(t *testing.T) {
	cases := []struct {
		profile string
		args    []string
		code    int
		text    string
	}{
		{"guide-expired", []string{"activate"}, exitCardState, "卡片憑證已過期"},
		{"window-passed", []string{"activate"}, exitCardState, "逾期未開卡"},
		{"activated", []string{"activate"}, exitCardState, "卡片已完成開卡"},
		{"terminated", []string{"activate"}, exitCardState, "卡片損毀"},
		{"usercode-blocked", []string{"activate"}, exitBlocked, "用戶代碼已鎖定"},
		{"valid", []string{"change-pin"}, exitCardState, "請先進行開卡"},
		{"terminated", []string{"change-pin"}, exitCardState, "卡片損毀"},
		{"valid", []string{"reset-pin"}, exitCardState, "卡片尚未開卡"},
		{"terminated", []string{"reset-pin"}, exitCardState, "卡片損毀"},
	}
	for _, tc := range cases {
		t.Run(tc.profile+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			h := newHarness(t, tc.profile)
			h.terminal = &fakeTerminal{typed: []string{"Abc12345", newPIN, newPIN}}
			o := h.run("", tc.args...)
			o.wantCode(t, tc.code)
			o.wantOutput(t, tc.text)
			if len(h.terminal.prompts) != 0 {
				t.Errorf("gca prompted %q before refusing the card's state", h.terminal.prompts)
			}
		})
	}
}

func TestAdminResetUserCodeTerminatedBeforePrompts(t *testing.T) {
	h := newHarness(t, "terminated")
	h.terminal = &fakeTerminal{typed: []string{"Abc12345", "Abc12345"}}
	o := h.run("", "admin", "reset-user-code", "--key-file", keyFile(t, "terminated", 0o600))
	o.wantCode(t, exitCardState)
	o.wantOutput(t, "卡片損毀")
	if len(h.terminal.prompts) != 0 {
		t.Errorf("gca prompted %q before refusing the terminated card", h.terminal.prompts)
	}
}
