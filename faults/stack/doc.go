// Package stack contains the Ginkgo fault specs of the PC/SC stack. They
// cover pcscd restarted under a running client, vpcd connections dropped in
// the middle of reads and activations, power cycles, two clients racing on
// one card, eight cards under load on four pcscd instances, and 10,000
// seeded random APDUs. Every spec checks the card's retry counters and
// lifecycle against the values that the card's processed exchanges imply.
//
// The specs serve emulator cards into vpcd slots themselves, holding each
// slot's lock of internal/stacktest. They run further pcscd instances with
// internal/pcscdns and do not restart the machine's pcscd. The package has
// no code outside its tests. Run it with
//
//	bash scripts/with-pcscd.sh go tool ginkgo --label-filter=faults ./faults/stack
//
// It writes its counts to reports/faults/stack-counts.json.
package stack
