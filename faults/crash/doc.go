// Package crash is the crash and storage fault suite (its specs are in the
// package's test files). It kills `gcacard serve` with SIGKILL at every
// fault point of VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER,
// restarts it on the same state folder and checks the card through pcscd.
// It also fills and write-protects the state folder's disk, and damages
// the state file.
//
// The suite builds gcacard with the crashtest build tag, the only build
// that reads GCACARD_TEST_CRASH. The storage specs mount tmpfs file
// systems and so need root; they skip without it. The suite writes its
// counts to crash-counts.json in the fault report folder.
package crash
