package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gcacard/internal/taipei"
	"gcacard/messages"
	"gcacard/pcsc"
)

func TestReadersLists(t *testing.T) {
	h := newHarness(t, "valid", "")
	code, body := h.post("/api/readers", request{})
	if code != http.StatusOK {
		t.Fatalf("returned %d: %v", code, body)
	}
	readers, _ := body["readers"].([]any)
	if len(readers) != 2 {
		t.Fatalf("readers = %v, want 2", body["readers"])
	}
	first, second := readers[0].(map[string]any), readers[1].(map[string]any)
	if first["name"] != "Reader 0" || first["cardPresent"] != true {
		t.Errorf("first reader = %v, want Reader 0 with a card", first)
	}
	if second["name"] != "Reader 1" || second["cardPresent"] != false {
		t.Errorf("second reader = %v, want Reader 1 without a card", second)
	}
	if n := h.service.transmits.Load(); n != 0 {
		t.Errorf("detecting sent %d APDUs, want none", n)
	}
}

func TestReadersNone(t *testing.T) {
	h := newHarness(t)
	code, body := h.post("/api/readers", request{})
	if code != http.StatusUnprocessableEntity {
		t.Errorf("returned %d, want 422", code)
	}
	wantField(t, body, "error", "no-reader")
	wantContains(t, body, "message", "找不到讀卡機")
}

func TestReadersNoService(t *testing.T) {
	h := newHarness(t)
	h.service.readersErr = fmt.Errorf("SCardEstablishContext: %w", pcsc.ErrNoService)
	_, body := h.post("/api/readers", request{})
	wantField(t, body, "error", "no-service")
	wantContains(t, body, "message", "pcscd")
}

// The card's data is shown as the GCA page shows it, with Taiwan dates.
func TestCardShowsData(t *testing.T) {
	h := newHarness(t, "valid")
	code, card := h.post("/api/card", request{Reader: "Reader 0"})
	if code != http.StatusOK {
		t.Fatalf("returned %d: %v", code, card)
	}
	wantField(t, card, "reader", "Reader 0")
	wantField(t, card, "cardNumber", "GC00000000200001")
	wantField(t, card, "holder", "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片甲")
	wantField(t, card, "status", "not-activated")
	wantField(t, card, "statusText", "未開卡")
	wantField(t, card, "lifecycle", "issued")
	wantContains(t, card, "userCode", "尚可嘗試 3 次")
	wantContains(t, card, "advice", "請於")

	// The valid profile starts 7 days before the card was made.
	from := taipei.DateOf(time.Now()).AddDays(-7)
	validity := regexp.MustCompile(`^自(\d{4})年(\d{1,2})月(\d{1,2})日 至 \d{4}年\d{1,2}月\d{1,2}日$`)
	got, _ := card["validity"].(string)
	m := validity.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("validity = %q, want 自YYYY年M月D日 至 YYYY年M月D日", got)
	}
	if want := fmt.Sprintf("%d年%d月%d日", from.Year, from.Month, from.Day); !strings.HasPrefix(got, "自"+want) {
		t.Errorf("validity = %q, want it to start at %s", got, want)
	}
	if card["deadline"] == "" {
		t.Errorf("a card not activated has no deadline: %v", card)
	}
}

func TestCardEnglish(t *testing.T) {
	h := newHarness(t, "valid")
	_, card := h.postIn(messages.English, "/api/card", request{Reader: "Reader 0"})
	wantField(t, card, "statusText", "not activated")
	wantContains(t, card, "validity", "from ")
}

func TestCardErrors(t *testing.T) {
	h := newHarness(t, "valid", "")
	cases := []struct {
		reader, code, text string
	}{
		{"", "reader-missing", "偵測卡片"},
		{"Reader 1", "no-card", "讀卡機中沒有卡片"},
		{"Reader 9", "unknown-reader", "找不到指定的讀卡機"},
	}
	for _, c := range cases {
		code, body := h.post("/api/card", request{Reader: c.reader})
		if code != http.StatusUnprocessableEntity {
			t.Errorf("reader %q returned %d, want 422", c.reader, code)
		}
		wantField(t, body, "error", c.code)
		wantContains(t, body, "message", c.text)
	}
}

