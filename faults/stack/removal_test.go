package stack_test

import (
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/internal/stacktest"
	"gcacard/iso7816"
	"gcacard/messages"
	"gcacard/pcsc"
)

// reinsertions is the number of removals of the activation spec.
const reinsertions = 100

// dropMode selects whether the emulator processes a dropped command.
type dropMode int

const (
	// dropBefore closes the vpcd connection before the emulator receives
	// the command.
	dropBefore dropMode = iota
	// dropAfter lets the emulator process the command, then closes the
	// connection before the response reaches pcscd.
	dropAfter
)

func (m dropMode) String() string { return [...]string{"before", "after"}[m] }

// dropAt returns an intercept that passes commands to the card until the
// n-th command that match selects, and at that one closes the vpcd
// connection as mode selects. fired is set when it did. The intercept runs on
// the slot's one serving goroutine, so its counter needs no lock.
func dropAt(s *servedCard, n int, mode dropMode, matches func([]byte) bool, fired *bool) func([]byte, func([]byte) []byte) []byte {
	seen := 0
	return func(command []byte, process func([]byte) []byte) []byte {
		if !matches(command) {
			return process(command)
		}
		seen++
		if seen != n {
			return process(command)
		}
		*fired = true
		if mode == dropAfter {
			out := process(command)
			s.vslot.Remove()
			return out
		}
		s.vslot.Remove()
		// The connection is closed, so pcscd never reads this reply.
		return []byte{0x6F, 0x00}
	}
}

func anyCommand([]byte) bool { return true }

// isSigningCertRead matches READ BINARY at or after the signing
// certificate's offset in EF 08F2. The card number in EF 0903 is read at
// offset 0, so it never matches.
func isSigningCertRead(command []byte) bool {
	return len(command) >= 4 && command[1] == 0xB0 && int(command[2])<<8|int(command[3]) >= emulator.CertOffsetSigning
}

// reinsert waits until pcscd has seen the card go, puts it back and waits
// until it responds.
func reinsert(s *servedCard, reader string) {
	GinkgoHelper()
	waitAbsent(reader)
	s.vslot.Insert()
	waitPresent(reader)
}

// traceCommands returns a trace function that keeps the parsed commands.
func traceCommands(into *[]iso7816.Command) func(command, response []byte) {
	return func(command, _ []byte) {
		if cmd, err := iso7816.ParseCommand(command); err == nil {
			cmd.Data = nil // keep no reference data
			*into = append(*into, cmd)
		}
	}
}

