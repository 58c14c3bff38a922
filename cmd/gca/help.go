package main

import (
	"io"
	"strings"

	"gcacard/messages"
)

// helpText is one help page in both languages.
type helpText struct{ zh, en string }

const commonOptionsZH = `共用選項：
  --reader NAME       使用此讀卡機。未指定時，使用唯一有卡片的讀卡機；
                      沒有卡片而只有一台讀卡機時，等候卡片插入該讀卡機。
  --json              以 JSON 輸出結果與錯誤（鍵名為英文，供程式使用），
                      錯誤為 {"error": 代碼, "message": 說明, "exitCode": 結束代碼}
  --timeout DURATION  等候卡片插入，以及每一段讀卡機作業的時間上限，
                      例如 30s 或 2m（預設 30s）
  --lang en|zh-TW     輸出語言。未指定時依 LC_ALL、LC_MESSAGES、LANG 中第一個
                      有值者：以 en 開頭為英文，其餘（包括 C、POSIX）為中文。
`

const commonOptionsEN = `Common options:
  --reader NAME       use this reader. Without it, gca uses the only reader
                      that holds a card, or waits for a card in the only reader.
  --json              print the result or error as JSON with English keys, for
                      programs; an error is {"error": code, "message": text,
                      "exitCode": exit code}
  --timeout DURATION  maximum wait for a card to be inserted and for each
                      sequence of reader calls, such as 30s or 2m (default 30s)
  --lang en|zh-TW     language of the output. Without it, the first set of
                      LC_ALL, LC_MESSAGES and LANG decides: English when it
                      starts with en, else zh-TW (also for C and POSIX).
`

const secretsZH = `用戶代碼、PIN碼只能在提示時輸入（輸入內容不顯示），或加上 --stdin 由標準輸入
逐行提供（每行結尾的換行會去除）；gca 不接受以引數或環境變數傳入，也不會顯示或
記錄它們。標準輸入不是終端機而未加 --stdin 時，gca 拒絕執行。
gca 先檢查輸入規則，不符時不會送出任何指令到卡片：用戶代碼須為6~10碼、PIN碼須為
6~8碼半形英文字母或數字，英文字母有大小寫區別，且不為空白。新的PIN碼須輸入兩次且一致。
`

const secretsEN = `User codes and PINs are read only when gca asks for them, with the input
hidden, or one per line on standard input with --stdin (the newline at the
end of each line is dropped). gca never accepts them as arguments or
environment variables, and never shows or logs them. Without --stdin, gca
refuses a standard input that is not a terminal.
gca checks the input rules before it sends anything to the card: a user code
is 6 to 10 and a PIN 6 to 8 ASCII letters or digits, letters are
case-sensitive, and neither may be blank. The new PIN is typed twice and both
must be the same.
`

const exitCodesZH = `結束代碼：
  0    成功
  1    其他錯誤（卡片回應非預期、卡片無法儲存資料）
  2    引數或輸入錯誤：選項錯誤、不符輸入規則、兩次輸入不一致、多個讀卡機有卡片
       而未指定 --reader、標準輸入不是終端機而未加 --stdin、金鑰檔錯誤
  3    找不到 pcscd、讀卡機或卡片（包括等候逾時），或卡片不是政府憑證IC卡
  4    用戶代碼、PIN碼或卡片管理金鑰錯誤，尚可再試
  5    用戶代碼或PIN碼已鎖定
  6    卡片狀態不允許此作業：已過期、逾期未開卡、已開卡、未開卡、卡片損毀
  7    作業中卡片被移出或重設、沒有回應，或讀卡機發生錯誤
  130  輸入時被中斷（Ctrl-C）
`

const exitCodesEN = `Exit codes:
  0    success
  1    other failure (unexpected card answer, card could not save its data)
  2    invalid arguments or input: unknown option, input rule broken, the two
       entries differ, several readers hold a card and --reader is missing,
       standard input is not a terminal and --stdin is missing, bad key file
  3    no pcscd, no reader, no card (also after waiting), or not a GCA card
  4    wrong user code, PIN or card-management key, tries remain
  5    user code or PIN blocked
  6    the card's state refuses the operation: expired, activation deadline
       passed, already activated, not activated, damaged (terminated)
  7    card removed, reset or not answering during the operation, or a reader
       failure
  130  interrupted while typing a secret (Ctrl-C)
`

