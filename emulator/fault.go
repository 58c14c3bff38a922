package emulator

import (
	"fmt"
	"strings"
)

// FaultOp names a command that uses a try, or sets reference data, for
// Options.Fault.
type FaultOp string

// Operations that report fault points.
const (
	// FaultVerify is VERIFY with the PIN (VER-01).
	FaultVerify FaultOp = "verify"
	// FaultChange is CHANGE REFERENCE DATA (CHG-01).
	FaultChange FaultOp = "change"
	// FaultActivate is RESET RETRY COUNTER with the user code on an issued
	// card (ACT-02).
	FaultActivate FaultOp = "activate"
	// FaultUnblock is RESET RETRY COUNTER with the user code on an
	// activated card (ACT-03).
	FaultUnblock FaultOp = "unblock"
	// FaultResetUserCode is the CA's RESET RETRY COUNTER of the user code
	// (UCR-03). It compares no reference data, so it has no
	// FaultAfterCompare.
	FaultResetUserCode FaultOp = "reset-user-code"
)

// FaultStage names a step of a FaultOp.
type FaultStage string

// Stages, in the order a command reaches them.
const (
	// FaultBeforeSave: the command's checks have passed and its first
	// state change (the decremented counter, or the new user code) is
	// about to be saved.
	FaultBeforeSave FaultStage = "before-save"
	// FaultAfterSave: that first state change is saved. For the commands
	// that compare, nothing is compared yet.
	FaultAfterSave FaultStage = "after-save"
	// FaultAfterCompare: the value is compared, and what a match grants
	// (restored counter, new PIN, activation) is not saved yet.
	FaultAfterCompare FaultStage = "after-compare"
	// FaultAfterReply: the response has left the card. The card reports
	// it when it is next called (Transmit, ATR, Reset or PowerOff), which
	// over vpcd means that the reader has received the response.
	FaultAfterReply FaultStage = "after-reply"
)

// FaultPoint is a point inside a command at which a crash test stops the
// card.
type FaultPoint struct {
	Op    FaultOp
	Stage FaultStage
}

// String returns the point as OP:STAGE, the form ParseFaultPoint reads.
func (p FaultPoint) String() string { return string(p.Op) + ":" + string(p.Stage) }

// FaultOps lists every operation that reports fault points.
func FaultOps() []FaultOp {
	return []FaultOp{FaultVerify, FaultChange, FaultActivate, FaultUnblock, FaultResetUserCode}
}

// FaultStages returns the stages that op reaches, in order.
func FaultStages(op FaultOp) []FaultStage {
	if op == FaultResetUserCode {
		return []FaultStage{FaultBeforeSave, FaultAfterSave, FaultAfterReply}
	}
	return []FaultStage{FaultBeforeSave, FaultAfterSave, FaultAfterCompare, FaultAfterReply}
}

// ParseFaultPoint parses OP:STAGE, such as verify:after-save.
func ParseFaultPoint(s string) (FaultPoint, error) {
	op, stage, ok := strings.Cut(s, ":")
	if !ok {
		return FaultPoint{}, fmt.Errorf("invalid fault point %q: want OP:STAGE, such as verify:after-save", s)
	}
	for _, knownOp := range FaultOps() {
		if FaultOp(op) != knownOp {
			continue
		}
		for _, knownStage := range FaultStages(knownOp) {
			if FaultStage(stage) == knownStage {
				return FaultPoint{Op: knownOp, Stage: knownStage}, nil
			}
		}
		return FaultPoint{}, fmt.Errorf("invalid fault point %q: %s has the stages %v", s, op, FaultStages(knownOp))
	}
	return FaultPoint{}, fmt.Errorf("invalid fault point %q: the operations are %v", s, FaultOps())
}

// faultAt calls the fault hook, if any, at a point of the command in
// progress, and remembers the operation so that the card reports
// FaultAfterReply on its next call. The caller holds c.mu.
func (c *Card) faultAt(op FaultOp, stage FaultStage) {
	if c.fault == nil {
		return
	}
	c.faultOp = op
	c.fault(FaultPoint{Op: op, Stage: stage})
}

// reportReply calls the fault hook with FaultAfterReply once for the last
// command that reached a fault point. The card calls it on entry to every
// method that vpcd calls, before it takes c.mu.
func (c *Card) reportReply() {
	if c.fault == nil {
		return
	}
	c.mu.Lock()
	op := c.replied
	c.replied = ""
	c.mu.Unlock()

	if op != "" {
		c.fault(FaultPoint{Op: op, Stage: FaultAfterReply})
	}
}
