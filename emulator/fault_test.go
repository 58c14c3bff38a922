package emulator

import (
	"slices"
	"testing"

	"gcacard/iso7816"
)

// faultOpOf maps the operations of counterOperations to their FaultOp.
var faultOpOf = map[string]FaultOp{
	"VERIFY":     FaultVerify,
	"CHANGE":     FaultChange,
	"activation": FaultActivate,
	"unblock":    FaultUnblock,
}

// newFaultCard opens a card on a MemoryStore with a fault hook, after
// applying the mutators to the test image.
func newFaultCard(t testing.TB, hook func(FaultPoint), mutators ...func(*Image)) (*Card, *MemoryStore) {
	t.Helper()
	img := testImage(t)
	for _, m := range mutators {
		m(img)
	}
	store := &MemoryStore{}
	card, err := Open(img, store, Options{Logger: quietLogger(), Fault: hook})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return card, store
}

// crashAt returns a fault hook that panics with simulatedCrash at point,
// as a process killed there would stop.
func crashAt(point FaultPoint) func(FaultPoint) {
	return func(p FaultPoint) {
		if p == point {
			panic(simulatedCrash{})
		}
	}
}

// callCrashing runs fn and reports whether it panicked with
// simulatedCrash. It re-raises any other panic.
func callCrashing(fn func()) (crashed bool) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if _, ok := r.(simulatedCrash); !ok {
			panic(r)
		}
		crashed = true
	}()
	fn()
	return false
}

// Each command that uses a try reports its four fault points in order,
// whether the value matches or not, and the after-reply point only on the
// next call into the card.
func TestFaultPointsInOrder(t *testing.T) {
	for _, op := range counterOperations() {
		for _, value := range []string{"wrong", "correct"} {
			t.Run(op.name+" "+value, func(t *testing.T) {
				var reached []FaultPoint
				c, _ := newFaultCard(t, func(p FaultPoint) { reached = append(reached, p) }, op.mutatorsWithMax(3)...)
				apdu := op.wrong(t)
				if value == "correct" {
					apdu = op.correct(t)
				}

				send(t, c, apdu)
				if n := len(reached); n != 3 {
					t.Fatalf("reached %v before the next call, want 3 points", reached)
				}
				c.ATR()
				c.ATR()

				var want []FaultPoint
				for _, stage := range FaultStages(faultOpOf[op.name]) {
					want = append(want, FaultPoint{Op: faultOpOf[op.name], Stage: stage})
				}
				if !slices.Equal(reached, want) {
					t.Errorf("reached %v, want %v", reached, want)
				}
			})
		}
	}
}

// The CA's user-code reset reports before-save, after-save and, on the
// next call, after-reply.
func TestFaultPointsOfUserCodeReset(t *testing.T) {
	var reached []FaultPoint
	c, _ := newFaultCard(t, func(p FaultPoint) { reached = append(reached, p) })
	authenticateCA(t, c)

	wantSW(t, send(t, c, caResetCmd(t, newUserCode)), iso7816.SWSuccess)
	c.Reset()

	want := []FaultPoint{
		{FaultResetUserCode, FaultBeforeSave},
		{FaultResetUserCode, FaultAfterSave},
		{FaultResetUserCode, FaultAfterReply},
	}
	if !slices.Equal(reached, want) {
		t.Errorf("reached %v, want %v", reached, want)
	}
}

// Commands that use no try, and rejected ones, report no fault point.
func TestFaultPointsNotReachedWithoutTry(t *testing.T) {
	var reached []FaultPoint
	c, _ := newFaultCard(t, func(p FaultPoint) { reached = append(reached, p) }, activated)

	sendHex(t, c, "00 20 00 80")                                  // query (VER-02)
	sendHex(t, c, "00 20 00 80 0A 31 32 33 FF FF FF FF FF FF FF") // too short (REF-03)
	sendHex(t, c, "00 24 00 80 0A 31 32 33 34 35 36 FF FF FF FF") // one block only
	send(t, c, rrcCmd(t, "short", newPIN))                        // invalid user code
	send(t, c, caResetCmd(t, newUserCode))                        // no CA status (UCR-03)
	c.ATR()

	if len(reached) != 0 {
		t.Errorf("reached %v, want no fault point", reached)
	}
}

