package main

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"gcacard/client"
	"gcacard/internal/taipei"
	"gcacard/messages"
	"gcacard/pcsc"
)

func TestInfoShowsCardAsGuide(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run("", "info")
	o.wantCode(t, exitOK)

	issued := taipei.DateOf(h.made).AddDays(-7)
	deadline := issued.AddDays(90)
	o.wantOutput(t,
		"讀卡機：Reader 0",
		"卡號：GC00000000200001",
		"卡片持有者資訊：C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片甲",
		fmt.Sprintf("卡片效期：自%d年%d月%d日 至 ", issued.Year, int(issued.Month), issued.Day),
		fmt.Sprintf("發卡日期：%d年%d月%d日", issued.Year, int(issued.Month), issued.Day),
		fmt.Sprintf("開卡期限：%d年%d月%d日（發卡日期後90天）", deadline.Year, int(deadline.Month), deadline.Day),
		"卡片狀態：未開卡",
		"PIN碼：尚未設定（開卡時設定）",
		"用戶代碼：尚可嘗試 3 次（上限 3 次）",
		"憑證狀態：未開卡",
	)
	if o.transmits == 0 {
		t.Errorf("info sent no APDU")
	}
}

func TestInfoGuideCardValidity(t *testing.T) {
	h := newHarness(t, "guide-expired")
	o := h.run("", "info")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "卡號：GC00000000105736", "卡片效期：自2015年9月10日 至 2021年9月10日", "憑證狀態：已過期")

	h.env["LANG"] = "en_US.UTF-8"
	en := h.run("", "info")
	en.wantOutput(t, "Validity: from 10 Sep 2015 to 10 Sep 2021", "Certificate status: expired")
}

func TestInfoJSON(t *testing.T) {
	h := newHarness(t, "activated")
	o := h.run("", "info", "--json")
	o.wantCode(t, exitOK)

	var got infoJSON
	o.decodeJSON(t, &got)
	if got.CardNumber != "GC00000000200003" {
		t.Errorf("cardNumber = %q", got.CardNumber)
	}
	if got.Reader != "Reader 0" {
		t.Errorf("reader = %q", got.Reader)
	}
	if got.Lifecycle != "activated" {
		t.Errorf("lifecycle = %q", got.Lifecycle)
	}
	if got.Status != "valid" {
		t.Errorf("status = %q", got.Status)
	}
	if got.PIN.Remaining != 3 || got.PIN.Max != 3 || got.PIN.Blocked {
		t.Errorf("pin = %+v", got.PIN)
	}
	if want := taipei.DateOf(h.made).AddDays(-30); got.Issued != want {
		t.Errorf("issued = %v, want %v", got.Issued, want)
	}
	if got.ValidFrom != got.Issued {
		t.Errorf("validFrom = %v, want the issue date %v", got.ValidFrom, got.Issued)
	}
	if got.NotAfter.Before(h.made) {
		t.Errorf("notAfter = %v, in the past", got.NotAfter)
	}
	if !strings.Contains(o.stdout, `"cardNumber": "GC00000000200003"`) {
		t.Errorf("JSON keys are not the stable ones:\n%s", o.stdout)
	}
}

func TestStatusOfEachFixture(t *testing.T) {
	cases := map[string]struct{ zh, code string }{
		"valid":            {"未開卡", "not-activated"},
		"activated":        {"有效", "valid"},
		"guide-expired":    {"已過期", "expired"},
		"window-passed":    {"逾期未開卡", "window-passed"},
		"usercode-blocked": {"用戶代碼已鎖定", "user-code-locked"},
		"pin-blocked":      {"PIN碼已鎖定", "pin-locked"},
		"terminated":       {"卡片損毀", "terminated"},
	}
	for profile, want := range cases {
		t.Run(profile, func(t *testing.T) {
			h := newHarness(t, profile)
			o := h.run("", "status")
			o.wantCode(t, exitOK)
			o.wantOutput(t, "憑證狀態："+want.zh)

			js := h.run("", "status", "--json")
			var got statusJSON
			js.decodeJSON(t, &got)
			if got.Status != want.code {
				t.Errorf("status = %q, want %q", got.Status, want.code)
			}
			if got.StatusText != want.zh {
				t.Errorf("statusText = %q, want %q", got.StatusText, want.zh)
			}
		})
	}
}

