package client_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"gcacard/client"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// chunker sits between the client and a card and splits every successful
// response longer than size bytes into parts, as a card with a small
// buffer does: the first part with 61XX, the rest through GET RESPONSE.
type chunker struct {
	next    client.Transport
	size    int
	pending []byte
}

func (ch *chunker) script(cmd iso7816.Command) *reply {
	if cmd.INS == insGetResponse {
		return ch.nextPart(cmd.Ne)
	}
	ch.pending = nil

	raw, err := cmd.Bytes()
	if err != nil {
		panic(err)
	}
	out, err := ch.next.Transmit(raw)
	if err != nil {
		return fail(err)
	}
	resp, err := iso7816.ParseResponse(out)
	if err != nil {
		panic(err)
	}
	if resp.SW != iso7816.SWSuccess || len(resp.Data) <= ch.size {
		return &reply{response: out}
	}
	ch.pending = append([]byte(nil), resp.Data...)
	return ch.nextPart(ch.size)
}

// nextPart returns up to ne waiting bytes, and never more than size.
func (ch *chunker) nextPart(ne int) *reply {
	if len(ch.pending) == 0 {
		return respond(nil, iso7816.SWConditionsNotSatisfied)
	}
	n := min(ne, ch.size, len(ch.pending))
	part := ch.pending[:n]
	ch.pending = ch.pending[n:]
	if len(ch.pending) > 0 {
		return respond(part, iso7816.BytesAvailable(len(ch.pending)))
	}
	return respond(part, iso7816.SWSuccess)
}

// chunkedClient returns a client whose card returns response data in parts
// of at most size bytes.
func chunkedClient(tc *testCard, size int) (*client.Client, *recordingTransport) {
	c, rt := tc.client()
	ch := &chunker{next: rt.next, size: size}
	rt.script = ch.script
	return c, rt
}

func TestInfoCollectsChainedResponses(t *testing.T) {
	tc := openCard(t, "activated")
	plain, _ := tc.client()
	want, err := plain.Info()
	if err != nil {
		t.Fatalf("Info without chaining: %v", err)
	}

	for _, size := range []int{1, 7, 100} {
		t.Run(fmt.Sprintf("parts of %d bytes", size), func(t *testing.T) {
			c, rt := chunkedClient(tc, size)

			got, err := c.Info()
			if err != nil {
				t.Fatalf("Info: %v", err)
			}

			if got.CardNumber != want.CardNumber {
				t.Errorf("CardNumber = %q, want %q", got.CardNumber, want.CardNumber)
			}
			if got.Holder != want.Holder {
				t.Errorf("Holder = %q, want %q", got.Holder, want.Holder)
			}
			if !got.NotBefore.Equal(want.NotBefore) || !got.NotAfter.Equal(want.NotAfter) {
				t.Errorf("validity = %s to %s, want %s to %s", got.NotBefore, got.NotAfter, want.NotBefore, want.NotAfter)
			}
			if got.Issued != want.Issued {
				t.Errorf("Issued = %s, want %s", got.Issued, want.Issued)
			}
			if got.PIN != want.PIN || got.UserCode != want.UserCode {
				t.Errorf("tries = %+v, %+v, want %+v, %+v", got.PIN, got.UserCode, want.PIN, want.UserCode)
			}
			if !bytes.Equal(got.SigningCert.Raw, want.SigningCert.Raw) {
				t.Errorf("signing certificate differs from the one read without chaining")
			}
			if !bytes.Equal(got.EncryptionCert.Raw, want.EncryptionCert.Raw) {
				t.Errorf("encryption certificate differs from the one read without chaining")
			}
			if n := rt.count(insGetResponse); n == 0 {
				t.Errorf("sent no GET RESPONSE, so the test chained nothing")
			}
			checkGetResponseLe(t, rt)
		})
	}
}