// A crash at each fault point keeps every try whose comparison could have
// happened, and keeps a match only once its response has left the card.
func TestCrashAtFaultPoint(t *testing.T) {
	for _, op := range counterOperations() {
		faultOp := faultOpOf[op.name]
		for _, stage := range FaultStages(faultOp) {
			for _, value := range []string{"wrong", "correct"} {
				t.Run(op.name+" "+string(stage)+" "+value, func(t *testing.T) {
					c, store := newFaultCard(t, crashAt(FaultPoint{faultOp, stage}), op.mutatorsWithMax(3)...)
					lifecycle := c.Status().Lifecycle
					apdu := op.wrong(t)
					if value == "correct" {
						apdu = op.correct(t)
					}

					crashed := callCrashing(func() { send(t, c, apdu) })
					if stage == FaultAfterReply {
						if crashed {
							t.Fatal("card crashed before its response left it")
						}
						crashed = callCrashing(func() { c.ATR() })
					}
					if !crashed {
						t.Fatalf("card did not crash at %s", stage)
					}

					restarted := reopen(t, c, store)
					granted := value == "correct" && stage == FaultAfterReply
					wantRemaining := 2
					switch {
					case stage == FaultBeforeSave:
						wantRemaining = 3
					case granted:
						wantRemaining = 3
					}
					wantTries(t, "counter", triesByGetData(t, restarted, op.tag), Tries{Max: 3, Remaining: wantRemaining})
					wantGranted(t, restarted, op.name, lifecycle, granted)
				})
			}
		}
	}
}

// wantGranted checks whether the restarted card kept a match of op: a new
// PIN for CHANGE, activation and unblock, which also make the card
// activated. VERIFY grants only volatile status, so there is nothing to
// check beyond the counter.
func wantGranted(t *testing.T, c *Card, opName string, lifecycle Lifecycle, granted bool) {
	t.Helper()
	if opName == "VERIFY" {
		return
	}
	if !granted {
		if got := lifecycleByGetData(t, c); got != lifecycle {
			t.Errorf("lifecycle %v, want %v", got, lifecycle)
		}
		if lifecycle == LifecycleIssued {
			wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWReferenceDataNotUsable)
			return
		}
		wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
		return
	}
	if got := lifecycleByGetData(t, c); got != LifecycleActivated {
		t.Errorf("lifecycle %v, want activated", got)
	}
	wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWSuccess)
}

// A crash in the CA's user-code reset keeps the old user code before the
// save, and the new one from the save on.
func TestCrashAtUserCodeResetFaultPoint(t *testing.T) {
	for _, stage := range FaultStages(FaultResetUserCode) {
		t.Run(string(stage), func(t *testing.T) {
			c, store := newFaultCard(t, crashAt(FaultPoint{FaultResetUserCode, stage}), withUserCodeTries(3, 0))
			authenticateCA(t, c)

			crashed := callCrashing(func() { send(t, c, caResetCmd(t, newUserCode)) })
			if stage == FaultAfterReply {
				crashed = callCrashing(func() { c.Reset() })
			}
			if !crashed {
				t.Fatalf("card did not crash at %s", stage)
			}

			restarted := reopen(t, c, store)
			if stage == FaultBeforeSave {
				wantTries(t, "user code", triesByGetData(t, restarted, TagUserCodeTries), Tries{Max: 3, Remaining: 0})
				return
			}
			wantTries(t, "user code", triesByGetData(t, restarted, TagUserCodeTries), Tries{Max: 3, Remaining: 3})
			wantSW(t, send(t, restarted, rrcCmd(t, newUserCode, newPIN)), iso7816.SWSuccess)
		})
	}
}

// ParseFaultPoint reads every point that String writes and rejects
// unknown operations, unknown stages and a stage that the operation does
// not reach.
func TestParseFaultPoint(t *testing.T) {
	for _, op := range FaultOps() {
		for _, stage := range FaultStages(op) {
			point := FaultPoint{Op: op, Stage: stage}
			got, err := ParseFaultPoint(point.String())
			if err != nil || got != point {
				t.Errorf("ParseFaultPoint(%q) = %v, %v, want %v", point.String(), got, err, point)
			}
		}
	}
	for _, bad := range []string{"", "verify", "verify:", "sign:after-save", "verify:during-save", "reset-user-code:after-compare", "VERIFY:after-save"} {
		if _, err := ParseFaultPoint(bad); err == nil {
			t.Errorf("ParseFaultPoint(%q) returned no error", bad)
		}
	}
}
