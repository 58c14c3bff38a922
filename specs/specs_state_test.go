package specs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/harness"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// Commands of the state specs, sent as raw APDUs so that each spec
// controls exactly what reaches the card.
var (
	selectCardNumberEF = iso7816.Command{INS: 0xA4, P1: 0x08, P2: 0x0C, Data: []byte{0x09, 0x00, 0x09, 0x03}}
	// selectCardNumberFCP requests 1 byte of the FCP template, so the rest
	// waits for GET RESPONSE (RSP-01).
	selectCardNumberFCP = iso7816.Command{INS: 0xA4, P1: 0x08, P2: 0x00, Data: []byte{0x09, 0x00, 0x09, 0x03}, Ne: 1}
	readCardNumber      = iso7816.Command{INS: 0xB0, Ne: 16}
	getResponse         = iso7816.Command{INS: 0xC0, Ne: 256}
	getPINTries         = iso7816.Command{INS: 0xCA, P1: 0x01, P2: 0x80, Ne: 2}
	getUserCodeTries    = iso7816.Command{INS: 0xCA, P1: 0x01, P2: 0x81, Ne: 2}
	queryPIN            = iso7816.Command{INS: 0x20, P2: 0x80}
	queryUserCode       = iso7816.Command{INS: 0x20, P2: 0x81}
	getChallenge        = iso7816.Command{INS: 0x84, Ne: emulator.ChallengeSize}
	mseSetSigning       = iso7816.Command{INS: 0x22, P1: 0x41, P2: 0xB6,
		Data: []byte{0x84, 0x01, emulator.KeyRefSign, 0x80, 0x01, emulator.AlgorithmPKCS1}}
)

// sha256DigestInfoHeader is the DER header of a PKCS#1 DigestInfo for a
// SHA-256 digest (RFC 8017, section 9.2, note 1).
var sha256DigestInfoHeader = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// signDigestInfo is PERFORM SECURITY OPERATION COMPUTE DIGITAL SIGNATURE of
// a fixed SHA-256 DigestInfo.
func signDigestInfo() iso7816.Command {
	digest := sha256.Sum256([]byte("state spec"))
	data := append(append([]byte(nil), sha256DigestInfoHeader...), digest[:]...)
	return iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: data, Ne: 256}
}

// verifyPIN is VERIFY 80 with the PIN in a 10-byte block.
func verifyPIN(pin string) iso7816.Command {
	block, err := emulator.EncodeBlock(pin)
	Expect(err).NotTo(HaveOccurred())
	return iso7816.Command{INS: 0x20, P2: 0x80, Data: block}
}

// stateConn is a PC/SC connection of one spec that adds its exchanges to
// the card's APDU record.
type stateConn struct {
	card *harness.Card
	conn *pcsc.Card
}

func openStateConn(card *harness.Card) *stateConn {
	GinkgoHelper()
	conn, err := card.Connect()
	Expect(err).NotTo(HaveOccurred(), "connecting to the card in %q", card.Reader)
	return &stateConn{card: card, conn: conn}
}

// send transmits cmd and returns the response.
func (s *stateConn) send(cmd iso7816.Command) iso7816.Response {
	GinkgoHelper()
	raw, err := cmd.Bytes()
	Expect(err).NotTo(HaveOccurred())
	out, err := s.conn.Transmit(raw)
	Expect(err).NotTo(HaveOccurred(), "transmitting %s", emulator.RedactCommand(raw))
	s.card.Rec.Record(raw, out)
	resp, err := iso7816.ParseResponse(out)
	Expect(err).NotTo(HaveOccurred())
	return resp
}

// expectSW sends cmd and checks its status word. It compares the status
// words as text, so a failure shows them in hex with their meaning.
func (s *stateConn) expectSW(cmd iso7816.Command, want iso7816.StatusWord, step string) iso7816.Response {
	GinkgoHelper()
	resp := s.send(cmd)
	Expect(resp.SW.String()).To(Equal(want.String()), step)
	return resp
}

// tries returns the retry counter that GET DATA reports: maximum, then
// tries remaining.
func (s *stateConn) tries(cmd iso7816.Command) []byte {
	GinkgoHelper()
	resp := s.expectSW(cmd, iso7816.SWSuccess, "GET DATA of a retry counter")
	Expect(resp.Data).To(HaveLen(2))
	return bytes.Clone(resp.Data)
}

// clearingEvent is a way to end the card's session: a warm reset, a
// power-off or a removal. Each must clear the security status (SEC-02).
type clearingEvent struct {
	name string
	// apply ends the session and returns the connection to go on with.
	apply func(card *harness.Card, s *stateConn) *stateConn
	// harnessOnly events need the harness to move a virtual card.
	harnessOnly bool
}

