// Package messages holds the zh-TW and English texts of the GCA activation
// client: error sentences with advice, card statuses, dates, prompts,
// progress and results. Both the gca command and the web page render
// through it, so it depends on neither: it turns client and pcsc
// values into text, and callers add their own entries for texts of their
// own.
//
// zh-TW is the default language and follows the wording of the GCA
// activation page. The catalogue is built on golang.org/x/text/message.
package messages

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	"gcacard/client"
	"gcacard/internal/taipei"
)

// Printer renders catalogue texts in one language.
type Printer struct {
	tag     language.Tag
	printer *message.Printer
}

// baseCatalog is the catalogue of Entries alone, built once.
var baseCatalog = sync.OnceValue(func() catalog.Catalog { return build(nil) })

// New returns a Printer for the catalogue language that matches tag:
// English for any English tag, zh-TW otherwise. Extra entries add texts
// of the caller, and an extra entry replaces a catalogue entry of the same
// key.
func New(tag language.Tag, extra ...Entry) *Printer {
	tag = supported(tag)
	cat := baseCatalog()
	if len(extra) > 0 {
		cat = build(extra)
	}
	return &Printer{tag: tag, printer: message.NewPrinter(tag, message.Catalog(cat))}
}

func build(extra []Entry) catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(Default))
	for _, list := range [][]Entry{Entries, extra} {
		for _, e := range list {
			// SetString fails only for an invalid language tag, and these two
			// tags are constants.
			_ = b.SetString(TraditionalChinese, string(e.Key), e.ZH)
			_ = b.SetString(English, string(e.Key), e.EN)
		}
	}
	return b
}

// Tag returns the Printer's language: TraditionalChinese or English.
func (p *Printer) Tag() language.Tag { return p.tag }

// Sprintf renders the text of key with args. A key missing from the
// catalogue renders as the key itself.
func (p *Printer) Sprintf(key Key, args ...any) string {
	return p.printer.Sprintf(string(key), args...)
}

// Date renders a Taiwan calendar date: 2015年9月10日, or 10 Sep 2015.
func (p *Printer) Date(d taipei.Date) string {
	return p.Sprintf(DateFormat,
		strconv.Itoa(d.Year), strconv.Itoa(int(d.Month)), strconv.Itoa(d.Day), d.Month.String()[:3])
}

// Validity renders a card's validity by its Taiwan dates, as the GCA page
// does: 自2015年9月10日 至 2021年9月10日, or from 10 Sep 2015 to 10 Sep 2021.
func (p *Printer) Validity(notBefore, notAfter time.Time) string {
	return p.Sprintf(ValidityFormat, p.Date(taipei.DateOf(notBefore)), p.Date(taipei.DateOf(notAfter)))
}

// Deadline renders the last day a card may be activated, with the rule.
func (p *Printer) Deadline(info *client.Info) string {
	last := info.Issued.AddDays(client.ActivationWindowDays)
	return p.Sprintf(DeadlineFormat, p.Date(last), client.ActivationWindowDays)
}

var statusKeys = map[client.CardStatus]Key{
	client.StatusValid:          StatusValid,
	client.StatusNotActivated:   StatusNotActivated,
	client.StatusWindowPassed:   StatusWindowPassed,
	client.StatusExpired:        StatusExpired,
	client.StatusPINLocked:      StatusPINLocked,
	client.StatusUserCodeLocked: StatusUserCodeLocked,
	client.StatusTerminated:     StatusTerminated,
}

// Status renders a certificate status (憑證狀態) such as 有效 or 未開卡.
func (p *Printer) Status(s client.CardStatus) string {
	key, ok := statusKeys[s]
	if !ok {
		key = StatusUnknown
	}
	return p.Sprintf(key)
}

// StatusAdvice returns what the holder should do about a card in status
// s, or "" for a valid card.
func (p *Printer) StatusAdvice(s client.CardStatus, info *client.Info) string {
	switch s {
	case client.StatusNotActivated:
		last := info.Issued.AddDays(client.ActivationWindowDays)
		return p.Sprintf(AdviceActivateBy, p.Date(last), client.ActivationWindowDays)
	case client.StatusWindowPassed:
		return p.Sprintf(WindowPassed, client.ActivationWindowDays)
	case client.StatusExpired:
		return p.Sprintf(Expired)
	case client.StatusPINLocked:
		return p.Sprintf(PINBlocked)
	case client.StatusUserCodeLocked:
		return p.Sprintf(UserCodeBlocked)
	case client.StatusTerminated:
		return p.Sprintf(Terminated)
	}
	return ""
}

// StatusCode returns a status's stable identifier for JSON, such as
// "valid" or "window-passed".
func StatusCode(s client.CardStatus) string {
	switch s {
	case client.StatusValid:
		return "valid"
	case client.StatusNotActivated:
		return "not-activated"
	case client.StatusWindowPassed:
		return "window-passed"
	case client.StatusExpired:
		return "expired"
	case client.StatusPINLocked:
		return "pin-locked"
	case client.StatusUserCodeLocked:
		return "user-code-locked"
	case client.StatusTerminated:
		return "terminated"
	}
	return "unknown"
}

// Lifecycle renders a card's lifecycle state: 未開卡, 已開卡 or 卡片損毀.
func (p *Printer) Lifecycle(l client.Lifecycle) string {
	switch l {
	case client.LifecycleIssued:
		return p.Sprintf(LifecycleIssued)
	case client.LifecycleActivated:
		return p.Sprintf(LifecycleActivated)
	case client.LifecycleTerminated:
		return p.Sprintf(LifecycleTerminated)
	}
	return p.Sprintf(LifecycleUnknown, l.String())
}

// Tries renders a retry counter: the tries left out of the maximum, or
// that it is blocked or not set.
func (p *Printer) Tries(t client.Tries) string {
	switch {
	case t.NotSet:
		return p.Sprintf(TriesNotSet)
	case t.Blocked:
		return p.Sprintf(TriesBlocked)
	}
	return p.Sprintf(TriesLeft, t.Remaining, t.Max)
}
