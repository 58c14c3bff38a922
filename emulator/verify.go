package emulator

import (
	"gcacard/iso7816"
)

// refState returns the stored state of ref in s.
func (s *State) refState(ref keyRef) *RefState {
	if ref == refPIN {
		return &s.PIN
	}
	return &s.UserCode
}

// parseKeyRef maps P2 to a key reference, or returns 6A88 (REF-06).
func parseKeyRef(p2 byte) (keyRef, iso7816.StatusWord) {
	switch keyRef(p2) {
	case refPIN, refUserCode:
		return keyRef(p2), iso7816.SWSuccess
	}
	return 0, iso7816.SWReferencedDataNotFound
}

// attempt uses one try of ref with value: it decrements the retry counter
// and saves it durably, and only then compares (CNT-01, CNT-02). It returns
// 9000 on a match, 63CX on a mismatch and 6581 when the save failed, in
// which case the security status is unchanged too. It reports op's fault
// points up to FaultAfterCompare.
func (c *Card) attempt(op FaultOp, ref keyRef, value []byte) iso7816.StatusWord {
	next := c.state
	if !(ref == refUserCode && c.defect == DefectNoUserCodeDecrement) {
		next.refState(ref).Remaining--
	}
	c.faultAt(op, FaultBeforeSave)
	if err := c.commit(&next); err != nil {
		return iso7816.SWMemoryFailure
	}
	c.faultAt(op, FaultAfterSave)
	// Every command that uses a try leaves the PIN unverified, unless it
	// succeeds and sets the status again.
	c.vol.pinVerified = false

	stored := c.state.refState(ref)
	matched := stored.matches(c.state.Salt, value)
	c.faultAt(op, FaultAfterCompare)
	if !matched {
		if stored.Remaining == 0 {
			c.log.Warn("retry counter reached 0, reference data blocked", "ref", ref.String())
		}
		return iso7816.RetriesRemaining(stored.Remaining)
	}
	return iso7816.SWSuccess
}

// blockedOrUnset returns 6984 for an unset PIN and 6983 for a blocked
// reference (LC-02, REF-05), or 9000 when ref can be compared.
func (c *Card) blockedOrUnset(ref keyRef) iso7816.StatusWord {
	r := c.state.refState(ref)
	if ref == refPIN && !r.IsSet() {
		return iso7816.SWReferenceDataNotUsable
	}
	if r.Blocked() {
		return iso7816.SWAuthMethodBlocked
	}
	return iso7816.SWSuccess
}

// handleVerify implements VERIFY (VER-01 to VER-04).
func handleVerify(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	if cmd.P1 != 0x00 && cmd.P1 != 0xFF {
		return status(iso7816.SWIncorrectP1P2)
	}
	ref, sw := parseKeyRef(cmd.P2)
	if sw != iso7816.SWSuccess {
		return status(sw)
	}

	if cmd.P1 == 0xFF {
		if len(cmd.Data) != 0 {
			return status(iso7816.SWWrongLength)
		}
		if ref == refPIN {
			c.vol.pinVerified = false
		}
		return status(iso7816.SWSuccess)
	}
	if len(cmd.Data) == 0 {
		return status(c.query(ref))
	}
	if ref == refUserCode {
		return status(iso7816.SWIncorrectP1P2)
	}
	return status(c.verifyPIN(cmd.Data))
}

// query handles the no-data form of VERIFY, which uses no try (VER-02).
func (c *Card) query(ref keyRef) iso7816.StatusWord {
	if sw := c.blockedOrUnset(ref); sw != iso7816.SWSuccess {
		return sw
	}
	if ref == refPIN && c.vol.pinVerified {
		return iso7816.SWSuccess
	}
	return iso7816.RetriesRemaining(c.state.refState(ref).Remaining)
}

func (c *Card) verifyPIN(data []byte) iso7816.StatusWord {
	if len(data) != BlockSize {
		return iso7816.SWWrongLength
	}
	pin, err := c.parseBlock(refPIN, data)
	if err != nil {
		return iso7816.SWWrongData
	}
	if sw := c.blockedOrUnset(refPIN); sw != iso7816.SWSuccess {
		return sw
	}

	if sw := c.attempt(FaultVerify, refPIN, pin); sw != iso7816.SWSuccess {
		return sw
	}
	if sw := c.restore(refPIN); sw != iso7816.SWSuccess {
		return sw
	}
	c.vol.pinVerified = true
	return iso7816.SWSuccess
}

// restore sets ref's retry counter back to its maximum after a match
// (CNT-03).
func (c *Card) restore(ref keyRef) iso7816.StatusWord {
	next := c.state
	r := next.refState(ref)
	r.Remaining = r.MaxTries
	if err := c.commit(&next); err != nil {
		return iso7816.SWMemoryFailure
	}
	return iso7816.SWSuccess
}

