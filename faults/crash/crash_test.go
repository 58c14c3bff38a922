package crash_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/iso7816"
	"gcacard/pcsc"
)

// operation is a command with fault points, run through the client
// library on a fresh card of its fixture profile.
type operation struct {
	op      emulator.FaultOp
	profile string
	// secret is the reference datum whose retry counter the command uses.
	secret client.Secret
	// compares is false for the CA's user-code reset, which presents no
	// reference data and so has no wrong value.
	compares bool
	// run performs the operation with the correct or a wrong value.
	run func(cl *client.Client, p *fixtures.Profile, correct bool) error
}

func pick(correct bool, right, wrong string) string {
	if correct {
		return right
	}
	return wrong
}

var operations = []operation{
	{
		op: emulator.FaultVerify, profile: "activated", secret: client.SecretPIN, compares: true,
		run: func(cl *client.Client, p *fixtures.Profile, correct bool) error {
			return cl.VerifyPIN(pick(correct, p.PIN.Value, wrongPIN))
		},
	},
	{
		op: emulator.FaultChange, profile: "activated", secret: client.SecretPIN, compares: true,
		run: func(cl *client.Client, p *fixtures.Profile, correct bool) error {
			return cl.ChangePIN(pick(correct, p.PIN.Value, wrongPIN), newPIN)
		},
	},
	{
		op: emulator.FaultActivate, profile: "valid", secret: client.SecretUserCode, compares: true,
		run: func(cl *client.Client, p *fixtures.Profile, correct bool) error {
			return cl.Activate(pick(correct, p.UserCode.Value, wrongUserCode), newPIN)
		},
	},
	{
		op: emulator.FaultUnblock, profile: "pin-blocked", secret: client.SecretUserCode, compares: true,
		run: func(cl *client.Client, p *fixtures.Profile, correct bool) error {
			return cl.ResetPIN(pick(correct, p.UserCode.Value, wrongUserCode), newPIN)
		},
	},
	{
		op: emulator.FaultResetUserCode, profile: "usercode-blocked", secret: client.SecretUserCode,
		run: func(cl *client.Client, p *fixtures.Profile, _ bool) error {
			return cl.ResetUserCode(managementKey(p), newUserCode)
		},
	},
}

// crashCase is one run: the operation, crashed at the hit-th time it
// reaches stage. The hit-1 runs before the crash use wrong values.
type crashCase struct {
	operation
	stage   emulator.FaultStage
	correct bool
	hit     int
}

func (c crashCase) point() emulator.FaultPoint {
	return emulator.FaultPoint{Op: c.op, Stage: c.stage}
}

func (c crashCase) String() string {
	return fmt.Sprintf("%s:%d %s value", c.point(), c.hit, pick(c.correct, "correct", "wrong"))
}

// crashCases returns every fault point of every operation with a wrong
// and a correct value, and for the operations that compare, the wrong
// value that uses the last try crashed after its save and after its reply.
func crashCases() []crashCase {
	var cases []crashCase
	for _, op := range operations {
		for _, stage := range emulator.FaultStages(op.op) {
			if op.compares {
				cases = append(cases, crashCase{operation: op, stage: stage, correct: false, hit: 1})
			}
			cases = append(cases, crashCase{operation: op, stage: stage, correct: true, hit: 1})
		}
	}
	for _, op := range operations {
		if !op.compares {
			continue
		}
		for _, stage := range []emulator.FaultStage{emulator.FaultAfterSave, emulator.FaultAfterReply} {
			cases = append(cases, crashCase{operation: op, stage: stage, correct: false, hit: 3})
		}
	}
	return cases
}

// expectation is what a crash case must leave on the card.
type expectation struct {
	// triesBefore is the counter's remaining tries when the crashed
	// command starts, after the hit-1 wrong values.
	triesBefore int
	// tries is the counter's remaining tries after the restart.
	tries    int
	maxTries int
	// granted reports that the card keeps what a match grants.
	granted bool
}