var helpTexts = map[string]helpText{
	"": {
		zh: `gca：政府憑證IC卡開卡工具

用法：
  gca detect                    偵測卡片：列出讀卡機、卡片、ATR與卡號
  gca info [--reader NAME]      顯示卡號、卡片持有者資訊、卡片效期、發卡日期、
                                剩餘嘗試次數與憑證狀態
  gca status [--reader NAME]    查詢憑證狀態
  gca activate [--reader NAME] [--stdin]
                                開卡：輸入用戶代碼及新的PIN碼
  gca change-pin [--reader NAME] [--stdin]
                                更改PIN碼
  gca reset-pin [--reader NAME] [--stdin]
                                解卡解碼/重設PIN碼：以用戶代碼設定新的PIN碼
  gca web [--listen 127.0.0.1:PORT]
                                開卡網頁：在本機提供開卡、更改PIN碼、解卡與
                                憑證狀態的網頁（預設 http://127.0.0.1:8963/）
  gca admin reset-user-code --key-file FILE [--reader NAME] [--stdin]
                                用戶代碼重設（憑證管理中心使用）
  gca help [COMMAND]            顯示說明，例如 gca help activate

每個指令都接受 --json、--timeout DURATION 與 --lang en|zh-TW。

` + commonOptionsZH + `
` + secretsZH + `
開卡須知：
  收到卡片後，請於發卡日期後90天內完成開卡，逾期未開卡，憑證管理中心將停用憑證。
  未開卡前，請勿先到其他應用系統使用卡片。
  如忘記用戶代碼，或用戶代碼輸入錯誤達上限而鎖定，請進行用戶代碼重設。
  未將新的PIN碼記下時，請使用 gca reset-pin（解卡解碼/重設PIN碼）重新設定。

` + exitCodesZH,
		en: `gca: activation client of GCA certificate IC cards

Usage:
  gca detect                    detect cards: list readers, cards, ATRs and
                                card numbers
  gca info [--reader NAME]      show the card number, holder, validity, issue
                                date, tries left and certificate status
  gca status [--reader NAME]    show the certificate status
  gca activate [--reader NAME] [--stdin]
                                activate the card with the user code and a
                                new PIN
  gca change-pin [--reader NAME] [--stdin]
                                change the PIN
  gca reset-pin [--reader NAME] [--stdin]
                                unblock the card: set a new PIN with the user
                                code
  gca web [--listen 127.0.0.1:PORT]
                                serve the activation web page on this
                                computer: activate, change PIN, unblock and
                                status (default http://127.0.0.1:8963/)
  gca admin reset-user-code --key-file FILE [--reader NAME] [--stdin]
                                reset the user code (for the CA)
  gca help [COMMAND]            show help, such as gca help activate

Every command accepts --json, --timeout DURATION and --lang en|zh-TW.

` + commonOptionsEN + `
` + secretsEN + `
Before you activate:
  Activate the card within 90 days of its issue date. The CA suspends the
  certificates of cards not activated in time.
  Do not use the card in other applications before it is activated.
  If you forgot the user code, or it is blocked after too many wrong entries,
  request a user-code reset.
  If you did not note the new PIN, set another with gca reset-pin.

` + exitCodesEN,
	},
	"detect": {
		zh: `用法：gca detect [--json] [--timeout DURATION] [--lang en|zh-TW]

偵測卡片：列出每個讀卡機、其中有沒有卡片、卡片的ATR，政府憑證IC卡另列卡號與
憑證狀態。只讀取卡片，不使用任何輸入機會。
`,
		en: `Usage: gca detect [--json] [--timeout DURATION] [--lang en|zh-TW]

Lists every reader, whether it holds a card, the card's ATR and, for a GCA
card, its card number and certificate status. It only reads the cards and
uses no try.
`,
	},
	"info": {
		zh: `用法：gca info [--reader NAME] [--json] [--timeout DURATION] [--lang en|zh-TW]

顯示卡片內容：卡號、卡片持有者資訊、卡片效期、發卡日期、未開卡時的開卡期限、
卡片狀態、PIN碼與用戶代碼的剩餘嘗試次數，以及憑證狀態。只讀取卡片，不使用任何
輸入機會。
`,
		en: `Usage: gca info [--reader NAME] [--json] [--timeout DURATION] [--lang en|zh-TW]

Shows the card number, holder, validity, issue date, the activation deadline
of a card not yet activated, the lifecycle, the tries left for the PIN and
the user code, and the certificate status. It only reads the card and uses
no try.
`,
	},
	"status": {
		zh: `用法：gca status [--reader NAME] [--json] [--timeout DURATION] [--lang en|zh-TW]

查詢憑證狀態：有效、未開卡、逾期未開卡、已過期、PIN碼已鎖定、用戶代碼已鎖定或
卡片損毀，以及應如何處理。開卡成功後，憑證狀態為「有效」。任何狀態的結束代碼都是 0。
`,
		en: `Usage: gca status [--reader NAME] [--json] [--timeout DURATION] [--lang en|zh-TW]

Shows the certificate status: valid, not activated, activation deadline
passed, expired, PIN locked, user code locked or damaged, with what to do
about it. After activation the status is valid. It exits 0 for every status.
`,
	},
	"activate": {
		zh: `用法：gca activate [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

開卡：輸入申請憑證時所設定的用戶代碼（英文字母有大小寫區別），以及欲使用之新的
PIN碼（輸入兩次）。開卡作業進行中，請稍候，勿移出卡片。完成開卡後，憑證狀態為
「有效」，您可開始使用卡片。

--stdin 時依序讀取三行：用戶代碼、新的PIN碼、再一次新的PIN碼。

卡片已過期、逾期未開卡、已開卡或用戶代碼已鎖定時，gca 不會送出用戶代碼。
用戶代碼每輸入錯誤一次，卡片減少一次輸入機會；輸入錯誤達上限，用戶代碼將鎖定，
須進行用戶代碼重設。

` + secretsZH,
		en: `Usage: gca activate [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

Activates the card: type the user code you set when you applied for the
certificate (letters are case-sensitive) and the new PIN, twice. Keep the
card in the reader while it works. After activation the certificate status
is valid and you can use the card.

With --stdin it reads three lines: the user code, the new PIN, the new PIN
again.

gca does not send the user code when the card has expired, its activation
deadline has passed, it is already activated or its user code is blocked.
Each wrong user code uses one try, and when none is left the user code is
blocked until a user-code reset.

` + secretsEN,
	},
	"change-pin": {
		zh: `用法：gca change-pin [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

更改PIN碼：輸入目前的PIN碼，以及新的PIN碼（輸入兩次）。目前的PIN碼每輸入錯誤一次，
卡片減少一次輸入機會；輸入錯誤達上限，PIN碼將鎖定，須使用 gca reset-pin 解卡。

--stdin 時依序讀取三行：目前的PIN碼、新的PIN碼、再一次新的PIN碼。

` + secretsZH,
		en: `Usage: gca change-pin [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

Changes the PIN: type the current PIN and the new PIN, twice. Each wrong
current PIN uses one try, and when none is left the PIN is blocked until you
unblock the card with gca reset-pin.

With --stdin it reads three lines: the current PIN, the new PIN, the new PIN
again.

` + secretsEN,
	},
	"reset-pin": {
		zh: `用法：gca reset-pin [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

解卡解碼/重設PIN碼：PIN碼已鎖定或忘記PIN碼時，以用戶代碼設定新的PIN碼（輸入兩次）。
卡片須已開卡。

--stdin 時依序讀取三行：用戶代碼、新的PIN碼、再一次新的PIN碼。

` + secretsZH,
		en: `Usage: gca reset-pin [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

Unblocks the card and resets the PIN: when the PIN is blocked or forgotten,
set a new PIN, typed twice, with the user code. The card must be activated.

With --stdin it reads three lines: the user code, the new PIN, the new PIN
again.

` + secretsEN,
	},
	"web": {
		zh: `用法：gca web [--listen 127.0.0.1:PORT] [--timeout DURATION] [--lang en|zh-TW]

開卡網頁：在這台電腦上提供網頁，以瀏覽器進行開卡、更改PIN碼、解卡解碼/重設PIN碼，
並查詢憑證狀態。啟動後會顯示要開啟的網址，按 Ctrl-C 停止。

--listen 127.0.0.1:PORT  網頁的位址（預設 127.0.0.1:8963）。只接受 127.0.0.1 或
                         localhost，PORT 為 0 時自動選擇可用的連接埠。
--timeout DURATION       每一項卡片作業的時間上限（預設 30s）。
--lang en|zh-TW          固定網頁的語言。未指定時依瀏覽器的語言設定
                         （Accept-Language）：英文或中文，其餘為中文。

網頁只接受本機、由 gca web 產生的網頁送出的要求，一次只進行一項卡片作業。用戶
代碼與PIN碼只在網頁表單中輸入，gca web 不會顯示或記錄它們。
`,
		en: `Usage: gca web [--listen 127.0.0.1:PORT] [--timeout DURATION] [--lang en|zh-TW]

Serves the activation web page on this computer: activate a card, change
the PIN, unblock it and reset the PIN, and check the certificate status in
a browser. It prints the address to open; Ctrl-C stops it.

--listen 127.0.0.1:PORT  address of the page (default 127.0.0.1:8963). Only
                         127.0.0.1 or localhost is accepted; PORT 0 picks a
                         free port.
--timeout DURATION       maximum time of each card operation (default 30s).
--lang en|zh-TW          fixes the page's language. Without it the page
                         follows the browser's language (Accept-Language):
                         English or Chinese, and Chinese for any other.

The page accepts requests only from this computer and from pages that gca
web rendered, and runs one card operation at a time. User codes and PINs
are typed only into the page's form; gca web never shows or logs them.
`,
	},
	"admin": {
		zh: `用法：gca admin reset-user-code --key-file FILE [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

用戶代碼重設（憑證管理中心使用）：以卡片管理金鑰設定新的用戶代碼（輸入兩次），
並恢復用戶代碼的輸入機會。卡片須未損毀。

--key-file FILE  卡片管理金鑰檔：32個十六進位數字（AES-128）。其他使用者可讀取
                 此檔時，gca 會提出警告，請以 chmod 600 保護。
--stdin 時依序讀取兩行：新的用戶代碼、再一次新的用戶代碼。
`,
		en: `Usage: gca admin reset-user-code --key-file FILE [--reader NAME] [--stdin] [--json] [--timeout DURATION] [--lang en|zh-TW]

Resets the user code (for the CA): sets a new user code, typed twice, with
the card-management key, which restores the user code's tries. The card must
not be damaged.

--key-file FILE  the card-management key file: 32 hex digits (AES-128). gca
                 warns when other users can read it: protect it with
                 chmod 600.
With --stdin it reads two lines: the new user code, the new user code again.
`,
	},
}

// help writes the help page of args[0], or the overview, on stdout.
func (c *cli) help(args []string) int {
	topic := strings.Join(args, " ")
	if topic == "admin reset-user-code" {
		topic = "admin"
	}
	if _, ok := helpTexts[topic]; !ok {
		return c.report(unknownCommand(topic))
	}
	c.writeHelp(c.stdout, topic)
	return exitOK
}

// writeHelp writes the help page of topic in the printer's language.
func (c *cli) writeHelp(w io.Writer, topic string) {
	if strings.HasPrefix(topic, "admin") {
		topic = "admin"
	}
	text := helpTexts[topic]
	if c.p.Tag() == messages.English {
		io.WriteString(w, text.en)
		return
	}
	io.WriteString(w, text.zh)
}