var _ = Describe("vpcd connection dropped", Faults, Stack, Serial, func() {
	It("makes the client discard a partial certificate and read it again from the start", func() {
		lockMachineSlot(0)
		s := serveCard("activated", 0)
		reader := stacktest.ReaderName(0)
		waitPresent(reader)

		conn, err := connect(reader)
		Expect(err).NotTo(HaveOccurred())
		var first []iso7816.Command
		want, err := client.New(conn.card, client.WithTrace(traceCommands(&first))).Info()
		conn.close()
		Expect(err).NotTo(HaveOccurred())
		reads := 0
		for _, cmd := range first {
			if cmd.INS == 0xB0 && int(cmd.P1)<<8|int(cmd.P2) >= emulator.CertOffsetSigning {
				reads++
			}
		}
		Expect(reads).To(BeNumerically(">=", 3), "READ BINARY commands of the signing certificate")

		drops := 0
		for _, n := range []int{1, (reads + 1) / 2, reads} {
			for _, mode := range []dropMode{dropBefore, dropAfter} {
				By(fmt.Sprintf("dropping at READ BINARY %d of %d of the signing certificate, %v the card reads it", n, reads, mode))
				fired := false
				s.card.setIntercept(dropAt(s, n, mode, isSigningCertRead, &fired))
				conn, err := connect(reader)
				Expect(err).NotTo(HaveOccurred())
				info, err := client.New(conn.card).Info()
				conn.close()
				s.card.setIntercept(nil)

				Expect(fired).To(BeTrue(), "the intercept dropped no command")
				Expect(err).To(HaveOccurred(), "Info with the card gone mid-read")
				Expect(info).To(BeNil(), "Info must return no partial data")
				Expect(pcsc.IsPCSCError(err)).To(BeTrue(), "error %v must come from PC/SC", err)
				Expect(messages.Code(err)).To(BeElementOf("card-removed", "card-reset", "no-card"), "error %v", err)
				drops++

				reinsert(s, reader)
				conn, err = connect(reader)
				Expect(err).NotTo(HaveOccurred())
				var again []iso7816.Command
				got, err := client.New(conn.card, client.WithTrace(traceCommands(&again))).Info()
				conn.close()
				Expect(err).NotTo(HaveOccurred(), "Info after re-insertion")
				Expect(got.SigningCert.Raw).To(Equal(want.SigningCert.Raw), "signing certificate read again")
				Expect(got.EncryptionCert.Raw).To(Equal(want.EncryptionCert.Raw), "encryption certificate read again")
				Expect(firstSigningRead(again)).To(Equal(iso7816.Command{INS: 0xB0, P1: 0x15, P2: 0x00, Ne: 4}),
					"the reread must start with the certificate's 4-byte header at 1500")
			}
		}
		counts.update(func(c *stackCounts) { c.CertificateDrops = drops })
	})

	It("loses or adds no try when the card is removed and re-inserted 100 times during activation", func() {
		lockMachineSlot(0)
		s := serveCard("valid", 0)
		reader := stacktest.ReaderName(0)
		waitPresent(reader)
		maxTries := s.status().UserCodeTries.Max
		userCode := "Wrong1234"
		newPIN := "New1234"

		By("counting the commands of one undisturbed activation with a wrong user code")
		start, _ := s.card.counts()
		err := activate(reader, userCode, newPIN)
		var wrong *client.WrongSecretError
		Expect(errors.As(err, &wrong)).To(BeTrue(), "activation with a wrong user code returned %v", err)
		total, _ := s.card.counts()
		total -= start
		expected := wrong.TriesLeft
		Expect(expected).To(Equal(maxTries - 1))
		GinkgoWriter.Printf("an activation with a wrong user code sends %d commands\n", total)

		outcomes := map[string]int{}
		for round := 1; round <= reinsertions; round++ {
			if expected <= 1 {
				// The CA's user-code reset gives the tries back, so the
				// rounds never block the user code.
				resetUserCode(s, reader, fmt.Sprintf("Reset%04d", round))
				expected = maxTries
			}

			// n from 1 to total drops the connection at that command of
			// the activation, and n = total+1 removes the card after the
			// activation has returned. Each sweep of total+1 rounds takes
			// every n once, and the sweeps alternate the drop mode.
			n := 1 + (round-1)%(total+1)
			mode := dropMode((round - 1) / (total + 1) % 2)
			from := s.card.logLen()
			fired := false
			s.card.setIntercept(dropAt(s, n, mode, anyCommand, &fired))
			err := activate(reader, userCode, newPIN)
			s.card.setIntercept(nil)
			if n > total {
				Expect(fired).To(BeFalse(), "round %d: the intercept dropped a command of an activation of %d commands", round, total)
				s.vslot.Remove()
			} else {
				Expect(fired).To(BeTrue(), "round %d: the intercept dropped no command", round)
			}
			reinsert(s, reader)

			compared := resetRetryCounters(s.card.processedSince(from))
			Expect(len(compared)).To(BeNumerically("<=", 1), "round %d: RESET RETRY COUNTER reached the card %d times", round, len(compared))
			outcome := "not compared"
			if len(compared) == 1 {
				left, ok := compared[0].IsRetriesRemaining()
				Expect(ok).To(BeTrue(), "round %d: the card answered %v", round, compared[0])
				Expect(left).To(Equal(expected-1), "round %d: the comparison used exactly one try", round)
				expected = left
				outcome = "compared, response lost"
			}
			switch {
			case errors.As(err, &wrong):
				Expect(compared).To(HaveLen(1), "round %d: the client saw a comparison the card did not make", round)
				Expect(wrong.TriesLeft).To(Equal(expected), "round %d: tries left that the client saw", round)
				outcome = "completed"
			default:
				Expect(err).To(HaveOccurred(), "round %d", round)
				Expect(pcsc.IsPCSCError(err)).To(BeTrue(), "round %d: error %v must come from PC/SC", round, err)
			}
			outcomes[outcome]++

			Expect(s.status().UserCodeTries.Remaining).To(Equal(expected), "round %d (%s): tries left in memory", round, outcome)
			Expect(s.savedStatus().UserCodeTries.Remaining).To(Equal(expected), "round %d (%s): tries left in the state file", round, outcome)
			Expect(s.status().Lifecycle).To(Equal(emulator.LifecycleIssued), "round %d", round)
			Expect(userCodeTriesThroughPCSC(reader)).To(Equal(expected), "round %d (%s): tries left through PC/SC", round, outcome)
		}

		By("activating with the right user code after the last re-insertion")
		resetUserCode(s, reader, "FinalCode1")
		Expect(activate(reader, "FinalCode1", newPIN)).To(Succeed())
		Expect(s.status().Lifecycle).To(Equal(emulator.LifecycleActivated))

		GinkgoWriter.Printf("reinsertion outcomes: %v\n", outcomes)
		Expect(outcomes["completed"] + outcomes["not compared"] + outcomes["compared, response lost"]).To(Equal(reinsertions))
		counts.update(func(c *stackCounts) {
			c.Reinsertions = reinsertions
			c.ReinsertionOutcomes = outcomes
		})
	})
})

