package emulator

import (
	"testing"

	"gcacard/iso7816"
)

// signDigestInfoCmd returns PERFORM SECURITY OPERATION COMPUTE DIGITAL
// SIGNATURE over a SHA-256 DigestInfo of 32 zero bytes, with Le 00.
func signDigestInfoCmd(t testing.TB) []byte {
	t.Helper()
	digestInfo := concat(mustHex(t, "3031300d060960864801650304020105000420"), make([]byte, 32))
	return cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: digestInfo, Ne: 256})
}

// VER-01, CNT-04: a match sets the PIN's security status and a later
// mismatch clears it.
func TestVerifySetsAndClearsStatus(t *testing.T) {
	c, _ := newTestCard(t, activated)

	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.SWSuccess)

	wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.RetriesRemaining(2))
	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.RetriesRemaining(2))
}

// VER-02, LC-02, REF-05: the query returns 9000 only for a verified PIN,
// 6983 for a blocked reference, 6984 for the PIN of an issued card and
// 63CX otherwise. The user code is never verified on its own.
func TestVerifyQueryByState(t *testing.T) {
	cases := []struct {
		name     string
		mutators []func(*Image)
		setup    func(t testing.TB, c *Card)
		query    string
		want     iso7816.StatusWord
	}{
		{name: "issued PIN", query: "00 20 00 80", want: iso7816.SWReferenceDataNotUsable},
		{name: "issued user code", query: "00 20 00 81", want: iso7816.RetriesRemaining(3)},
		{
			name:     "issued user code blocked",
			mutators: []func(*Image){withUserCodeTries(3, 0)},
			query:    "00 20 00 81",
			want:     iso7816.SWAuthMethodBlocked,
		},
		{name: "activated PIN", mutators: []func(*Image){activated}, query: "00 20 00 80", want: iso7816.RetriesRemaining(3)},
		{name: "activated user code", mutators: []func(*Image){activated}, query: "00 20 00 81", want: iso7816.RetriesRemaining(3)},
		{
			name:     "PIN after one mismatch",
			mutators: []func(*Image){activated},
			setup: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.RetriesRemaining(2))
			},
			query: "00 20 00 80",
			want:  iso7816.RetriesRemaining(2),
		},
		{
			name:     "verified PIN",
			mutators: []func(*Image){activated},
			setup: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
			},
			query: "00 20 00 80",
			want:  iso7816.SWSuccess,
		},
		{
			name:     "user code after verified PIN",
			mutators: []func(*Image){activated},
			setup: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
			},
			query: "00 20 00 81",
			want:  iso7816.RetriesRemaining(3),
		},
		{
			name:  "user code after activation",
			setup: func(t testing.TB, c *Card) { wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess) },
			query: "00 20 00 81",
			want:  iso7816.RetriesRemaining(3),
		},
		{
			name:     "PIN blocked",
			mutators: []func(*Image){activated, withPINTries(3, 0)},
			query:    "00 20 00 80",
			want:     iso7816.SWAuthMethodBlocked,
		},
		{
			name:     "PIN blocked by mismatches",
			mutators: []func(*Image){activated, withPINTries(1, -1)},
			setup: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.RetriesRemaining(0))
			},
			query: "00 20 00 80",
			want:  iso7816.SWAuthMethodBlocked,
		},
		{
			name:     "activated user code blocked",
			mutators: []func(*Image){activated, withUserCodeTries(3, 0)},
			query:    "00 20 00 81",
			want:     iso7816.SWAuthMethodBlocked,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, tc.mutators...)
			if tc.setup != nil {
				tc.setup(t, c)
			}
			wantSW(t, sendHex(t, c, tc.query), tc.want)
		})
	}
}

// VER-03: P1 FF without data clears one reference's security status, and
// with data returns 6700 and clears nothing.
func TestVerifyClearForm(t *testing.T) {
	cases := []struct {
		name      string
		command   string
		want      iso7816.StatusWord
		wantQuery iso7816.StatusWord
	}{
		{"clear PIN", "00 20 FF 80", iso7816.SWSuccess, iso7816.RetriesRemaining(3)},
		{"clear user code", "00 20 FF 81", iso7816.SWSuccess, iso7816.SWSuccess},
		{"clear PIN with data", "00 20 FF 80 0A 313335373930FFFFFFFF", iso7816.SWWrongLength, iso7816.SWSuccess},
		{"clear user code with data", "00 20 FF 81 0A 4162313263643334FFFF", iso7816.SWWrongLength, iso7816.SWSuccess},
		{"clear PIN with one byte", "00 20 FF 80 01 00", iso7816.SWWrongLength, iso7816.SWSuccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)

			wantSW(t, sendHex(t, c, tc.command), tc.want)

			wantSW(t, sendHex(t, c, "00 20 00 80"), tc.wantQuery)
		})
	}
}