// checkGetResponseLe checks that every GET RESPONSE follows a 61XX status
// word and requests the XX bytes that status word announced.
func checkGetResponseLe(t *testing.T, rt *recordingTransport) {
	t.Helper()
	recs := rt.records()
	for i, e := range recs {
		if e.command.INS != insGetResponse {
			continue
		}
		if i == 0 {
			t.Fatalf("the first command is a GET RESPONSE")
		}
		announced, ok := recs[i-1].responseSW(t).IsBytesAvailable()
		if !ok {
			t.Errorf("GET RESPONSE %d follows %v, want 61XX", i, recs[i-1].responseSW(t))
			continue
		}
		if e.command.Ne != announced {
			t.Errorf("GET RESPONSE %d asks for %d bytes, want the %d announced", i, e.command.Ne, announced)
		}
	}
}

func TestSignCollectsChainedSignature(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := chunkedClient(tc, 100)
	message := []byte("chained signature")

	sig, err := c.Sign(activatedPIN, message)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}

	if len(sig) != 256 {
		t.Errorf("signature is %d bytes, want 256", len(sig))
	}
	pso := rt.last(t, insPerformSecurityOp)
	if sw := pso.responseSW(t); sw != iso7816.BytesAvailable(156) {
		t.Errorf("PERFORM SECURITY OPERATION answered %v, want 619C", sw)
	}
	verifySignature(t, c, message, sig)
}

func TestCardKeepsAnsweringBytesAvailable(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()
	errEndless := errors.New("GET RESPONSE sent more than 1000 times")
	rt.script = func(cmd iso7816.Command) *reply {
		if cmd.INS == insGetResponse && rt.count(insGetResponse) >= 1000 {
			// Stop a client that loops without end, so the test fails in
			// place of hanging.
			return fail(errEndless)
		}
		if cmd.INS == insReadBinary || cmd.INS == insGetResponse {
			return respond([]byte{'G'}, iso7816.BytesAvailable(1))
		}
		return nil
	}

	_, err := c.Info()

	if err == nil {
		t.Fatalf("Info = nil error, want an error for a card that never ends its response")
	}
	if errors.Is(err, errEndless) {
		t.Errorf("client sent GET RESPONSE 1000 times, want a smaller bound")
	}
}

// wrongLeOnce returns 6CXX for the first command with ins and P1-P2, and
// passes every other command to the card.
func wrongLeOnce(ins byte, p1p2 uint16, le int) func(iso7816.Command) *reply {
	answered := false
	return func(cmd iso7816.Command) *reply {
		if answered || cmd.INS != ins || uint16(cmd.P1)<<8|uint16(cmd.P2) != p1p2 {
			return nil
		}
		answered = true
		return respond(nil, iso7816.WrongLe(le))
	}
}

func TestReadResendsOnceOnWrongLe(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()
	rt.script = wrongLeOnce(insGetData, 0x0102, 8)

	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	if info.Issued != tc.issued() {
		t.Errorf("Issued = %s, want %s", info.Issued, tc.issued())
	}
	var sent []iso7816.Command
	for _, e := range rt.records() {
		if e.command.INS == insGetData && e.command.P2 == 0x02 {
			sent = append(sent, e.command)
		}
	}
	if len(sent) != 2 {
		t.Fatalf("sent GET DATA 0102 %d times, want 2", len(sent))
	}
	if sent[1].Ne != 8 {
		t.Errorf("resent GET DATA 0102 with Ne %d, want 8 from 6C08", sent[1].Ne)
	}
}

// TestReadFollowsLeOfWrongLe returns 6C05 for GET DATA 0102. The client
// resends it with Ne 5, the card then returns 6C08, and the client stops
// with a CardError in place of a second resend.
func TestReadFollowsLeOfWrongLe(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()
	rt.script = wrongLeOnce(insGetData, 0x0102, 5)

	_, err := c.Info()

	var cardErr *client.CardError
	if !errors.As(err, &cardErr) {
		t.Fatalf("Info = %v, want *CardError", err)
	}
	if cardErr.SW != iso7816.WrongLe(8) {
		t.Errorf("CardError.SW = %v, want 6C08", cardErr.SW)
	}
	var ne []int
	for _, e := range rt.records() {
		if e.command.INS == insGetData && e.command.P2 == 0x02 {
			ne = append(ne, e.command.Ne)
		}
	}
	if len(ne) != 2 {
		t.Fatalf("sent GET DATA 0102 %d times, want 2", len(ne))
	}
	if ne[1] != 5 {
		t.Errorf("resent GET DATA 0102 with Ne %d, want 5 from 6C05", ne[1])
	}
}

