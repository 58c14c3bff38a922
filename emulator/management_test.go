package emulator

import (
	"bytes"
	"testing"

	"gcacard/iso7816"
)

// newUserCode is the user code that the CA's reset sets in these tests.
const newUserCode = "NewCode1"

// getChallenge sends GET CHALLENGE with Le 08 and returns the challenge.
func getChallenge(t testing.TB, c *Card) []byte {
	t.Helper()
	resp := sendHex(t, c, "00 84 00 00 08")
	if resp.SW != iso7816.SWSuccess {
		t.Fatalf("GET CHALLENGE: status word %v", resp.SW)
	}
	return bytes.Clone(resp.Data)
}

// cryptogram returns the EXTERNAL AUTHENTICATE data for challenge under the
// test card's management key.
func cryptogram(t testing.TB, challenge []byte) []byte {
	t.Helper()
	out, err := ManagementCryptogram(testManagementKey, challenge, testCardNumber)
	if err != nil {
		t.Fatalf("ManagementCryptogram: %v", err)
	}
	return out
}

// externalAuthenticateCmd returns EXTERNAL AUTHENTICATE 00 01 with data.
func externalAuthenticateCmd(t testing.TB, data []byte) []byte {
	return rawCommand(t, 0x82, 0x00, ManagementKeyRef, data)
}

// authenticateCA runs GET CHALLENGE and EXTERNAL AUTHENTICATE with the
// right cryptogram, which sets the CA's security status.
func authenticateCA(t testing.TB, c *Card) {
	t.Helper()
	challenge := getChallenge(t, c)
	resp := send(t, c, externalAuthenticateCmd(t, cryptogram(t, challenge)))
	if resp.SW != iso7816.SWSuccess {
		t.Fatalf("EXTERNAL AUTHENTICATE: status word %v", resp.SW)
	}
}

// caResetCmd returns RESET RETRY COUNTER 02 81 with a new user code.
func caResetCmd(t testing.TB, userCode string) []byte {
	return rawCommand(t, 0x2C, 0x02, 0x81, block(t, userCode))
}

// UCR-01: GET CHALLENGE returns 8 bytes for Le 08 or 00, different each
// time.
func TestGetChallengeReturnsFreshBytes(t *testing.T) {
	c, _ := newTestCard(t)
	seen := map[string]bool{}

	for _, command := range []string{"00 84 00 00 08", "00 84 00 00 00", "00 84 00 00 08", "00 84 00 00 00", "00 84 00 00 08"} {
		resp := sendHex(t, c, command)
		wantSW(t, resp, iso7816.SWSuccess)
		if len(resp.Data) != ChallengeSize {
			t.Errorf("%s returned %d bytes, want %d", command, len(resp.Data), ChallengeSize)
		}
		if seen[string(resp.Data)] {
			t.Errorf("%s returned challenge %X a second time", command, resp.Data)
		}
		seen[string(resp.Data)] = true
	}
}

// UCR-01, RSP-05: a wrong Le returns 6C08 without data, a missing Le 6700
// and P1-P2 other than 0000 6A86.
func TestGetChallengeErrors(t *testing.T) {
	cases := []struct {
		name    string
		command string
		want    iso7816.StatusWord
	}{
		{"Le 07", "00 84 00 00 07", iso7816.WrongLe(8)},
		{"Le 09", "00 84 00 00 09", iso7816.WrongLe(8)},
		{"Le 10", "00 84 00 00 10", iso7816.WrongLe(8)},
		{"no Le", "00 84 00 00", iso7816.SWWrongLength},
		{"P1 01", "00 84 01 00 08", iso7816.SWIncorrectP1P2},
		{"P2 01", "00 84 00 01 08", iso7816.SWIncorrectP1P2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t)

			resp := sendHex(t, c, tc.command)

			wantSW(t, resp, tc.want)
			if len(resp.Data) != 0 {
				t.Errorf("returned %d data bytes, want none", len(resp.Data))
			}
		})
	}
}

