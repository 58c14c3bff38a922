package messages

// Key identifies a text of the catalogue. Keys are stable: the web page and
// tests refer to them.
type Key string

// Entry is one text of a catalogue in both languages. The texts are
// fmt-style formats and take the same arguments. A year is passed as a
// string, because the Printer groups digits of numbers (2,015).
type Entry struct {
	Key Key
	// ZH is the zh-TW text, EN the English one.
	ZH, EN string
}

// Card statuses (憑證狀態).
const (
	StatusValid          Key = "status.valid"
	StatusNotActivated   Key = "status.notActivated"
	StatusWindowPassed   Key = "status.windowPassed"
	StatusExpired        Key = "status.expired"
	StatusPINLocked      Key = "status.pinLocked"
	StatusUserCodeLocked Key = "status.userCodeLocked"
	StatusTerminated     Key = "status.terminated"
	StatusUnknown        Key = "status.unknown"
	AdviceActivateBy     Key = "advice.activateBy"
)

// Lifecycle states.
const (
	LifecycleIssued     Key = "lifecycle.issued"
	LifecycleActivated  Key = "lifecycle.activated"
	LifecycleTerminated Key = "lifecycle.terminated"
	LifecycleUnknown    Key = "lifecycle.unknown"
)

// Dates and retry counters.
const (
	DateFormat     Key = "date"
	ValidityFormat Key = "validity"
	DeadlineFormat Key = "deadline"
	TriesLeft      Key = "tries.left"
	TriesBlocked   Key = "tries.blocked"
	TriesNotSet    Key = "tries.notSet"
)

// Labels of the card's information, as the GCA page names them.
const (
	LabelReader     Key = "label.reader"
	LabelATR        Key = "label.atr"
	LabelCard       Key = "label.card"
	LabelCardNumber Key = "label.cardNumber"
	LabelHolder     Key = "label.holder"
	LabelValidity   Key = "label.validity"
	LabelIssued     Key = "label.issued"
	LabelDeadline   Key = "label.deadline"
	LabelLifecycle  Key = "label.lifecycle"
	LabelPIN        Key = "label.pin"
	LabelUserCode   Key = "label.userCode"
	LabelStatus     Key = "label.status"
)

// What a reader holds.
const (
	ReaderCardPresent Key = "reader.cardPresent"
	ReaderEmpty       Key = "reader.empty"
	ReaderMute        Key = "reader.mute"
	ReaderInUse       Key = "reader.inUse"
)

// Prompts for secrets, and the rule shown beside them.
const (
	PromptUserCode         Key = "prompt.userCode"
	PromptNewPIN           Key = "prompt.newPIN"
	PromptNewPINAgain      Key = "prompt.newPINAgain"
	PromptCurrentPIN       Key = "prompt.currentPIN"
	PromptNewUserCode      Key = "prompt.newUserCode"
	PromptNewUserCodeAgain Key = "prompt.newUserCodeAgain"
	HintLength             Key = "hint.length"
)

// Progress while the card works, and results.
const (
	ProgressActivate      Key = "progress.activate"
	ProgressChangePIN     Key = "progress.changePIN"
	ProgressResetPIN      Key = "progress.resetPIN"
	ProgressResetUserCode Key = "progress.resetUserCode"
	ProgressWaitCard      Key = "progress.waitCard"
	ResultActivated       Key = "result.activated"
	ResultActivatedAdvice Key = "result.activatedAdvice"
	ResultPINChanged      Key = "result.pinChanged"
	ResultPINReset        Key = "result.pinReset"
	ResultUserCodeReset   Key = "result.userCodeReset"
	ResultUserCodeAdvice  Key = "result.userCodeAdvice"
)

// Input fields and the input rules (client.RuleError).
const (
	FieldUserCode    Key = "field.userCode"
	FieldPIN         Key = "field.pin"
	FieldNewPIN      Key = "field.newPIN"
	RuleBlank        Key = "rule.blank"
	RuleSpace        Key = "rule.space"
	RuleFullWidth    Key = "rule.fullWidth"
	RuleNonASCII     Key = "rule.nonASCII"
	RuleControl      Key = "rule.control"
	RuleSymbol       Key = "rule.symbol"
	RuleTooShort     Key = "rule.tooShort"
	RuleTooLong      Key = "rule.tooLong"
	RuleInvalid      Key = "rule.invalid"
	RuleFormat       Key = "rule.format"
	PINMismatch      Key = "error.pinMismatch"
	UserCodeMismatch Key = "error.userCodeMismatch"
)