func TestReadWrongLeEveryTime(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()
	sent := 0
	rt.script = func(cmd iso7816.Command) *reply {
		if cmd.INS != insGetData || cmd.P1 != 0x01 || cmd.P2 != 0x01 {
			return nil
		}
		sent++
		if sent > 10 {
			// Stop a client that resends without end, so the test fails
			// in place of hanging.
			return fail(errors.New("GET DATA 0101 resent more than 10 times"))
		}
		return respond(nil, iso7816.WrongLe(1))
	}

	_, err := c.Info()

	var cardErr *client.CardError
	if !errors.As(err, &cardErr) {
		t.Fatalf("Info = %v, want *CardError", err)
	}
	if cardErr.SW != iso7816.WrongLe(1) {
		t.Errorf("CardError.SW = %v, want 6C01", cardErr.SW)
	}
	if sent != 2 {
		t.Errorf("sent GET DATA 0101 %d times, want 2", sent)
	}
}

// secretCommand is a client call that sends one command that may use a
// try, and how to recognise that command.
type secretCommand struct {
	name string
	card string
	ins  byte
	p1   byte
	run  func(t *testing.T, c *client.Client) error
}

func secretCommands() []secretCommand {
	return []secretCommand{
		{"VerifyPIN", "activated", insVerify, 0x00, func(t *testing.T, c *client.Client) error {
			return c.VerifyPIN(activatedPIN)
		}},
		{"Sign", "activated", insVerify, 0x00, func(t *testing.T, c *client.Client) error {
			_, err := c.Sign(activatedPIN, []byte("message"))
			return err
		}},
		{"ChangePIN", "activated", insChangeReferenceData, 0x00, func(t *testing.T, c *client.Client) error {
			return c.ChangePIN(activatedPIN, "Chg12345")
		}},
		{"Activate", "valid", insResetRetryCounter, 0x00, func(t *testing.T, c *client.Client) error {
			return c.Activate(validUserCode, "New1234")
		}},
		{"ResetPIN", "pin-blocked", insResetRetryCounter, 0x00, func(t *testing.T, c *client.Client) error {
			return c.ResetPIN(pinBlockedUserCode, "Unb1234")
		}},
		{"ResetUserCode", "usercode-blocked", insResetRetryCounter, 0x02, func(t *testing.T, c *client.Client) error {
			return c.ResetUserCode(managementKey(t, "usercode-blocked"), "NewCode789")
		}},
	}
}

// matches reports whether cmd is the secret command, leaving out the
// query form of VERIFY, which has no data.
func (s secretCommand) matches(cmd iso7816.Command) bool {
	return cmd.INS == s.ins && cmd.P1 == s.p1 && len(cmd.Data) > 0
}

func (s secretCommand) count(rt *recordingTransport) int {
	n := 0
	for _, e := range rt.records() {
		if s.matches(e.command) {
			n++
		}
	}
	return n
}