func TestDetectListsReaders(t *testing.T) {
	h := newHarness(t, "valid", "")
	h.service.readers = append(h.service.readers, &testReader{name: "Reader 2", transport: unknownCard{}})
	o := h.run("", "detect")
	o.wantCode(t, exitOK)
	o.wantOutput(t,
		"讀卡機：Reader 0", "卡片：有卡片", "ATR：3B 8A 01 67 63 61 63 61 72 64 2F 76 31 92",
		"卡號：GC00000000200001", "憑證狀態：未開卡",
		"讀卡機：Reader 1", "卡片：沒有卡片",
		"讀卡機：Reader 2", "此卡片不是政府憑證IC卡",
	)
}

func TestDetectJSON(t *testing.T) {
	h := newHarness(t, "activated", "")
	o := h.run("", "detect", "--json")
	o.wantCode(t, exitOK)
	var got struct {
		Readers []readerJSON `json:"readers"`
	}
	o.decodeJSON(t, &got)
	if len(got.Readers) != 2 {
		t.Fatalf("%d readers, want 2", len(got.Readers))
	}
	card, empty := got.Readers[0], got.Readers[1]
	if !card.CardPresent || !card.GCACard || card.CardNumber != "GC00000000200003" || card.Status != "valid" {
		t.Errorf("reader with card = %+v", card)
	}
	if card.ATR != "3B8A01676361636172642F763192" {
		t.Errorf("atr = %q", card.ATR)
	}
	if empty.CardPresent || empty.GCACard || empty.CardNumber != "" {
		t.Errorf("empty reader = %+v", empty)
	}
}

func TestReaderChoice(t *testing.T) {
	h := newHarness(t, "valid", "activated")

	several := h.run("", "status")
	several.wantCode(t, exitInvalid)
	several.wantOutput(t, "有多個讀卡機中有卡片", "「Reader 0」、「Reader 1」", "--reader")

	chosen := h.run("", "status", "--reader", "Reader 1")
	chosen.wantCode(t, exitOK)
	chosen.wantOutput(t, "GC00000000200003")

	unknown := h.run("", "status", "--reader", "Reader 9")
	unknown.wantCode(t, exitNoCard)
	unknown.wantOutput(t, "找不到讀卡機「Reader 9」", "「Reader 0」、「Reader 1」")
}

func TestReaderChoiceUsesOnlyCard(t *testing.T) {
	h := newHarness(t, "", "activated")
	o := h.run("", "status")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "GC00000000200003")
}

func TestNoPCSCService(t *testing.T) {
	h := newHarness(t, "valid")
	h.openErr = fmt.Errorf("SCardEstablishContext: %w", pcsc.ErrNoService)
	o := h.run("", "status")
	o.wantCode(t, exitNoCard)
	o.wantOutput(t, "找不到PC/SC服務（pcscd），請先啟動 pcscd")
}

func TestNoReaders(t *testing.T) {
	h := newHarness(t)
	for _, cmd := range []string{"detect", "status"} {
		o := h.run("", cmd)
		o.wantCode(t, exitNoCard)
		o.wantOutput(t, "找不到讀卡機，請安裝好您的讀卡機")
	}
}

func TestEmptyReaderTimesOut(t *testing.T) {
	h := newHarness(t, "")
	start := time.Now()
	o := h.run("", "status", "--timeout", "100ms")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("gca waited %v, want about 100ms", elapsed)
	}
	o.wantCode(t, exitNoCard)
	o.wantOutput(t, "請將IC卡按正確方向插入讀卡機「Reader 0」", "100ms內沒有卡片插入讀卡機「Reader 0」")
}

func TestNoCardInSeveralReaders(t *testing.T) {
	h := newHarness(t, "", "")
	o := h.run("", "status")
	o.wantCode(t, exitNoCard)
	o.wantOutput(t, "讀卡機中沒有卡片")
}