// Errors of the card and of the client.
const (
	WrongUserCode        Key = "error.wrongUserCode"
	WrongUserCodeLast    Key = "error.wrongUserCodeLast"
	WrongPIN             Key = "error.wrongPIN"
	WrongPINLast         Key = "error.wrongPINLast"
	WrongPINAdvice       Key = "error.wrongPINAdvice"
	UserCodeBlocked      Key = "error.userCodeBlocked"
	PINBlocked           Key = "error.pinBlocked"
	OtherBlocked         Key = "error.blocked"
	Expired              Key = "error.expired"
	WindowPassed         Key = "error.windowPassed"
	AlreadyActivated     Key = "error.alreadyActivated"
	NotActivated         Key = "error.notActivated"
	PINNotSet            Key = "error.pinNotSet"
	Terminated           Key = "error.terminated"
	UnknownCard          Key = "error.unknownCard"
	StateNotSaved        Key = "error.stateNotSaved"
	SecurityStatus       Key = "error.securityStatus"
	WrongManagementKey   Key = "error.wrongManagementKey"
	InvalidManagementKey Key = "error.invalidManagementKey"
	BadSignature         Key = "error.badSignature"
	CertificateFormat    Key = "error.certificateFormat"
	UnexpectedStatus     Key = "error.unexpectedStatus"
	OtherError           Key = "error.other"
)

// Errors of PC/SC: the service, readers and the connection.
const (
	NoService     Key = "error.noService"
	NoReaders     Key = "error.noReaders"
	NoCard        Key = "error.noCard"
	CardRemoved   Key = "error.removed"
	CardReset     Key = "error.reset"
	CardInUse     Key = "error.sharing"
	TimedOut      Key = "error.timeout"
	Cancelled     Key = "error.cancelled"
	UnknownReader Key = "error.unknownReader"
	PCSCFailure   Key = "error.pcsc"
)

// Operations that change the card, and what to say when one is cut off.
const (
	OpActivateName       Key = "op.activate"
	OpChangePINName      Key = "op.changePIN"
	OpResetPINName       Key = "op.resetPIN"
	OpResetUserCodeName  Key = "op.resetUserCode"
	InterruptedRemoved   Key = "interrupted.removed"
	InterruptedReset     Key = "interrupted.reset"
	InterruptedTimeout   Key = "interrupted.timeout"
	InterruptedPCSC      Key = "interrupted.pcsc"
	InterruptedUncertain Key = "interrupted.uncertain"
	InterruptedTry       Key = "interrupted.try"
	InterruptedAdvice    Key = "interrupted.advice"
)

