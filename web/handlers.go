package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"gcacard/client"
	"gcacard/messages"
	"gcacard/pcsc"
)

// maxBodySize bounds a request body: a reader name and three secrets of at
// most 10 characters fit many times over.
const maxBodySize = 4 << 10

// request is the JSON body of every API call. Each endpoint reads the
// fields it needs; the secrets are never logged or sent back.
type request struct {
	Reader      string `json:"reader"`
	UserCode    string `json:"userCode"`
	PIN         string `json:"pin"`
	NewPIN      string `json:"newPIN"`
	NewPINAgain string `json:"newPINAgain"`
}

// response is the HTTP status and JSON body of an API call.
type response struct {
	status int
	body   any
}

// errorJSON is the body of a failed API call.
type errorJSON struct {
	// Error is a stable code, from messages.Code or the web page's own:
	// forbidden, bad-request, busy, reader-missing.
	Error   string `json:"error"`
	Message string `json:"message"`
	// Field names the input that breaks a rule: userCode, pin, newPIN or
	// newPINAgain.
	Field     string `json:"field,omitempty"`
	TriesLeft *int   `json:"triesLeft,omitempty"`
	// Card is the card re-read after a failed operation, when it could be
	// read, so the page shows the tries left.
	Card *cardJSON `json:"card,omitempty"`
}

// call is one API request being served.
type call struct {
	p   *messages.Printer
	req request
}

// api wraps an API endpoint. It checks the anti-CSRF token and the body,
// takes the card lock so that one card operation runs at a time, and
// bounds fn by the server's timeout. A second call while one runs gets
// 409 Conflict with the busy text.
func (s *Server) api(fn func(c *call) response) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.tokens.valid(r.Header.Get(tokenHeader)) {
			s.reject(w, r, "token")
			return
		}
		c := &call{p: s.printer(r)}
		if err := decodeRequest(w, r, &c.req); err != nil {
			s.log.Warn("invalid API request", "path", r.URL.Path, "error", err)
			writeJSON(w, http.StatusBadRequest, errorJSON{Error: "bad-request", Message: c.p.Sprintf(keyBadRequest)})
			return
		}

		select {
		case s.busy <- struct{}{}:
		default:
			s.log.Warn("card operation rejected: another one is running", "path", r.URL.Path)
			writeJSON(w, http.StatusConflict, errorJSON{Error: "busy", Message: c.p.Sprintf(keyBusy)})
			return
		}
		resp := s.bounded(r.URL.Path, c, fn)
		writeJSON(w, resp.status, resp.body)
	})
}

// decodeRequest reads a JSON body of at most maxBodySize bytes with no
// unknown field. The error never contains the body.
func decodeRequest(w http.ResponseWriter, r *http.Request, into *request) error {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodySize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return fmt.Errorf("body larger than %d bytes", maxBodySize)
		case errors.As(err, &syntax), errors.As(err, &typeErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("body is not a JSON object of strings")
		}
		// DisallowUnknownFields names the field, never a value.
		return err
	}
	if dec.More() {
		return errors.New("body has data after the JSON object")
	}
	return nil
}

// timeoutError is a card operation that did not finish within the
// server's timeout. It wraps pcsc.ErrTimeout, so package messages reports
// a card that stopped responding. During an operation that writes, the
// text adds that the operation may or may not be done.
type timeoutError struct{ timeout time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no answer from the reader or card within %s", e.timeout)
}

func (e *timeoutError) Unwrap() error { return pcsc.ErrTimeout }

// bounded runs fn, which holds the card lock, and returns its response, or
// a timeout error after s.timeout. fn then keeps running, because a PC/SC
// call cannot be cut off, and the card lock stays taken until it returns.
func (s *Server) bounded(path string, c *call, fn func(c *call) response) response {
	done := make(chan response, 1)
	go func() {
		defer func() { <-s.busy }()
		done <- fn(c)
	}()

	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case resp := <-done:
		return resp
	case <-timer.C:
		err := &timeoutError{timeout: s.timeout}
		s.log.Error("card operation timed out", "path", path, "reader", c.req.Reader, "timeout", s.timeout)
		return response{http.StatusGatewayTimeout, errorJSON{
			Error:   messages.Code(err),
			Message: c.p.OperationError(operationOf(path), err),
		}}
	}
}

