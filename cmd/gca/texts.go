package main

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"syscall"

	"golang.org/x/text/language"

	"gcacard/messages"
)

// Keys of the texts that only gca shows. The shared texts are in package
// messages.
const (
	keyPrompt            messages.Key = "gca.prompt"
	keyPlain             messages.Key = "gca.plain"
	keyAlso              messages.Key = "gca.also"
	keyLine              messages.Key = "gca.line"
	keyIndentedLine      messages.Key = "gca.indentedLine"
	keyErrorLine         messages.Key = "gca.errorLine"
	keyWarningLine       messages.Key = "gca.warningLine"
	keyListSeparator     messages.Key = "gca.listSeparator"
	keyQuoted            messages.Key = "gca.quoted"
	keyUnknownCommand    messages.Key = "gca.unknownCommand"
	keyUnknownHidden     messages.Key = "gca.unknownCommandHidden"
	keySecretOption      messages.Key = "gca.secretOption"
	keyNotFound          messages.Key = "gca.notFound"
	keyPermission        messages.Key = "gca.permissionDenied"
	keyAddressInUse      messages.Key = "gca.addressInUse"
	keyUnknownAdmin      messages.Key = "gca.unknownAdmin"
	keyUnexpectedArg     messages.Key = "gca.unexpectedArgument"
	keyInvalidOption     messages.Key = "gca.invalidOption"
	keyUnknownOption     messages.Key = "gca.unknownOption"
	keyOptionNeedsValue  messages.Key = "gca.optionNeedsValue"
	keyOptionBadValue    messages.Key = "gca.optionBadValue"
	keyInvalidTimeout    messages.Key = "gca.invalidTimeout"
	keyInvalidLang       messages.Key = "gca.invalidLang"
	keyKeyFileMissing    messages.Key = "gca.keyFileMissing"
	keyKeyFileRead       messages.Key = "gca.keyFileRead"
	keyKeyFileFormat     messages.Key = "gca.keyFileFormat"
	keyKeyFileOpen       messages.Key = "gca.keyFileOpen"
	keyNotTerminal       messages.Key = "gca.notTerminal"
	keyMissingInput      messages.Key = "gca.missingInput"
	keyReadInput         messages.Key = "gca.readInput"
	keySeveralCards      messages.Key = "gca.severalCards"
	keyReaderNotFound    messages.Key = "gca.readerNotFound"
	keyNoCardAny         messages.Key = "gca.noCardAny"
	keyNoCardWithin      messages.Key = "gca.noCardWithin"
	keyCardMute          messages.Key = "gca.cardMute"
	keyUsingReader       messages.Key = "gca.usingReader"
	keyHintChangePIN     messages.Key = "gca.hintChangePIN"
	keyHintResetPIN      messages.Key = "gca.hintResetPIN"
	keyHintActivate      messages.Key = "gca.hintActivate"
	keyHintStatus        messages.Key = "gca.hintStatus"
	keyStatusUnreadable  messages.Key = "gca.statusUnreadable"
	keyInputUserCode     messages.Key = "gca.inputUserCode"
	keyInputCurrentPIN   messages.Key = "gca.inputCurrentPIN"
	keyInputNewPIN       messages.Key = "gca.inputNewPIN"
	keyInputNewPINAgain  messages.Key = "gca.inputNewPINAgain"
	keyInputNewCode      messages.Key = "gca.inputNewUserCode"
	keyInputNewAgain     messages.Key = "gca.inputNewUserCodeAgain"
	keyWebListening      messages.Key = "gca.webListening"
	keyListenNotLoopback messages.Key = "gca.listenNotLoopback"
	keyListenInvalid     messages.Key = "gca.listenInvalid"
	keyListenFailed      messages.Key = "gca.listenFailed"
)

