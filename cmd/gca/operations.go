package main

import (
	"encoding/hex"
	"os"
	"strings"

	"gcacard/client"
	"gcacard/messages"
)

// Names of the lines that each operation reads, in order, for the errors
// about its input.
var (
	activateInputs      = []messages.Key{keyInputUserCode, keyInputNewPIN, keyInputNewPINAgain}
	changePINInputs     = []messages.Key{keyInputCurrentPIN, keyInputNewPIN, keyInputNewPINAgain}
	resetPINInputs      = []messages.Key{keyInputUserCode, keyInputNewPIN, keyInputNewPINAgain}
	resetUserCodeInputs = []messages.Key{keyInputNewCode, keyInputNewAgain}
)

// resultJSON is the output of an operation with --json.
type resultJSON struct {
	// Result is activated, pin-changed, pin-reset or user-code-reset.
	Result     string `json:"result"`
	Message    string `json:"message"`
	Reader     string `json:"reader"`
	CardNumber string `json:"cardNumber,omitempty"`
	Status     string `json:"status,omitempty"`
	StatusText string `json:"statusText,omitempty"`
}

// result is the output of an operation that succeeded.
type result struct {
	code   string
	text   messages.Key
	advice messages.Key
}

// activate performs activation (開卡): the user code, then the new PIN
// twice. An expired card, a passed activation window or an activated
// card is refused before any prompt, and again by the client before it
// sends the user code.
func (c *cli) activate() error {
	return c.userCodeOperation(activateInputs, messages.OpActivate, messages.ProgressActivate,
		(*client.Client).CheckActivate, (*client.Client).Activate,
		result{"activated", messages.ResultActivated, messages.ResultActivatedAdvice})
}

// resetPIN unblocks the card and sets a new PIN (解卡解碼/重設PIN碼): the
// user code, then the new PIN twice.
func (c *cli) resetPIN() error {
	return c.userCodeOperation(resetPINInputs, messages.OpResetPIN, messages.ProgressResetPIN,
		func(_ *client.Client, info *client.Info) error { return client.CheckResetPIN(info) },
		(*client.Client).ResetPIN, result{"pin-reset", messages.ResultPINReset, ""})
}

// userCodeOperation runs an operation that takes the user code and a new
// PIN typed twice: activation and unblock. check refuses, before any
// prompt, a card whose state does not allow the operation.
func (c *cli) userCodeOperation(inputs []messages.Key, op messages.Operation, progress messages.Key,
	check func(cl *client.Client, info *client.Info) error,
	run func(cl *client.Client, userCode, newPIN string) error, done result) error {
	source, err := c.secretSource(inputs)
	if err != nil {
		return err
	}
	cl, err := c.connectForOperation()
	if err != nil {
		return err
	}
	if err := c.checkState(cl, check); err != nil {
		return err
	}

	userCode, err := c.askChecked(source, askUserCode, client.CheckUserCode)
	if err != nil {
		return err
	}
	newPIN, err := c.askNewPIN(source)
	if err != nil {
		return err
	}

	err = c.perform(op, progress, func() error { return run(cl, userCode, newPIN) })
	if err != nil {
		return err
	}
	return c.writeResult(cl, done)
}

// changePIN replaces the PIN: the current PIN, then the new PIN twice.
func (c *cli) changePIN() error {
	source, err := c.secretSource(changePINInputs)
	if err != nil {
		return err
	}
	cl, err := c.connectForOperation()
	if err != nil {
		return err
	}
	err = c.checkState(cl, func(_ *client.Client, info *client.Info) error { return client.CheckChangePIN(info) })
	if err != nil {
		return err
	}

	current, err := c.askChecked(source, askCurrentPIN, func(s string) error {
		return client.CheckPIN(client.FieldPIN, s)
	})
	if err != nil {
		return err
	}
	newPIN, err := c.askNewPIN(source)
	if err != nil {
		return err
	}

	err = c.perform(messages.OpChangePIN, messages.ProgressChangePIN, func() error {
		return cl.ChangePIN(current, newPIN)
	})
	if err != nil {
		return err
	}
	return c.writeResult(cl, result{"pin-changed", messages.ResultPINChanged, ""})
}

// resetUserCode is the CA's user-code reset (用戶代碼重設) with the
// card-management key of --key-file: the new user code twice.
func (c *cli) resetUserCode() error {
	if c.opts.keyFile == "" {
		return newTextError("invalid-argument", keyKeyFileMissing)
	}
	key, err := c.readKeyFile(c.opts.keyFile)
	if err != nil {
		return err
	}
	defer clear(key)
	source, err := c.secretSource(resetUserCodeInputs)
	if err != nil {
		return err
	}
	cl, err := c.connectForOperation()
	if err != nil {
		return err
	}
	err = c.checkState(cl, func(_ *client.Client, info *client.Info) error {
		if info.Lifecycle == client.LifecycleTerminated {
			return client.ErrTerminated
		}
		return nil
	})
	if err != nil {
		return err
	}

	userCode, err := c.askChecked(source, askNewUserCode, client.CheckUserCode)
	if err != nil {
		return err
	}
	again, err := c.ask(source, askNewUserCodeAgain)
	if err != nil {
		return err
	}
	if again != userCode {
		return newTextError("user-code-mismatch", messages.UserCodeMismatch)
	}

	err = c.perform(messages.OpResetUserCode, messages.ProgressResetUserCode, func() error {
		return cl.ResetUserCode(key, userCode)
	})
	if err != nil {
		return err
	}
	return c.writeResult(cl, result{"user-code-reset", messages.ResultUserCodeReset, messages.ResultUserCodeAdvice})
}