func TestSecretCommandsNeverResent(t *testing.T) {
	answers := []struct {
		name  string
		reply *reply
		check func(t *testing.T, err error)
	}{
		{"6C0A", respond(nil, iso7816.WrongLe(10)), wantCardError(iso7816.WrongLe(10))},
		{"6C00", respond(nil, iso7816.WrongLe(256)), wantCardError(iso7816.WrongLe(256))},
		{"6104", respond(nil, iso7816.BytesAvailable(4)), wantCardError(iso7816.BytesAvailable(4))},
		{"6100", respond(nil, iso7816.BytesAvailable(256)), wantCardError(iso7816.BytesAvailable(256))},
		{"card removed", fail(pcsc.ErrRemoved), wantErrorIs(pcsc.ErrRemoved)},
		{"card reset", fail(pcsc.ErrReset), wantErrorIs(pcsc.ErrReset)},
	}
	for _, op := range secretCommands() {
		for _, answer := range answers {
			t.Run(op.name+"/"+answer.name, func(t *testing.T) {
				tc := openCard(t, op.card)
				c, rt := tc.client()
				before := tc.card.Status()
				rt.script = func(cmd iso7816.Command) *reply {
					if op.matches(cmd) {
						return answer.reply
					}
					return nil
				}

				err := op.run(t, c)

				answer.check(t, err)
				if n := op.count(rt); n != 1 {
					t.Errorf("sent the command %d times, want once", n)
				}
				if got := tc.card.Status(); got != before {
					t.Errorf("card status = %+v, want unchanged %+v", got, before)
				}
			})
		}
	}
}

func wantCardError(sw iso7816.StatusWord) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var cardErr *client.CardError
		if !errors.As(err, &cardErr) {
			t.Fatalf("error = %v (%T), want *CardError with %v", err, err, sw)
		}
		if cardErr.SW != sw {
			t.Errorf("CardError.SW = %v, want %v", cardErr.SW, sw)
		}
	}
}

func wantErrorIs(target error) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("error = %v, want one that wraps %v", err, target)
		}
	}
}

func TestVerifyQueryNeverResent(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := tc.client()
	rt.script = func(cmd iso7816.Command) *reply {
		if cmd.INS == insVerify && len(cmd.Data) == 0 {
			return respond(nil, iso7816.WrongLe(10))
		}
		return nil
	}

	_, err := c.Info()

	wantCardError(iso7816.WrongLe(10))(t, err)
	if n := rt.count(insVerify); n != 1 {
		t.Errorf("sent VERIFY %d times, want once", n)
	}
}

// transportOperations returns the secret commands and Info, each with the
// card it runs on.
func transportOperations() []secretCommand {
	ops := secretCommands()
	ops = append(ops, secretCommand{name: "Info", card: "activated", run: func(t *testing.T, c *client.Client) error {
		_, err := c.Info()
		return err
	}})
	return ops
}

// TestTransportErrorAtEveryCommand makes the transport fail at each
// command of each operation in turn and checks that the operation returns
// that error, wrapped or not, and sends nothing after it.
func TestTransportErrorAtEveryCommand(t *testing.T) {
	for _, op := range transportOperations() {
		for _, target := range []error{pcsc.ErrRemoved, pcsc.ErrReset} {
			t.Run(fmt.Sprintf("%s/%v", op.name, target), func(t *testing.T) {
				// Count the commands of a run that fails nowhere.
				probe := openCard(t, op.card)
				pc, prt := probe.client()
				if err := op.run(t, pc); err != nil {
					t.Fatalf("%s without failures: %v", op.name, err)
				}
				total := prt.total()

				for failAt := 1; failAt <= total; failAt++ {
					tc := openCard(t, op.card)
					c, rt := tc.client()
					sent := 0
					rt.script = func(cmd iso7816.Command) *reply {
						sent++
						if sent == failAt {
							return fail(target)
						}
						return nil
					}

					err := op.run(t, c)

					recs := rt.records()
					if len(recs) != failAt {
						t.Errorf("failing at command %d: sent %d commands, want none after the failure", failAt, len(recs))
						continue
					}
					if !errors.Is(err, target) {
						t.Errorf("failing at command %d of %d (INS %02X): error = %v, want one that wraps %v",
							failAt, total, recs[failAt-1].command.INS, err, target)
					}
				}
			})
		}
	}
}

func TestTransportErrorDuringGetResponse(t *testing.T) {
	tc := openCard(t, "activated")
	c, rt := chunkedClient(tc, 7)
	chunked := rt.script
	rt.script = func(cmd iso7816.Command) *reply {
		if cmd.INS == insGetResponse {
			return fail(pcsc.ErrRemoved)
		}
		return chunked(cmd)
	}

	_, err := c.Info()

	if !errors.Is(err, pcsc.ErrRemoved) {
		t.Errorf("Info = %v, want one that wraps pcsc.ErrRemoved", err)
	}
	if n := rt.count(insGetResponse); n != 1 {
		t.Errorf("sent %d GET RESPONSE commands, want 1", n)
	}
}