// entries are gca's own texts, added to the catalogue of package messages.
var entries = []messages.Entry{
	{Key: keyPrompt, ZH: "%s%s：", EN: "%s %s: "},
	{Key: keyPlain, ZH: "%s", EN: "%s"},
	{Key: keyAlso, ZH: "，%s", EN: ", %s"},
	{Key: keyLine, ZH: "%s：%s", EN: "%s: %s"},
	{Key: keyIndentedLine, ZH: "  %s：%s", EN: "  %s: %s"},
	{Key: keyErrorLine, ZH: "gca：%s", EN: "gca: %s"},
	{Key: keyWarningLine, ZH: "gca：警告：%s", EN: "gca: warning: %s"},
	{Key: keyListSeparator, ZH: "、", EN: ", "},
	{Key: keyQuoted, ZH: "「%s」", EN: "%q"},
	{Key: keyUnknownCommand,
		ZH: "未知的指令「%s」。可用的指令：detect、info、status、activate、change-pin、reset-pin、web、admin、help，例如 gca info；請執行 gca help 查看用法。",
		EN: "Unknown command %q. The commands are detect, info, status, activate, change-pin, reset-pin, web, admin and help, as in gca info: run gca help for the usage."},
	{Key: keyUnknownHidden,
		ZH: "未知的指令（為保護機密，不顯示內容）。可用的指令：detect、info、status、activate、change-pin、reset-pin、web、admin、help，例如 gca info；請執行 gca help 查看用法。",
		EN: "Unknown command (not shown, since it may be a secret). The commands are detect, info, status, activate, change-pin, reset-pin, web, admin and help, as in gca info: run gca help for the usage."},
	{Key: keySecretOption,
		ZH: "gca 沒有選項 --%s：用戶代碼、PIN碼與金鑰不可作為引數傳入，因為引數會顯示在 ps 等程式列出的行程資訊中。請依提示輸入，或加上 --stdin 由標準輸入逐行提供。",
		EN: "gca has no option --%s: user codes, PINs and keys are never taken as arguments, since arguments show in ps and other process lists. Type them when asked, or give them one per line on standard input with --stdin."},
	{Key: keyNotFound, ZH: "檔案不存在，請確認路徑", EN: "no such file: check the path"},
	{Key: keyPermission, ZH: "沒有權限讀取", EN: "permission denied"},
	{Key: keyAddressInUse, ZH: "該位址已被其他程式使用", EN: "another program already uses that address"},
	{Key: keyUnknownAdmin,
		ZH: "gca admin 需要子指令 reset-user-code，請執行 gca help admin 查看用法。",
		EN: "gca admin needs the subcommand reset-user-code: run gca help admin for its usage."},
	{Key: keyUnexpectedArg,
		ZH: "gca %s 不接受引數（為保護機密，不顯示引數內容）。用戶代碼、PIN碼與金鑰不可作為引數或環境變數傳入：請依提示輸入，或加上 --stdin 由標準輸入逐行提供。",
		EN: "gca %s takes no arguments (not shown, since one may be a secret). User codes, PINs and keys are never accepted as arguments or environment variables: type them when asked, or give them one per line on standard input with --stdin."},
	{Key: keyInvalidOption,
		ZH: "選項錯誤：%s。請執行 gca help %s 查看用法。",
		EN: "Invalid option: %s. Run gca help %s for the usage."},
	{Key: keyUnknownOption,
		ZH: "不認識的選項 --%s。請執行 gca help %s 查看可用的選項。",
		EN: "Unknown option --%s. Run gca help %s for the options it takes."},
	{Key: keyOptionNeedsValue,
		ZH: "選項 --%s 需要一個值，例如 %s。請執行 gca help %s 查看用法。",
		EN: "Option --%s needs a value, as in %s. Run gca help %s for the usage."},
	{Key: keyOptionBadValue,
		ZH: "選項 --%s 的值無效。請執行 gca help %s 查看用法。",
		EN: "Invalid value for option --%s. Run gca help %s for the usage."},
	{Key: keyInvalidTimeout,
		ZH: "--timeout 的值無效，須為正的時間長度，例如 30s 或 2m。",
		EN: "Invalid --timeout: give a positive duration such as 30s or 2m."},
	{Key: keyInvalidLang,
		ZH: "不支援的語言「%s」，請使用 en 或 zh-TW。",
		EN: "Unsupported language %q: use en or zh-TW."},
	{Key: keyKeyFileMissing,
		ZH: "gca admin reset-user-code 需要 --key-file FILE（卡片管理金鑰檔）。",
		EN: "gca admin reset-user-code needs --key-file FILE (the card-management key file)."},
	{Key: keyKeyFileRead, ZH: "無法讀取金鑰檔 %s：%s", EN: "Cannot read key file %s: %s"},
	{Key: keyKeyFileFormat,
		ZH: "金鑰檔 %s 的內容無效：須為32個十六進位數字（卡片管理金鑰，AES-128）。",
		EN: "Invalid key file %s: it must contain 32 hex digits (the AES-128 card-management key)."},
	{Key: keyKeyFileOpen,
		ZH: "金鑰檔 %s 的權限為 %04o，其他使用者可以讀取。請執行 chmod 600 %s。",
		EN: "key file %s has mode %04o, so other users can read it: run chmod 600 %s."},
	{Key: keyNotTerminal,
		ZH: "標準輸入不是終端機，無法隱藏輸入的內容。請加上 --stdin，並由標準輸入逐行提供：%s。",
		EN: "Standard input is not a terminal, so input cannot be hidden. Add --stdin and give one per line on standard input: %s."},
	{Key: keyMissingInput,
		ZH: "標準輸入的資料不足：需要 %d 行（%s），只讀到 %d 行。",
		EN: "Too few lines on standard input: %d expected (%s), %d read."},
	{Key: keyReadInput, ZH: "無法讀取輸入：%s", EN: "Cannot read the input: %s"},
	{Key: keySeveralCards,
		ZH: "有多個讀卡機中有卡片：%s。請以 --reader NAME 指定讀卡機。",
		EN: "Several readers hold a card: %s. Choose one with --reader NAME."},
	{Key: keyReaderNotFound,
		ZH: "找不到讀卡機「%s」。目前的讀卡機：%s。",
		EN: "Reader %q not found. The readers are %s."},
	{Key: keyNoCardAny,
		ZH: "讀卡機中沒有卡片（讀卡機：%s），請將IC卡按正確方向插入讀卡機，或以 --reader NAME 指定要等候的讀卡機。",
		EN: "No reader holds a card (readers: %s): insert the card the right way round, or name the reader to wait on with --reader NAME."},
	{Key: keyNoCardWithin,
		ZH: "%s內沒有卡片插入讀卡機「%s」。請將IC卡按正確方向插入讀卡機後再試一次。",
		EN: "No card was inserted into reader %[2]q within %[1]s: insert the card the right way round and try again."},
	{Key: keyCardMute,
		ZH: "讀卡機「%s」中的卡片沒有回應，請將卡片取出，按正確方向重新插入。",
		EN: "The card in reader %q does not answer: take it out and insert it again the right way round."},
	{Key: keyUsingReader, ZH: "讀卡機：%s", EN: "Reader: %s"},
	{Key: keyHintChangePIN, ZH: "更改PIN碼：gca change-pin", EN: "To change the PIN: gca change-pin"},
	{Key: keyHintResetPIN, ZH: "解卡解碼/重設PIN碼：gca reset-pin", EN: "To unblock the card and reset the PIN: gca reset-pin"},
	{Key: keyHintActivate, ZH: "開卡：gca activate", EN: "To activate the card: gca activate"},
	{Key: keyHintStatus, ZH: "查詢卡片狀態：gca status", EN: "To check the card's status: gca status"},
	{Key: keyStatusUnreadable,
		ZH: "作業已完成，但無法讀取卡片狀態：%s",
		EN: "The operation completed, but the card's status could not be read: %s"},
	{Key: keyInputUserCode, ZH: "用戶代碼", EN: "user code"},
	{Key: keyInputCurrentPIN, ZH: "目前的PIN碼", EN: "current PIN"},
	{Key: keyInputNewPIN, ZH: "新的PIN碼", EN: "new PIN"},
	{Key: keyInputNewPINAgain, ZH: "再一次新的PIN碼", EN: "new PIN again"},
	{Key: keyInputNewCode, ZH: "新的用戶代碼", EN: "new user code"},
	{Key: keyInputNewAgain, ZH: "再一次新的用戶代碼", EN: "new user code again"},
	{Key: keyWebListening,
		ZH: "開卡網頁已啟動，請以瀏覽器開啟 %s （按 Ctrl-C 停止）",
		EN: "The activation page is ready: open %s in a browser (Ctrl-C stops it)"},
	{Key: keyListenNotLoopback,
		ZH: "--listen %s 無法使用：gca web 只接受 127.0.0.1 或 localhost 作為位址。請輸入 --listen 127.0.0.1:PORT，例如 --listen %s。",
		EN: "--listen %s is not accepted: gca web takes only 127.0.0.1 or localhost as its host. Type --listen 127.0.0.1:PORT, such as --listen %s."},
	{Key: keyListenInvalid,
		ZH: "--listen 的值「%s」無效，請輸入 127.0.0.1:PORT（PORT 為 0~65535），例如 --listen %s。",
		EN: "Invalid --listen %q: type 127.0.0.1:PORT with a PORT from 0 to 65535, such as --listen %s."},
	{Key: keyListenFailed,
		ZH: "無法在 %s 上提供網頁：%s。請以 --listen 127.0.0.1:PORT 改用其他連接埠，例如 --listen 127.0.0.1:8964。",
		EN: "Cannot serve the page on %s: %s. Choose another port with --listen 127.0.0.1:PORT, such as --listen 127.0.0.1:8964."},
}

