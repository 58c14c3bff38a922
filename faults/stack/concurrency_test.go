package stack_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/pcscdns"
	"gcacard/internal/stacktest"
	"gcacard/iso7816"
)

// raceTransactions is the number of transactions of each racing client.
const raceTransactions = 200

// loadRounds is the number of wrong, wrong, right VERIFY rounds per card
// of the eight-card spec.
const loadRounds = 100

var _ = Describe("Concurrent clients", Faults, Concurrency, Serial, func() {
	It("serialises the transactions of two clients racing on one card and loses no counter update", func() {
		lockMachineSlot(0)
		s := serveCard("activated", 0)
		reader := stacktest.ReaderName(0)
		waitPresent(reader)
		maxTries := s.status().PINTries.Max
		right := verifyCommand(s.profile.PIN.Value)
		wrongPINs := []string{"Wrong1A", "Wrong2B"}
		from := s.card.logLen()

		var mu sync.Mutex
		var problems []string
		report := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			problems = append(problems, fmt.Sprintf(format, args...))
		}
		var wg sync.WaitGroup
		for id, wrongPIN := range wrongPINs {
			wg.Go(func() {
				defer GinkgoRecover()
				conn, err := connect(reader)
				if err != nil {
					report("client %d: %v", id, err)
					return
				}
				defer conn.close()
				wrong := verifyCommand(wrongPIN)
				// The security status belongs to the card, not to a
				// connection, so each transaction first clears it (VERIFY
				// FF 80). A command of the other client between two steps
				// changes a status word that this list expects.
				steps := []struct {
					command []byte
					want    iso7816.StatusWord
				}{
					{[]byte{0x00, 0x20, 0xFF, 0x80}, iso7816.SWSuccess},
					{[]byte{0x00, 0x20, 0x00, 0x80}, iso7816.RetriesRemaining(maxTries)},
					{wrong, iso7816.RetriesRemaining(maxTries - 1)},
					{right, iso7816.SWSuccess},
				}
				for i := range raceTransactions {
					err := conn.card.Transaction(func() error {
						for _, step := range steps {
							resp, err := conn.transmit(step.command)
							if err != nil {
								return err
							}
							if resp.SW != step.want {
								report("client %d, transaction %d: %v where %v was expected: another client's command came in between", id, i, resp.SW, step.want)
							}
						}
						return nil
					})
					if err != nil {
						report("client %d, transaction %d: %v", id, i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		Expect(problems).To(BeEmpty())

		By("checking the order in which the card processed the VERIFY commands")
		log := s.card.processedSince(from)
		wrongSeen := map[string]int{}
		pending := ""
		verifies := 0
		for _, p := range log {
			if p.command[1] != 0x20 {
				continue
			}
			verifies++
			if len(p.command) <= 5 {
				continue
			}
			if bytes.Equal(p.command, right) {
				Expect(pending).NotTo(BeEmpty(), "a right VERIFY with no wrong one before it")
				pending = ""
				continue
			}
			for _, w := range wrongPINs {
				if bytes.Equal(p.command, verifyCommand(w)) {
					Expect(pending).To(BeEmpty(), "wrong VERIFY of %s came between the wrong and right VERIFY of %s", w, pending)
					pending = w
					wrongSeen[w]++
					Expect(p.sw).To(Equal(iso7816.RetriesRemaining(maxTries - 1)))
				}
			}
		}
		for _, w := range wrongPINs {
			Expect(wrongSeen[w]).To(Equal(raceTransactions), "wrong VERIFY commands of %s that reached the card", w)
		}
		Expect(s.status().PINTries.Remaining).To(Equal(maxTries))
		Expect(s.savedStatus().PINTries.Remaining).To(Equal(maxTries))
		counts.update(func(c *stackCounts) {
			c.RaceTransactions = len(wrongPINs) * raceTransactions
			c.RaceVerifies = verifies
		})
	})

	It("keeps every counter of 8 cards on 8 slots under load", NeedsRoot, func() {
		requireRoot()
		lockMachineSlot(0)
		lockMachineSlot(1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()

		// One worker process per pcscd: the machine's for slots 0 and 1,
		// instance K for slots 2K and 2K+1.
		envs := []string{""}
		for index := 1; index <= 3; index++ {
			in, err := pcscdns.Start(ctx, index, GinkgoT().TempDir())
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(in.Stop)
			envs = append(envs, in.Env())
		}
		cards := make([]*servedCard, 8)
		for slot := range cards {
			cards[slot] = serveCard("activated", slot)
		}
		pin := cards[0].profile.PIN.Value
		maxTries := cards[0].status().PINTries.Max
		Expect(maxTries).To(Equal(3), "the load's expected status words assume 3 tries")

		replies := make([]workerReply, len(envs))
		errs := make([]error, len(envs))
		var wg sync.WaitGroup
		for i, env := range envs {
			w, err := startWorker(env)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(w.stop)
			wg.Go(func() {
				// Tail wrong VERIFYs per worker, so the expected counters
				// differ from one pcscd to the next.
				replies[i], errs[i] = w.call(workerRequest{
					Op: "load", Readers: []string{stacktest.ReaderName(0), stacktest.ReaderName(1)},
					PIN: pin, WrongPIN: "Wrong99", Rounds: loadRounds, Tail: (2 * i) % 3,
				})
			})
		}
		wg.Wait()

		histogram := map[string]int{}
		verifies := 0
		for i := range envs {
			Expect(errs[i]).NotTo(HaveOccurred(), "worker of pcscd %d", i)
			Expect(replies[i].Loads).To(HaveLen(2), "worker of pcscd %d", i)
			for local, load := range replies[i].Loads {
				slot := 2*i + local
				tail := (2 * i) % 3
				Expect(load.Error).To(BeEmpty(), "slot %d", slot)
				Expect(load.Unexpected).To(BeEmpty(), "slot %d", slot)
				Expect(load.Remaining).To(Equal(maxTries-tail), "slot %d: tries left read by the client", slot)
				Expect(cards[slot].status().PINTries.Remaining).To(Equal(maxTries-tail), "slot %d: tries left in memory", slot)
				Expect(cards[slot].savedStatus().PINTries.Remaining).To(Equal(maxTries-tail), "slot %d: tries left in the state file", slot)
				Expect(verifiesProcessed(cards[slot])).To(Equal(3*loadRounds+tail), "slot %d: VERIFY commands that reached the card", slot)
				for sw, n := range load.Histogram {
					histogram[sw] += n
					verifies += n
				}
			}
		}
		counts.update(func(c *stackCounts) {
			c.LoadCards = len(cards)
			c.LoadVerifies = verifies
			c.LoadHistogram = histogram
		})
	})
})

// verifiesProcessed counts the VERIFY commands with data that the card
// processed.
func verifiesProcessed(s *servedCard) int {
	n := 0
	for _, p := range s.card.processedSince(0) {
		if p.command[1] == 0x20 && len(p.command) > 5 {
			n++
		}
	}
	return n
}
