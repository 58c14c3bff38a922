package specs_test

import . "github.com/onsi/ginkgo/v2"

// Labels of the specs, all declared here. Every spec carries one target
// label and one area label.
var (
	// Virtual specs need a fixture card of a given profile. On a physical
	// card they run only when also labelled Destructive and allowed, and
	// they skip unless the card is in the state they need.
	Virtual = Label("virtual")
	// PhysicalSafe specs neither use a try nor change the card, so they
	// run on any card, physical ones included.
	PhysicalSafe = Label("physical-safe")
	// Destructive specs can lock, block or change a card. On a physical
	// card they run only when GCA_ALLOW_DESTRUCTIVE is its card number.
	Destructive = Label("destructive")

	// Areas.
	AreaSuccess = Label("success")
	AreaRules   = Label("rules")
	AreaLockout = Label("lockout")
	AreaDates   = Label("dates")
	AreaState   = Label("state")
	AreaFiles   = Label("files")
	AreaAPDU    = Label("apdu")
	AreaKeys    = Label("keys")
)
