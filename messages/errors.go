package messages

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gcacard/client"
	"gcacard/pcsc"
)

// Localizer is an error that renders its own text, such as an error of a
// program that adds its own entries to the catalogue. Error and
// OperationError use it before anything else.
type Localizer interface {
	Localize(p *Printer) string
}

// Coder is an error with its own stable identifier, which Code returns.
type Coder interface {
	ErrorCode() string
}

// Operation is the client operation during which an error happened. It
// changes the text only for a card that was removed, reset or stopped
// responding, since then an operation that writes may or may not be done.
type Operation int

// Operations.
const (
	// OpRead is any operation that only reads the card, and the default.
	OpRead Operation = iota
	OpActivate
	OpChangePIN
	OpResetPIN
	OpResetUserCode
)

// Error renders err as a sentence with advice, for an operation that only
// reads. An error this package does not recognise shows its English text.
func (p *Printer) Error(err error) string {
	return p.OperationError(OpRead, err)
}

// OperationError renders err as Error does. When the card was removed,
// reset or stopped responding during an operation that writes, it states
// that the operation may or may not be done, which try it may have used,
// and to check the card's status before retrying.
func (p *Printer) OperationError(op Operation, err error) string {
	if err == nil {
		return ""
	}
	var own Localizer
	if errors.As(err, &own) {
		return own.Localize(p)
	}
	if op != OpRead {
		if cause, ok := interruption(err); ok {
			return p.interrupted(op, cause, err)
		}
	}
	_, render := classify(err)
	return render(p)
}

// Code returns the stable identifier of an error, such as
// "wrong-user-code" or "no-card", for JSON output and exit codes.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var own Coder
	if errors.As(err, &own) {
		return own.ErrorCode()
	}
	code, _ := classify(err)
	return code
}

// Codes lists every identifier that Code returns for errors of the client
// and pcsc packages.
var Codes = []string{
	"invalid-input", "pin-mismatch",
	"wrong-user-code", "wrong-pin", "user-code-blocked", "pin-blocked", "blocked",
	"expired", "window-passed", "already-activated", "not-activated", "pin-not-set", "terminated",
	"unknown-card", "state-not-saved", "security-status",
	"wrong-management-key", "invalid-management-key", "bad-signature", "certificate-format", "card-error",
	"no-service", "no-reader", "no-card", "card-removed", "card-reset", "card-in-use",
	"timeout", "cancelled", "unknown-reader", "pcsc-failure", "failure",
}

// renderer renders one error's text.
type renderer func(p *Printer) string

func text(key Key, args ...any) renderer {
	return func(p *Printer) string { return p.Sprintf(key, args...) }
}

// classify returns an error's code and text. The client's errors come
// first, because a client error may wrap a PC/SC one only by accident.
func classify(err error) (string, renderer) {
	if code, render, ok := classifyClient(err); ok {
		return code, render
	}
	if code, render, ok := classifyPCSC(err); ok {
		return code, render
	}
	return "failure", text(OtherError, errorText(err))
}

// stateErrors maps the client's error values to codes and texts.
var stateErrors = []struct {
	err  error
	code string
	key  Key
	args []any
}{
	{client.ErrPINMismatch, "pin-mismatch", PINMismatch, nil},
	{client.ErrExpired, "expired", Expired, nil},
	{client.ErrWindowPassed, "window-passed", WindowPassed, []any{client.ActivationWindowDays}},
	{client.ErrAlreadyActivated, "already-activated", AlreadyActivated, nil},
	{client.ErrNotActivated, "not-activated", NotActivated, nil},
	{client.ErrPINNotSet, "pin-not-set", PINNotSet, nil},
	{client.ErrTerminated, "terminated", Terminated, nil},
	{client.ErrUnknownCard, "unknown-card", UnknownCard, nil},
	{client.ErrStateNotSaved, "state-not-saved", StateNotSaved, nil},
	{client.ErrSecurityStatus, "security-status", SecurityStatus, nil},
	{client.ErrAuthentication, "wrong-management-key", WrongManagementKey, nil},
	{client.ErrBadManagementKey, "invalid-management-key", InvalidManagementKey, nil},
	{client.ErrBadSignature, "bad-signature", BadSignature, nil},
	{client.ErrCertificateFormat, "certificate-format", CertificateFormat, nil},
}

func classifyClient(err error) (string, renderer, bool) {
	var rule *client.RuleError
	if errors.As(err, &rule) {
		return "invalid-input", func(p *Printer) string { return p.rule(rule) }, true
	}
	var wrong *client.WrongSecretError
	if errors.As(err, &wrong) {
		return wrongSecret(wrong)
	}
	var blocked *client.BlockedError
	if errors.As(err, &blocked) {
		switch blocked.Secret {
		case client.SecretUserCode:
			return "user-code-blocked", text(UserCodeBlocked), true
		case client.SecretPIN:
			return "pin-blocked", text(PINBlocked), true
		}
		return "blocked", text(OtherBlocked), true
	}
	for _, e := range stateErrors {
		if errors.Is(err, e.err) {
			return e.code, text(e.key, e.args...), true
		}
	}
	var card *client.CardError
	if errors.As(err, &card) {
		return "card-error", text(UnexpectedStatus, card.Op, fmt.Sprintf("%04X", uint16(card.SW))), true
	}
	return "", nil, false
}

