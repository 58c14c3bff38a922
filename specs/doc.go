// Package specs holds the Ginkgo conformance specs of the GCA card
// profile (docs/card-profile.md). They drive the activation client and raw
// APDUs through PC/SC against a card that the harness provides, and every
// spec names the requirement IDs it checks in its text, as [ACT-02].
//
// Run them with `make conformance`. The package has no code of its own
// outside its tests.
package specs