// VER-04: VERIFY 81 with data and any P1 other than 00 or FF return 6A86,
// and neither uses a try.
func TestVerifyIncorrectParameters(t *testing.T) {
	cases := []struct {
		name    string
		command func(t testing.TB) []byte
	}{
		{"user code with data", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0, 0x81, block(t, testUserCode)) }},
		{"user code with bad block", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0, 0x81, []byte{1, 2, 3}) }},
		{"P1 01 with data", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0x01, 0x80, block(t, testPIN)) }},
		{"P1 01 query", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0x01, 0x80, nil) }},
		{"P1 80 query", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0x80, 0x80, nil) }},
		{"P1 FE clear", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0xFE, 0x80, nil) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, activated)
			wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
			before := takeSnapshot(t, c, store)

			wantSW(t, send(t, c, tc.command(t)), iso7816.SWIncorrectP1P2)

			wantUnchanged(t, before, takeSnapshot(t, c, store))
		})
	}
}

// LC-02: on an issued card the PIN is not set, so VERIFY 80 and CHANGE
// return 6984 and PERFORM SECURITY OPERATION 6982, with nothing saved.
func TestIssuedCardRejectsPINCommands(t *testing.T) {
	cases := []struct {
		name    string
		command func(t testing.TB) []byte
		want    iso7816.StatusWord
	}{
		{"VERIFY with data", func(t testing.TB) []byte { return verifyCmd(t, testPIN) }, iso7816.SWReferenceDataNotUsable},
		{"VERIFY query", func(t testing.TB) []byte { return rawCommand(t, 0x20, 0, 0x80, nil) }, iso7816.SWReferenceDataNotUsable},
		{"CHANGE", func(t testing.TB) []byte { return changeCmd(t, testPIN, newPIN) }, iso7816.SWReferenceDataNotUsable},
		{"PSO sign", signDigestInfoCmd, iso7816.SWSecurityNotSatisfied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t)
			wantSW(t, sendHex(t, c, "00 22 41 B6 03 840101"), iso7816.SWSuccess)
			before := takeSnapshot(t, c, store)

			wantSW(t, send(t, c, tc.command(t)), tc.want)

			wantUnchanged(t, before, takeSnapshot(t, c, store))
		})
	}
}

// LC-02, REF-03: on an issued card a malformed VERIFY returns its format
// error before the lifecycle's 6984.
func TestIssuedCardChecksFormatFirst(t *testing.T) {
	c, _ := newTestCard(t)

	wantSW(t, send(t, c, rawCommand(t, 0x20, 0, 0x80, padded(testPIN, 9))), iso7816.SWWrongLength)
	wantSW(t, send(t, c, rawCommand(t, 0x20, 0, 0x80, padded("135-790", BlockSize))), iso7816.SWWrongData)
}

// ACT-01, ACT-02, LC-01: activation moves the card to activated, sets the
// PIN, restores both counters and leaves the PIN unverified.
func TestActivation(t *testing.T) {
	c, _ := newTestCard(t, withPINTries(3, 1), withUserCodeTries(3, 2))
	if got := lifecycleByGetData(t, c); got != LifecycleIssued {
		t.Fatalf("lifecycle before activation %v, want issued", got)
	}

	wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)

	if got := lifecycleByGetData(t, c); got != LifecycleActivated {
		t.Errorf("lifecycle %v, want activated", got)
	}
	wantTries(t, "PIN", triesByGetData(t, c, TagPINTries), Tries{Max: 3, Remaining: 3})
	wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), Tries{Max: 3, Remaining: 3})
	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.RetriesRemaining(3))
	wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWSuccess)
}