func TestTransactionError(t *testing.T) {
	for _, op := range transportOperations() {
		t.Run(op.name, func(t *testing.T) {
			tc := openCard(t, op.card)
			c, rt := tc.client()
			rt.transactionErr = fmt.Errorf("begin transaction: %w", pcsc.ErrRemoved)

			err := op.run(t, c)

			if !errors.Is(err, pcsc.ErrRemoved) {
				t.Errorf("error = %v, want one that wraps pcsc.ErrRemoved", err)
			}
			if n := rt.total(); n != 0 {
				t.Errorf("sent %d APDUs, want 0", n)
			}
		})
	}
}

func TestMemoryFailureIsStateNotSaved(t *testing.T) {
	for _, op := range secretCommands() {
		t.Run(op.name, func(t *testing.T) {
			tc := openCard(t, op.card)
			c, rt := tc.client()
			rt.script = func(cmd iso7816.Command) *reply {
				if op.matches(cmd) {
					return respond(nil, iso7816.SWMemoryFailure)
				}
				return nil
			}

			err := op.run(t, c)

			if !errors.Is(err, client.ErrStateNotSaved) {
				t.Errorf("error = %v, want ErrStateNotSaved", err)
			}
		})
	}
}

func TestUnexpectedStatusWordIsCardError(t *testing.T) {
	cases := []struct {
		name   string
		card   string
		answer func(cmd iso7816.Command) bool
		sw     iso7816.StatusWord
		run    func(t *testing.T, c *client.Client) error
	}{
		{
			name:   "VERIFY 6A80",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insVerify && len(cmd.Data) > 0 },
			sw:     iso7816.SWWrongData,
			run:    func(t *testing.T, c *client.Client) error { return c.VerifyPIN(activatedPIN) },
		},
		{
			name:   "RESET RETRY COUNTER 6A86",
			card:   "valid",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insResetRetryCounter },
			sw:     iso7816.SWIncorrectP1P2,
			run:    func(t *testing.T, c *client.Client) error { return c.Activate(validUserCode, "New1234") },
		},
		{
			name:   "CHANGE REFERENCE DATA 6700",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insChangeReferenceData },
			sw:     iso7816.SWWrongLength,
			run:    func(t *testing.T, c *client.Client) error { return c.ChangePIN(activatedPIN, "Chg12345") },
		},
		{
			name:   "GET DATA 6A88",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insGetData },
			sw:     iso7816.SWReferencedDataNotFound,
			run:    infoOnly,
		},
		{
			name:   "SELECT 6E00",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insSelect },
			sw:     iso7816.SWCLANotSupported,
			run:    infoOnly,
		},
		{
			name:   "READ BINARY 6B00",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insReadBinary },
			sw:     iso7816.SWWrongParametersP1P2,
			run:    infoOnly,
		},
		{
			name:   "VERIFY query 6A86",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insVerify && len(cmd.Data) == 0 },
			sw:     iso7816.SWIncorrectP1P2,
			run:    infoOnly,
		},
		{
			name:   "PERFORM SECURITY OPERATION 6985",
			card:   "activated",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insPerformSecurityOp },
			sw:     iso7816.SWConditionsNotSatisfied,
			run: func(t *testing.T, c *client.Client) error {
				_, err := c.Sign(activatedPIN, []byte("message"))
				return err
			},
		},
		{
			name:   "GET CHALLENGE 6A86",
			card:   "usercode-blocked",
			answer: func(cmd iso7816.Command) bool { return cmd.INS == insGetChallenge },
			sw:     iso7816.SWIncorrectP1P2,
			run: func(t *testing.T, c *client.Client) error {
				return c.ResetUserCode(managementKey(t, "usercode-blocked"), "NewCode789")
			},
		},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tc := openCard(t, tt.card)
			c, rt := tc.client()
			rt.script = func(cmd iso7816.Command) *reply {
				if tt.answer(cmd) {
					return respond(nil, tt.sw)
				}
				return nil
			}

			err := tt.run(t, c)

			wantCardError(tt.sw)(t, err)
			if err != nil && err.Error() == "" {
				t.Errorf("error has an empty message")
			}
		})
	}
}