func TestMuteCard(t *testing.T) {
	h := newHarness(t, "valid")
	h.service.readers[0].mute = true
	o := h.run("", "status")
	o.wantCode(t, exitNoCard)
	o.wantOutput(t, "卡片沒有回應")
}

func TestUnknownCard(t *testing.T) {
	h := newHarness(t)
	h.service.readers = []*testReader{{name: "Reader 0", transport: unknownCard{}}}
	o := h.run("", "info")
	o.wantCode(t, exitNoCard)
	o.wantOutput(t, "此卡片不是政府憑證IC卡")
}

func TestErrorJSON(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines("Wrong2024", newPIN, newPIN), "activate", "--stdin", "--json")
	o.wantCode(t, exitWrongSecret)

	var got errorJSON
	o.decodeJSON(t, &got)
	if got.Error != "wrong-user-code" {
		t.Errorf("error = %q", got.Error)
	}
	if got.ExitCode != exitWrongSecret {
		t.Errorf("exitCode = %d", got.ExitCode)
	}
	if got.TriesLeft == nil || *got.TriesLeft != 2 {
		t.Errorf("triesLeft = %v, want 2", got.TriesLeft)
	}
	if !strings.Contains(got.Message, "用戶代碼錯誤，尚可嘗試 2 次") {
		t.Errorf("message = %q", got.Message)
	}
	if got.Reader != "Reader 0" {
		t.Errorf("reader = %q", got.Reader)
	}
}

func TestErrorJSONForInvalidArguments(t *testing.T) {
	h := newHarness(t, "valid")
	h.env["LANG"] = "en_US.UTF-8"
	o := h.run("", "activate", "--bogus", "--json")
	o.wantCode(t, exitInvalid)
	var got errorJSON
	o.decodeJSON(t, &got)
	if got.Error != "invalid-argument" || !strings.Contains(got.Message, "-bogus") {
		t.Errorf("error = %+v", got)
	}
}

func TestResultJSON(t *testing.T) {
	h := newHarness(t, "valid")
	o := h.run(lines(loadSecrets(t, "valid").UserCode.Value, newPIN, newPIN), "activate", "--stdin", "--json")
	o.wantCode(t, exitOK)
	var got resultJSON
	o.decodeJSON(t, &got)
	want := resultJSON{Result: "activated", Message: "開卡成功", Reader: "Reader 0",
		CardNumber: "GC00000000200001", Status: "valid", StatusText: "有效"}
	if got != want {
		t.Errorf("result = %+v, want %+v", got, want)
	}
}

func TestHelpFollowsLocale(t *testing.T) {
	h := newHarness(t)
	zh := h.run("", "help")
	zh.wantCode(t, exitOK)
	zh.wantOutput(t, "gca activate", "結束代碼", "開卡", "--stdin")

	h.env["LANG"] = "en_US.UTF-8"
	en := h.run("", "help")
	en.wantOutput(t, "Exit codes", "gca admin reset-user-code --key-file FILE")
	if strings.Contains(en.stdout, "開卡") {
		t.Errorf("English help contains zh-TW text")
	}

	for _, topic := range []string{"detect", "info", "status", "activate", "change-pin", "reset-pin", "admin"} {
		o := h.run("", "help", topic, "--lang", "zh-TW")
		o.wantCode(t, exitOK)
		o.wantOutput(t, "用法：gca "+topic)
		flag := h.run("", topic, "--help")
		if topic != "admin" {
			flag.wantCode(t, exitOK)
			flag.wantOutput(t, "Usage: gca "+topic)
		}
	}
}

func TestHelpListsEveryExitCode(t *testing.T) {
	h := newHarness(t)
	for _, lang := range []string{"en", "zh-TW"} {
		o := h.run("", "help", "--lang", lang)
		for _, code := range []int{exitOK, exitFailure, exitInvalid, exitNoCard, exitWrongSecret, exitBlocked, exitCardState, exitInterrupted, exitSignal} {
			if !strings.Contains(o.stdout, fmt.Sprintf("\n  %-4d ", code)) {
				t.Errorf("help --lang %s does not list exit code %d", lang, code)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"no command":      nil,
		"unknown command": {"activte"},
		"unknown topic":   {"help", "activte"},
		"bad timeout":     {"status", "--timeout", "-1s"},
		"bad lang":        {"status", "--lang", "fr"},
		"reader option":   {"detect", "--reader", "Reader 0"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "valid")
			o := h.run("", args...)
			o.wantCode(t, exitInvalid)
			o.wantNoAPDU(t)
			if o.stderr == "" {
				t.Errorf("no message on stderr")
			}
		})
	}
}