// connectForOperation connects to the card and, when gca will prompt on
// the terminal, names the reader first, so the user knows which card the
// secrets are for.
func (c *cli) connectForOperation() (*client.Client, error) {
	cl, err := c.connectCard()
	if err != nil {
		return nil, err
	}
	if !c.opts.stdin {
		c.progress(keyUsingReader, c.reader)
	}
	return cl, nil
}

// checkState reads the card's state, which needs no secret, and returns
// check's error for it, so that a card whose state refuses the operation
// is refused before the user types any secret. The client checks the
// state again when it runs the operation.
func (c *cli) checkState(cl *client.Client, check func(cl *client.Client, info *client.Info) error) error {
	info, err := c.readInfo(cl)
	if err != nil {
		return err
	}
	return check(cl, info)
}

// askChecked prompts for one secret and checks its rule at once, so the
// user learns of a mistake before typing the next one.
func (c *cli) askChecked(source secretSource, kind secretKind, check func(string) error) (string, error) {
	value, err := c.ask(source, kind)
	if err != nil {
		return "", err
	}
	return value, check(value)
}

// askNewPIN prompts for the new PIN twice and checks the rule and that both
// are the same (client.CheckNewPIN).
func (c *cli) askNewPIN(source secretSource) (string, error) {
	newPIN, err := c.askChecked(source, askNewPIN, func(s string) error {
		return client.CheckPIN(client.FieldNewPIN, s)
	})
	if err != nil {
		return "", err
	}
	again, err := c.ask(source, askNewPINAgain)
	if err != nil {
		return "", err
	}
	return newPIN, client.CheckNewPIN(newPIN, again)
}

// perform runs an operation that writes to the card, within --timeout,
// showing progress on stderr. While it runs, an error that cuts it off
// reports that the operation may or may not be done.
func (c *cli) perform(op messages.Operation, progress messages.Key, fn func() error) error {
	c.progress(progress)
	c.op = op
	if err := c.bounded(fn); err != nil {
		return err
	}
	c.op = messages.OpRead
	return nil
}

// writeResult shows an operation's success, then reads the card again to
// show its status, as the GCA page advises checking that it is 有效. A
// card that cannot be read then is a warning: the operation is done.
func (c *cli) writeResult(cl *client.Client, r result) error {
	info, readErr := c.readInfo(cl)

	if c.opts.json {
		out := resultJSON{Result: r.code, Message: c.p.Sprintf(r.text), Reader: c.reader}
		if readErr == nil {
			status := cl.Status(info)
			out.CardNumber = info.CardNumber
			out.Status = messages.StatusCode(status)
			out.StatusText = c.p.Status(status)
		}
		c.writeJSON(out)
		return nil
	}

	c.line(c.stdout, keyPlain, c.p.Sprintf(r.text))
	if r.advice != "" {
		c.line(c.stdout, keyPlain, c.p.Sprintf(r.advice))
	}
	if readErr != nil {
		c.line(c.stderr, keyWarningLine, c.p.Sprintf(keyStatusUnreadable, c.p.Error(readErr)))
		return nil
	}
	c.writeStatus(cl.Status(info), info)
	return nil
}

// maxKeyFileSize bounds the key file read: 32 hex digits and a newline,
// with room for spaces around them.
const maxKeyFileSize = 256

// readKeyFile reads the card-management key: 32 hex digits, as in
// fixtures/keys/*/management.key.hex. A key file that others may read is
// a warning, not an error, since a test key is public anyway. Errors never
// show the file's content.
func (c *cli) readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, newTextError("key-file", keyKeyFileRead, path, systemReason(err))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		c.line(c.stderr, keyWarningLine, c.p.Sprintf(keyKeyFileOpen, path, int(fi.Mode().Perm()), path))
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxKeyFileSize {
		return nil, newTextError("key-file", keyKeyFileFormat, path)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, newTextError("key-file", keyKeyFileRead, path, systemReason(err))
	}
	defer clear(data)
	digits := strings.TrimSpace(string(data))
	if len(digits) != 32 {
		return nil, newTextError("key-file", keyKeyFileFormat, path)
	}
	key, err := hex.DecodeString(digits)
	if err != nil {
		return nil, newTextError("key-file", keyKeyFileFormat, path)
	}
	return key, nil
}