// UCR-02: EXTERNAL AUTHENTICATE accepts only the cryptogram of a fresh
// challenge, and the challenge is used up either way. The CA's reset that
// follows shows whether the CA's security status was set.
func TestExternalAuthenticate(t *testing.T) {
	cases := []struct {
		name string
		// run sends the commands before the EXTERNAL AUTHENTICATE under test
		// and returns that command.
		run      func(t testing.TB, c *Card) []byte
		want     iso7816.StatusWord
		wantAuth bool
	}{
		{
			name: "right cryptogram",
			run: func(t testing.TB, c *Card) []byte {
				return externalAuthenticateCmd(t, cryptogram(t, getChallenge(t, c)))
			},
			want:     iso7816.SWSuccess,
			wantAuth: true,
		},
		{
			name: "wrong cryptogram",
			run: func(t testing.TB, c *Card) []byte {
				data := cryptogram(t, getChallenge(t, c))
				data[0] ^= 0x01
				return externalAuthenticateCmd(t, data)
			},
			want: iso7816.SWAuthenticationFailed,
		},
		{
			name: "wrong key",
			run: func(t testing.TB, c *Card) []byte {
				data, err := ManagementCryptogram([]byte("fedcba9876543210"), getChallenge(t, c), testCardNumber)
				if err != nil {
					t.Fatal(err)
				}
				return externalAuthenticateCmd(t, data)
			},
			want: iso7816.SWAuthenticationFailed,
		},
		{
			name: "no challenge",
			run: func(t testing.TB, c *Card) []byte {
				return externalAuthenticateCmd(t, make([]byte, 16))
			},
			want: iso7816.SWConditionsNotSatisfied,
		},
		{
			name: "stale challenge",
			run: func(t testing.TB, c *Card) []byte {
				challenge := getChallenge(t, c)
				getDataObject(t, c, TagLifecycle)
				return externalAuthenticateCmd(t, cryptogram(t, challenge))
			},
			want: iso7816.SWConditionsNotSatisfied,
		},
		{
			name: "challenge used by mismatch",
			run: func(t testing.TB, c *Card) []byte {
				challenge := getChallenge(t, c)
				wantSW(t, send(t, c, externalAuthenticateCmd(t, make([]byte, 16))), iso7816.SWAuthenticationFailed)
				return externalAuthenticateCmd(t, cryptogram(t, challenge))
			},
			want: iso7816.SWConditionsNotSatisfied,
		},
		{
			name: "challenge used by success",
			run: func(t testing.TB, c *Card) []byte {
				data := cryptogram(t, getChallenge(t, c))
				wantSW(t, send(t, c, externalAuthenticateCmd(t, data)), iso7816.SWSuccess)
				return externalAuthenticateCmd(t, data)
			},
			want: iso7816.SWConditionsNotSatisfied,
			// The first EXTERNAL AUTHENTICATE set the CA's status.
			wantAuth: true,
		},
		{
			name: "data of 15",
			run: func(t testing.TB, c *Card) []byte {
				return externalAuthenticateCmd(t, cryptogram(t, getChallenge(t, c))[:15])
			},
			want: iso7816.SWWrongLength,
		},
		{
			name: "data of 17",
			run: func(t testing.TB, c *Card) []byte {
				return externalAuthenticateCmd(t, concat(cryptogram(t, getChallenge(t, c)), []byte{0}))
			},
			want: iso7816.SWWrongLength,
		},
		{
			name: "no data",
			run: func(t testing.TB, c *Card) []byte {
				getChallenge(t, c)
				return externalAuthenticateCmd(t, nil)
			},
			want: iso7816.SWWrongLength,
		},
		// REF-06: the PIN and the user code are key references that
		// EXTERNAL AUTHENTICATE does not take, 02 one the card does not
		// have.
		{
			name: "P2 80",
			run: func(t testing.TB, c *Card) []byte {
				return rawCommand(t, 0x82, 0x00, 0x80, cryptogram(t, getChallenge(t, c)))
			},
			want: iso7816.SWIncorrectP1P2,
		},
		{
			name: "P2 81",
			run: func(t testing.TB, c *Card) []byte {
				return rawCommand(t, 0x82, 0x00, 0x81, cryptogram(t, getChallenge(t, c)))
			},
			want: iso7816.SWIncorrectP1P2,
		},
		{
			name: "P2 02",
			run: func(t testing.TB, c *Card) []byte {
				return rawCommand(t, 0x82, 0x00, 0x02, cryptogram(t, getChallenge(t, c)))
			},
			want: iso7816.SWReferencedDataNotFound,
		},
		{
			name: "P1 01",
			run: func(t testing.TB, c *Card) []byte {
				return rawCommand(t, 0x82, 0x01, ManagementKeyRef, cryptogram(t, getChallenge(t, c)))
			},
			want: iso7816.SWIncorrectP1P2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, withUserCodeTries(3, 0))
			command := tc.run(t, c)

			wantSW(t, send(t, c, command), tc.want)

			wantReset := iso7816.SWSecurityNotSatisfied
			if tc.wantAuth {
				wantReset = iso7816.SWSuccess
			}
			wantSW(t, send(t, c, caResetCmd(t, newUserCode)), wantReset)
		})
	}
}

