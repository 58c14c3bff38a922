package messages

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ebfe/scard"

	"gcacard/client"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// knownErrors are every error value and type of the client and pcsc
// packages, in the forms callers receive them.
func knownErrors() map[string]error {
	errs := map[string]error{
		"wrong user code":      &client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 2},
		"wrong user code last": &client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 1},
		"wrong PIN":            &client.WrongSecretError{Secret: client.SecretPIN, TriesLeft: 2},
		"wrong PIN last":       &client.WrongSecretError{Secret: client.SecretPIN, TriesLeft: 1},
		"user code blocked":    &client.BlockedError{Secret: client.SecretUserCode},
		"PIN blocked":          &client.BlockedError{Secret: client.SecretPIN},
		"key blocked":          &client.BlockedError{},
		"card error":           &client.CardError{Op: "SELECT", SW: iso7816.StatusWord(0x6F00)},
		"wrapped wrong code":   fmt.Errorf("activating: %w", &client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 2}),
		"wrapped unknown card": fmt.Errorf("%w: card number %q is not two letters and 14 digits", client.ErrUnknownCard, "??"),

		"ErrUnknownCard":       client.ErrUnknownCard,
		"ErrPINNotSet":         client.ErrPINNotSet,
		"ErrAlreadyActivated":  client.ErrAlreadyActivated,
		"ErrNotActivated":      client.ErrNotActivated,
		"ErrTerminated":        client.ErrTerminated,
		"ErrExpired":           client.ErrExpired,
		"ErrWindowPassed":      client.ErrWindowPassed,
		"ErrPINMismatch":       client.ErrPINMismatch,
		"ErrStateNotSaved":     client.ErrStateNotSaved,
		"ErrSecurityStatus":    client.ErrSecurityStatus,
		"ErrAuthentication":    client.ErrAuthentication,
		"ErrBadSignature":      client.ErrBadSignature,
		"ErrBadManagementKey":  client.ErrBadManagementKey,
		"ErrCertificateFormat": client.ErrCertificateFormat,

		"pcsc ErrNoService":      fmt.Errorf("SCardEstablishContext: %w", pcsc.ErrNoService),
		"pcsc ErrNoReaders":      fmt.Errorf("SCardListReaders: %w", pcsc.ErrNoReaders),
		"pcsc ErrNoCard":         fmt.Errorf("SCardConnect: %w", pcsc.ErrNoCard),
		"pcsc ErrRemoved":        fmt.Errorf("SCardTransmit: %w", pcsc.ErrRemoved),
		"pcsc ErrReset":          fmt.Errorf("SCardTransmit: %w", pcsc.ErrReset),
		"pcsc ErrSharing":        fmt.Errorf("SCardConnect: %w", pcsc.ErrSharing),
		"pcsc ErrTimeout":        fmt.Errorf("SCardGetStatusChange: %w", pcsc.ErrTimeout),
		"pcsc ErrCancelled":      fmt.Errorf("SCardGetStatusChange: %w", pcsc.ErrCancelled),
		"pcsc ErrUnknownReader":  fmt.Errorf("SCardGetStatusChange: %w", pcsc.ErrUnknownReader),
		"pcsc ErrEmptyCommand":   pcsc.ErrEmptyCommand,
		"pcsc ErrProtocol":       pcsc.ErrProtocol,
		"pcsc other scard error": fmt.Errorf("SCardTransmit: %w", scard.ErrCommError),
		"context deadline":       context.DeadlineExceeded,
		"context canceled":       context.Canceled,
	}
	for _, field := range []client.Field{client.FieldUserCode, client.FieldPIN, client.FieldNewPIN} {
		for p := client.ProblemBlank; p <= client.ProblemTooLong; p++ {
			errs[fmt.Sprintf("rule %v problem %d", field, p)] = &client.RuleError{Field: field, Problem: p, Min: 6, Max: 10}
		}
	}
	return errs
}

// rawKey matches a catalogue key that was printed in place of its text.
var rawKey = regexp.MustCompile(`\b(error|rule|field|op|interrupted)\.[a-zA-Z]`)