var clearingEvents = []clearingEvent{
	{
		name: "warm reset (SCardReconnect with SCARD_RESET_CARD)",
		apply: func(_ *harness.Card, s *stateConn) *stateConn {
			Expect(s.conn.Reconnect(pcsc.ResetCard)).To(Succeed())
			return s
		},
	},
	{
		name: "power-off (SCardReconnect with SCARD_UNPOWER_CARD)",
		apply: func(_ *harness.Card, s *stateConn) *stateConn {
			Expect(s.conn.Reconnect(pcsc.UnpowerCard)).To(Succeed())
			return s
		},
	},
	{
		name: "removal and re-insertion (harness PowerCycle)",
		apply: func(card *harness.Card, _ *stateConn) *stateConn {
			Expect(card.PowerCycle(context.Background())).To(Succeed())
			return openStateConn(card)
		},
		harnessOnly: true,
	},
}

// clearingEntries returns one table entry per clearing event.
func clearingEntries() []TableEntry {
	var entries []TableEntry
	for _, e := range clearingEvents {
		entries = append(entries, Entry(e.name, e))
	}
	return entries
}

// requireVirtual skips the spec on a physical card, which the harness can
// neither remove nor restart.
func requireVirtual(card *harness.Card) {
	GinkgoHelper()
	if !card.Virtual() {
		Skip("needs a virtual card: the harness cannot remove, power-cycle or restart a physical card")
	}
}

// freshInfo reads the card's information with a new client on a new
// connection.
func freshInfo(card *harness.Card) *client.Info {
	GinkgoHelper()
	cl, err := card.Client()
	Expect(err).NotTo(HaveOccurred())
	info, err := cl.Info()
	Expect(err).NotTo(HaveOccurred())
	return info
}