// newPrinter returns a Printer with gca's own texts.
func newPrinter(tag language.Tag) *messages.Printer { return messages.New(tag, entries...) }

// englishPrinter renders the English Error strings of gca's errors.
var englishPrinter = newPrinter(messages.English)

// textError is an error of gca with a code and a catalogue text. Its
// Error string is the English text.
type textError struct {
	code string
	key  messages.Key
	args []any
	// cause is an error wrapped for errors.Is, if any.
	cause error
}

func newTextError(code string, key messages.Key, args ...any) *textError {
	return &textError{code: code, key: key, args: args}
}

func (e *textError) Error() string     { return e.Localize(englishPrinter) }
func (e *textError) Unwrap() error     { return e.cause }
func (e *textError) ErrorCode() string { return e.code }

// nameList is an argument of a textError that renders as names joined
// with the language's list separator.
type nameList []string

func (e *textError) Localize(p *messages.Printer) string {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		switch v := a.(type) {
		case nameList:
			a = joinNames(p, v)
		case messages.Key:
			a = p.Sprintf(v)
		}
		args[i] = a
	}
	return p.Sprintf(e.key, args...)
}

// joinNames quotes each name and joins them: 「甲」、「乙」 or "a", "b".
func joinNames(p *messages.Printer, names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = p.Sprintf(keyQuoted, n)
	}
	return strings.Join(quoted, p.Sprintf(keyListSeparator))
}