func TestErrorRendersEveryKnownErrorInBothLanguages(t *testing.T) {
	zh, en := New(TraditionalChinese), New(English)
	for name, err := range knownErrors() {
		t.Run(name, func(t *testing.T) {
			gotZH, gotEN := zh.Error(err), en.Error(err)
			if strings.TrimSpace(gotZH) == "" {
				t.Errorf("zh-TW text is empty")
			}
			if strings.TrimSpace(gotEN) == "" {
				t.Errorf("English text is empty")
			}
			if gotZH == gotEN {
				t.Errorf("both languages render %q", gotZH)
			}
			for _, got := range []string{gotZH, gotEN} {
				if strings.Contains(got, "%!") || rawKey.MatchString(got) {
					t.Errorf("text has a format error or a raw key: %q", got)
				}
			}
		})
	}
}

func TestCodeKnowsEveryKnownError(t *testing.T) {
	for name, err := range knownErrors() {
		code := Code(err)
		if code == "failure" || code == "" {
			t.Errorf("%s: Code = %q, want a specific code", name, code)
		}
		if !slices.Contains(Codes, code) {
			t.Errorf("%s: Code = %q, which Codes does not list", name, code)
		}
	}
}

func TestCodeOfUnknownErrorIsFailure(t *testing.T) {
	if got := Code(errors.New("disk on fire")); got != "failure" {
		t.Errorf("Code = %q, want failure", got)
	}
	if got := New(TraditionalChinese).Error(errors.New("disk on fire")); got != "發生錯誤：disk on fire" {
		t.Errorf("Error = %q", got)
	}
}

func TestErrorTextsFollowGuide(t *testing.T) {
	zh := New(TraditionalChinese)
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"wrong user code", &client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 2},
			[]string{"用戶代碼錯誤，尚可嘗試 2 次", "英文字母有大小寫區別"}},
		{"wrong user code last try", &client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 1},
			[]string{"尚可嘗試 1 次", "用戶代碼將鎖定", "用戶代碼重設"}},
		{"wrong PIN", &client.WrongSecretError{Secret: client.SecretPIN, TriesLeft: 2},
			[]string{"PIN碼錯誤，尚可嘗試 2 次。請確認後再試一次；如忘記PIN碼，請使用解卡解碼/重設PIN碼功能"}},
		{"wrong PIN last try", &client.WrongSecretError{Secret: client.SecretPIN, TriesLeft: 1},
			[]string{"尚可嘗試 1 次", "PIN碼將鎖定", "解卡解碼/重設PIN碼"}},
		{"user code blocked", &client.BlockedError{Secret: client.SecretUserCode},
			[]string{"用戶代碼已鎖定（輸入錯誤達上限），請進行用戶代碼重設，取得新的用戶代碼後再進行開卡"}},
		{"PIN blocked", &client.BlockedError{Secret: client.SecretPIN},
			[]string{"PIN碼已鎖定", "解卡解碼/重設PIN碼", "用戶代碼"}},
		{"blank user code", &client.RuleError{Field: client.FieldUserCode, Problem: client.ProblemBlank, Min: 6, Max: 10},
			[]string{"用戶代碼不可為空白", "用戶代碼須為6~10碼半形英文字母或數字（英文字母有大小寫區別），且不為空白"}},
		{"full-width PIN", &client.RuleError{Field: client.FieldNewPIN, Problem: client.ProblemFullWidth, Min: 6, Max: 8},
			[]string{"新的PIN碼含有全形字元", "請使用半形英文字母或數字", "新的PIN碼須為6~8碼"}},
		{"non-ASCII user code", &client.RuleError{Field: client.FieldUserCode, Problem: client.ProblemNonASCII, Min: 6, Max: 10},
			[]string{"請使用半形英文字母或數字"}},
		{"short PIN", &client.RuleError{Field: client.FieldPIN, Problem: client.ProblemTooShort, Min: 6, Max: 8},
			[]string{"PIN碼太短（少於6碼）"}},
		{"long user code", &client.RuleError{Field: client.FieldUserCode, Problem: client.ProblemTooLong, Min: 6, Max: 10},
			[]string{"用戶代碼太長（超過10碼）"}},
		{"PIN mismatch", client.ErrPINMismatch, []string{"兩次輸入的新PIN碼不一致"}},
		{"expired", client.ErrExpired, []string{"卡片憑證已過期"}},
		{"window passed", client.ErrWindowPassed, []string{"已超過發卡日期後90天的開卡期限（逾期未開卡）", "停用憑證", "請洽憑證管理中心"}},
		{"already activated", client.ErrAlreadyActivated, []string{"已完成開卡", "更改PIN碼", "解卡解碼/重設PIN碼"}},
		{"not activated", client.ErrNotActivated, []string{"尚未開卡", "請先進行開卡"}},
		{"terminated", client.ErrTerminated, []string{"卡片損毀"}},
		{"unknown card", client.ErrUnknownCard, []string{"此卡片不是政府憑證IC卡"}},
		{"no pcscd", pcsc.ErrNoService, []string{"找不到PC/SC服務（pcscd），請先啟動 pcscd"}},
		{"no reader", pcsc.ErrNoReaders, []string{"找不到讀卡機，請安裝好您的讀卡機"}},
		{"empty reader", pcsc.ErrNoCard, []string{"讀卡機中沒有卡片，請將IC卡按正確方向插入讀卡機"}},
		{"removed while reading", pcsc.ErrRemoved, []string{"卡片已被移出讀卡機"}},
		{"card error", &client.CardError{Op: "GET DATA 0101", SW: iso7816.StatusWord(0x6F00)}, []string{"GET DATA 0101", "6F00"}},
	}
	for _, tc := range cases {
		got := zh.Error(tc.err)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %q does not contain %q", tc.name, got, want)
			}
		}
	}
}