// Activation: rule errors send nothing, a wrong user code reports the tries
// left, and a right one activates the card, whose status is then 有效.
func TestActivateFlow(t *testing.T) {
	h := newHarness(t, "valid")
	userCode := loadSecrets(t, "valid").UserCode.Value

	t.Run("short user code", func(t *testing.T) {
		code, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: "abc", NewPIN: newPIN, NewPINAgain: newPIN})
		if code != http.StatusUnprocessableEntity {
			t.Errorf("returned %d, want 422", code)
		}
		wantField(t, body, "error", "invalid-input")
		wantField(t, body, "field", "userCode")
		wantContains(t, body, "message", "用戶代碼太短（少於6碼）")
	})
	t.Run("PIN mismatch", func(t *testing.T) {
		_, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: userCode, NewPIN: newPIN, NewPINAgain: otherPIN})
		wantField(t, body, "error", "pin-mismatch")
		wantField(t, body, "field", "newPINAgain")
	})
	t.Run("symbol in PIN", func(t *testing.T) {
		_, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: userCode, NewPIN: "abc-1234", NewPINAgain: "abc-1234"})
		wantField(t, body, "field", "newPIN")
		wantContains(t, body, "message", "符號")
	})
	if n := h.service.transmits.Load(); n != 0 {
		t.Fatalf("input that breaks a rule sent %d APDUs, want none", n)
	}

	t.Run("wrong user code", func(t *testing.T) {
		code, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: wrongUserCode, NewPIN: newPIN, NewPINAgain: newPIN})
		if code != http.StatusUnprocessableEntity {
			t.Errorf("returned %d, want 422", code)
		}
		wantField(t, body, "error", "wrong-user-code")
		wantContains(t, body, "message", "用戶代碼錯誤，尚可嘗試 2 次")
		if body["triesLeft"] != 2.0 {
			t.Errorf("triesLeft = %v, want 2", body["triesLeft"])
		}
		wantContains(t, cardOf(t, body), "userCode", "尚可嘗試 2 次")
	})
	t.Run("success", func(t *testing.T) {
		code, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: userCode, NewPIN: newPIN, NewPINAgain: newPIN})
		if code != http.StatusOK {
			t.Fatalf("returned %d: %v", code, body)
		}
		wantField(t, body, "result", "activated")
		wantField(t, body, "message", "開卡成功")
		wantContains(t, body, "advice", "完成開卡")
		wantField(t, body, "status", "憑證狀態：有效")
		wantField(t, cardOf(t, body), "status", "valid")
	})
	t.Run("again", func(t *testing.T) {
		_, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: userCode, NewPIN: newPIN, NewPINAgain: newPIN})
		wantField(t, body, "error", "already-activated")
		wantContains(t, body, "message", "卡片已完成開卡")
	})
	t.Run("status", func(t *testing.T) {
		_, card := h.post("/api/card", request{Reader: "Reader 0"})
		wantField(t, card, "statusText", "有效")
	})

	log := h.log.String()
	for _, want := range []string{"operation=activate", "card=GC00000000200001", "code=wrong-user-code", "result=activated"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

// Each failure of activation gets the same advice as the gca command.
func TestActivateRefusals(t *testing.T) {
	cases := []struct {
		profile, code, text string
	}{
		{"guide-expired", "expired", "卡片憑證已過期"},
		{"window-passed", "window-passed", "已超過發卡日期後90天的開卡期限"},
		{"usercode-blocked", "user-code-blocked", "用戶代碼已鎖定"},
		{"activated", "already-activated", "卡片已完成開卡"},
		{"terminated", "terminated", "卡片損毀"},
	}
	for _, c := range cases {
		t.Run(c.profile, func(t *testing.T) {
			h := newHarness(t, c.profile)
			code, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: wrongUserCode, NewPIN: newPIN, NewPINAgain: newPIN})
			if code != http.StatusUnprocessableEntity {
				t.Errorf("returned %d, want 422", code)
			}
			wantField(t, body, "error", c.code)
			wantContains(t, body, "message", c.text)
		})
	}
}