func expect(c crashCase, p *fixtures.Profile) expectation {
	secret := p.PIN
	if c.secret == client.SecretUserCode {
		secret = p.UserCode
	}
	e := expectation{maxTries: secret.MaxTries}
	if c.compares {
		e.triesBefore = initialTries(secret) - (c.hit - 1)
	} else {
		e.triesBefore = initialTries(secret)
	}

	// The response of a match has left the card, or the CA's reset has
	// saved its only state change.
	e.granted = c.correct && (c.stage == emulator.FaultAfterReply || !c.compares && c.stage == emulator.FaultAfterSave)
	switch {
	case e.granted:
		e.tries = e.maxTries
	case c.compares && c.stage != emulator.FaultBeforeSave:
		// The decremented counter was saved before any comparison
		// (CNT-01), so the try stays used.
		e.tries = e.triesBefore - 1
	default:
		e.tries = e.triesBefore
	}
	return e
}

var _ = Describe("gcacard serve killed at a fault point", Faults, Crash, func() {
	for _, c := range crashCases() {
		It("keeps every try and every reported success after "+c.String(), func() {
			record := counts.startRun(c)
			DeferCleanup(func() { record.Passed = !CurrentSpecReport().Failed() })
			runCrashCase(c)
		})
	}
})

// runCrashCase serves a fresh card with the crash armed, runs the
// operation until the process kills itself, restarts gcacard serve on the
// same state folder and checks the card through pcscd.
func runCrashCase(c crashCase) {
	slot, reader := useSlot()
	p := loadProfile(c.profile)
	want := expect(c, p)
	stateDir := GinkgoT().TempDir()

	By("serving the card with " + crashEnv + "=" + c.point().String() + fmt.Sprintf(":%d", c.hit))
	crashing := startServer(c.profile, stateDir, slot, fmt.Sprintf("%s:%d", c.point(), c.hit))
	waitCard(reader, true)
	conn := connect(reader)
	for i := 1; i < c.hit; i++ {
		err := c.run(conn.client(), p, false)
		var wrong *client.WrongSecretError
		Expect(errors.As(err, &wrong)).To(BeTrue(), "wrong value %d returned %v, want a wrong-secret error", i, err)
	}

	By("running " + string(c.op) + " until the process kills itself")
	err := c.run(conn.client(), p, c.correct)
	checkClientResult(c, want, err)
	conn.close()
	crashing.waitExit()
	Expect(crashing.killedBySIGKILL()).To(BeTrue(), "gcacard exited with %v, want SIGKILL:\n%s", crashing.cmd.ProcessState, crashing.output.String())
	Expect(outputContains(crashing.output, "crash test: killing this process with SIGKILL", "point="+c.point().String())).To(BeTrue(),
		"gcacard's output does not name the crash point:\n%s", crashing.output.String())
	counts.killed()
	waitCard(reader, false)

	By("checking the state file left by the crash")
	checkStateFile(c, stateDir, want)

	By("restarting gcacard serve on the same state folder")
	restarted := startServer(c.profile, stateDir, slot, "")
	waitCard(reader, true)
	By("checking the restarted card")
	conn = connect(reader)
	checkRestartedCard(c, p, conn, want)
	conn.close()
	By("stopping gcacard serve")
	restarted.stop()
	waitCard(reader, false)
}

// checkClientResult checks what the client returned for the crashed
// command: a PC/SC error when the process died before its response left
// it, else the response's meaning.
func checkClientResult(c crashCase, want expectation, err error) {
	GinkgoHelper()
	if c.stage != emulator.FaultAfterReply {
		Expect(err).To(HaveOccurred(), "the command returned success, but the process died before its response")
		Expect(pcsc.IsPCSCError(err)).To(BeTrue(), "the command returned %v, want a PC/SC error for the removed card", err)
		return
	}
	if c.correct {
		Expect(err).NotTo(HaveOccurred(), "the command's response left the card before the crash")
		return
	}
	if want.tries == 0 {
		var blocked *client.BlockedError
		Expect(errors.As(err, &blocked)).To(BeTrue(), "the last wrong value returned %v, want a blocked error", err)
		return
	}
	var wrong *client.WrongSecretError
	Expect(errors.As(err, &wrong)).To(BeTrue(), "the wrong value returned %v, want a wrong-secret error", err)
	Expect(wrong.TriesLeft).To(Equal(want.tries))
}