// Entries is the catalogue. Its zh-TW texts follow the wording of the GCA
// activation page: 讀卡機, 卡片, 卡號, 用戶代碼, PIN碼, 開卡, 解卡, 憑證.
var Entries = []Entry{
	{StatusValid, "有效", "valid"},
	{StatusNotActivated, "未開卡", "not activated"},
	{StatusWindowPassed, "逾期未開卡", "activation deadline passed"},
	{StatusExpired, "已過期", "expired"},
	{StatusPINLocked, "PIN碼已鎖定", "PIN locked"},
	{StatusUserCodeLocked, "用戶代碼已鎖定", "user code locked"},
	{StatusTerminated, "卡片損毀", "card damaged (terminated)"},
	{StatusUnknown, "狀態不明", "unknown status"},
	{AdviceActivateBy,
		"請於%s前完成開卡（發卡日期後%d天內），開卡完畢後，才可使用卡片。",
		"Activate the card by %s (within %d days of the issue date) before you use it."},

	{LifecycleIssued, "未開卡", "issued (not activated)"},
	{LifecycleActivated, "已開卡", "activated"},
	{LifecycleTerminated, "卡片損毀", "terminated (damaged)"},
	{LifecycleUnknown, "不明（%s）", "unknown (%s)"},

	// Arguments: year, month number, day, English month abbreviation.
	{DateFormat, "%[1]s年%[2]s月%[3]s日", "%[3]s %[4]s %[1]s"},
	{ValidityFormat, "自%s 至 %s", "from %s to %s"},
	{DeadlineFormat, "%s（發卡日期後%d天）", "%s (%d days after the issue date)"},
	{TriesLeft, "尚可嘗試 %d 次（上限 %d 次）", "%d of %d tries left"},
	{TriesBlocked, "已鎖定（輸入錯誤達上限）", "blocked (no tries left)"},
	{TriesNotSet, "尚未設定（開卡時設定）", "not set (set at activation)"},

	{LabelReader, "讀卡機", "Reader"},
	{LabelATR, "ATR", "ATR"},
	{LabelCard, "卡片", "Card"},
	{LabelCardNumber, "卡號", "Card number"},
	{LabelHolder, "卡片持有者資訊", "Holder"},
	{LabelValidity, "卡片效期", "Validity"},
	{LabelIssued, "發卡日期", "Issue date"},
	{LabelDeadline, "開卡期限", "Activation deadline"},
	{LabelLifecycle, "卡片狀態", "Lifecycle"},
	{LabelPIN, "PIN碼", "PIN"},
	{LabelUserCode, "用戶代碼", "User code"},
	{LabelStatus, "憑證狀態", "Certificate status"},

	{ReaderCardPresent, "有卡片", "card present"},
	{ReaderEmpty, "沒有卡片", "no card"},
	{ReaderMute, "卡片沒有回應", "card does not answer"},
	{ReaderInUse, "其他程式使用中", "in use by another program"},

	{PromptUserCode, "請輸入用戶代碼", "Enter the user code"},
	{PromptNewPIN, "請輸入新的PIN碼", "Enter the new PIN"},
	{PromptNewPINAgain, "請再輸入一次新的PIN碼", "Enter the new PIN again"},
	{PromptCurrentPIN, "請輸入目前的PIN碼", "Enter the current PIN"},
	{PromptNewUserCode, "請輸入新的用戶代碼", "Enter the new user code"},
	{PromptNewUserCodeAgain, "請再輸入一次新的用戶代碼", "Enter the new user code again"},
	{HintLength, "（請輸入%d~%d碼組合，且不為空白，英文字母有大小寫區別）", "(%d to %d letters or digits, case-sensitive)"},

	{ProgressActivate, "開卡作業進行中，請稍候…", "Activating the card, please wait…"},
	{ProgressChangePIN, "更改PIN碼作業進行中，請稍候…", "Changing the PIN, please wait…"},
	{ProgressResetPIN, "解卡作業進行中，請稍候…", "Unblocking the card and resetting the PIN, please wait…"},
	{ProgressResetUserCode, "用戶代碼重設作業進行中，請稍候…", "Resetting the user code, please wait…"},
	{ProgressWaitCard,
		"請將IC卡按正確方向插入讀卡機「%s」（最多等候 %s）…",
		"Insert the card the right way round into reader %q (waiting up to %s)…"},
	{ResultActivated, "開卡成功", "Card activated"},
	{ResultActivatedAdvice,
		"完成開卡！您可開始使用卡片。請牢記PIN碼，不要隨意告知他人並妥善保管。",
		"Activation is complete and you can start using the card. Remember the PIN, keep it safe and tell it to no one."},
	{ResultPINChanged, "PIN碼更改成功", "PIN changed"},
	{ResultPINReset, "PIN碼重設成功（解卡）", "PIN reset: the card is unblocked"},
	{ResultUserCodeReset, "用戶代碼重設成功", "User code reset"},
	{ResultUserCodeAdvice,
		"持卡人可使用新的用戶代碼進行開卡或解卡。",
		"The holder can now activate or unblock the card with the new user code."},

	{FieldUserCode, "用戶代碼", "user code"},
	{FieldPIN, "PIN碼", "PIN"},
	{FieldNewPIN, "新的PIN碼", "new PIN"},
	{RuleBlank, "%s不可為空白。", "The %s is blank."},
	{RuleSpace, "%s不可含有空白字元。", "The %s contains a space."},
	{RuleFullWidth, "%s含有全形字元，請使用半形英文字母或數字。", "The %s contains a full-width character: type half-width (ASCII) letters or digits."},
	{RuleNonASCII, "%s含有中文或其他非英數字元，請使用半形英文字母或數字。", "The %s contains a non-ASCII character: type ASCII letters or digits."},
	{RuleControl, "%s含有控制字元（例如 Tab）。", "The %s contains a control character such as a tab."},
	{RuleSymbol, "%s含有符號，只能使用英文字母或數字。", "The %s contains a symbol: use only letters and digits."},
	{RuleTooShort, "%s太短（少於%d碼）。", "The %s is too short (fewer than %d characters)."},
	{RuleTooLong, "%s太長（超過%d碼）。", "The %s is too long (more than %d characters)."},
	{RuleInvalid, "%s格式不符。", "The %s is invalid."},
	{RuleFormat,
		"%s須為%d~%d碼半形英文字母或數字（英文字母有大小寫區別），且不為空白。",
		"The %s must be %d to %d ASCII letters or digits, and letters are case-sensitive."},
	{PINMismatch, "兩次輸入的新PIN碼不一致，請重新輸入。", "The two new PINs differ: type the same new PIN twice."},
	{UserCodeMismatch, "兩次輸入的新用戶代碼不一致，請重新輸入。", "The two new user codes differ: type the same new user code twice."},

	{WrongUserCode,
		"用戶代碼錯誤，尚可嘗試 %d 次。用戶代碼為申請憑證時所設定，英文字母有大小寫區別。",
		"Wrong user code (tries left: %d). The user code is the one you set when you applied for the certificate, and letters are case-sensitive."},
	{WrongUserCodeLast,
		"再輸入錯誤一次，用戶代碼將鎖定。如忘記用戶代碼，請進行用戶代碼重設，取得新的用戶代碼後再進行開卡。",
		"One more wrong entry blocks the user code. If you forgot it, request a user-code reset and use the new user code."},
	{WrongPIN, "PIN碼錯誤，尚可嘗試 %d 次。", "Wrong PIN (tries left: %d)."},
	{WrongPINAdvice,
		"請確認後再試一次；如忘記PIN碼，請使用解卡解碼/重設PIN碼功能，以用戶代碼設定新的PIN碼。",
		"Check it and try again; if you forgot it, use unblock / reset PIN to set a new PIN with your user code."},
	{WrongPINLast,
		"再輸入錯誤一次，PIN碼將鎖定。如忘記PIN碼，請使用解卡解碼/重設PIN碼功能，以用戶代碼設定新的PIN碼。",
		"One more wrong entry blocks the PIN. If you forgot it, use unblock / reset PIN to set a new PIN with your user code."},
	{UserCodeBlocked,
		"用戶代碼已鎖定（輸入錯誤達上限），請進行用戶代碼重設，取得新的用戶代碼後再進行開卡或解卡。",
		"The user code is blocked (too many wrong entries). Request a user-code reset from the CA, then activate or unblock the card with the new user code."},
	{PINBlocked,
		"PIN碼已鎖定（輸入錯誤達上限），請使用解卡解碼/重設PIN碼功能，以用戶代碼設定新的PIN碼。",
		"The PIN is blocked (too many wrong entries). Use unblock / reset PIN to set a new PIN with your user code."},
	{OtherBlocked, "卡片已鎖定此驗證方式（6983）。", "The card has blocked this authentication method (6983)."},
	{Expired,
		"卡片憑證已過期，無法再開卡或使用，請洽憑證管理中心。",
		"The card's certificates have expired, so the card can no longer be activated or used. Contact the CA."},
	{WindowPassed,
		"已超過發卡日期後%d天的開卡期限（逾期未開卡），憑證管理中心將停用憑證，請洽憑證管理中心。",
		"The activation deadline, %d days after the issue date, has passed. The CA suspends the certificates of cards not activated in time: contact the CA."},
	{AlreadyActivated,
		"卡片已完成開卡，不需再開卡。如需更改PIN碼，請使用更改PIN碼功能；如忘記PIN碼，請使用解卡解碼/重設PIN碼功能。",
		"The card is already activated. To change the PIN, use change PIN. If you forgot the PIN, use unblock / reset PIN."},
	{NotActivated, "卡片尚未開卡，請先進行開卡。", "The card is not activated yet: activate it first."},
	{PINNotSet, "卡片尚未開卡，還沒有PIN碼，請先進行開卡。", "The card is not activated, so it has no PIN yet: activate it first."},
	{Terminated, "卡片損毀，已無法使用，請洽憑證管理中心。", "The card is damaged (terminated) and can no longer be used. Contact the CA."},
	{UnknownCard, "此卡片不是政府憑證IC卡，請插入政府憑證IC卡。", "This card is not a GCA certificate card: insert a GCA card."},
	{StateNotSaved,
		"卡片無法儲存資料（6581），作業未完成，PIN碼與用戶代碼均未變更。請再試一次，如持續發生，請洽憑證管理中心。",
		"The card could not save its data (6581). The operation did not complete and neither the PIN nor the user code changed. Try again, and contact the CA if it happens again."},
	{SecurityStatus, "卡片拒絕執行：安全狀態不符（6982）。", "The card refused: security status not satisfied (6982)."},
	{WrongManagementKey,
		"卡片管理金鑰錯誤（6300），請確認金鑰檔屬於此卡片。",
		"The card-management key is wrong (6300): check that the key file belongs to this card."},
	{InvalidManagementKey,
		"卡片管理金鑰須為16位元組（32個十六進位數字）。",
		"The card-management key must be 16 bytes (32 hex digits)."},
	{BadSignature, "卡片的簽章無法以其簽章憑證驗證，請洽憑證管理中心。", "The card's signature does not verify with its signing certificate. Contact the CA."},
	{CertificateFormat, "卡片上的憑證格式錯誤，請洽憑證管理中心。", "A certificate on the card is malformed. Contact the CA."},
	{UnexpectedStatus, "卡片對 %s 指令回應非預期的狀態碼 %s。", "The card answered %s with the unexpected status word %s."},
	{OtherError, "發生錯誤：%s", "Error: %s"},

	{NoService, "找不到PC/SC服務（pcscd），請先啟動 pcscd。", "The PC/SC service (pcscd) is not running: start pcscd."},
	{NoReaders, "找不到讀卡機，請安裝好您的讀卡機，確認裝置無誤。", "No card reader found: connect your reader and check that it works."},
	{NoCard, "讀卡機中沒有卡片，請將IC卡按正確方向插入讀卡機。", "There is no card in the reader: insert the card the right way round."},
	{CardRemoved, "卡片已被移出讀卡機，請將IC卡重新插入讀卡機後再試一次。", "The card was removed from the reader: insert it again and retry."},
	{CardReset, "卡片被其他程式重設，請再試一次。", "Another program reset the card: try again."},
	{CardInUse, "其他程式正在獨占使用卡片，請關閉該程式後再試一次。", "Another program holds the card exclusively: close it and try again."},
	{TimedOut, "等候讀卡機或卡片回應逾時，請確認讀卡機與卡片後再試一次。", "Timed out waiting for the reader or the card: check both and try again."},
	{Cancelled, "作業已取消。", "The operation was cancelled."},
	{UnknownReader, "找不到指定的讀卡機，請確認讀卡機名稱。", "The reader was not found: check its name."},
	{PCSCFailure, "讀卡機作業失敗：%s", "The reader failed: %s"},

	{OpActivateName, "開卡", "activation"},
	{OpChangePINName, "更改PIN碼", "PIN change"},
	{OpResetPINName, "解卡", "unblock (PIN reset)"},
	{OpResetUserCodeName, "用戶代碼重設", "user-code reset"},
	{InterruptedRemoved, "%s作業進行中，卡片被移出讀卡機。", "The card was removed from the reader during the %s."},
	{InterruptedReset, "%s作業進行中，卡片被其他程式重設。", "Another program reset the card during the %s."},
	{InterruptedTimeout, "%s作業進行中，卡片沒有回應（逾時）。", "The card stopped responding during the %s (timed out)."},
	{InterruptedPCSC, "%s作業進行中，讀卡機發生錯誤：%s。", "The reader failed during the %s: %s."},
	{InterruptedUncertain, "%s可能未完成，也可能已完成。", "The %s may or may not have completed."},
	{InterruptedTry, "卡片可能已用掉一次%s的輸入機會。", "The card may have used up one %s try."},
	{InterruptedAdvice,
		"請將卡片重新插入讀卡機，查詢卡片狀態後，再決定是否重試。",
		"Insert the card again and check its status before you retry."},
}