// The last wrong user code warns that one more blocks it.
func TestActivateLastTry(t *testing.T) {
	h := newHarness(t, "valid")
	wrong := request{Reader: "Reader 0", UserCode: wrongUserCode, NewPIN: newPIN, NewPINAgain: newPIN}
	h.post("/api/activate", wrong)
	_, body := h.post("/api/activate", wrong)
	wantContains(t, body, "message", "尚可嘗試 1 次")
	wantContains(t, body, "message", "用戶代碼將鎖定")

	_, body = h.post("/api/activate", wrong)
	wantField(t, body, "error", "user-code-blocked")
	wantContains(t, body, "message", "請進行用戶代碼重設")
}

func TestChangePIN(t *testing.T) {
	h := newHarness(t, "activated")
	pin := loadSecrets(t, "activated").PIN.Value

	_, body := h.post("/api/change-pin", request{Reader: "Reader 0", PIN: wrongPIN, NewPIN: newPIN, NewPINAgain: newPIN})
	wantField(t, body, "error", "wrong-pin")
	wantContains(t, body, "message", "PIN碼錯誤，尚可嘗試 2 次")

	_, body = h.post("/api/change-pin", request{Reader: "Reader 0", PIN: "12", NewPIN: newPIN, NewPINAgain: newPIN})
	wantField(t, body, "field", "pin")
	wantContains(t, body, "message", "PIN碼太短")

	code, body := h.post("/api/change-pin", request{Reader: "Reader 0", PIN: pin, NewPIN: newPIN, NewPINAgain: newPIN})
	if code != http.StatusOK {
		t.Fatalf("returned %d: %v", code, body)
	}
	wantField(t, body, "result", "pin-changed")
	wantField(t, body, "message", "PIN碼更改成功")
	wantField(t, body, "status", "憑證狀態：有效")
}

func TestChangePINNotActivated(t *testing.T) {
	h := newHarness(t, "valid")
	_, body := h.post("/api/change-pin", request{Reader: "Reader 0", PIN: wrongPIN, NewPIN: newPIN, NewPINAgain: newPIN})
	wantField(t, body, "error", "pin-not-set")
	wantContains(t, body, "message", "請先進行開卡")
}

func TestResetPIN(t *testing.T) {
	h := newHarness(t, "pin-blocked")
	userCode := loadSecrets(t, "pin-blocked").UserCode.Value

	_, card := h.post("/api/card", request{Reader: "Reader 0"})
	wantField(t, card, "status", "pin-locked")

	_, body := h.post("/api/reset-pin", request{Reader: "Reader 0", UserCode: wrongUserCode, NewPIN: newPIN, NewPINAgain: newPIN})
	wantField(t, body, "error", "wrong-user-code")

	code, body := h.post("/api/reset-pin", request{Reader: "Reader 0", UserCode: userCode, NewPIN: newPIN, NewPINAgain: newPIN})
	if code != http.StatusOK {
		t.Fatalf("returned %d: %v", code, body)
	}
	wantField(t, body, "result", "pin-reset")
	wantField(t, body, "message", "PIN碼重設成功（解卡）")
	wantField(t, cardOf(t, body), "status", "valid")
}

func TestResetPINNotActivated(t *testing.T) {
	h := newHarness(t, "valid")
	_, body := h.post("/api/reset-pin", request{Reader: "Reader 0", UserCode: wrongUserCode, NewPIN: newPIN, NewPINAgain: newPIN})
	wantField(t, body, "error", "not-activated")
}

func TestOperationEnglish(t *testing.T) {
	h := newHarness(t, "valid")
	_, body := h.postIn(messages.English, "/api/activate", request{Reader: "Reader 0", UserCode: wrongUserCode, NewPIN: newPIN, NewPINAgain: newPIN})
	wantContains(t, body, "message", "Wrong user code (tries left: 2)")
}

// A fixed language (gca --lang) wins over Accept-Language.
func TestFixedLanguage(t *testing.T) {
	h := newHarnessWith(t, Config{Lang: messages.English}, "valid")
	_, body := h.post("/api/card", request{Reader: "Reader 0"})
	wantField(t, body, "statusText", "not activated")
}