// operationOf returns the operation of an API path, for error texts.
func operationOf(path string) messages.Operation {
	switch path {
	case "/api/activate":
		return messages.OpActivate
	case "/api/change-pin":
		return messages.OpChangePIN
	case "/api/reset-pin":
		return messages.OpResetPIN
	}
	return messages.OpRead
}

// readerJSON is one reader in the response of /api/readers.
type readerJSON struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"cardPresent"`
	Mute        bool   `json:"mute"`
	InUse       bool   `json:"inUse"`
}

// readers lists the readers and what they hold, for 偵測卡片. It sends no
// APDU to any card.
func (s *Server) readers(c *call) response {
	list, err := s.service.Readers()
	if err == nil && len(list) == 0 {
		err = fmt.Errorf("listing readers: %w", pcsc.ErrNoReaders)
	}
	if err != nil {
		s.log.Warn("listing readers failed", "error", err)
		return s.failure(c, messages.OpRead, err, nil)
	}
	out := struct {
		Readers []readerJSON `json:"readers"`
	}{Readers: make([]readerJSON, len(list))}
	for i, r := range list {
		out.Readers[i] = readerJSON{Name: r.Name, CardPresent: r.Present, Mute: r.Mute, InUse: r.InUse}
	}
	return response{http.StatusOK, out}
}

// card reads the card in the chosen reader, without using a try.
func (s *Server) card(c *call) response {
	if c.req.Reader == "" {
		return readerMissing(c)
	}
	var card *cardJSON
	err := s.withClient(c.req.Reader, func(cl *client.Client) error {
		info, err := cl.Info()
		if err != nil {
			return err
		}
		card = newCardJSON(c.p, cl, c.req.Reader, info)
		return nil
	})
	if err != nil {
		s.log.Warn("reading the card failed", "reader", c.req.Reader, "error", err)
		return s.failure(c, messages.OpRead, err, nil)
	}
	return response{http.StatusOK, card}
}

// withClient connects to the card in reader, runs fn with a client for it
// and disconnects.
func (s *Server) withClient(reader string, fn func(cl *client.Client) error) error {
	conn, err := s.service.Connect(reader)
	if err != nil {
		return err
	}
	defer func() {
		if err := conn.Disconnect(); err != nil {
			s.log.Warn("disconnecting from the card failed", "reader", reader, "error", err)
		}
	}()
	return fn(client.New(conn, client.WithClock(s.now)))
}

func readerMissing(c *call) response {
	return response{http.StatusUnprocessableEntity, errorJSON{Error: "reader-missing", Message: c.p.Sprintf(keyReaderMissing)}}
}

// failure returns the response for err, rendered by package messages as
// the gca command renders it, with the card re-read after an operation.
func (s *Server) failure(c *call, op messages.Operation, err error, card *cardJSON) response {
	out := errorJSON{
		Error:   messages.Code(err),
		Message: c.p.OperationError(op, err),
		Field:   fieldOf(err),
		Card:    card,
	}
	var wrong *client.WrongSecretError
	if errors.As(err, &wrong) {
		out.TriesLeft = &wrong.TriesLeft
	}
	return response{http.StatusUnprocessableEntity, out}
}

// fieldOf returns the input that err is about, or "".
func fieldOf(err error) string {
	var rule *client.RuleError
	if errors.As(err, &rule) {
		switch rule.Field {
		case client.FieldUserCode:
			return "userCode"
		case client.FieldNewPIN:
			return "newPIN"
		}
		return "pin"
	}
	if errors.Is(err, client.ErrPINMismatch) {
		return "newPINAgain"
	}
	return ""
}