var _ = Describe("Card state", AreaState, func() {
	Describe("query form of VERIFY", func() {
		It("uses no try of the PIN or the user code [VER-02]", PhysicalSafe, func() {
			card := useCard("activated")
			s := openStateConn(card)
			pinBefore := s.tries(getPINTries)
			userCodeBefore := s.tries(getUserCodeTries)

			// The card's state is unknown here, so the spec checks that
			// every query returns the same status word and changes no
			// counter.
			pinSW := s.send(queryPIN).SW
			userCodeSW := s.send(queryUserCode).SW
			for range 4 {
				Expect(s.send(queryPIN).SW.String()).To(Equal(pinSW.String()), "a repeated PIN query")
				Expect(s.send(queryUserCode).SW.String()).To(Equal(userCodeSW.String()), "a repeated user-code query")
			}

			Expect(s.tries(getPINTries)).To(Equal(pinBefore), "PIN retry counter after 5 queries")
			Expect(s.tries(getUserCodeTries)).To(Equal(userCodeBefore), "user-code retry counter after 5 queries")
			Expect(userCodeSW.String()).NotTo(Equal(iso7816.SWSuccess.String()),
				"the user code is never verified on its own, so its query never returns 9000")
			if n, ok := userCodeSW.IsRetriesRemaining(); ok {
				Expect(n).To(Equal(int(userCodeBefore[1])), "tries in the user-code query against GET DATA 0181")
			}
			if n, ok := pinSW.IsRetriesRemaining(); ok {
				Expect(n).To(Equal(int(pinBefore[1])), "tries in the PIN query against GET DATA 0180")
			}
		})

		DescribeTable("returns each card state's status word and uses no try [VER-02] [LC-02] [LC-03] [REF-05]", Virtual,
			func(profile string, wantPIN, wantUserCode iso7816.StatusWord) {
				card := useCard(profile)
				s := openStateConn(card)
				before := card.Emulator().Status()

				for range 5 {
					s.expectSW(queryPIN, wantPIN, "PIN query")
					s.expectSW(queryUserCode, wantUserCode, "user-code query")
				}

				after := card.Emulator().Status()
				Expect(after.PINTries).To(Equal(before.PINTries), "PIN retry counter after 5 queries")
				Expect(after.UserCodeTries).To(Equal(before.UserCodeTries), "user-code retry counter after 5 queries")
			},
			Entry("issued card", "valid", iso7816.SWReferenceDataNotUsable, iso7816.RetriesRemaining(3)),
			Entry("activated card", "activated", iso7816.RetriesRemaining(3), iso7816.RetriesRemaining(3)),
			Entry("blocked PIN", "pin-blocked", iso7816.SWAuthMethodBlocked, iso7816.RetriesRemaining(3)),
			Entry("blocked user code", "usercode-blocked", iso7816.SWReferenceDataNotUsable, iso7816.SWAuthMethodBlocked),
			Entry("terminated card", "terminated", iso7816.SWFunctionNotSupported, iso7816.SWFunctionNotSupported),
		)

		It("returns 9000 after VERIFY and still uses no try [VER-02] [VER-01]", Virtual, func() {
			card := useCard("activated")
			s := openStateConn(card)

			s.expectSW(verifyPIN(card.Secrets.PIN), iso7816.SWSuccess, "VERIFY with the correct PIN")
			for range 5 {
				s.expectSW(queryPIN, iso7816.SWSuccess, "PIN query after VERIFY")
			}
			Expect(s.tries(getPINTries)).To(Equal([]byte{3, 3}), "PIN retry counter after 5 queries")
		})
	})

	Describe("security status across reset and power-off", func() {
		DescribeTable("current file and waiting response data are cleared by [SEC-01] [SEC-02] [FS-09] [RSP-03]", PhysicalSafe,
			func(event clearingEvent) {
				card := useCard("activated")
				if event.harnessOnly {
					requireVirtual(card)
				}
				s := openStateConn(card)

				By("checking that without the event the current file and the waiting data stay")
				s.expectSW(selectCardNumberEF, iso7816.SWSuccess, "SELECT EF 0903")
				s.expectSW(readCardNumber, iso7816.SWSuccess, "READ BINARY of EF 0903")
				fcp := s.send(selectCardNumberFCP)
				_, waiting := fcp.SW.IsBytesAvailable()
				Expect(waiting).To(BeTrue(), "SELECT with Ne=1 leaves the rest of the FCP waiting, got %v", fcp.SW)
				s.expectSW(getResponse, iso7816.SWSuccess, "GET RESPONSE with FCP data waiting")

				By("ending the session with a " + event.name)
				s.expectSW(selectCardNumberFCP, fcp.SW, "SELECT with Ne=1 again")
				s = event.apply(card, s)

				s.expectSW(getResponse, iso7816.SWConditionsNotSatisfied, "GET RESPONSE: the waiting FCP data must be gone")
				s.expectSW(readCardNumber, iso7816.SWNoCurrentEF, "READ BINARY: the MF must be the current file")
			},
			clearingEntries(),
		)

		DescribeTable("PIN status and security environment are cleared, so PSO needs VERIFY and MSE again, by [SEC-01] [SEC-02] [KEY-05]", Virtual,
			func(event clearingEvent) {
				card := useCard("activated")
				if event.harnessOnly {
					requireVirtual(card)
				}
				s := openStateConn(card)

				By("signing once with the PIN verified")
				s.expectSW(verifyPIN(card.Secrets.PIN), iso7816.SWSuccess, "VERIFY")
				s.expectSW(mseSetSigning, iso7816.SWSuccess, "MSE SET for signing")
				s.expectSW(signDigestInfo(), iso7816.SWSuccess, "PSO COMPUTE DIGITAL SIGNATURE")

				By("ending the session with a " + event.name)
				s = event.apply(card, s)

				s.expectSW(queryPIN, iso7816.RetriesRemaining(3), "PIN query: the PIN must no longer be verified")
				s.expectSW(signDigestInfo(), iso7816.SWSecurityNotSatisfied, "PSO without VERIFY")
				s.expectSW(verifyPIN(card.Secrets.PIN), iso7816.SWSuccess, "VERIFY")
				s.expectSW(signDigestInfo(), iso7816.SWConditionsNotSatisfied, "PSO without MSE since the event")
				s.expectSW(mseSetSigning, iso7816.SWSuccess, "MSE SET for signing")
				s.expectSW(signDigestInfo(), iso7816.SWSuccess, "PSO after VERIFY and MSE")
			},
			clearingEntries(),
		)

		DescribeTable("challenge and CA authentication are cleared by [SEC-01] [SEC-02] [UCR-02] [UCR-03]", Virtual, Destructive,
			func(event clearingEvent) {
				card := useCard("activated")
				if event.harnessOnly {
					requireVirtual(card)
				}
				if len(card.Secrets.ManagementKey) == 0 || card.Secrets.UserCode == "" {
					Skip("needs the card-management key and the user code")
				}
				s := openStateConn(card)
				// The reset sets the user code the card already has, so the
				// card's secrets stay the same.
				userCodeBlock, err := emulator.EncodeBlock(card.Secrets.UserCode)
				Expect(err).NotTo(HaveOccurred())
				setUserCode := iso7816.Command{INS: 0x2C, P1: 0x02, P2: 0x81, Data: userCodeBlock}

				externalAuthenticate := func(challenge []byte) iso7816.Command {
					cryptogram, err := emulator.ManagementCryptogram(card.Secrets.ManagementKey, challenge, card.CardNumber)
					Expect(err).NotTo(HaveOccurred())
					return iso7816.Command{INS: 0x82, P2: emulator.ManagementKeyRef, Data: cryptogram}
				}

				By("losing the challenge to the " + event.name)
				challenge := s.expectSW(getChallenge, iso7816.SWSuccess, "GET CHALLENGE").Data
				s = event.apply(card, s)
				s.expectSW(externalAuthenticate(challenge), iso7816.SWConditionsNotSatisfied,
					"EXTERNAL AUTHENTICATE with the challenge from before the event")

				By("losing the CA's security status to the " + event.name)
				challenge = s.expectSW(getChallenge, iso7816.SWSuccess, "GET CHALLENGE").Data
				s.expectSW(externalAuthenticate(challenge), iso7816.SWSuccess, "EXTERNAL AUTHENTICATE")
				s = event.apply(card, s)
				s.expectSW(setUserCode, iso7816.SWSecurityNotSatisfied, "user-code reset after the event")

				By("checking that without the event the user-code reset works")
				challenge = s.expectSW(getChallenge, iso7816.SWSuccess, "GET CHALLENGE").Data
				s.expectSW(externalAuthenticate(challenge), iso7816.SWSuccess, "EXTERNAL AUTHENTICATE")
				s.expectSW(setUserCode, iso7816.SWSuccess, "user-code reset right after EXTERNAL AUTHENTICATE")
			},
			clearingEntries(),
		)
	})

	Describe("persistent state", func() {
		It("keeps retry counters across removal, re-insertion and restart [ST-01] [ST-03] [CNT-01]", Virtual, Destructive, func() {
			card := useCard("activated")
			requireVirtual(card)
			ctx := context.Background()
			cl, err := card.Client()
			Expect(err).NotTo(HaveOccurred())

			var wrong *client.WrongSecretError
			Expect(errors.As(cl.VerifyPIN("999999"), &wrong)).To(BeTrue(), "VERIFY with a wrong PIN")
			Expect(wrong.TriesLeft).To(Equal(2))
			Expect(errors.As(cl.ResetPIN("wrongcode1", "246802"), &wrong)).To(BeTrue(), "PIN reset with a wrong user code")
			Expect(wrong.TriesLeft).To(Equal(2))
			saved := card.Emulator().Status()

			checkCounters := func(after string) {
				GinkgoHelper()
				info := freshInfo(card)
				Expect(info.Lifecycle).To(Equal(client.LifecycleActivated), "lifecycle after %s", after)
				Expect(info.PIN.Remaining).To(Equal(2), "PIN tries left after %s", after)
				Expect(info.UserCode.Remaining).To(Equal(2), "user-code tries left after %s", after)
				Expect(card.Emulator().Status()).To(Equal(saved), "saved state after %s", after)
			}

			Expect(card.Remove(ctx)).To(Succeed())
			Expect(card.Insert(ctx)).To(Succeed())
			checkCounters("removal and re-insertion")

			Expect(card.Restart(ctx)).To(Succeed())
			checkCounters("a restart")

			By("restoring the PIN's counter after the restart and restarting again")
			cl, err = card.Client()
			Expect(err).NotTo(HaveOccurred())
			Expect(cl.VerifyPIN(card.Secrets.PIN)).To(Succeed())
			Expect(card.Restart(ctx)).To(Succeed())
			info := freshInfo(card)
			Expect(info.PIN.Remaining).To(Equal(3), "PIN tries left after a correct VERIFY and a restart")
			Expect(info.UserCode.Remaining).To(Equal(2), "user-code tries left after a restart")
		})

		It("keeps an activation and its new PIN across restart and power cycle [ST-01] [ST-03] [ACT-02]", Virtual, Destructive, func() {
			card := useCard("valid")
			requireVirtual(card)
			ctx := context.Background()
			cl, err := card.Client()
			Expect(err).NotTo(HaveOccurred())
			Expect(cl.Activate(card.Secrets.UserCode, "Keep2468")).To(Succeed())
			saved := card.Emulator().Status()

			Expect(card.Restart(ctx)).To(Succeed())
			Expect(card.Emulator().Status()).To(Equal(saved), "saved state after a restart")
			Expect(card.PowerCycle(ctx)).To(Succeed())

			info := freshInfo(card)
			Expect(info.Lifecycle).To(Equal(client.LifecycleActivated))
			Expect(info.PIN.NotSet).To(BeFalse(), "the PIN must be set")
			Expect(info.PIN.Remaining).To(Equal(3))
			Expect(info.UserCode.Remaining).To(Equal(3))
			cl, err = card.Client()
			Expect(err).NotTo(HaveOccurred())
			Expect(cl.VerifyPIN("Keep2468")).To(Succeed(), "the PIN set before the restart")
		})

		Describe("state file of a virtual card", func() {
			// statePath returns the state file of the spec's virtual card.
			statePath := func(card *harness.Card) string {
				return filepath.Join(card.StateDir(), emulator.StateFileName)
			}

			It("holds salted digests, no secret in clear, and no temporary file [ST-01] [ST-02] [ST-03]", Virtual, Destructive, func() {
				card := useCard("valid")
				requireVirtual(card)
				cl, err := card.Client()
				Expect(err).NotTo(HaveOccurred())

				Expect(cl.Activate(card.Secrets.UserCode, "File2468")).To(Succeed())
				Expect(cl.ChangePIN("File2468", "File1357")).To(Succeed())
				_, err = cl.Sign("File1357", []byte("state file"))
				Expect(err).NotTo(HaveOccurred())
				Expect(cl.VerifyPIN("000000")).NotTo(Succeed(), "VERIFY with a wrong PIN")
				Expect(cl.ResetUserCode(card.Secrets.ManagementKey, "FileUC99")).To(Succeed())

				raw := mustRead(statePath(card))
				secrets := map[string]string{
					"user code":     card.Secrets.UserCode,
					"first PIN":     "File2468",
					"changed PIN":   "File1357",
					"new user code": "FileUC99",
				}
				for name, secret := range secrets {
					Expect(leakedForms(string(raw), secret)).To(BeEmpty(), "the %s in the state file", name)
				}

				var file struct {
					State struct {
						Salt []byte `json:"salt"`
						PIN  struct {
							Digest    []byte `json:"digest"`
							Remaining int    `json:"remaining"`
						} `json:"pin"`
						UserCode struct {
							Digest []byte `json:"digest"`
						} `json:"userCode"`
					} `json:"state"`
				}
				Expect(json.Unmarshal(raw, &file)).To(Succeed())
				Expect(file.State.Salt).To(HaveLen(32), "salt")
				Expect(file.State.PIN.Digest).To(HaveLen(sha256.Size), "PIN digest")
				Expect(file.State.UserCode.Digest).To(HaveLen(sha256.Size), "user-code digest")
				Expect(file.State.PIN.Remaining).To(Equal(2), "PIN tries left in the file after one wrong VERIFY")

				fi, err := os.Stat(statePath(card))
				Expect(err).NotTo(HaveOccurred())
				Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o600)), "state file mode")
				entries, err := os.ReadDir(card.StateDir())
				Expect(err).NotTo(HaveOccurred())
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				Expect(names).To(Equal([]string{emulator.StateFileName}), "no temporary file may stay after the saves")
			})

			// The harness discards the emulator's log, so this spec opens
			// the fixture card in-process with a log of its own, as
			// gcacard serve opens it.
			It("is created in a folder of mode 0700, and the card's log holds no secret [ST-02] [LOG-01]", Virtual, func() {
				if cfg.Target != harness.TargetVirtual {
					Skip("virtual only: the spec opens the emulator in-process")
				}
				profile, err := fixtures.Load("valid")
				Expect(err).NotTo(HaveOccurred())
				// A folder that does not exist yet, so the card creates it.
				store := emulator.FileStore{Dir: filepath.Join(GinkgoT().TempDir(), "card")}
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				emu, err := fixtures.OpenCard(profile, store, time.Now(), emulator.Options{Logger: logger})
				Expect(err).NotTo(HaveOccurred())
				img, err := profile.Image(emu.Status().Dates)
				Expect(err).NotTo(HaveOccurred())

				cl := client.New(&client.InProcess{Card: emu})
				Expect(cl.Activate(profile.UserCode.Value, "Log02468")).To(Succeed())
				Expect(cl.ChangePIN("Log02468", "Log01357")).To(Succeed())
				Expect(cl.VerifyPIN("000000")).NotTo(Succeed(), "VERIFY with a wrong PIN")
				Expect(cl.ResetUserCode(img.ManagementKey, "LogUC0099")).To(Succeed())
				Expect(cl.ResetUserCode(bytes.Repeat([]byte{0x5A}, 16), "LogUC0098")).NotTo(Succeed(),
					"user-code reset with a wrong card-management key")
				Expect(logs.String()).To(ContainSubstring("card activated"), "the log must record the activation")

				secrets := map[string]string{
					"user code":           profile.UserCode.Value,
					"first PIN":           "Log02468",
					"changed PIN":         "Log01357",
					"new user code":       "LogUC0099",
					"card-management key": hex.EncodeToString(img.ManagementKey),
				}
				for name, secret := range secrets {
					Expect(leakedForms(logs.String(), secret)).To(BeEmpty(), "the %s in the card's log", name)
				}

				dir, err := os.Stat(store.Dir)
				Expect(err).NotTo(HaveOccurred())
				Expect(dir.Mode().Perm()).To(Equal(os.FileMode(0o700)), "state folder mode")
			})

			DescribeTable("stops the card on restart when damaged, leaving the file as it was [ST-04]", Virtual, Destructive,
				func(damage func(raw []byte) []byte) {
					card := useCard("activated")
					requireVirtual(card)
					cl, err := card.Client()
					Expect(err).NotTo(HaveOccurred())
					Expect(cl.VerifyPIN("999999")).NotTo(Succeed(), "VERIFY with a wrong PIN, so the file holds 2 PIN tries")

					path := statePath(card)
					raw := mustRead(path)
					damaged := damage(raw)
					Expect(damaged).NotTo(Equal(raw), "the damage must change the file")
					Expect(os.WriteFile(path, damaged, 0o600)).To(Succeed())

					err = card.Restart(context.Background())
					Expect(err).To(HaveOccurred(), "restarting the card on a damaged state file")
					Expect(err.Error()).To(ContainSubstring(path), "the error must name the state file")
					Expect(mustRead(path)).To(Equal(damaged), "the card must not rewrite a damaged state file")
				},
				Entry("wrong checksum after a careless edit of the counter", func(raw []byte) []byte {
					return bytes.Replace(raw, []byte(`"remaining": 2`), []byte(`"remaining": 3`), 1)
				}),
				Entry("missing retry counter, checksum updated", func(raw []byte) []byte {
					return rewriteState(raw, func(st map[string]any) {
						delete(st["pin"].(map[string]any), "remaining")
					})
				}),
				Entry("other format version, checksum updated", func(raw []byte) []byte {
					return rewriteState(raw, func(st map[string]any) { st["format"] = 99 })
				}),
				Entry("file of another card", func([]byte) []byte { return otherCardStateFile("valid") }),
				Entry("not a state file", func([]byte) []byte { return []byte("not a state file\n") }),
			)
		})
	})

	Describe("secrets in the APDU record", func() {
		It("shows no secret of a full activation and redacts each data field [LOG-01] [LOG-02]", Virtual, Destructive, func() {
			card := useCard("valid")
			requireVirtual(card)
			cl, err := card.Client()
			Expect(err).NotTo(HaveOccurred())

			Expect(cl.Activate(card.Secrets.UserCode, "Log24680")).To(Succeed())
			Expect(cl.VerifyPIN("Log24680")).To(Succeed())
			Expect(cl.ChangePIN("Log24680", "Log13579")).To(Succeed())
			_, err = cl.Sign("Log13579", []byte("record"))
			Expect(err).NotTo(HaveOccurred())
			Expect(cl.ResetPIN(card.Secrets.UserCode, "Log97531")).To(Succeed())
			Expect(cl.ResetUserCode(card.Secrets.ManagementKey, "LogUC2468")).To(Succeed())

			var record strings.Builder
			Expect(card.Rec.WriteText(&record)).To(Succeed())
			secrets := map[string]string{
				"user code":           card.Secrets.UserCode,
				"first PIN":           "Log24680",
				"changed PIN":         "Log13579",
				"reset PIN":           "Log97531",
				"new user code":       "LogUC2468",
				"card-management key": hex.EncodeToString(card.Secrets.ManagementKey),
			}
			for name, secret := range secrets {
				Expect(leakedForms(record.String(), secret)).To(BeEmpty(), "the %s in the APDU record", name)
			}

			// Each command that carries a secret shows its header, Lc and
			// the length of the redacted data, and nothing else.
			want := map[string]string{
				"VERIFY":                     `^00200080 Lc=10 <redacted 10 bytes>$`,
				"CHANGE REFERENCE DATA":      `^00240080 Lc=20 <redacted 20 bytes>$`,
				"RESET RETRY COUNTER":        `^002C0080 Lc=20 <redacted 20 bytes>$`,
				"RESET RETRY COUNTER 81":     `^002C0281 Lc=10 <redacted 10 bytes>$`,
				"EXTERNAL AUTHENTICATE":      `^00820001 Lc=16 <redacted 16 bytes>$`,
				"PERFORM SECURITY OPERATION": `^002A9E9A`,
			}
			seen := map[string]int{}
			for _, e := range card.Rec.Exchanges() {
				name := secretCommandName(e.Command)
				if name == "" {
					continue
				}
				seen[name]++
				Expect(e.Command).To(MatchRegexp(want[name]), "record of %s", name)
				if name == "PERFORM SECURITY OPERATION" {
					Expect(e.Response).To(Equal("<redacted 256 bytes> 9000"), "record of the signature in PSO's response")
				}
			}
			for name := range want {
				Expect(seen).To(HaveKey(name), "the record must hold a %s command", name)
			}
		})
	})

	Describe("removal during activation", func() {
		// Each entry removes the card once the activation has sent a
		// given number of APDUs, n being the APDUs of the reads before
		// RESET RETRY COUNTER, then waits delay. Removals at n race with
		// RESET RETRY COUNTER itself.
		DescribeTable("leaves the card activated or untouched, never half-changed [GEN-07] [ST-03] [CNT-01] [ACT-02]", Virtual, Destructive,
			func(removeAfter func(n int) int, delay time.Duration) {
				card := useCard("valid")
				requireVirtual(card)
				ctx := context.Background()

				By("counting the APDUs of the reads that precede RESET RETRY COUNTER")
				base := card.Rec.Len()
				freshInfo(card)
				n := card.Rec.Len() - base
				k := removeAfter(n)

				cl, err := card.Client()
				Expect(err).NotTo(HaveOccurred())
				start := card.Rec.Len()
				activated := make(chan error, 1)
				go func() {
					defer GinkgoRecover()
					activated <- cl.Activate(card.Secrets.UserCode, "Half2468")
				}()

				var activateErr error
				finished := false
			poll:
				for card.Rec.Len()-start < k {
					select {
					case activateErr = <-activated:
						finished = true
						break poll
					case <-time.After(50 * time.Microsecond):
					}
				}
				time.Sleep(delay)
				Expect(card.Remove(ctx)).To(Succeed())
				if !finished {
					Eventually(activated).WithTimeout(harness.PresenceTimeout).Should(Receive(&activateErr),
						"the activation must return once the card is gone")
				}
				Expect(card.Insert(ctx)).To(Succeed())

				info := freshInfo(card)
				outcome := fmt.Sprintf("removed after %d of %d APDUs (+%s): lifecycle %s, user-code tries %d, activation error %v",
					k, n+1, delay, info.Lifecycle, info.UserCode.Remaining, activateErr)
				AddReportEntry("outcome", outcome, ReportEntryVisibilityFailureOrVerbose)

				cl, err = card.Client()
				Expect(err).NotTo(HaveOccurred())
				switch info.Lifecycle {
				case client.LifecycleActivated:
					Expect(info.PIN.NotSet).To(BeFalse(), "an activated card must have its PIN set")
					Expect(info.PIN.Remaining).To(Equal(3), "PIN tries after activation")
					Expect(info.UserCode.Remaining).To(Equal(3), "user-code tries after activation")
					Expect(cl.VerifyPIN("Half2468")).To(Succeed(), "the new PIN must verify on an activated card")
				case client.LifecycleIssued:
					Expect(activateErr).To(HaveOccurred(), "the activation reported success but the card is not activated")
					Expect(info.PIN.NotSet).To(BeTrue(), "an issued card must have no PIN")
					// A removal between the save of the decremented counter
					// and the comparison may keep that try used (CNT-01).
					Expect(info.UserCode.Remaining).To(BeElementOf(2, 3), "user-code tries of an untouched card")
					Expect(cl.Activate(card.Secrets.UserCode, "Again246")).To(Succeed(), "activating the untouched card")
				default:
					Fail(fmt.Sprintf("lifecycle after the removal is %s, want activated or issued", info.Lifecycle))
				}
			},
			Entry("after the first APDU", func(int) int { return 1 }, time.Duration(0)),
			Entry("a third of the way through the reads", func(n int) int { return n / 3 }, time.Duration(0)),
			Entry("two thirds of the way through the reads", func(n int) int { return 2 * n / 3 }, time.Duration(0)),
			Entry("after the last read", func(n int) int { return n }, time.Duration(0)),
			Entry("0.5 ms after the last read", func(n int) int { return n }, 500*time.Microsecond),
			Entry("1 ms after the last read", func(n int) int { return n }, time.Millisecond),
			Entry("3 ms after the last read", func(n int) int { return n }, 3*time.Millisecond),
			Entry("after RESET RETRY COUNTER", func(n int) int { return n + 1 }, time.Duration(0)),
		)
	})

	Describe("PC/SC transactions", func() {
		It("make a second client wait until the first one's transaction ends [GEN-07]", PhysicalSafe, func() {
			card := useCard("activated")
			a := openStateConn(card)
			const hold = 300 * time.Millisecond

			// firstOfB is when client B received its first response.
			var (
				mu       sync.Mutex
				firstOfB time.Time
			)
			traceB := func(command, response []byte) {
				card.Rec.Record(command, response)
				mu.Lock()
				defer mu.Unlock()
				if firstOfB.IsZero() {
					firstOfB = time.Now()
				}
			}
			b, err := card.Client(client.WithTrace(traceB))
			Expect(err).NotTo(HaveOccurred())

			type result struct {
				info       *client.Info
				err        error
				finishedAt time.Time
			}
			bResult := make(chan result, 1)
			var aCardNumber []byte
			var aEnded time.Time

			err = a.conn.Transaction(func() error {
				a.expectSW(selectCardNumberEF, iso7816.SWSuccess, "client A: SELECT EF 0903")
				bStarted := make(chan struct{})
				go func() {
					close(bStarted)
					info, err := b.Info()
					bResult <- result{info: info, err: err, finishedAt: time.Now()}
				}()
				<-bStarted
				time.Sleep(hold)
				// B's reads select other files: had B run inside A's
				// transaction, EF 0903 would no longer be current.
				aCardNumber = a.expectSW(readCardNumber, iso7816.SWSuccess, "client A: READ BINARY after holding the card").Data
				aEnded = time.Now()
				return nil
			})
			Expect(err).NotTo(HaveOccurred(), "client A's transaction")

			var got result
			Eventually(bResult).WithTimeout(10 * time.Second).Should(Receive(&got))
			Expect(got.err).NotTo(HaveOccurred(), "client B's Info")
			Expect(string(aCardNumber)).To(Equal(got.info.CardNumber), "card number that client A read inside its transaction")
			mu.Lock()
			defer mu.Unlock()
			Expect(firstOfB).To(BeTemporally(">", aEnded), "client B's first response must come after A's transaction")
			Expect(got.finishedAt).To(BeTemporally(">", aEnded), "client B must finish after A's transaction")
		})
	})
})