// A second card operation while one runs gets a clear busy error, and
// the first one still completes.
func TestBusy(t *testing.T) {
	h := newHarness(t, "valid")
	h.service.hold = make(chan struct{})
	h.service.connecting = make(chan struct{}, 1)
	first, second := h.token(), h.token()
	userCode := loadSecrets(t, "valid").UserCode.Value

	var wg sync.WaitGroup
	var firstCode int
	wg.Go(func() {
		w := h.serve(apiRequest("/api/activate", first, request{Reader: "Reader 0", UserCode: userCode, NewPIN: newPIN, NewPINAgain: newPIN}))
		firstCode = w.Code
	})
	<-h.service.connecting

	w := h.serve(apiRequest("/api/card", second, request{Reader: "Reader 0"}))
	if w.Code != http.StatusConflict {
		t.Errorf("second operation returned %d, want 409", w.Code)
	}
	body := decodeBody(t, w)
	wantField(t, body, "error", "busy")
	wantContains(t, body, "message", "另一項卡片作業正在進行")

	close(h.service.hold)
	wg.Wait()
	if firstCode != http.StatusOK {
		t.Errorf("first operation returned %d, want 200", firstCode)
	}
	h.service.hold = nil
	if code, _ := h.post("/api/card", request{Reader: "Reader 0"}); code != http.StatusOK {
		t.Errorf("an operation after the first returned %d, want 200", code)
	}
}

// An operation that outlasts the timeout reports that it may or may not
// be done, and the card stays locked until it returns.
func TestTimeout(t *testing.T) {
	h := newHarnessWith(t, Config{Timeout: 50 * time.Millisecond}, "valid")
	h.service.hold = make(chan struct{})
	h.service.connecting = make(chan struct{}, 1)
	userCode := loadSecrets(t, "valid").UserCode.Value

	code, body := h.post("/api/activate", request{Reader: "Reader 0", UserCode: userCode, NewPIN: newPIN, NewPINAgain: newPIN})
	if code != http.StatusGatewayTimeout {
		t.Errorf("returned %d, want 504", code)
	}
	wantField(t, body, "error", "timeout")
	wantContains(t, body, "message", "開卡可能未完成，也可能已完成")

	_, busy := h.post("/api/card", request{Reader: "Reader 0"})
	wantField(t, busy, "error", "busy")

	close(h.service.hold)
	deadline := time.Now().Add(5 * time.Second)
	for len(h.server.busy) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the card lock was not released after the operation returned")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A timeoutError wraps pcsc.ErrTimeout, which package messages turns into
// the text for a card that stopped responding.
func TestTimeoutErrorWraps(t *testing.T) {
	err := error(&timeoutError{timeout: time.Second})
	if !errors.Is(err, pcsc.ErrTimeout) {
		t.Errorf("timeoutError does not wrap pcsc.ErrTimeout")
	}
	if got := messages.Code(err); got != "timeout" {
		t.Errorf("messages.Code = %q, want timeout", got)
	}
}

// A GET of an API gets 405 with an Allow header and a JSON error in the
// page's language, like the other API errors.
func TestAPIMethodNotAllowed(t *testing.T) {
	h := newHarness(t, "valid")
	for lang, want := range map[string]string{"zh-TW": "此網址只接受 POST 要求", "en": "takes POST requests only"} {
		r := pageRequest("/api/card")
		r.Header.Set("Accept-Language", lang)
		w := h.serve(r)
		if w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("GET /api/card: status %d, want 405", w.Code)
		}
		if allow := w.Header().Get("Allow"); allow != http.MethodPost {
			t.Errorf("Allow %q, want POST", allow)
		}
		body := decodeBody(t, w)
		wantField(t, body, "error", "method-not-allowed")
		wantContains(t, body, "message", want)
	}
	if w := h.serve(pageRequest("/api/bogus")); w.Code != http.StatusNotFound {
		t.Errorf("GET /api/bogus: status %d, want 404", w.Code)
	}
}
