package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gcacard/client"
	"gcacard/internal/taipei"
	"gcacard/messages"
	"gcacard/pcsc"
)

// readerJSON is one reader in the output of gca detect --json.
type readerJSON struct {
	Name        string     `json:"name"`
	CardPresent bool       `json:"cardPresent"`
	Mute        bool       `json:"mute"`
	InUse       bool       `json:"inUse"`
	ATR         string     `json:"atr,omitempty"`
	GCACard     bool       `json:"gcaCard"`
	CardNumber  string     `json:"cardNumber,omitempty"`
	Status      string     `json:"status,omitempty"`
	Error       *errorJSON `json:"error,omitempty"`
}

// detectedReader is a reader with what gca read from its card.
type detectedReader struct {
	reader pcsc.Reader
	info   *client.Info
	status client.CardStatus
	err    error
}

// detect lists every reader with its card, like the GCA page's 偵測卡片:
// card presence, ATR and, for a GCA card, its card number and status.
func (c *cli) detect() error {
	readers, err := c.listReaders()
	if err != nil {
		return err
	}
	found := make([]detectedReader, len(readers))
	for i, r := range readers {
		found[i] = detectedReader{reader: r}
		if r.Present {
			found[i].info, found[i].status, found[i].err = c.readCard(r.Name)
		}
	}

	if c.opts.json {
		out := struct {
			Readers []readerJSON `json:"readers"`
		}{Readers: make([]readerJSON, len(found))}
		for i, d := range found {
			out.Readers[i] = c.readerJSON(d)
		}
		c.writeJSON(out)
		return nil
	}
	for _, d := range found {
		c.writeReader(d)
	}
	return nil
}