// leakedForms returns the names of the forms in which secret appears in
// text: in clear, in hex of either case or in base64. It names the forms
// rather than returning them, so that a failure does not print the secret.
func leakedForms(text, secret string) []string {
	h := hex.EncodeToString([]byte(secret))
	forms := map[string]string{
		"in clear":     secret,
		"in hex":       h,
		"in upper hex": strings.ToUpper(h),
		"in base64":    base64.StdEncoding.EncodeToString([]byte(secret)),
	}
	var found []string
	for name, form := range forms {
		if strings.Contains(text, form) {
			found = append(found, name)
		}
	}
	return found
}

// secretCommandName names a recorded command whose data or response the
// trace must redact, or returns "".
func secretCommandName(command string) string {
	switch {
	case strings.HasPrefix(command, "00200080 "):
		return "VERIFY"
	case strings.HasPrefix(command, "00240080"):
		return "CHANGE REFERENCE DATA"
	case strings.HasPrefix(command, "002C0080"):
		return "RESET RETRY COUNTER"
	case strings.HasPrefix(command, "002C0281"):
		return "RESET RETRY COUNTER 81"
	case strings.HasPrefix(command, "00820001"):
		return "EXTERNAL AUTHENTICATE"
	case strings.HasPrefix(command, "002A9E9A"):
		return "PERFORM SECURITY OPERATION"
	}
	return ""
}