func wrongSecret(e *client.WrongSecretError) (string, renderer, bool) {
	if e.Secret == client.SecretUserCode {
		return "wrong-user-code", func(p *Printer) string {
			return joinSentences(p, p.Sprintf(WrongUserCode, e.TriesLeft), lastTry(p, e.TriesLeft, WrongUserCodeLast))
		}, true
	}
	return "wrong-pin", func(p *Printer) string {
		next := p.Sprintf(WrongPINAdvice)
		if e.TriesLeft == 1 {
			next = p.Sprintf(WrongPINLast)
		}
		return joinSentences(p, p.Sprintf(WrongPIN, e.TriesLeft), next)
	}, true
}

// lastTry returns the warning for the last try, or "".
func lastTry(p *Printer, left int, key Key) string {
	if left != 1 {
		return ""
	}
	return p.Sprintf(key)
}

// pcscErrors maps the pcsc package's error values to codes and texts.
var pcscErrors = []struct {
	err  error
	code string
	key  Key
}{
	{pcsc.ErrNoService, "no-service", NoService},
	{pcsc.ErrNoReaders, "no-reader", NoReaders},
	{pcsc.ErrNoCard, "no-card", NoCard},
	{pcsc.ErrRemoved, "card-removed", CardRemoved},
	{pcsc.ErrReset, "card-reset", CardReset},
	{pcsc.ErrSharing, "card-in-use", CardInUse},
	{pcsc.ErrTimeout, "timeout", TimedOut},
	{context.DeadlineExceeded, "timeout", TimedOut},
	{pcsc.ErrCancelled, "cancelled", Cancelled},
	{context.Canceled, "cancelled", Cancelled},
	{pcsc.ErrUnknownReader, "unknown-reader", UnknownReader},
}

func classifyPCSC(err error) (string, renderer, bool) {
	for _, e := range pcscErrors {
		if errors.Is(err, e.err) {
			return e.code, text(e.key), true
		}
	}
	if pcsc.IsPCSCError(err) {
		return "pcsc-failure", text(PCSCFailure, errorText(err)), true
	}
	return "", nil, false
}

// rule renders an input rule error: what is wrong, then the rule.
func (p *Printer) rule(e *client.RuleError) string {
	field := p.field(e.Field)
	var problem string
	switch e.Problem {
	case client.ProblemBlank:
		problem = p.Sprintf(RuleBlank, field)
	case client.ProblemSpace:
		problem = p.Sprintf(RuleSpace, field)
	case client.ProblemFullWidth:
		problem = p.Sprintf(RuleFullWidth, field)
	case client.ProblemNonASCII:
		problem = p.Sprintf(RuleNonASCII, field)
	case client.ProblemControl:
		problem = p.Sprintf(RuleControl, field)
	case client.ProblemSymbol:
		problem = p.Sprintf(RuleSymbol, field)
	case client.ProblemTooShort:
		problem = p.Sprintf(RuleTooShort, field, e.Min)
	case client.ProblemTooLong:
		problem = p.Sprintf(RuleTooLong, field, e.Max)
	default:
		problem = p.Sprintf(RuleInvalid, field)
	}
	return joinSentences(p, problem, p.Sprintf(RuleFormat, field, e.Min, e.Max))
}

func (p *Printer) field(f client.Field) string {
	switch f {
	case client.FieldUserCode:
		return p.Sprintf(FieldUserCode)
	case client.FieldNewPIN:
		return p.Sprintf(FieldNewPIN)
	}
	return p.Sprintf(FieldPIN)
}

// interruption reports whether err means the card went away or stopped
// responding, and returns the key of the first sentence.
func interruption(err error) (Key, bool) {
	switch {
	case errors.Is(err, pcsc.ErrRemoved), errors.Is(err, pcsc.ErrNoCard):
		return InterruptedRemoved, true
	case errors.Is(err, pcsc.ErrReset):
		return InterruptedReset, true
	case errors.Is(err, pcsc.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return InterruptedTimeout, true
	}
	code, _, ok := classifyPCSC(err)
	if ok && code == "pcsc-failure" {
		return InterruptedPCSC, true
	}
	return "", false
}

// interrupted renders an operation cut off by cause: what happened, that
// the operation may or may not be done, the try it may have used, and
// what to do.
func (p *Printer) interrupted(op Operation, cause Key, err error) string {
	name, secret := p.operation(op)
	first := p.Sprintf(cause, name)
	if cause == InterruptedPCSC {
		first = p.Sprintf(cause, name, errorText(err))
	}
	sentences := []string{first, p.Sprintf(InterruptedUncertain, name)}
	if secret != "" {
		sentences = append(sentences, p.Sprintf(InterruptedTry, secret))
	}
	sentences = append(sentences, p.Sprintf(InterruptedAdvice))
	return joinSentences(p, sentences...)
}

// operation returns the name of op and of the secret whose try it uses.
// The user-code reset authenticates with a key that has no retry counter.
func (p *Printer) operation(op Operation) (name, secret string) {
	switch op {
	case OpActivate:
		return p.Sprintf(OpActivateName), p.Sprintf(FieldUserCode)
	case OpChangePIN:
		return p.Sprintf(OpChangePINName), p.Sprintf(FieldPIN)
	case OpResetPIN:
		return p.Sprintf(OpResetPINName), p.Sprintf(FieldUserCode)
	}
	return p.Sprintf(OpResetUserCodeName), ""
}

// joinSentences joins the non-empty sentences: with no space in zh-TW,
// whose full stop needs none, and with one space in English.
func joinSentences(p *Printer, sentences ...string) string {
	var nonEmpty []string
	for _, s := range sentences {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	separator := ""
	if p.tag == English {
		separator = " "
	}
	return strings.Join(nonEmpty, separator)
}

// errorText returns err's message without its closing full stop, so that a
// message that embeds it does not end a sentence twice (scard's texts end
// with ".").
func errorText(err error) string {
	return strings.TrimRight(err.Error(), ".。 ")
}
