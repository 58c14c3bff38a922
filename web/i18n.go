package web

import (
	"net/http"

	"golang.org/x/text/language"

	"gcacard/messages"
)

// Keys of the texts that only the web page shows. The texts it shares with
// the gca command (labels, rules, errors, statuses) are in package messages.
const (
	keyTitle          messages.Key = "web.title"
	keyTabActivate    messages.Key = "web.tab.activate"
	keyTabChangePIN   messages.Key = "web.tab.changePIN"
	keyTabResetPIN    messages.Key = "web.tab.resetPIN"
	keyTabStatus      messages.Key = "web.tab.status"
	keyTabsLabel      messages.Key = "web.tabsLabel"
	keyCardInfo       messages.Key = "web.cardInfo"
	keyChooseCard     messages.Key = "web.chooseCard"
	keyDetect         messages.Key = "web.detect"
	keyDetectFirst    messages.Key = "web.detectFirst"
	keyChoosePrompt   messages.Key = "web.choosePrompt"
	keyStatusLine     messages.Key = "web.statusLine"
	keyNewPINAgain    messages.Key = "web.newPINAgain"
	keyCurrentPIN     messages.Key = "web.currentPIN"
	keySubmitActivate messages.Key = "web.submit.activate"
	keySubmitChange   messages.Key = "web.submit.changePIN"
	keySubmitReset    messages.Key = "web.submit.resetPIN"
	keySubmitStatus   messages.Key = "web.submit.status"
	keyClear          messages.Key = "web.clear"
	keyHintLabel      messages.Key = "web.hintLabel"
	keySecretsLegend  messages.Key = "web.secretsLegend"
	keyNoScript       messages.Key = "web.noScript"
	keyFooter         messages.Key = "web.footer"
	keyGuideTitle     messages.Key = "web.guide.title"
	keyGuideActivate  messages.Key = "web.guide.activate"
	keyGuideChange    messages.Key = "web.guide.changePIN"
	keyGuideReset     messages.Key = "web.guide.resetPIN"
	keyGuideStatus    messages.Key = "web.guide.status"
	keyGuideWindow    messages.Key = "web.guide.window"
	keyGuideUserCode  messages.Key = "web.guide.userCode"

	keyHintDetect      messages.Key = "web.hint.detect"
	keyHintDetecting   messages.Key = "web.hint.detecting"
	keyHintNoCard      messages.Key = "web.hint.noCard"
	keyHintChoose      messages.Key = "web.hint.choose"
	keyHintReading     messages.Key = "web.hint.reading"
	keyHintActivate    messages.Key = "web.hint.activate"
	keyHintChangePIN   messages.Key = "web.hint.changePIN"
	keyHintResetPIN    messages.Key = "web.hint.resetPIN"
	keyHintValid       messages.Key = "web.hint.valid"
	keyHintFix         messages.Key = "web.hint.fix"
	keyHintReady       messages.Key = "web.hint.ready"
	keyHintAfterError  messages.Key = "web.hint.afterError"
	keyHintAfterResult messages.Key = "web.hint.afterResult"

	keyBusy             messages.Key = "web.error.busy"
	keyTokenInvalid     messages.Key = "web.error.token"
	keyForbidden        messages.Key = "web.error.forbidden"
	keyBadRequest       messages.Key = "web.error.badRequest"
	keyMethodNotAllowed messages.Key = "web.error.methodNotAllowed"
	keyNewPIN           messages.Key = "web.newPIN"
	keyReaderMissing    messages.Key = "web.error.readerMissing"
	keyNetworkFailure   messages.Key = "web.error.network"
)

