package stack_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/emulator"
	"gcacard/faults/apdugen"
	"gcacard/internal/stacktest"
)

// randomAPDUs is the number of generated commands of the random spec.
const randomAPDUs = 10000

// seedEnv replays a run of the random spec: set it to the seed that the
// failing run printed.
const seedEnv = "GCA_APDU_SEED"

// conformanceFilter selects the conformance specs that run on the card
// after the random commands: those that need no particular card state.
const conformanceFilter = "physical-safe"

// randomSeed returns the seed from GCA_APDU_SEED, or a new one.
func randomSeed() uint64 {
	GinkgoHelper()
	text := os.Getenv(seedEnv)
	if text == "" {
		return rand.Uint64()
	}
	seed, err := strconv.ParseUint(text, 10, 64)
	Expect(err).NotTo(HaveOccurred(), "invalid %s=%q: want a decimal seed as a failing run printed it", seedEnv, text)
	return seed
}

var _ = Describe("Random APDUs", Faults, Random, Serial, func() {
	It("answer 10,000 seeded random commands with valid status words, keep the state file valid and still conform", func() {
		seed := randomSeed()
		replay := fmt.Sprintf("replay with %s=%d", seedEnv, seed)
		GinkgoWriter.Printf("random APDU seed %d (%s)\n", seed, replay)
		AddReportEntry("seed", seed)

		lockMachineSlot(1)
		s := serveCard("activated", 1)
		reader := stacktest.ReaderName(1)
		waitPresent(reader)
		conn, err := connect(reader)
		Expect(err).NotTo(HaveOccurred())

		g := apdugen.New(seed)
		histogram := map[string]int{}
		kinds := map[string]int{}
		for i := range randomAPDUs {
			a := g.Next()
			where := fmt.Sprintf("command %d (%v, %s), %s", i, a.Kind, emulator.RedactCommand(a.Bytes), replay)
			out, err := conn.card.Transmit(a.Bytes)
			Expect(err).NotTo(HaveOccurred(), where)
			Expect(apdugen.CheckResponse(out)).To(Succeed(), where)
			histogram[fmt.Sprintf("%02X%02X", out[len(out)-2], out[len(out)-1])]++
			kinds[a.Kind.String()]++
		}
		conn.close()

		By("loading the state file with the emulator's state loader")
		_, err = emulator.FileStore{Dir: s.dir}.Load()
		Expect(err).NotTo(HaveOccurred(), replay)
		Expect(s.savedStatus()).To(Equal(s.status()), "the state file holds the state in memory, %s", replay)
		Expect(probe(reader)).To(Succeed(), "the card answers GET DATA after the random commands")
		GinkgoWriter.Printf("state after the random commands: %+v\nstatus words: %v\n", s.status(), histogram)

		By("running the " + conformanceFilter + " conformance specs on the same card and state folder")
		verdict := runConformance(reader)
		counts.update(func(c *stackCounts) {
			c.RandomSeed = seed
			c.RandomAPDUs = randomAPDUs
			c.RandomKinds = kinds
			c.RandomHistogram = histogram
			c.ConformanceAfter = verdict
		})
		Expect(verdict).To(Equal("passed"), replay)
	})
})

// runConformance runs the conformance suite's physical target on reader,
// the way scripts/conformance-served.sh does, while this process serves the
// card and holds the slot's lock. It returns "passed" or what failed.
func runConformance(reader string) string {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	reports := GinkgoT().TempDir()
	cmd := exec.CommandContext(ctx, "go", "tool", "ginkgo", "--label-filter="+conformanceFilter, "./specs")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GCA_READER="+reader, "GCA_REPORT_DIR="+reports)
	out, err := cmd.CombinedOutput()
	GinkgoWriter.Printf("conformance run on %q (reports in %s):\n%s\n", reader, reports, out)
	if err != nil {
		return fmt.Sprintf("failed: %v (see the conformance output above and %s)", err, filepath.Join(reports, "summary.md"))
	}
	return "passed"
}