// readCard connects to the card in reader and reads its information.
func (c *cli) readCard(reader string) (*client.Info, client.CardStatus, error) {
	var transport client.Transport
	err := c.bounded(func() error {
		var err error
		transport, err = c.service.Connect(reader)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	cl := client.New(transport, client.WithClock(c.sys.now))
	info, err := c.readInfo(cl)
	if err != nil {
		return nil, 0, err
	}
	return info, cl.Status(info), nil
}

// readInfo reads a card's information within --timeout.
func (c *cli) readInfo(cl *client.Client) (*client.Info, error) {
	var info *client.Info
	err := c.bounded(func() error {
		var err error
		info, err = cl.Info()
		return err
	})
	return info, err
}

func (c *cli) readerJSON(d detectedReader) readerJSON {
	out := readerJSON{
		Name:        d.reader.Name,
		CardPresent: d.reader.Present,
		Mute:        d.reader.Mute,
		InUse:       d.reader.InUse,
		ATR:         fmt.Sprintf("%X", d.reader.ATR),
		GCACard:     d.info != nil,
	}
	if d.info != nil {
		out.CardNumber = d.info.CardNumber
		out.Status = messages.StatusCode(d.status)
	}
	if d.err != nil && !errors.Is(d.err, client.ErrUnknownCard) {
		out.Error = &errorJSON{Error: messages.Code(d.err), Message: c.p.Error(d.err), ExitCode: exitCode(d.err)}
	}
	return out
}

func (c *cli) writeReader(d detectedReader) {
	c.line(c.stdout, keyLine, c.p.Sprintf(messages.LabelReader), d.reader.Name)
	presence := c.p.Sprintf(messages.ReaderEmpty)
	switch {
	case d.reader.Mute:
		presence = c.p.Sprintf(messages.ReaderMute)
	case d.reader.Present:
		presence = c.p.Sprintf(messages.ReaderCardPresent)
	}
	if d.reader.InUse {
		presence += c.p.Sprintf(keyAlso, c.p.Sprintf(messages.ReaderInUse))
	}
	c.line(c.stdout, keyIndentedLine, c.p.Sprintf(messages.LabelCard), presence)
	if !d.reader.Present {
		return
	}

	c.line(c.stdout, keyIndentedLine, c.p.Sprintf(messages.LabelATR), formatATR(d.reader.ATR))
	switch {
	case d.info != nil:
		c.line(c.stdout, keyIndentedLine, c.p.Sprintf(messages.LabelCardNumber), d.info.CardNumber)
		c.line(c.stdout, keyIndentedLine, c.p.Sprintf(messages.LabelStatus), c.p.Status(d.status))
	case d.err != nil:
		c.line(c.stdout, keyIndentedLine, c.p.Sprintf(messages.LabelCard), c.p.Error(d.err))
	}
}

// formatATR writes an ATR as hex bytes separated by spaces.
func formatATR(atr []byte) string {
	parts := make([]string, len(atr))
	for i, b := range atr {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, " ")
}

// infoJSON is the output of gca info --json.
type infoJSON struct {
	Reader     string    `json:"reader"`
	CardNumber string    `json:"cardNumber"`
	Holder     string    `json:"holder"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	// ValidFrom and ValidTo are the Taiwan dates of NotBefore and
	// NotAfter, as the card's validity (卡片效期) shows them.
	ValidFrom taipei.Date `json:"validFrom"`
	ValidTo   taipei.Date `json:"validTo"`
	Issued    taipei.Date `json:"issued"`
	// ActivationDeadline is set for a card that is not activated yet.
	ActivationDeadline *taipei.Date `json:"activationDeadline,omitempty"`
	Lifecycle          string       `json:"lifecycle"`
	PIN                client.Tries `json:"pin"`
	UserCode           client.Tries `json:"userCode"`
	Status             string       `json:"status"`
	StatusText         string       `json:"statusText"`
}

// info shows a card's information as the GCA page does, with its
// lifecycle, retry counters and certificate status.
func (c *cli) info() error {
	cl, err := c.connectCard()
	if err != nil {
		return err
	}
	info, err := c.readInfo(cl)
	if err != nil {
		return err
	}
	status := cl.Status(info)

	if c.opts.json {
		var deadline *taipei.Date
		if info.Lifecycle == client.LifecycleIssued {
			last := info.Issued.AddDays(client.ActivationWindowDays)
			deadline = &last
		}
		c.writeJSON(infoJSON{
			Reader:             c.reader,
			CardNumber:         info.CardNumber,
			Holder:             info.Holder,
			NotBefore:          info.NotBefore.In(taipei.Location),
			NotAfter:           info.NotAfter.In(taipei.Location),
			ValidFrom:          taipei.DateOf(info.NotBefore),
			ValidTo:            taipei.DateOf(info.NotAfter),
			Issued:             info.Issued,
			ActivationDeadline: deadline,
			Lifecycle:          info.Lifecycle.String(),
			PIN:                info.PIN,
			UserCode:           info.UserCode,
			Status:             messages.StatusCode(status),
			StatusText:         c.p.Status(status),
		})
		return nil
	}

	c.field(messages.LabelReader, c.reader)
	c.field(messages.LabelCardNumber, info.CardNumber)
	c.field(messages.LabelHolder, info.Holder)
	c.field(messages.LabelValidity, c.p.Validity(info.NotBefore, info.NotAfter))
	c.field(messages.LabelIssued, c.p.Date(info.Issued))
	if info.Lifecycle == client.LifecycleIssued {
		c.field(messages.LabelDeadline, c.p.Deadline(info))
	}
	c.field(messages.LabelLifecycle, c.p.Lifecycle(info.Lifecycle))
	c.field(messages.LabelPIN, c.p.Tries(info.PIN))
	c.field(messages.LabelUserCode, c.p.Tries(info.UserCode))
	c.field(messages.LabelStatus, c.p.Status(status))
	if advice := c.p.StatusAdvice(status, info); advice != "" {
		c.line(c.stdout, keyPlain, advice)
	}
	return nil
}

// statusJSON is the output of gca status --json.
type statusJSON struct {
	Reader     string `json:"reader"`
	CardNumber string `json:"cardNumber"`
	Status     string `json:"status"`
	StatusText string `json:"statusText"`
	Advice     string `json:"advice,omitempty"`
}

// status shows a card's certificate status (憑證狀態) with what to do
// about it. Every status exits 0: the status is the output.
func (c *cli) status() error {
	cl, err := c.connectCard()
	if err != nil {
		return err
	}
	info, err := c.readInfo(cl)
	if err != nil {
		return err
	}
	c.writeStatus(cl.Status(info), info)
	return nil
}

// writeStatus writes the card number and status, as gca status and the
// end of each operation show them.
func (c *cli) writeStatus(status client.CardStatus, info *client.Info) {
	advice := c.p.StatusAdvice(status, info)
	if c.opts.json {
		c.writeJSON(statusJSON{
			Reader:     c.reader,
			CardNumber: info.CardNumber,
			Status:     messages.StatusCode(status),
			StatusText: c.p.Status(status),
			Advice:     advice,
		})
		return
	}
	c.field(messages.LabelCardNumber, info.CardNumber)
	c.field(messages.LabelStatus, c.p.Status(status))
	if advice != "" {
		c.line(c.stdout, keyPlain, advice)
	}
}

// field writes one labelled line of a card's information on stdout.
func (c *cli) field(label messages.Key, value string) {
	c.line(c.stdout, keyLine, c.p.Sprintf(label), value)
}