func infoOnly(t *testing.T, c *client.Client) error {
	_, err := c.Info()
	return err
}

func TestSelectFileNotFoundIsUnknownCard(t *testing.T) {
	ops := []struct {
		name string
		run  func(c *client.Client) error
	}{
		{"Info", func(c *client.Client) error { _, err := c.Info(); return err }},
		{"Activate", func(c *client.Client) error { return c.Activate(validUserCode, "New1234") }},
		{"ChangePIN", func(c *client.Client) error { return c.ChangePIN(activatedPIN, "Chg12345") }},
		{"ResetPIN", func(c *client.Client) error { return c.ResetPIN(validUserCode, "New1234") }},
		{"Sign", func(c *client.Client) error { _, err := c.Sign(activatedPIN, []byte("m")); return err }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			tc := openCard(t, "valid")
			c, rt := tc.client()
			rt.script = func(cmd iso7816.Command) *reply {
				if cmd.INS == insSelect {
					return respond(nil, iso7816.SWFileNotFound)
				}
				return nil
			}

			err := op.run(c)

			if !errors.Is(err, client.ErrUnknownCard) {
				t.Errorf("error = %v, want ErrUnknownCard", err)
			}
			if n := rt.count(insSelect); n != 1 {
				t.Errorf("sent %d SELECT commands, want 1", n)
			}
			if n := rt.total(); n != 1 {
				t.Errorf("sent %d APDUs, want only the SELECT", n)
			}
		})
	}
}

func TestCertificateFileNotFoundIsUnknownCard(t *testing.T) {
	tc := openCard(t, "valid")
	c, rt := tc.client()
	rt.script = func(cmd iso7816.Command) *reply {
		if cmd.INS == insSelect && bytes.Equal(cmd.Data, []byte{0x50, 0x30, 0x08, 0xF2}) {
			return respond(nil, iso7816.SWFileNotFound)
		}
		return nil
	}

	_, err := c.Info()

	if !errors.Is(err, client.ErrUnknownCard) {
		t.Errorf("Info = %v, want ErrUnknownCard", err)
	}
}

func TestMalformedCardNumberIsUnknownCard(t *testing.T) {
	tc := openCard(t, "valid")
	c, rt := tc.client()
	rt.script = func(cmd iso7816.Command) *reply {
		if cmd.INS == insReadBinary && cmd.P1 == 0 && cmd.P2 == 0 && cmd.Ne == 16 {
			return respond([]byte("not a card numbr"), iso7816.SWSuccess)
		}
		return nil
	}

	_, err := c.Info()

	if !errors.Is(err, client.ErrUnknownCard) {
		t.Errorf("Info = %v, want ErrUnknownCard", err)
	}
}

func TestTraceSeesEveryExchange(t *testing.T) {
	tc := openCard(t, "activated")
	var traced [][2][]byte
	c, rt := tc.client(client.WithTrace(func(command, response []byte) {
		traced = append(traced, [2][]byte{append([]byte(nil), command...), append([]byte(nil), response...)})
	}))

	if _, err := c.Sign(activatedPIN, []byte("traced")); err != nil {
		t.Fatalf("Sign: %v", err)
	}

	recs := rt.records()
	if len(traced) != len(recs) {
		t.Fatalf("trace saw %d exchanges, transport %d", len(traced), len(recs))
	}
	for i, e := range recs {
		if !bytes.Equal(traced[i][0], e.raw) || !bytes.Equal(traced[i][1], e.response) {
			t.Errorf("trace %d = %X -> %X, want %X -> %X", i, traced[i][0], traced[i][1], e.raw, e.response)
		}
	}
}
