package crash_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
)

// exitState is gcacard's exit status for a state folder that is not
// usable.
const exitState = 4

// unreachableVPCD is a loopback address where no vpcd listens. A serve
// that must stop on its state is pointed there, so that one which does
// not stop exits with status 5 (vpcd not reachable) instead of taking a
// reader.
const unreachableVPCD = "127.0.0.1:9"

// requireRoot skips the spec unless it runs as root, which mounting tmpfs
// needs.
func requireRoot() {
	if os.Geteuid() != 0 {
		Skip("storage faults mount a tmpfs file system, which needs root: run `make faults` as root, as CI does")
	}
}

// mountTmpfs mounts a tmpfs of size (such as 256k) on a new folder and
// unmounts it at cleanup.
func mountTmpfs(size string) string {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	mount("-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir)
	DeferCleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// A process of the spec may still hold a file open.
			GinkgoWriter.Printf("umount %s: %v: %s; detaching it lazily\n", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

func mount(args ...string) {
	GinkgoHelper()
	out, err := exec.Command("mount", args...).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "mount %v: %s", args, out)
}

// fillDisk writes a file into dir until the file system is full and
// returns its path.
func fillDisk(dir string) string {
	GinkgoHelper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		_, err := f.Write(chunk)
		if errors.Is(err, syscall.ENOSPC) {
			return path
		}
		Expect(err).NotTo(HaveOccurred(), "filling %s", dir)
	}
}

// storageFault makes the state folder's file system fail saves and
// returns a function that undoes it.
type storageFault struct {
	name  string
	apply func(mountDir string) (undo func())
	// message is the text that gcacard serve logs for a failed save.
	message string
}

var storageFaults = []storageFault{
	{
		name: "full disk",
		apply: func(mountDir string) func() {
			filler := fillDisk(mountDir)
			return func() { Expect(os.Remove(filler)).To(Succeed()) }
		},
		message: "no space left on device",
	},
	{
		name: "read-only state folder",
		apply: func(mountDir string) func() {
			mount("-o", "remount,ro", mountDir)
			return func() { mount("-o", "remount,rw", mountDir) }
		},
		message: "read-only file system",
	},
}

var _ = Describe("a state folder that cannot be written", Faults, Storage, func() {
	for _, fault := range storageFaults {
		for _, op := range operations {
			It(fault.name+": "+string(op.op)+" returns 6581 and changes nothing", func() {
				recordStorage()
				requireRoot()
				runStorageFault(fault, op)
			})
		}
	}

	It("full disk: a new card's state cannot be saved, so serve exits with status 4", func() {
		recordStorage()
		requireRoot()
		mountDir := mountTmpfs("64k")
		fillDisk(mountDir)
		stateDir := filepath.Join(mountDir, "card")

		output, code := runGcacard("serve", "--profile", "activated", "--state", stateDir, "--vpcd", unreachableVPCD, "--connect-timeout", "2s")

		Expect(code).To(Equal(exitState), "serve's exit status:\n%s", output)
		Expect(output).To(ContainSubstring(stateDir))
		Expect(output).To(ContainSubstring("no space left on device"))
	})

	It("read-only state folder: serve exits with status 4 before it takes a reader", func() {
		recordStorage()
		requireRoot()
		mountDir := mountTmpfs("64k")
		stateDir := filepath.Join(mountDir, "card")
		writeUsedState(stateDir)
		mount("-o", "remount,ro", mountDir)

		output, code := runGcacard("serve", "--profile", "activated", "--state", stateDir, "--vpcd", unreachableVPCD, "--connect-timeout", "2s")

		Expect(code).To(Equal(exitState), "serve's exit status:\n%s", output)
		Expect(output).To(ContainSubstring(stateDir))
		Expect(output).To(ContainSubstring("read-only file system"))
	})
})

// runStorageFault serves a card whose state folder is a small tmpfs and
// breaks the folder while the card runs. Through pcscd, the operation must
// then return 6581 for the correct and a wrong value and leave the
// counters and the state file as they were (CNT-02). Once the folder works
// again the correct value succeeds.
func runStorageFault(fault storageFault, op operation) {
	slot, reader := useSlot()
	p := loadProfile(op.profile)
	mountDir := mountTmpfs("256k")
	stateDir := filepath.Join(mountDir, "card")
	serve := startServer(op.profile, stateDir, slot, "")
	waitCard(reader, true)
	conn := connect(reader)
	infoBefore := conn.info()
	fileBefore, err := os.ReadFile(emulator.FileStore{Dir: stateDir}.Path())
	Expect(err).NotTo(HaveOccurred())

	By("breaking the state folder: " + fault.name)
	undo := fault.apply(mountDir)
	values := []bool{true}
	if op.compares {
		values = []bool{false, true}
	}
	for _, correct := range values {
		err := op.run(conn.client(), p, correct)
		Expect(errors.Is(err, client.ErrStateNotSaved)).To(BeTrue(),
			"%s with the %s value returned %v, want 6581 (state not saved)", op.op, pick(correct, "correct", "wrong"), err)
	}
	infoAfter := conn.info()
	Expect(infoAfter.PIN.Remaining).To(Equal(infoBefore.PIN.Remaining), "PIN tries")
	Expect(infoAfter.UserCode.Remaining).To(Equal(infoBefore.UserCode.Remaining), "user-code tries")
	Expect(infoAfter.Lifecycle).To(Equal(infoBefore.Lifecycle), "lifecycle")
	Expect(outputContains(serve.output, "saving card state failed", fault.message)).To(BeTrue(),
		"serve did not log the failed save with %q:\n%s", fault.message, serve.output.String())

	By("repairing the state folder")
	undo()
	fileAfter, err := os.ReadFile(emulator.FileStore{Dir: stateDir}.Path())
	Expect(err).NotTo(HaveOccurred())
	Expect(bytes.Equal(fileAfter, fileBefore)).To(BeTrue(), "the state file changed during the failed saves")
	entries, err := os.ReadDir(stateDir)
	Expect(err).NotTo(HaveOccurred())
	Expect(entries).To(HaveLen(1), "the state folder holds more than %s", emulator.StateFileName)
	Expect(op.run(conn.client(), p, true)).To(Succeed(), "%s with the correct value once the folder works", op.op)

	conn.close()
	serve.stop()
	waitCard(reader, false)
}

// writeUsedState makes the state folder of the activated fixture card with
// two wrong VERIFYs used, so that a counter reset would show.
func writeUsedState(stateDir string) []byte {
	GinkgoHelper()
	p := loadProfile("activated")
	card, err := openFixtureCard(p, stateDir)
	Expect(err).NotTo(HaveOccurred())
	for range 2 {
		card.Transmit(mustBytes(verifyCmd(wrongPIN)))
	}
	Expect(card.Status().PINTries.Remaining).To(Equal(1))
	b, err := os.ReadFile(emulator.FileStore{Dir: stateDir}.Path())
	Expect(err).NotTo(HaveOccurred())
	return b
}

var _ = Describe("a damaged state file", Faults, Storage, func() {
	for _, tc := range corruptions {
		It(tc.name+": serve exits with status 4 naming the file, and no counter is reset", func() {
			recordStorage()
			stateDir := GinkgoT().TempDir()
			good := writeUsedState(stateDir)
			path := emulator.FileStore{Dir: stateDir}.Path()
			tc.write(path, good)
			damaged := readIfFile(path)

			output, code := runGcacard("serve", "--profile", "activated", "--state", stateDir, "--vpcd", unreachableVPCD, "--connect-timeout", "2s")
			Expect(code).To(Equal(exitState), "serve's exit status:\n%s", output)
			Expect(output).To(ContainSubstring(path), "serve's output names the state file")
			Expect(output).To(ContainSubstring(tc.message), "serve's output gives the cause")

			output, code = runGcacard("inspect", "--state", stateDir)
			if tc.readable {
				Expect(code).To(Equal(0), "inspect's exit status:\n%s", output)
			} else {
				Expect(code).To(Equal(exitState), "inspect's exit status:\n%s", output)
				Expect(output).To(ContainSubstring(path), "inspect's output names the state file")
			}
			Expect(readIfFile(path)).To(Equal(damaged), "serve or inspect changed the damaged state file")

			By("putting the good state file back")
			Expect(os.RemoveAll(path)).To(Succeed())
			Expect(os.WriteFile(path, good, 0o600)).To(Succeed())
			output, code = runGcacard("inspect", "--state", stateDir, "--json")
			Expect(code).To(Equal(0), "inspect's exit status:\n%s", output)
			Expect(output).To(MatchRegexp(`"pinTries":\s*\{\s*"max":\s*3,\s*"remaining":\s*1\s*\}`), "PIN tries of the good state file")
		})
	}
})

// readIfFile returns a file's content, or nil for a folder.
func readIfFile(path string) []byte {
	GinkgoHelper()
	fi, err := os.Stat(path)
	Expect(err).NotTo(HaveOccurred())
	if fi.IsDir() {
		return nil
	}
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return b
}