// inputError is a problem with the input of an operation's secrets:
// standard input that is not a terminal without --stdin, or that ends
// before every secret was read. want lists the names of the lines the
// operation reads.
type inputError struct {
	code  string
	key   messages.Key
	want  []messages.Key
	lines int
}

func (e *inputError) Error() string     { return e.Localize(englishPrinter) }
func (e *inputError) ErrorCode() string { return e.code }

func (e *inputError) Localize(p *messages.Printer) string {
	if e.key == keyMissingInput {
		return p.Sprintf(e.key, len(e.want), inputNames(p, e.want), e.lines)
	}
	return p.Sprintf(e.key, inputNames(p, e.want))
}

// inputNames lists the names of the lines an operation reads.
func inputNames(p *messages.Printer, keys []messages.Key) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = p.Sprintf(k)
	}
	return strings.Join(names, p.Sprintf(keyListSeparator))
}

// systemReason returns the reason of a file or network error: a catalogue
// text for the common ones, so that no English system text appears in a
// zh-TW message, and the error's own text otherwise.
func systemReason(err error) any {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return keyNotFound
	case errors.Is(err, fs.ErrPermission):
		return keyPermission
	case errors.Is(err, syscall.EADDRINUSE):
		return keyAddressInUse
	}
	return err.Error()
}

// commandName matches an argument shown back as an unknown command. Any
// other argument is not shown, since a user may have typed a secret in
// its place.
var commandName = regexp.MustCompile(`^-{0,2}[a-z][a-z-]{0,30}$`)

// unknownCommand returns the error for an unknown command name.
func unknownCommand(name string) error {
	if commandName.MatchString(name) {
		return newTextError("invalid-argument", keyUnknownCommand, name)
	}
	return newTextError("invalid-argument", keyUnknownHidden)
}