// UCR-03: without the CA's security status the reset returns 6982, and
// with it the reset sets a new user code and restores its counter, on an
// issued or an activated card.
func TestCAResetsBlockedUserCode(t *testing.T) {
	cases := []struct {
		name     string
		mutators []func(*Image)
	}{
		{"issued", []func(*Image){withUserCodeTries(3, 0)}},
		{"activated", []func(*Image){activated, withPINTries(3, 0), withUserCodeTries(3, 0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, tc.mutators...)
			saves := store.Saves()

			wantSW(t, send(t, c, caResetCmd(t, newUserCode)), iso7816.SWSecurityNotSatisfied)
			if got := store.Saves(); got != saves {
				t.Errorf("store saved %d times after the refused reset, want %d", got, saves)
			}

			authenticateCA(t, c)
			wantSW(t, send(t, c, caResetCmd(t, newUserCode)), iso7816.SWSuccess)

			wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), Tries{Max: 3, Remaining: 3})
			wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.RetriesRemaining(2))
			wantSW(t, send(t, c, rrcCmd(t, newUserCode, newPIN)), iso7816.SWSuccess)
			if got := lifecycleByGetData(t, c); got != LifecycleActivated {
				t.Errorf("lifecycle %v, want activated", got)
			}
			wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWSuccess)
		})
	}
}

// UCR-03: the CA's security status is used up by one reset.
func TestCAStatusUsedOnce(t *testing.T) {
	c, _ := newTestCard(t)
	authenticateCA(t, c)

	wantSW(t, send(t, c, caResetCmd(t, newUserCode)), iso7816.SWSuccess)
	wantSW(t, send(t, c, caResetCmd(t, "Other123")), iso7816.SWSecurityNotSatisfied)

	wantSW(t, send(t, c, rrcCmd(t, newUserCode, newPIN)), iso7816.SWSuccess)
}

// UCR-03, SEC-02: warm reset and power-off clear the CA's security status.
func TestResetClearsCAStatus(t *testing.T) {
	cases := []struct {
		name  string
		clear func(*Card)
	}{
		{"warm reset", (*Card).Reset},
		{"power-off", (*Card).PowerOff},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			authenticateCA(t, c)

			tc.clear(c)

			wantSW(t, send(t, c, caResetCmd(t, newUserCode)), iso7816.SWSecurityNotSatisfied)
		})
	}
}

// UCR-03, CNT-02: a reset whose save fails returns 6581 and keeps the old
// user code.
func TestCAResetSaveFailure(t *testing.T) {
	c, store := newTestCard(t, withUserCodeTries(3, 1))
	authenticateCA(t, c)

	store.FailSaves = true
	wantSW(t, send(t, c, caResetCmd(t, newUserCode)), iso7816.SWMemoryFailure)

	store.FailSaves = false
	wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), Tries{Max: 3, Remaining: 1})
	wantSW(t, send(t, c, rrcCmd(t, testUserCode, newPIN)), iso7816.SWSuccess)
}
