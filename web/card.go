package web

import (
	"gcacard/client"
	"gcacard/messages"
)

// cardJSON is a card's data as the page shows it, in the page's language.
// It holds no secret: the tries are counts.
type cardJSON struct {
	Reader     string `json:"reader"`
	CardNumber string `json:"cardNumber"`
	Holder     string `json:"holder"`
	// Validity is 自YYYY年M月D日 至 YYYY年M月D日 in Taiwan dates.
	Validity string `json:"validity"`
	Issued   string `json:"issued"`
	// Deadline is the last day of activation, for a card not activated.
	Deadline      string `json:"deadline,omitempty"`
	Lifecycle     string `json:"lifecycle"`
	LifecycleText string `json:"lifecycleText"`
	PIN           string `json:"pin"`
	UserCode      string `json:"userCode"`
	// Status is a code of messages.StatusCode, such as valid or
	// not-activated, and StatusText its text, such as 有效.
	Status     string `json:"status"`
	StatusText string `json:"statusText"`
	Advice     string `json:"advice,omitempty"`
}

func newCardJSON(p *messages.Printer, cl *client.Client, reader string, info *client.Info) *cardJSON {
	status := cl.Status(info)
	out := &cardJSON{
		Reader:        reader,
		CardNumber:    info.CardNumber,
		Holder:        info.Holder,
		Validity:      p.Validity(info.NotBefore, info.NotAfter),
		Issued:        p.Date(info.Issued),
		Lifecycle:     info.Lifecycle.String(),
		LifecycleText: p.Lifecycle(info.Lifecycle),
		PIN:           p.Tries(info.PIN),
		UserCode:      p.Tries(info.UserCode),
		Status:        messages.StatusCode(status),
		StatusText:    p.Status(status),
		Advice:        p.StatusAdvice(status, info),
	}
	if info.Lifecycle == client.LifecycleIssued {
		out.Deadline = p.Deadline(info)
	}
	return out
}