// rewriteState changes the state inside a state file and writes a new
// checksum, so that only the checks after the checksum can reject it.
func rewriteState(raw []byte, change func(map[string]any)) []byte {
	GinkgoHelper()
	var file map[string]json.RawMessage
	Expect(json.Unmarshal(raw, &file)).To(Succeed())
	var st map[string]any
	Expect(json.Unmarshal(file["state"], &st)).To(Succeed())
	change(st)
	body, err := json.Marshal(st)
	Expect(err).NotTo(HaveOccurred())
	sum := sha256.Sum256(body)
	out, err := json.Marshal(map[string]any{"state": json.RawMessage(body), "sha256": hex.EncodeToString(sum[:])})
	Expect(err).NotTo(HaveOccurred())
	return out
}

// otherCardStateFile returns a new state file of the fixture card profile,
// made in-process in a temporary folder.
func otherCardStateFile(profile string) []byte {
	GinkgoHelper()
	p, err := fixtures.Load(profile)
	Expect(err).NotTo(HaveOccurred())
	store := emulator.FileStore{Dir: GinkgoT().TempDir()}
	_, err = fixtures.OpenCard(p, store, time.Now(), emulator.Options{Logger: slog.New(slog.DiscardHandler)})
	Expect(err).NotTo(HaveOccurred())
	return mustRead(store.Path())
}

func mustRead(path string) []byte {
	GinkgoHelper()
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return b
}
