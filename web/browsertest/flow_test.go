package browsertest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gcacard/client"
	"gcacard/web"
)

// The activation page in Chromium, as a card holder uses it: detect and
// choose the card, see its data, break a length rule, type a wrong user
// code, activate, check the status, change the PIN and reset it.
func TestBrowserActivation(t *testing.T) {
	requireChromium(t)
	reader := serveCard(t)
	userCode := validUserCode(t)
	secrets := []string{userCode, wrongUserCode, firstPIN, secondPIN, thirdPIN}
	server := startGcaWeb(t)
	b := newBrowser(t, "zh-TW,zh;q=0.9")

	b.open(server.url, "/")
	if lang := eval[string](b, `document.documentElement.lang`); lang != "zh-Hant-TW" {
		t.Errorf("page language %q for Accept-Language zh-TW, want zh-Hant-TW", lang)
	}
	b.waitText("hint", "偵測卡片")
	b.shot("start")

	b.chooseCard(reader, "GC00000000200001")
	b.waitText("hint", "請輸入用戶代碼與新的PIN碼")
	if holder := b.text("card-holder"); holder != "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片甲" {
		t.Errorf("卡片持有者資訊 = %q", holder)
	}
	if validity := b.text("card-validity"); !strings.HasPrefix(validity, "自") || !strings.Contains(validity, " 至 ") {
		t.Errorf("卡片效期 = %q, want 自YYYY年M月D日 至 YYYY年M月D日", validity)
	}
	if status := b.text("card-status"); status != "未開卡" {
		t.Errorf("憑證狀態 = %q, want 未開卡", status)
	}
	b.shot("card")

	t.Run("length rule", func(t *testing.T) {
		b.typeInto("userCode", "abc")
		b.waitText("userCode-error", "用戶代碼太短（少於6碼）")
		b.waitText("hint", "請依欄位下方的說明修正輸入內容")
		if invalid := eval[string](b, `document.getElementById("userCode").getAttribute("aria-invalid")`); invalid != "true" {
			t.Errorf("aria-invalid of the user code = %q, want true", invalid)
		}
		state := b.pressSubmit()
		if state.ProgressShown {
			t.Errorf("the page sent input that breaks a rule: %+v", state)
		}
		b.shot("length-rule")
	})

	t.Run("wrong user code", func(t *testing.T) {
		b.typeInto("userCode", wrongUserCode)
		b.typeInto("newPIN", firstPIN)
		b.typeInto("newPINAgain", firstPIN)
		b.waitText("hint", "輸入內容符合規則")
		b.pressSubmit()
		b.waitText("error", "用戶代碼錯誤，尚可嘗試 2 次")
		b.waitText("hint", "作業未完成")
		if value := eval[string](b, `document.getElementById("userCode").value`); value != "" {
			t.Errorf("the user code stays in the field after the request")
		}
		b.shot("wrong-user-code")
	})

	t.Run("activate", func(t *testing.T) {
		b.typeInto("userCode", userCode)
		b.typeInto("newPIN", firstPIN)
		b.typeInto("newPINAgain", firstPIN)

		paused := b.pauseRequests("/api/activate")
		state := b.pressSubmit()
		request := paused.next(b)
		if !state.SubmitDisabled || !state.DetectDisabled || !state.InputsDisabled || !state.ProgressShown || state.Busy != "true" {
			t.Errorf("while the card works the controls are not disabled or no progress shows: %+v", state)
		}
		if state.ProgressText != "開卡作業進行中，請稍候…" {
			t.Errorf("progress text %q, want 開卡作業進行中，請稍候…", state.ProgressText)
		}
		b.waitText("hint", "開卡作業進行中")
		b.shot("progress")

		// A second press while the request is under way sends nothing.
		eval[bool](b, `(document.getElementById("submit").click(), true)`)
		if request.Request.Method != "POST" || strings.Contains(request.Request.URL, "?") {
			t.Errorf("activation request %s %s, want a POST without a query", request.Request.Method, request.Request.URL)
		}
		checkNoSecrets(t, "the request URL", request.Request.URL, secrets...)
		paused.release(b, request)

		b.waitText("result-title", "開卡成功")
		b.waitText("result-status", "有效")
		b.waitText("card-status", "有效")
		if extra := paused.stop(b); extra != 0 {
			t.Errorf("the page sent %d more activation requests while the first one ran", extra)
		}
		if b.text("error") != "" {
			t.Errorf("error line after a successful activation: %q", b.text("error"))
		}
		b.shot("activated")
	})

	t.Run("status", func(t *testing.T) {
		b.follow("/status")
		b.waitText("card-status", "有效")
		b.waitText("card-lifecycle", "已開卡")
		b.waitText("card-pin", "尚可嘗試 3 次")
		b.waitText("hint", "卡片已開卡，可以使用")
		b.shot("status")
	})

	t.Run("change PIN", func(t *testing.T) {
		b.follow("/change-pin")
		b.waitText("card-number", "GC00000000200001")
		b.typeInto("pin", firstPIN)
		b.typeInto("newPIN", secondPIN)
		b.typeInto("newPINAgain", secondPIN)
		b.pressSubmit()
		b.waitText("result-title", "PIN碼更改成功")
		b.shot("change-pin")
	})

	t.Run("reset PIN", func(t *testing.T) {
		b.follow("/reset-pin")
		b.waitText("card-number", "GC00000000200001")
		b.typeInto("userCode", userCode)
		b.typeInto("newPIN", thirdPIN)
		b.typeInto("newPINAgain", secondPIN)
		b.waitText("newPINAgain-error", "兩次輸入的新PIN碼不一致")
		b.typeInto("newPINAgain", thirdPIN)
		b.pressSubmit()
		b.waitText("result-title", "PIN碼重設成功（解卡）")
		b.waitText("card-status", "有效")
		b.shot("reset-pin")
	})

	t.Run("English", func(t *testing.T) {
		b.setLanguage("en-US,en;q=0.9")
		b.open(server.url, "/status")
		b.waitText("card-status", "valid")
		if lang := eval[string](b, `document.documentElement.lang`); lang != "en" {
			t.Errorf("page language %q for Accept-Language en-US, want en", lang)
		}
		b.shot("status-en")
	})

	t.Run("rules match package client", func(t *testing.T) {
		checkRulesMatch(t, b)
	})

	server.stop(t)
	checkNoSecrets(t, "the log of gca web", server.stderr.String(), secrets...)
}

// checkRulesMatch checks that the page's script finds the same rule
// problem as package client for user codes that break each rule.
func checkRulesMatch(t *testing.T, b *browser) {
	t.Helper()
	inputs := []string{
		"", "   ", "\t", "\u3000", "abc", "abcde", "abcdef", "abcdefghij", "abcdefghijk",
		"abc def1", "abc\u3000def", "ａｂｃｄｅｆ", "密碼密碼密碼", "abcdé1", "abc\tdef", "abc\x7fdef",
		"abc-def", "abc_def!", "ABCdef123", "\u00a0\u00a0", "abcdef\u00a0",
	}
	for _, input := range inputs {
		want := ""
		var rule *client.RuleError
		if err := client.CheckUserCode(input); err != nil {
			if !errors.As(err, &rule) {
				t.Fatalf("CheckUserCode(%q) = %v, want a RuleError", input, err)
			}
			want = web.ProblemName(rule.Problem)
		}
		quoted, err := json.Marshal(input)
		if err != nil {
			t.Fatal(err)
		}
		got := eval[string](b, `window.gcaWeb.problemOf(`+string(quoted)+`, 6, 10)`)
		if got != want {
			t.Errorf("user code %q: the page finds %q, package client %q", input, got, want)
		}
	}
}
