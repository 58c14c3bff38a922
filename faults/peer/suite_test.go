package peer_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/internal/stacktest"
)

// Labels of the suite: `faults` selects every fault suite under ./faults/,
// `peer` this one.
var (
	Faults = Label("faults")
	Peer   = Label("peer")
)

func TestMain(m *testing.M) { stacktest.Main(m) }

func TestPeer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "gcacard serve against a hostile vpcd peer")
}