func TestExitCodeOfEveryClientError(t *testing.T) {
	cases := map[error]int{
		&client.RuleError{Field: client.FieldUserCode, Problem: client.ProblemBlank}: exitInvalid,
		client.ErrPINMismatch: exitInvalid,
		&client.WrongSecretError{Secret: client.SecretPIN, TriesLeft: 1}: exitWrongSecret,
		client.ErrAuthentication:                            exitWrongSecret,
		&client.BlockedError{Secret: client.SecretUserCode}: exitBlocked,
		client.ErrExpired:                                   exitCardState,
		client.ErrWindowPassed:                              exitCardState,
		client.ErrAlreadyActivated:                          exitCardState,
		client.ErrNotActivated:                              exitCardState,
		client.ErrPINNotSet:                                 exitCardState,
		client.ErrTerminated:                                exitCardState,
		client.ErrUnknownCard:                               exitNoCard,
		fmt.Errorf("x: %w", pcsc.ErrNoService):              exitNoCard,
		fmt.Errorf("x: %w", pcsc.ErrNoReaders):              exitNoCard,
		fmt.Errorf("x: %w", pcsc.ErrNoCard):                 exitNoCard,
		fmt.Errorf("x: %w", pcsc.ErrRemoved):                exitInterrupted,
		fmt.Errorf("x: %w", pcsc.ErrReset):                  exitInterrupted,
		&timeoutError{timeout: time.Second}:                 exitInterrupted,
		client.ErrStateNotSaved:                             exitFailure,
	}
	for err, want := range cases {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestOwnCatalogueEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range entries {
		if !strings.HasPrefix(string(e.Key), "gca.") {
			t.Errorf("key %s does not start with gca., so it may replace a shared text", e.Key)
		}
		if seen[string(e.Key)] {
			t.Errorf("key %s has two entries", e.Key)
		}
		seen[string(e.Key)] = true
		if strings.TrimSpace(e.ZH) == "" || strings.TrimSpace(e.EN) == "" {
			t.Errorf("key %s lacks a translation: zh-TW %q, English %q", e.Key, e.ZH, e.EN)
		}
	}
}

func TestOwnErrorsRenderInBothLanguages(t *testing.T) {
	errs := []error{
		unknownCommand("bogus"),
		unknownCommand("Secret99"),
		newTextError("key-file", keyKeyFileRead, "/tmp/x", systemReason(fs.ErrNotExist)),
		newTextError("several-cards", keySeveralCards, nameList{"a", "b"}),
		&textError{code: "unknown-reader", key: keyReaderNotFound, args: []any{"x", nameList{"a"}}, cause: pcsc.ErrUnknownReader},
		&inputError{code: "missing-input", key: keyMissingInput, want: activateInputs, lines: 1},
		&inputError{code: "not-a-terminal", key: keyNotTerminal, want: resetUserCodeInputs},
	}
	zh, en := newPrinter(messages.TraditionalChinese), newPrinter(messages.English)
	for _, err := range errs {
		gotZH, gotEN := zh.Error(err), en.Error(err)
		if gotZH == "" || gotEN == "" || gotZH == gotEN || strings.Contains(gotZH+gotEN, "%!") {
			t.Errorf("%v: zh-TW %q, English %q", err, gotZH, gotEN)
		}
		if _, ok := exitCodes[messages.Code(err)]; !ok {
			t.Errorf("%v: code %q has no exit code", err, messages.Code(err))
		}
	}
}

func TestLangOptionBeforeCommand(t *testing.T) {
	h := newHarness(t, "activated")
	o := h.run("", "--lang", "en", "status")
	o.wantCode(t, exitOK)
	o.wantOutput(t, "Certificate status: valid")

	missing := h.run("", "status", "--lang")
	missing.wantCode(t, exitInvalid)
}
