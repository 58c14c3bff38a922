package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"

	"golang.org/x/text/language"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/messages"
)

// embedded holds the page template, its script and its style sheet, so the
// page works offline and loads nothing from another host.
//
//go:embed templates/page.html assets/app.js assets/app.css
var embedded embed.FS

func parseTemplates() (*template.Template, error) {
	return template.ParseFS(embedded, "templates/page.html")
}

// page is one tab of the web page.
type page struct {
	// name is the page's identifier for the script: activate,
	// change-pin, reset-pin or status.
	name   string
	path   string
	tab    messages.Key
	submit messages.Key
	// progress is the text shown while the card works.
	progress messages.Key
	fields   []inputField
}

// inputField is one secret input of a page.
type inputField struct {
	// Name is the JSON field of the request and the element id.
	Name         string
	label        messages.Key
	field        client.Field
	Autocomplete string
	// Again marks the confirmation of the new PIN, which has no rule of
	// its own: it must equal the new PIN.
	Again bool
}

var (
	userCodeInput    = inputField{Name: "userCode", label: messages.LabelUserCode, field: client.FieldUserCode, Autocomplete: "off"}
	currentPINInput  = inputField{Name: "pin", label: keyCurrentPIN, field: client.FieldPIN, Autocomplete: "current-password"}
	newPINInput      = inputField{Name: "newPIN", label: keyNewPIN, field: client.FieldNewPIN, Autocomplete: "new-password"}
	newPINAgainInput = inputField{Name: "newPINAgain", label: keyNewPINAgain, field: client.FieldNewPIN, Autocomplete: "new-password", Again: true}
)

// pages are the tabs, in the order the page lists them.
var pages = []page{
	{"activate", "/{$}", keyTabActivate, keySubmitActivate, messages.ProgressActivate,
		[]inputField{userCodeInput, newPINInput, newPINAgainInput}},
	{"change-pin", "/change-pin", keyTabChangePIN, keySubmitChange, messages.ProgressChangePIN,
		[]inputField{currentPINInput, newPINInput, newPINAgainInput}},
	{"reset-pin", "/reset-pin", keyTabResetPIN, keySubmitReset, messages.ProgressResetPIN,
		[]inputField{userCodeInput, newPINInput, newPINAgainInput}},
	{"status", "/status", keyTabStatus, keySubmitStatus, "", nil},
}

// href returns the link to the page.
func (p page) href() string {
	if p.path == "/{$}" {
		return "/"
	}
	return p.path
}

// pageData is the template data of one page.
type pageData struct {
	p       *messages.Printer
	Lang    string
	Page    string
	Token   string
	Tabs    []tabData
	Fields  []fieldData
	Submit  string
	Texts   string
	BaseURL string
	// WindowDays is the activation window, for the guide.
	WindowDays int
}

type tabData struct {
	Href, Label string
	Current     bool
}

type fieldData struct {
	inputField
	Label string
	Rule  string
}

// T renders the text of key for the template.
func (d pageData) T(key string, args ...any) string { return d.p.Sprintf(messages.Key(key), args...) }

// pageHandler renders page p with a new anti-CSRF token.
func (s *Server) pageHandler(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tag := requestLanguage(r, s.lang)
		pr := newPrinter(tag)
		data := pageData{
			p:       pr,
			Lang:    htmlLang(tag),
			Page:    p.name,
			Token:   s.tokens.issue(),
			Submit:  pr.Sprintf(p.submit),
			Texts:   pageTexts(pr, p),
			BaseURL: s.baseURL,

			WindowDays: client.ActivationWindowDays,
		}
		for _, other := range pages {
			data.Tabs = append(data.Tabs, tabData{Href: other.href(), Label: pr.Sprintf(other.tab), Current: other.name == p.name})
		}
		for _, f := range p.fields {
			fd := fieldData{inputField: f, Label: pr.Sprintf(f.label)}
			if !f.Again {
				minLen, maxLen := fieldLengths(f.field)
				fd.Rule = pr.Sprintf(messages.HintLength, minLen, maxLen)
			}
			data.Fields = append(data.Fields, fd)
		}

		var body bytes.Buffer
		if err := s.pages.ExecuteTemplate(&body, "page.html", data); err != nil {
			s.log.Error("rendering page failed", "page", p.name, "error", err)
			http.Error(w, "rendering the page failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body.Bytes())
	})
}

// htmlLang returns the lang attribute of the page.
func htmlLang(tag language.Tag) string {
	if tag == messages.English {
		return "en"
	}
	return "zh-Hant-TW"
}