func TestEnglishErrorTexts(t *testing.T) {
	en := New(English)
	cases := map[error]string{
		&client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 2}:                             "Wrong user code (tries left: 2).",
		&client.BlockedError{Secret: client.SecretUserCode}:                                               "user-code reset",
		&client.RuleError{Field: client.FieldUserCode, Problem: client.ProblemFullWidth, Min: 6, Max: 10}: "The user code contains a full-width character",
		client.ErrWindowPassed: "90 days after the issue date",
		pcsc.ErrNoService:      "pcscd",
	}
	for err, want := range cases {
		if got := en.Error(err); !strings.Contains(got, want) {
			t.Errorf("%q does not contain %q", got, want)
		}
	}
}

func TestOperationErrorSaysOperationMayBeDone(t *testing.T) {
	zh, en := New(TraditionalChinese), New(English)
	removed := fmt.Errorf("SCardTransmit: %w", pcsc.ErrRemoved)

	got := zh.OperationError(OpActivate, removed)
	for _, want := range []string{"開卡作業進行中，卡片被移出讀卡機", "開卡可能未完成，也可能已完成", "用戶代碼", "查詢卡片狀態"} {
		if !strings.Contains(got, want) {
			t.Errorf("removed during activation: %q does not contain %q", got, want)
		}
	}
	got = zh.OperationError(OpChangePIN, fmt.Errorf("SCardTransmit: %w", pcsc.ErrReset))
	for _, want := range []string{"更改PIN碼作業進行中，卡片被其他程式重設", "PIN碼的輸入機會"} {
		if !strings.Contains(got, want) {
			t.Errorf("reset during change PIN: %q does not contain %q", got, want)
		}
	}
	got = en.OperationError(OpResetPIN, fmt.Errorf("waiting: %w", pcsc.ErrTimeout))
	if !strings.Contains(got, "may or may not have completed") {
		t.Errorf("timeout during unblock: %q", got)
	}
	got = en.OperationError(OpResetUserCode, removed)
	if strings.Contains(got, "may have used") {
		t.Errorf("user-code reset uses no try, but the text says %q", got)
	}
}

func TestOperationErrorLeavesOtherErrors(t *testing.T) {
	zh := New(TraditionalChinese)
	err := &client.WrongSecretError{Secret: client.SecretUserCode, TriesLeft: 2}
	if got, want := zh.OperationError(OpActivate, err), zh.Error(err); got != want {
		t.Errorf("OperationError = %q, want %q", got, want)
	}
	if got := zh.OperationError(OpRead, pcsc.ErrRemoved); strings.Contains(got, "可能已完成") {
		t.Errorf("a read cannot be half done, but the text says %q", got)
	}
}

// localized is an error of a caller that renders itself.
type localized struct{}

func (localized) Error() string              { return "localized" }
func (localized) ErrorCode() string          { return "own-code" }
func (localized) Localize(p *Printer) string { return "own text " + p.Tag().String() }
func TestErrorUsesLocalizerAndCoder(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", localized{})
	if got := New(English).Error(err); got != "own text en" {
		t.Errorf("Error = %q", got)
	}
	if got := Code(err); got != "own-code" {
		t.Errorf("Code = %q", got)
	}
}
