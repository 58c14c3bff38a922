package web

import (
	"net/http"

	"gcacard/client"
	"gcacard/messages"
)

// resultJSON is the response body of an operation that succeeded.
type resultJSON struct {
	// Result is activated, pin-changed or pin-reset.
	Result  string `json:"result"`
	Message string `json:"message"`
	Advice  string `json:"advice,omitempty"`
	// Status is the certificate status line, such as 憑證狀態：有效.
	Status string `json:"status,omitempty"`
	// Card is the card re-read after the operation, when it could be read.
	Card *cardJSON `json:"card,omitempty"`
}

// operation is one card operation that writes, as the page offers it.
type operation struct {
	name   string
	op     messages.Operation
	result string
	text   messages.Key
	advice messages.Key
	// check checks the request's inputs with package client's rules,
	// before any APDU is sent.
	check func(req request) error
	run   func(cl *client.Client, req request) error
}

var (
	activateOperation = operation{
		name: "activate", op: messages.OpActivate,
		result: "activated", text: messages.ResultActivated, advice: messages.ResultActivatedAdvice,
		check: func(req request) error { return checkUserCodeAndNewPIN(req) },
		run:   func(cl *client.Client, req request) error { return cl.Activate(req.UserCode, req.NewPIN) },
	}
	changePINOperation = operation{
		name: "change-pin", op: messages.OpChangePIN,
		result: "pin-changed", text: messages.ResultPINChanged,
		check: func(req request) error {
			if err := client.CheckPIN(client.FieldPIN, req.PIN); err != nil {
				return err
			}
			return client.CheckNewPIN(req.NewPIN, req.NewPINAgain)
		},
		run: func(cl *client.Client, req request) error { return cl.ChangePIN(req.PIN, req.NewPIN) },
	}
	resetPINOperation = operation{
		name: "reset-pin", op: messages.OpResetPIN,
		result: "pin-reset", text: messages.ResultPINReset,
		check: func(req request) error { return checkUserCodeAndNewPIN(req) },
		run:   func(cl *client.Client, req request) error { return cl.ResetPIN(req.UserCode, req.NewPIN) },
	}
)

func checkUserCodeAndNewPIN(req request) error {
	if err := client.CheckUserCode(req.UserCode); err != nil {
		return err
	}
	return client.CheckNewPIN(req.NewPIN, req.NewPINAgain)
}

func (s *Server) activate(c *call) response  { return s.perform(c, activateOperation) }
func (s *Server) changePIN(c *call) response { return s.perform(c, changePINOperation) }
func (s *Server) resetPIN(c *call) response  { return s.perform(c, resetPINOperation) }

// perform checks the inputs, runs the operation once on the chosen card
// and reads the card again, so the page shows its new status or the tries
// left. It never resends: package client sends each command that may use
// a try once.
func (s *Server) perform(c *call, o operation) response {
	if c.req.Reader == "" {
		return readerMissing(c)
	}
	if err := o.check(c.req); err != nil {
		s.log.Info("card operation rejected: input breaks a rule", "operation", o.name, "reader", c.req.Reader, "code", messages.Code(err))
		return s.failure(c, o.op, err, nil)
	}

	var card *cardJSON
	err := s.withClient(c.req.Reader, func(cl *client.Client) error {
		opErr := o.run(cl, c.req)
		if info, readErr := cl.Info(); readErr == nil {
			card = newCardJSON(c.p, cl, c.req.Reader, info)
		} else {
			s.log.Warn("reading the card after the operation failed", "operation", o.name, "reader", c.req.Reader, "error", readErr)
		}
		return opErr
	})

	attrs := []any{"operation", o.name, "reader", c.req.Reader}
	if card != nil {
		attrs = append(attrs, "card", card.CardNumber)
	}
	if err != nil {
		s.log.Info("card operation failed", append(attrs, "code", messages.Code(err), "error", err)...)
		return s.failure(c, o.op, err, card)
	}
	s.log.Info("card operation succeeded", append(attrs, "result", o.result)...)

	out := resultJSON{Result: o.result, Message: c.p.Sprintf(o.text), Card: card}
	if o.advice != "" {
		out.Advice = c.p.Sprintf(o.advice)
	}
	if card != nil {
		out.Status = c.p.Sprintf(keyStatusLine, card.StatusText)
	}
	return response{http.StatusOK, out}
}
