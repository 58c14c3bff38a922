package messages

import (
	"strings"
	"testing"
	"time"

	"gcacard/client"
	"gcacard/internal/taipei"
)

func TestDateInBothLanguages(t *testing.T) {
	d := taipei.Date{Year: 2015, Month: time.September, Day: 10}
	if got := New(TraditionalChinese).Date(d); got != "2015年9月10日" {
		t.Errorf("zh-TW date = %q", got)
	}
	if got := New(English).Date(d); got != "10 Sep 2015" {
		t.Errorf("English date = %q", got)
	}
}

func TestValidityUsesTaiwanDates(t *testing.T) {
	// The guide card's certificate: 00:00 on 10 Sep 2015 to 23:59:59 on
	// 10 Sep 2021, Taiwan time, which is 9 Sep and 10 Sep in UTC.
	notBefore := time.Date(2015, 9, 9, 16, 0, 0, 0, time.UTC)
	notAfter := time.Date(2021, 9, 10, 15, 59, 59, 0, time.UTC)
	if got := New(TraditionalChinese).Validity(notBefore, notAfter); got != "自2015年9月10日 至 2021年9月10日" {
		t.Errorf("zh-TW validity = %q", got)
	}
	if got := New(English).Validity(notBefore, notAfter); got != "from 10 Sep 2015 to 10 Sep 2021" {
		t.Errorf("English validity = %q", got)
	}
}

func TestStatusNames(t *testing.T) {
	want := map[client.CardStatus]string{
		client.StatusValid:          "有效",
		client.StatusNotActivated:   "未開卡",
		client.StatusWindowPassed:   "逾期未開卡",
		client.StatusExpired:        "已過期",
		client.StatusPINLocked:      "PIN碼已鎖定",
		client.StatusUserCodeLocked: "用戶代碼已鎖定",
		client.StatusTerminated:     "卡片損毀",
	}
	zh, en := New(TraditionalChinese), New(English)
	codes := map[string]bool{}
	for status, name := range want {
		if got := zh.Status(status); got != name {
			t.Errorf("zh-TW status %v = %q, want %q", status, got, name)
		}
		if got := en.Status(status); got == "" || got == name {
			t.Errorf("English status %v = %q", status, got)
		}
		code := StatusCode(status)
		if code == "unknown" || codes[code] {
			t.Errorf("StatusCode(%v) = %q, not unique", status, code)
		}
		codes[code] = true
	}
	if got := zh.Status(client.CardStatus(99)); got != "狀態不明" {
		t.Errorf("unknown status = %q", got)
	}
}

func TestStatusAdvice(t *testing.T) {
	info := &client.Info{Issued: taipei.Date{Year: 2024, Month: time.January, Day: 1}}
	zh := New(TraditionalChinese)
	if got := zh.StatusAdvice(client.StatusValid, info); got != "" {
		t.Errorf("valid card advice = %q, want none", got)
	}
	got := zh.StatusAdvice(client.StatusNotActivated, info)
	if want := "請於2024年3月31日前完成開卡"; !strings.Contains(got, want) {
		t.Errorf("not activated advice = %q, want %q", got, want)
	}
	for _, s := range []client.CardStatus{client.StatusWindowPassed, client.StatusExpired, client.StatusPINLocked,
		client.StatusUserCodeLocked, client.StatusTerminated} {
		if zh.StatusAdvice(s, info) == "" {
			t.Errorf("status %v has no advice", s)
		}
	}
}

func TestLifecycleNames(t *testing.T) {
	zh := New(TraditionalChinese)
	want := map[client.Lifecycle]string{
		client.LifecycleIssued:     "未開卡",
		client.LifecycleActivated:  "已開卡",
		client.LifecycleTerminated: "卡片損毀",
		client.Lifecycle(0x42):     "不明（unknown(42)）",
	}
	for l, name := range want {
		if got := zh.Lifecycle(l); got != name {
			t.Errorf("lifecycle %02X = %q, want %q", byte(l), got, name)
		}
	}
}

func TestTries(t *testing.T) {
	zh, en := New(TraditionalChinese), New(English)
	cases := []struct {
		tries  client.Tries
		zh, en string
	}{
		{client.Tries{Max: 3, Remaining: 2}, "尚可嘗試 2 次（上限 3 次）", "2 of 3 tries left"},
		{client.Tries{Max: 3, Blocked: true}, "已鎖定（輸入錯誤達上限）", "blocked (no tries left)"},
		{client.Tries{Max: 3, Remaining: 3, NotSet: true}, "尚未設定（開卡時設定）", "not set (set at activation)"},
	}
	for _, tc := range cases {
		if got := zh.Tries(tc.tries); got != tc.zh {
			t.Errorf("zh-TW %+v = %q, want %q", tc.tries, got, tc.zh)
		}
		if got := en.Tries(tc.tries); got != tc.en {
			t.Errorf("English %+v = %q, want %q", tc.tries, got, tc.en)
		}
	}
}

func TestNewWithExtraEntries(t *testing.T) {
	extra := []Entry{{Key: "test.extra", ZH: "額外 %s", EN: "extra %s"}}
	if got := New(English, extra...).Sprintf("test.extra", "x"); got != "extra x" {
		t.Errorf("extra entry = %q", got)
	}
	if got := New(TraditionalChinese, extra...).Sprintf(ResultActivated); got != "開卡成功" {
		t.Errorf("catalogue entry with extras = %q", got)
	}
	if got := New(TraditionalChinese).Sprintf("test.extra"); got != "test.extra" {
		t.Errorf("extra entry leaked into the base catalogue: %q", got)
	}
}