// ACT-02: a wrong user code changes only the user code's counter.
func TestActivationWrongUserCode(t *testing.T) {
	c, store := newTestCard(t)
	before := c.Status()

	wantSW(t, send(t, c, rrcCmd(t, wrongUserCode, newPIN)), iso7816.RetriesRemaining(2))

	after := c.Status()
	wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), Tries{Max: 3, Remaining: 2})
	wantTries(t, "PIN", triesByGetData(t, c, TagPINTries), before.PINTries)
	if got := lifecycleByGetData(t, c); got != LifecycleIssued {
		t.Errorf("lifecycle %v, want issued", got)
	}
	if after.PINSet {
		t.Error("PIN set after a wrong user code")
	}
	loaded, err := store.Load()
	if err != nil {
		t.Fatalf("loading the state: %v", err)
	}
	if loaded.UserCode.Remaining != 2 {
		t.Errorf("stored user-code tries %d, want 2", loaded.UserCode.Remaining)
	}
}

// ACT-03, LC-01: on an activated card the same command unblocks or resets
// the PIN, whether or not it is blocked, and the card stays activated.
func TestUnblockSetsNewPIN(t *testing.T) {
	cases := []struct {
		name     string
		mutators []func(*Image)
	}{
		{"PIN blocked", []func(*Image){activated, withPINTries(3, 0)}},
		{"PIN not blocked", []func(*Image){activated, withPINTries(3, 2)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, tc.mutators...)

			wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)

			if got := lifecycleByGetData(t, c); got != LifecycleActivated {
				t.Errorf("lifecycle %v, want activated", got)
			}
			wantTries(t, "PIN", triesByGetData(t, c, TagPINTries), Tries{Max: 3, Remaining: 3})
			wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), Tries{Max: 3, Remaining: 3})
			wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.RetriesRemaining(2))
			wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWSuccess)
		})
	}
}

// ACT-03: unblock clears the PIN's security status.
func TestUnblockClearsPINStatus(t *testing.T) {
	c, _ := newTestCard(t, activated)
	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)

	wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)

	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.RetriesRemaining(3))
}

// ACT-04, REF-05: a blocked user code rejects activation and unblock with
// 6983 even when it is correct, and nothing is saved.
func TestBlockedUserCodeRefusesCorrect(t *testing.T) {
	cases := []struct {
		name     string
		mutators []func(*Image)
	}{
		{"activation", []func(*Image){withUserCodeTries(3, 0)}},
		{"unblock", []func(*Image){activated, withPINTries(3, 0), withUserCodeTries(3, 0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, tc.mutators...)
			before := takeSnapshot(t, c, store)

			wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWAuthMethodBlocked)

			wantUnchanged(t, before, takeSnapshot(t, c, store))
			wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), Tries{Max: 3, Remaining: 0})
		})
	}
}

// CHG-01: CHANGE REFERENCE DATA with the right old PIN sets the new one,
// restores the counter and sets the PIN's security status.
func TestChangePIN(t *testing.T) {
	c, _ := newTestCard(t, activated)
	wantSW(t, send(t, c, verifyCmd(t, wrongPIN)), iso7816.RetriesRemaining(2))

	wantSW(t, send(t, c, changeCmd(t, testPIN, newPIN)), iso7816.SWSuccess)

	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.SWSuccess)
	wantTries(t, "PIN", triesByGetData(t, c, TagPINTries), Tries{Max: 3, Remaining: 3})
	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWSuccess)
}

// CHG-01, CNT-04: a wrong old PIN returns 63CX, clears the PIN's security
// status and keeps the old PIN.
func TestChangePINMismatch(t *testing.T) {
	c, _ := newTestCard(t, activated)
	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)

	wantSW(t, send(t, c, changeCmd(t, wrongPIN, newPIN)), iso7816.RetriesRemaining(2))

	wantSW(t, sendHex(t, c, "00 20 00 80"), iso7816.RetriesRemaining(2))
	wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.RetriesRemaining(1))
	wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
}

// CHG-02: CHANGE REFERENCE DATA with P1 other than 00 or P2 81 returns
// 6A86, so the holder cannot change the user code.
func TestChangeIncorrectParameters(t *testing.T) {
	cases := []struct {
		name   string
		p1, p2 byte
	}{
		{"P1 01", 0x01, 0x80},
		{"P1 FF", 0xFF, 0x80},
		{"P2 81", 0x00, 0x81},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, activated)
			before := takeSnapshot(t, c, store)

			data := concat(block(t, testUserCode), block(t, "NewCode1"))
			if tc.p2 == 0x80 {
				data = concat(block(t, testPIN), block(t, newPIN))
			}
			wantSW(t, send(t, c, rawCommand(t, 0x24, tc.p1, tc.p2, data)), iso7816.SWIncorrectP1P2)

			wantUnchanged(t, before, takeSnapshot(t, c, store))
			wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)
		})
	}
}