// checkStateFile loads the state file that the killed process left: it is
// valid, no temporary file is left beside it, and it holds the expected
// counter.
func checkStateFile(c crashCase, stateDir string, want expectation) {
	GinkgoHelper()
	st, err := emulator.FileStore{Dir: stateDir}.Load()
	Expect(err).NotTo(HaveOccurred(), "loading the state file after the crash")
	ref := st.PIN
	if c.secret == client.SecretUserCode {
		ref = st.UserCode
	}
	Expect(ref.Remaining).To(Equal(want.tries), "%s tries in the state file", c.secret)

	entries, err := os.ReadDir(stateDir)
	Expect(err).NotTo(HaveOccurred())
	for _, e := range entries {
		Expect(strings.HasSuffix(e.Name(), ".tmp")).To(BeFalse(), "temporary file %s left in the state folder", filepath.Join(stateDir, e.Name()))
	}
}

// checkRestartedCard checks the counters, the lifecycle and which
// reference data the restarted card takes.
func checkRestartedCard(c crashCase, p *fixtures.Profile, conn *connection, want expectation) {
	GinkgoHelper()
	info := conn.info()
	tries := info.PIN
	if c.secret == client.SecretUserCode {
		tries = info.UserCode
	}
	Expect(tries.Remaining).To(Equal(want.tries), "%s tries after the restart", c.secret)
	Expect(tries.Max).To(Equal(want.maxTries), "%s maximum after the restart", c.secret)

	switch c.op {
	case emulator.FaultVerify:
		checkPIN(conn, p.PIN.Value, want.tries)
	case emulator.FaultChange:
		checkPIN(conn, pick(want.granted, newPIN, p.PIN.Value), want.tries)
	case emulator.FaultActivate:
		if want.granted {
			Expect(info.Lifecycle).To(Equal(client.LifecycleActivated))
			checkPIN(conn, newPIN, info.PIN.Max)
			return
		}
		Expect(info.Lifecycle).To(Equal(client.LifecycleIssued))
		Expect(conn.send(verifyCmd(newPIN))).To(Equal(iso7816.SWReferenceDataNotUsable), "VERIFY on the card that is still issued")
		checkUserCode(conn, p.UserCode.Value, want.tries)
	case emulator.FaultUnblock:
		if want.granted {
			Expect(info.PIN.Remaining).To(Equal(info.PIN.Max), "PIN tries after the unblock")
			checkPIN(conn, newPIN, info.PIN.Max)
			return
		}
		// The PIN's lockout stays.
		Expect(info.PIN.Remaining).To(Equal(0), "PIN tries of the blocked PIN")
		Expect(conn.send(verifyCmd(p.PIN.Value))).To(Equal(iso7816.SWAuthMethodBlocked), "VERIFY of the blocked PIN")
		checkUserCode(conn, p.UserCode.Value, want.tries)
	case emulator.FaultResetUserCode:
		checkUserCode(conn, pick(want.granted, newUserCode, p.UserCode.Value), want.tries)
	}
}

// checkPIN checks that pin is the card's PIN, or, when the PIN has no try
// left, that VERIFY returns 6983 even for it (REF-05).
func checkPIN(conn *connection, pin string, tries int) {
	GinkgoHelper()
	if tries == 0 {
		Expect(conn.send(verifyCmd(pin))).To(Equal(iso7816.SWAuthMethodBlocked), "VERIFY of the correct PIN with no try left")
		return
	}
	Expect(conn.send(verifyCmd(pin))).To(Equal(iso7816.SWSuccess), "VERIFY of the PIN the card should hold")
}

// checkUserCode checks that userCode is the card's user code with RESET
// RETRY COUNTER, which also sets newPIN, or, when the user code has no try
// left, that the command returns 6983 even for it (ACT-04).
func checkUserCode(conn *connection, userCode string, tries int) {
	GinkgoHelper()
	if tries == 0 {
		Expect(conn.send(resetPINCmd(userCode, newPIN))).To(Equal(iso7816.SWAuthMethodBlocked), "RESET RETRY COUNTER with the correct user code and no try left")
		return
	}
	Expect(conn.send(resetPINCmd(userCode, newPIN))).To(Equal(iso7816.SWSuccess), "RESET RETRY COUNTER with the user code the card should hold")
}