// parseTwoBlocks splits a 20-byte data field into two values, checked
// against firstRef and secondRef (REF-02, REF-03).
func (c *Card) parseTwoBlocks(data []byte, firstRef, secondRef keyRef) (first, second []byte, sw iso7816.StatusWord) {
	if len(data) != 2*BlockSize {
		return nil, nil, iso7816.SWWrongLength
	}
	first, err := c.parseBlock(firstRef, data[:BlockSize])
	if err != nil {
		return nil, nil, iso7816.SWWrongData
	}
	second, err = c.parseBlock(secondRef, data[BlockSize:])
	if err != nil {
		return nil, nil, iso7816.SWWrongData
	}
	return first, second, iso7816.SWSuccess
}

// handleChangeReferenceData implements CHANGE REFERENCE DATA (CHG-01,
// CHG-02).
func handleChangeReferenceData(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	if cmd.P1 != 0x00 {
		return status(iso7816.SWIncorrectP1P2)
	}
	ref, sw := parseKeyRef(cmd.P2)
	if sw != iso7816.SWSuccess {
		return status(sw)
	}
	if ref != refPIN {
		return status(iso7816.SWIncorrectP1P2)
	}

	oldPIN, newPIN, sw := c.parseTwoBlocks(cmd.Data, refPIN, refPIN)
	if sw != iso7816.SWSuccess {
		return status(sw)
	}
	if sw := c.blockedOrUnset(refPIN); sw != iso7816.SWSuccess {
		return status(sw)
	}

	if sw := c.attempt(FaultChange, refPIN, oldPIN); sw != iso7816.SWSuccess {
		return status(sw)
	}

	next := c.state
	next.PIN.Digest = digest(next.Salt, newPIN)
	next.PIN.Remaining = next.PIN.MaxTries
	if err := c.commit(&next); err != nil {
		return status(iso7816.SWMemoryFailure)
	}
	c.vol.pinVerified = true
	return status(iso7816.SWSuccess)
}

// handleResetRetryCounter implements activation, unblock / reset PIN
// (ACT-01 to ACT-04) and the CA's user-code reset (UCR-03).
func handleResetRetryCounter(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	ref, sw := parseKeyRef(cmd.P2)
	switch {
	case cmd.P1 != 0x00 && cmd.P1 != 0x02:
		return status(iso7816.SWIncorrectP1P2)
	case sw != iso7816.SWSuccess:
		return status(sw)
	case cmd.P1 == 0x00 && ref == refPIN:
		return status(c.resetPIN(cmd.Data))
	case cmd.P1 == 0x02 && ref == refUserCode:
		return status(c.resetUserCode(cmd.Data))
	}
	return status(iso7816.SWIncorrectP1P2)
}

// resetPIN checks the user code and sets a new PIN: activation on an
// issued card, unblock on an activated one.
func (c *Card) resetPIN(data []byte) iso7816.StatusWord {
	userCode, newPIN, sw := c.parseTwoBlocks(data, refUserCode, refPIN)
	if sw != iso7816.SWSuccess {
		return sw
	}
	if sw := c.blockedOrUnset(refUserCode); sw != iso7816.SWSuccess {
		return sw
	}

	op := FaultUnblock
	if c.state.Lifecycle == LifecycleIssued {
		op = FaultActivate
	}
	if sw := c.attempt(op, refUserCode, userCode); sw != iso7816.SWSuccess {
		return sw
	}

	next := c.state
	next.PIN.Digest = digest(next.Salt, newPIN)
	next.PIN.Remaining = next.PIN.MaxTries
	next.UserCode.Remaining = next.UserCode.MaxTries
	activating := next.Lifecycle == LifecycleIssued
	if activating {
		next.Lifecycle = LifecycleActivated
	}
	if err := c.commit(&next); err != nil {
		return iso7816.SWMemoryFailure
	}

	if activating {
		c.log.Info("card activated")
	} else {
		c.log.Info("PIN reset with the user code")
	}
	return iso7816.SWSuccess
}

// resetUserCode sets a new user code after the CA's EXTERNAL AUTHENTICATE
// (UCR-03).
func (c *Card) resetUserCode(data []byte) iso7816.StatusWord {
	if len(data) != BlockSize {
		return iso7816.SWWrongLength
	}
	userCode, err := c.parseBlock(refUserCode, data)
	if err != nil {
		return iso7816.SWWrongData
	}
	if !c.vol.caAuthenticated {
		return iso7816.SWSecurityNotSatisfied
	}
	c.vol.caAuthenticated = false

	next := c.state
	next.UserCode.Digest = digest(next.Salt, userCode)
	next.UserCode.Remaining = next.UserCode.MaxTries
	c.faultAt(FaultResetUserCode, FaultBeforeSave)
	if err := c.commit(&next); err != nil {
		return iso7816.SWMemoryFailure
	}
	c.faultAt(FaultResetUserCode, FaultAfterSave)
	c.log.Info("user code reset by the CA")
	return iso7816.SWSuccess
}