// fieldLengths returns the length rule of a field, as package client
// checks it.
func fieldLengths(f client.Field) (minLen, maxLen int) {
	if f == client.FieldUserCode {
		return emulator.MinUserCodeLength, emulator.MaxUserCodeLength
	}
	return emulator.MinPINLength, emulator.MaxPINLength
}

// ProblemName returns the name that the page's script gives a rule problem
// of package client, empty for a problem the page does not know.
func ProblemName(p client.Problem) string { return problemNames[p] }

// problemNames name the client's rule problems for the page's script,
// which reports them in the order package client checks them.
var problemNames = map[client.Problem]string{
	client.ProblemBlank:     "blank",
	client.ProblemSpace:     "space",
	client.ProblemFullWidth: "fullWidth",
	client.ProblemNonASCII:  "nonASCII",
	client.ProblemControl:   "control",
	client.ProblemSymbol:    "symbol",
	client.ProblemTooShort:  "tooShort",
	client.ProblemTooLong:   "tooLong",
}

// fieldRules are the rule texts and lengths of one field for the script.
type fieldRules struct {
	Min   int               `json:"min"`
	Max   int               `json:"max"`
	Texts map[string]string `json:"texts"`
}

// scriptTexts are the texts and rules the page's script shows. Every rule
// text is rendered by package messages from a client.RuleError, so the
// page shows the same text that the server would return.
type scriptTexts struct {
	Page     string                `json:"page"`
	Rules    map[string]fieldRules `json:"rules"`
	Mismatch string                `json:"mismatch"`
	Hints    map[string]string     `json:"hints"`
	Progress string                `json:"progress"`
	Network  string                `json:"network"`
	// Choose is the empty choice before detection, ChoosePrompt the one
	// shown when several readers hold a card.
	Choose        string `json:"choose"`
	ChoosePrompt  string `json:"choosePrompt"`
	ReaderMissing string `json:"readerMissing"`
	// States are the texts for a card whose state does not allow the
	// page's operation, by status code.
	AlreadyActivated string `json:"alreadyActivated"`
	NotActivated     string `json:"notActivated"`
}

// pageTexts returns the script's texts for page p as JSON.
func pageTexts(pr *messages.Printer, p page) string {
	t := scriptTexts{
		Page:     p.name,
		Rules:    map[string]fieldRules{},
		Mismatch: pr.Error(client.ErrPINMismatch),
		Hints: map[string]string{
			"detect":      pr.Sprintf(keyHintDetect),
			"detecting":   pr.Sprintf(keyHintDetecting),
			"noCard":      pr.Sprintf(keyHintNoCard),
			"choose":      pr.Sprintf(keyHintChoose),
			"reading":     pr.Sprintf(keyHintReading),
			"activate":    pr.Sprintf(keyHintActivate),
			"change-pin":  pr.Sprintf(keyHintChangePIN),
			"reset-pin":   pr.Sprintf(keyHintResetPIN),
			"valid":       pr.Sprintf(keyHintValid),
			"fix":         pr.Sprintf(keyHintFix),
			"ready":       pr.Sprintf(keyHintReady, pr.Sprintf(p.submit)),
			"afterError":  pr.Sprintf(keyHintAfterError),
			"afterResult": pr.Sprintf(keyHintAfterResult),
		},
		Network:          pr.Sprintf(keyNetworkFailure),
		Choose:           pr.Sprintf(keyDetectFirst),
		ChoosePrompt:     pr.Sprintf(keyChoosePrompt),
		ReaderMissing:    pr.Sprintf(keyReaderMissing),
		AlreadyActivated: pr.Error(client.ErrAlreadyActivated),
		NotActivated:     pr.Error(client.ErrNotActivated),
	}
	if p.progress != "" {
		t.Progress = pr.Sprintf(p.progress)
	}
	for _, f := range p.fields {
		if f.Again {
			continue
		}
		minLen, maxLen := fieldLengths(f.field)
		rules := fieldRules{Min: minLen, Max: maxLen, Texts: map[string]string{}}
		for problem, name := range problemNames {
			rules.Texts[name] = pr.Error(&client.RuleError{Field: f.field, Problem: problem, Min: minLen, Max: maxLen})
		}
		t.Rules[f.Name] = rules
	}
	out, err := json.Marshal(t)
	if err != nil {
		// Marshal fails only for unsupported types, and scriptTexts has none.
		panic("web: encoding the page texts: " + err.Error())
	}
	return string(out)
}
