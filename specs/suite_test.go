package specs_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/harness"
)

// The run's configuration and harness, set up in every parallel process.
var (
	cfg harness.Config
	h   *harness.Harness
)

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "GCA card profile conformance")
}

var _ = SynchronizedBeforeSuite(func() []byte {
	// The first process checks the stack and starts pcscd when needed.
	setUp(true)
	return nil
}, func([]byte) {
	if h == nil {
		setUp(false)
	}
})

var _ = SynchronizedAfterSuite(func() {}, func() {
	if h != nil {
		h.Close()
	}
})

func setUp(startPCSCD bool) {
	var err error
	cfg, err = harness.ConfigFromEnv()
	Expect(err).NotTo(HaveOccurred())
	if os.Getenv(harness.EnvReportDir) == "" {
		// The suite runs in specs/; the reports belong at the top.
		cfg.ReportDir = filepath.Join("..", "reports")
	}
	log := slog.New(slog.NewTextHandler(GinkgoWriter, nil))
	h, err = harness.New(cfg, log, startPCSCD)
	Expect(err).NotTo(HaveOccurred(), "the PC/SC stack is not ready")
	if cfg.Target == harness.TargetPhysical {
		Expect(h.CheckReader(context.Background())).To(Succeed(), "the physical target's reader is not usable")
	}
}

// cardEntry is the report entry that names the card of a spec.
type cardEntry struct {
	Reader     string `json:"reader"`
	ATR        string `json:"atr"`
	CardNumber string `json:"cardNumber"`
	Record     string `json:"record"`
}

func (e cardEntry) String() string {
	return fmt.Sprintf("%s in %q, ATR %s", e.CardNumber, e.Reader, e.ATR)
}

// useCard returns the card for the current spec: a fresh virtual card of
// the fixture profile, or the physical card. On a physical card a spec
// labelled neither physical-safe nor destructive is skipped. A destructive
// one is skipped unless the run allows it for this card's number, and the
// spec itself checks that the card is in the state it needs. The card is
// closed when the spec ends.
func useCard(profile string) *harness.Card {
	GinkgoHelper()
	ctx := context.Background()

	var card *harness.Card
	var err error
	if cfg.Target == harness.TargetVirtual {
		card, err = h.VirtualCard(ctx, profile)
	} else {
		if !slices.Contains(CurrentSpecReport().Labels(), "physical-safe") && !slices.Contains(CurrentSpecReport().Labels(), "destructive") {
			Skip("virtual only: this spec needs the fixture card " + profile)
		}
		card, err = h.PhysicalCard(ctx)
	}
	Expect(err).NotTo(HaveOccurred(), "getting a card for profile %s", profile)

	spec := CurrentSpecReport().FullText()
	DeferCleanup(func() {
		Expect(card.Close(spec)).To(Succeed())
	})
	AddReportEntry("card", ReportEntryVisibilityFailureOrVerbose, cardEntry{
		Reader: card.Reader, ATR: fmt.Sprintf("%X", card.ATR), CardNumber: card.CardNumber,
	})

	if slices.Contains(CurrentSpecReport().Labels(), "destructive") && !cfg.DestructiveAllowed(card.CardNumber) {
		Skip(fmt.Sprintf("destructive: it may lock or change card %s; set %s=%s to allow it",
			card.CardNumber, harness.EnvAllowDestructive, card.CardNumber))
	}
	return card
}
