package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"gcacard/messages"
)

func TestPagesRender(t *testing.T) {
	h := newHarness(t, "valid")
	want := map[string][]string{
		"/":           {"IC卡資訊", "選擇卡片", "偵測卡片", "卡號", "卡片持有者資訊", "卡片效期", "用戶代碼", "新的PIN碼", "進行開卡", "重新輸入", "提示訊息", "（請輸入6~10碼組合", "（請輸入6~8碼組合"},
		"/change-pin": {"目前的PIN碼", "新的PIN碼", "再次輸入新的PIN碼", "更改PIN碼"},
		"/reset-pin":  {"用戶代碼", "新的PIN碼", "重設PIN碼", "解卡解碼/重設PIN碼"},
		"/status":     {"憑證狀態", "發卡日期", "開卡期限", "查詢憑證狀態"},
	}
	for path, texts := range want {
		t.Run(path, func(t *testing.T) {
			w := h.serve(pageRequest(path))
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s returned %d", path, w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			page := w.Body.String()
			if !strings.Contains(page, `<html lang="zh-Hant-TW">`) {
				t.Errorf("page is not zh-TW by default")
			}
			for _, text := range texts {
				if !strings.Contains(page, text) {
					t.Errorf("page lacks %q", text)
				}
			}
		})
	}
}

func TestPageEnglish(t *testing.T) {
	h := newHarness(t, "valid")
	r := pageRequest("/")
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	page := h.serve(r).Body.String()
	for _, text := range []string{`<html lang="en">`, "Detect cards", "Card number", "Activate", "Clear", ">New PIN<", ">New PIN again<"} {
		if !strings.Contains(page, text) {
			t.Errorf("English page lacks %q", text)
		}
	}
}

func TestUnknownPage(t *testing.T) {
	h := newHarness(t)
	if w := h.serve(pageRequest("/activate.php")); w.Code != http.StatusNotFound {
		t.Errorf("GET /activate.php returned %d, want 404", w.Code)
	}
}

// Every input has a label, a rule and an error element tied to it, and
// the page has no inline script or style, which the CSP would block.
func TestPageAccessibleAndStrict(t *testing.T) {
	h := newHarness(t)
	for _, p := range pages {
		page := h.serve(pageRequest(p.href())).Body.String()
		for _, f := range p.fields {
			for _, want := range []string{
				`<label for="` + f.Name + `">`,
				`id="` + f.Name + `"`,
				`aria-describedby="` + f.Name + `-rule ` + f.Name + `-error"`,
				`id="` + f.Name + `-error"`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("%s: lacks %s", p.href(), want)
				}
			}
		}
		for _, want := range []string{`<label for="reader">`, `role="alert"`, `aria-live="polite"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: lacks %s", p.href(), want)
			}
		}
		if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(page) {
			t.Errorf("%s: has an inline script", p.href())
		}
		for _, bad := range []string{"<style", " style=", " onclick=", " onload=", "https://"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: contains %q", p.href(), bad)
			}
		}
		if strings.Contains(strings.ReplaceAll(page, testOrigin+"/", ""), "http://") {
			t.Errorf("%s: links to another host", p.href())
		}
	}
}

// The script's rule texts come from package messages, as the server's.
func TestPageTexts(t *testing.T) {
	h := newHarness(t)
	page := h.serve(pageRequest("/")).Body.String()
	m := regexp.MustCompile(`data-texts="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("page has no data-texts")
	}
	var texts scriptTexts
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &texts); err != nil {
		t.Fatalf("data-texts is not JSON: %v", err)
	}
	rules := texts.Rules["userCode"]
	if rules.Min != 6 || rules.Max != 10 {
		t.Errorf("user code lengths %d to %d, want 6 to 10", rules.Min, rules.Max)
	}
	if got := rules.Texts["tooShort"]; !strings.HasPrefix(got, "用戶代碼太短（少於6碼）。") {
		t.Errorf("tooShort text = %q", got)
	}
	if len(rules.Texts) != len(problemNames) {
		t.Errorf("user code has %d rule texts, want %d", len(rules.Texts), len(problemNames))
	}
	if texts.Progress != "開卡作業進行中，請稍候…" {
		t.Errorf("progress = %q", texts.Progress)
	}
	if _, ok := texts.Rules["newPINAgain"]; ok {
		t.Errorf("the confirmation has a rule of its own")
	}
}

func TestAssets(t *testing.T) {
	h := newHarness(t)
	cases := map[string]string{
		"/assets/app.js":  "text/javascript; charset=utf-8",
		"/assets/app.css": "text/css; charset=utf-8",
	}
	for path, contentType := range cases {
		w := h.serve(pageRequest(path))
		if w.Code != http.StatusOK {
			t.Errorf("GET %s returned %d", path, w.Code)
		}
		if got := w.Header().Get("Content-Type"); got != contentType {
			t.Errorf("GET %s: Content-Type = %q, want %q", path, got, contentType)
		}
	}
	if w := h.serve(pageRequest("/assets/")); w.Code == http.StatusOK && strings.Contains(w.Body.String(), "app.js") {
		t.Errorf("GET /assets/ lists the folder")
	}
}

func TestRequestLanguage(t *testing.T) {
	cases := map[string]language.Tag{
		"":                        messages.TraditionalChinese,
		"en":                      messages.English,
		"en-US,en;q=0.9":          messages.English,
		"en-GB":                   messages.English,
		"zh-TW,zh;q=0.9,en;q=0.8": messages.TraditionalChinese,
		"zh-Hant":                 messages.TraditionalChinese,
		"fr-FR":                   messages.TraditionalChinese,
		"ja,en;q=0.5":             messages.English,
		"garbage;;;":              messages.TraditionalChinese,
	}
	for header, want := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", header)
		if got := requestLanguage(r, language.Und); got != want {
			t.Errorf("Accept-Language %q: %v, want %v", header, got, want)
		}
		if got := requestLanguage(r, messages.English); got != messages.English {
			t.Errorf("fixed English with Accept-Language %q: %v", header, got)
		}
	}
}