// activate runs one activation on a connection of its own.
func activate(reader, userCode, newPIN string) error {
	conn, err := connect(reader)
	if err != nil {
		return err
	}
	defer conn.close()
	return client.New(conn.card).Activate(userCode, newPIN)
}

// resetUserCode sets a new user code with the CA's user-code reset, which
// restores the user code's tries.
func resetUserCode(s *servedCard, reader, userCode string) {
	GinkgoHelper()
	conn, err := connect(reader)
	Expect(err).NotTo(HaveOccurred())
	defer conn.close()
	Expect(client.New(conn.card).ResetUserCode(s.managementKey(), userCode)).To(Succeed())
}

// resetRetryCounters returns the status words of the RESET RETRY COUNTER
// 00 80 commands with data that the card processed.
func resetRetryCounters(log []processed) []iso7816.StatusWord {
	var sws []iso7816.StatusWord
	for _, p := range log {
		if len(p.command) > 5 && p.command[1] == 0x2C && p.command[2] == 0x00 {
			sws = append(sws, p.sw)
		}
	}
	return sws
}

// userCodeTriesThroughPCSC reads the user code's tries left with GET DATA
// 0181.
func userCodeTriesThroughPCSC(reader string) int {
	GinkgoHelper()
	conn, err := connect(reader)
	Expect(err).NotTo(HaveOccurred())
	defer conn.close()
	resp, err := conn.transmit([]byte{0x00, 0xCA, 0x01, 0x81, 0x02})
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.SW).To(Equal(iso7816.SWSuccess))
	Expect(resp.Data).To(HaveLen(2))
	return int(resp.Data[1])
}

// firstSigningRead returns the first READ BINARY of the signing
// certificate in a trace.
func firstSigningRead(trace []iso7816.Command) iso7816.Command {
	for _, cmd := range trace {
		if cmd.INS == 0xB0 && int(cmd.P1)<<8|int(cmd.P2) >= emulator.CertOffsetSigning {
			return cmd
		}
	}
	return iso7816.Command{}
}