// entries are the web page's own texts, added to the catalogue of package
// messages. The zh-TW texts use the GCA activation page's terms, in our own
// sentences.
var entries = []messages.Entry{
	{Key: keyTitle, ZH: "政府憑證IC卡開卡", EN: "GCA card activation"},
	{Key: keyTabActivate, ZH: "IC卡開卡", EN: "Activate card"},
	{Key: keyTabChangePIN, ZH: "更改PIN碼", EN: "Change PIN"},
	{Key: keyTabResetPIN, ZH: "解卡解碼/重設PIN碼", EN: "Unblock / reset PIN"},
	{Key: keyTabStatus, ZH: "憑證狀態", EN: "Certificate status"},
	{Key: keyTabsLabel, ZH: "功能", EN: "Functions"},
	{Key: keyCardInfo, ZH: "IC卡資訊", EN: "Card information"},
	{Key: keyChooseCard, ZH: "選擇卡片", EN: "Choose card"},
	{Key: keyDetect, ZH: "偵測卡片", EN: "Detect cards"},
	{Key: keyDetectFirst, ZH: "（請先點選偵測卡片）", EN: "(press Detect cards first)"},
	{Key: keyChoosePrompt, ZH: "（請選擇卡片）", EN: "(choose a card)"},
	{Key: keyStatusLine, ZH: "憑證狀態：%s", EN: "Certificate status: %s"},
	{Key: keyNewPIN, ZH: "新的PIN碼", EN: "New PIN"},
	{Key: keyNewPINAgain, ZH: "再次輸入新的PIN碼", EN: "New PIN again"},
	{Key: keyCurrentPIN, ZH: "目前的PIN碼", EN: "Current PIN"},
	{Key: keySubmitActivate, ZH: "進行開卡", EN: "Activate"},
	{Key: keySubmitChange, ZH: "更改PIN碼", EN: "Change PIN"},
	{Key: keySubmitReset, ZH: "重設PIN碼", EN: "Reset PIN"},
	{Key: keySubmitStatus, ZH: "查詢憑證狀態", EN: "Check the status"},
	{Key: keyClear, ZH: "重新輸入", EN: "Clear"},
	{Key: keyHintLabel, ZH: "提示訊息：", EN: "Next step: "},
	{Key: keySecretsLegend, ZH: "輸入資料", EN: "Your entries"},
	{Key: keyNoScript,
		ZH: "此網頁需要 JavaScript 才能讀取卡片，請在瀏覽器中啟用 JavaScript。",
		EN: "This page needs JavaScript to read the card: turn JavaScript on in the browser."},
	{Key: keyFooter,
		ZH: "本網頁由這台電腦上的 gca web 提供，只接受本機（%s）的連線，不會連到網際網路。",
		EN: "gca web serves this page from this computer. It accepts connections from this computer only (%s) and uses no Internet service."},
	{Key: keyGuideTitle, ZH: "操作說明", EN: "How to use this page"},
	{Key: keyGuideActivate,
		ZH: "將IC卡按正確方向插入讀卡機，點選【偵測卡片】並選擇卡片；確認卡號、持有者與效期後，輸入用戶代碼及新的PIN碼，按【進行開卡】。",
		EN: "Insert the card the right way round, press Detect cards and choose the card. Check its number, holder and validity, type the user code and the new PIN, then press Activate."},
	{Key: keyGuideChange,
		ZH: "已開卡的卡片可在此更改PIN碼：輸入目前的PIN碼與新的PIN碼。",
		EN: "On an activated card you can change the PIN here: type the current PIN and the new PIN."},
	{Key: keyGuideReset,
		ZH: "忘記PIN碼或PIN碼已鎖定時，以用戶代碼設定新的PIN碼。",
		EN: "If you forgot the PIN or it is blocked, set a new PIN with your user code."},
	{Key: keyGuideStatus,
		ZH: "開卡完成後，憑證狀態應為「有效」。",
		EN: "After activation the certificate status should be valid."},
	{Key: keyGuideWindow,
		ZH: "請於發卡日期後%d天內完成開卡，逾期未開卡，憑證管理中心將停用憑證。",
		EN: "Activate the card within %d days of the issue date: the CA suspends the certificates of cards not activated in time."},
	{Key: keyGuideUserCode,
		ZH: "用戶代碼為申請憑證時所設定，英文字母有大小寫區別。如忘記用戶代碼或已鎖定，請進行用戶代碼重設。",
		EN: "The user code is the one you set when you applied for the certificate, and letters are case-sensitive. If you forgot it or it is blocked, request a user-code reset."},

	{Key: keyHintDetect, ZH: "請將IC卡插入讀卡機，再點選【偵測卡片】。", EN: "Insert your card into the reader, then press Detect cards."},
	{Key: keyHintDetecting, ZH: "正在偵測讀卡機與卡片，請稍候…", EN: "Looking for readers and cards…"},
	{Key: keyHintNoCard,
		ZH: "讀卡機中沒有卡片。請將IC卡按正確方向插入讀卡機，再點選【偵測卡片】。",
		EN: "No reader holds a card. Insert the card the right way round, then press Detect cards again."},
	{Key: keyHintChoose, ZH: "請在【選擇卡片】中選擇要使用的卡片。", EN: "Choose the card to use under Choose card."},
	{Key: keyHintReading, ZH: "正在讀取卡片資料，請稍候…", EN: "Reading the card…"},
	{Key: keyHintActivate,
		ZH: "卡片資料如上，確認無誤後，請輸入用戶代碼與新的PIN碼（新的PIN碼輸入兩次），再按【進行開卡】。",
		EN: "Check the card's data above, type the user code and the new PIN (twice), then press Activate."},
	{Key: keyHintChangePIN,
		ZH: "請輸入目前的PIN碼與新的PIN碼（新的PIN碼輸入兩次），再按【更改PIN碼】。",
		EN: "Type the current PIN and the new PIN (twice), then press Change PIN."},
	{Key: keyHintResetPIN,
		ZH: "請輸入用戶代碼與新的PIN碼（新的PIN碼輸入兩次），再按【重設PIN碼】。PIN碼已鎖定時也可使用。",
		EN: "Type the user code and the new PIN (twice), then press Reset PIN. This also works when the PIN is blocked."},
	{Key: keyHintValid, ZH: "卡片已開卡，可以使用。", EN: "The card is activated and ready to use."},
	{Key: keyHintFix, ZH: "請依欄位下方的說明修正輸入內容。", EN: "Correct the entries as the notes under the fields say."},
	{Key: keyHintReady, ZH: "輸入內容符合規則，請按【%s】。", EN: "The entries follow the rules: press %s."},
	{Key: keyHintAfterError,
		ZH: "作業未完成，請依下方的錯誤說明處理後再試一次。",
		EN: "The operation did not complete: follow the advice in the error below, then try again."},
	{Key: keyHintAfterResult,
		ZH: "作業已完成。如需查詢，請點選【憑證狀態】。",
		EN: "Done. To check the card, open Certificate status."},

	{Key: keyBusy,
		ZH: "另一項卡片作業正在進行，請等候它完成後再試一次。",
		EN: "Another card operation is in progress: wait for it to finish, then try again."},
	{Key: keyTokenInvalid,
		ZH: "網頁已過期或不是由 gca web 提供，請重新載入網頁後再試一次。",
		EN: "This page has expired or was not served by gca web: reload the page and try again."},
	{Key: keyForbidden,
		ZH: "已拒絕此要求：只接受來自 %s 網頁的要求。",
		EN: "Request rejected: only requests from the page at %s are accepted."},
	{Key: keyBadRequest, ZH: "要求的格式錯誤，請重新載入網頁後再試一次。", EN: "The request is invalid: reload the page and try again."},
	{Key: keyMethodNotAllowed,
		ZH: "此網址只接受 POST 要求，請由網頁上的按鈕操作。",
		EN: "This address takes POST requests only: use the buttons on the page."},
	{Key: keyReaderMissing, ZH: "請先點選【偵測卡片】並選擇卡片。", EN: "Press Detect cards and choose a card first."},
	{Key: keyNetworkFailure,
		ZH: "無法連線到 gca web，請確認 gca web 仍在執行後，重新載入網頁。",
		EN: "Cannot reach gca web: check that gca web still runs, then reload the page."},
}

// supportedTags are the page's languages; the first is the default.
var supportedTags = []language.Tag{messages.TraditionalChinese, messages.English}

var languageMatcher = language.NewMatcher(supportedTags)

// requestLanguage returns the language of the page for r: fixed when set,
// else the best match of the Accept-Language header, and zh-TW when the
// header names neither language.
func requestLanguage(r *http.Request, fixed language.Tag) language.Tag {
	if fixed != language.Und {
		return fixed
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return messages.Default
	}
	_, index, confidence := languageMatcher.Match(tags...)
	if confidence == language.No {
		return messages.Default
	}
	return supportedTags[index]
}

// newPrinter returns a Printer with the page's own texts.
func newPrinter(tag language.Tag) *messages.Printer { return messages.New(tag, entries...) }
