package emulator

import (
	"bytes"
	"fmt"
	"testing"

	"gcacard/iso7816"
)

// Values that differ from the test card's secrets but pass the format
// rules, so the card compares them.
const (
	wrongPIN      = "000000"
	wrongUserCode = "Wrong1234"
	newPIN        = "246810"
)

// rawCommand encodes a command APDU with CLA 00 and any data bytes, valid
// or not.
func rawCommand(t testing.TB, ins, p1, p2 byte, data []byte) []byte {
	t.Helper()
	return cmdBytes(t, iso7816.Command{INS: ins, P1: p1, P2: p2, Data: data})
}

// padded returns value followed by FF up to size bytes. A value of size
// bytes or more is returned unchanged, with no padding.
func padded(value string, size int) []byte {
	out := []byte(value)
	for len(out) < size {
		out = append(out, padByte)
	}
	return out
}

// concat joins byte slices into a new slice.
func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// getDataObject sends GET DATA for tag with Le 00 and returns the object.
func getDataObject(t testing.TB, c *Card, tag uint16) []byte {
	t.Helper()
	resp := send(t, c, cmdBytes(t, iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: 256}))
	if resp.SW != iso7816.SWSuccess {
		t.Fatalf("GET DATA %04X: status word %v", tag, resp.SW)
	}
	return bytes.Clone(resp.Data)
}

// triesByGetData reads a retry counter with GET DATA 0180 or 0181.
func triesByGetData(t testing.TB, c *Card, tag uint16) Tries {
	t.Helper()
	data := getDataObject(t, c, tag)
	if len(data) != 2 {
		t.Fatalf("GET DATA %04X returned %d bytes, want 2", tag, len(data))
	}
	return Tries{Max: int(data[0]), Remaining: int(data[1])}
}

// lifecycleByGetData reads the lifecycle with GET DATA 0101.
func lifecycleByGetData(t testing.TB, c *Card) Lifecycle {
	t.Helper()
	data := getDataObject(t, c, TagLifecycle)
	if len(data) != 1 {
		t.Fatalf("GET DATA 0101 returned %d bytes, want 1", len(data))
	}
	return Lifecycle(data[0])
}

// wantTries fails the test when a retry counter differs from want.
func wantTries(t testing.TB, name string, got, want Tries) {
	t.Helper()
	if got != want {
		t.Errorf("%s tries %d of %d, want %d of %d", name, got.Remaining, got.Max, want.Remaining, want.Max)
	}
}

// queryPIN sends VERIFY 80 without data, which uses no try (VER-02).
func queryPIN(t testing.TB, c *Card) iso7816.StatusWord {
	t.Helper()
	return sendHex(t, c, "00 20 00 80").SW
}

// queryUserCode sends VERIFY 81 without data.
func queryUserCode(t testing.TB, c *Card) iso7816.StatusWord {
	t.Helper()
	return sendHex(t, c, "00 20 00 81").SW
}

// withPINTries sets the PIN's maximum and remaining tries in the image. A
// remaining of -1 means the maximum.
func withPINTries(maxTries, remaining int) func(*Image) {
	return func(img *Image) {
		img.Initial.PIN.MaxTries = maxTries
		img.Initial.PIN.Remaining = remaining
	}
}

// withUserCodeTries sets the user code's maximum and remaining tries in the
// image. A remaining of -1 means the maximum.
func withUserCodeTries(maxTries, remaining int) func(*Image) {
	return func(img *Image) {
		img.Initial.UserCode.MaxTries = maxTries
		img.Initial.UserCode.Remaining = remaining
	}
}

// cardSnapshot is what a rejected command must leave unchanged: the
// persistent state, the store's save count and file, and the PIN's
// security status as the VERIFY query reports it.
type cardSnapshot struct {
	status   Status
	saves    int
	raw      []byte
	pinQuery iso7816.StatusWord
}

func takeSnapshot(t testing.TB, c *Card, store *MemoryStore) cardSnapshot {
	t.Helper()
	return cardSnapshot{
		status:   c.Status(),
		saves:    store.Saves(),
		raw:      store.Raw(),
		pinQuery: queryPIN(t, c),
	}
}

// wantUnchanged compares a snapshot taken after a command with the one
// taken before it, one assertion per part.
func wantUnchanged(t testing.TB, before, after cardSnapshot) {
	t.Helper()
	if after.status.Lifecycle != before.status.Lifecycle {
		t.Errorf("lifecycle %v, want %v", after.status.Lifecycle, before.status.Lifecycle)
	}
	wantTries(t, "PIN", after.status.PINTries, before.status.PINTries)
	wantTries(t, "user code", after.status.UserCodeTries, before.status.UserCodeTries)
	if after.status.PINSet != before.status.PINSet {
		t.Errorf("PIN set %v, want %v", after.status.PINSet, before.status.PINSet)
	}
	if after.saves != before.saves {
		t.Errorf("store saved %d times, want %d", after.saves, before.saves)
	}
	if !bytes.Equal(after.raw, before.raw) {
		t.Error("stored state file changed")
	}
	if after.pinQuery != before.pinQuery {
		t.Errorf("PIN query status word %v, want %v", after.pinQuery, before.pinQuery)
	}
}

// simulatedCrash is the panic value that crashAfterSaves raises.
type simulatedCrash struct{}

// crashAfterSaves makes the store panic right after its next n-th
// successful save, as a power loss after that write would.
func crashAfterSaves(store *MemoryStore, n int) {
	store.AfterSave = func(*State) {
		n--
		if n > 0 {
			return
		}
		store.AfterSave = nil
		panic(simulatedCrash{})
	}
}

// transmitCrashing sends apdu and reports whether the card crashed with
// simulatedCrash. It re-raises any other panic.
func transmitCrashing(c *Card, apdu []byte) (crashed bool) {
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
	c.Transmit(apdu)
	return false
}

// REF-01: the lengths at both ends of each range are accepted.
func TestReferenceDataLengthsAccepted(t *testing.T) {
	cases := []struct {
		name      string
		mutators  []func(*Image)
		apdu      func(t testing.TB) []byte
		wantAfter func(t testing.TB, c *Card)
	}{
		{
			name:     "PIN of 6",
			mutators: []func(*Image){activated, func(img *Image) { img.Initial.PIN.Value = "123456" }},
			apdu:     func(t testing.TB) []byte { return verifyCmd(t, "123456") },
		},
		{
			name:     "PIN of 8",
			mutators: []func(*Image){activated, func(img *Image) { img.Initial.PIN.Value = "12345678" }},
			apdu:     func(t testing.TB) []byte { return verifyCmd(t, "12345678") },
		},
		{
			name:     "user code of 6",
			mutators: []func(*Image){func(img *Image) { img.Initial.UserCode.Value = "abc123" }},
			apdu:     func(t testing.TB) []byte { return rrcCmd(t, "abc123", newPIN) },
		},
		{
			name:     "user code of 10",
			mutators: []func(*Image){func(img *Image) { img.Initial.UserCode.Value = "abcDEF1234" }},
			apdu:     func(t testing.TB) []byte { return rrcCmd(t, "abcDEF1234", newPIN) },
		},
		{
			name:     "new PIN of 6 in CHANGE",
			mutators: []func(*Image){activated},
			apdu:     func(t testing.TB) []byte { return changeCmd(t, testPIN, "Zz0099") },
			wantAfter: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, "Zz0099")), iso7816.SWSuccess)
			},
		},
		{
			name:     "new PIN of 8 in CHANGE",
			mutators: []func(*Image){activated},
			apdu:     func(t testing.TB) []byte { return changeCmd(t, testPIN, "aZ345678") },
			wantAfter: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, "aZ345678")), iso7816.SWSuccess)
			},
		},
		{
			name: "new PIN of 8 in activation",
			apdu: func(t testing.TB) []byte { return rrcCmd(t, testUserCode, "87654321") },
			wantAfter: func(t testing.TB, c *Card) {
				wantSW(t, send(t, c, verifyCmd(t, "87654321")), iso7816.SWSuccess)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, tc.mutators...)
			wantSW(t, send(t, c, tc.apdu(t)), iso7816.SWSuccess)
			if tc.wantAfter != nil {
				tc.wantAfter(t, c)
			}
		})
	}
}

// REF-01 to REF-03: every badly formed value or data field is rejected
// before any comparison, with no change to the counters, the stored state
// or the PIN's security status. The card is activated with the PIN
// verified, so a cleared status would show in the PIN query.
func TestMalformedReferenceDataRejected(t *testing.T) {
	const (
		verify       = 0x20 // INS of VERIFY
		change       = 0x24 // INS of CHANGE REFERENCE DATA
		resetCounter = 0x2C // INS of RESET RETRY COUNTER
		caResetP1    = 0x02
		pinRef       = 0x80
		userCodeRef  = 0x81
		wrongData    = iso7816.SWWrongData
		wrongLength  = iso7816.SWWrongLength
	)
	pin := func(value string) []byte { return padded(value, BlockSize) }
	cases := []struct {
		name   string
		ins    byte
		p1, p2 byte
		data   []byte
		want   iso7816.StatusWord
	}{
		// REF-01, REF-03: PIN length and character set in VERIFY.
		{"VERIFY PIN of 5", verify, 0, pinRef, pin("13579"), wrongData},
		{"VERIFY PIN of 9", verify, 0, pinRef, pin("135790123"), wrongData},
		{"VERIFY PIN of 10", verify, 0, pinRef, pin("1357901234"), wrongData},
		{"VERIFY empty block", verify, 0, pinRef, pin(""), wrongData},
		{"VERIFY PIN with space", verify, 0, pinRef, pin("135 790"), wrongData},
		{"VERIFY PIN with hyphen", verify, 0, pinRef, pin("135-790"), wrongData},
		{"VERIFY PIN with 00", verify, 0, pinRef, pin("135\x00790"), wrongData},
		{"VERIFY PIN with 7F", verify, 0, pinRef, pin("13579\x7f"), wrongData},
		{"VERIFY PIN with 80", verify, 0, pinRef, pin("13579\x80"), wrongData},
		{"VERIFY full-width digits", verify, 0, pinRef, pin("１３５"), wrongData},
		{"VERIFY mixed full-width digits", verify, 0, pinRef, pin("13５７"), wrongData},
		// REF-02, REF-03: padding must run to the end of the block.
		{"VERIFY padding in middle", verify, 0, pinRef, pin("135790\xff1"), wrongData},
		{"VERIFY 00 after padding", verify, 0, pinRef, pin("135790\xff\xff\x00"), wrongData},
		// REF-02, REF-03: VERIFY takes one 10-byte block.
		{"VERIFY block of 9", verify, 0, pinRef, padded(testPIN, 9), wrongLength},
		{"VERIFY block of 11", verify, 0, pinRef, padded(testPIN, 11), wrongLength},
		{"VERIFY two blocks", verify, 0, pinRef, concat(pin(testPIN), pin(testPIN)), wrongLength},
		// REF-02, REF-03: CHANGE REFERENCE DATA takes two blocks.
		{"CHANGE data of 19", change, 0, pinRef, concat(pin(testPIN), padded(newPIN, 9)), wrongLength},
		{"CHANGE data of 21", change, 0, pinRef, concat(pin(testPIN), padded(newPIN, 11)), wrongLength},
		{"CHANGE one block", change, 0, pinRef, pin(testPIN), wrongLength},
		{"CHANGE new PIN of 5", change, 0, pinRef, concat(pin(testPIN), pin("24681")), wrongData},
		{"CHANGE new PIN of 9", change, 0, pinRef, concat(pin(testPIN), pin("246810246")), wrongData},
		{"CHANGE old PIN with hyphen", change, 0, pinRef, concat(pin("135-790"), pin(newPIN)), wrongData},
		{"CHANGE new PIN padding in middle", change, 0, pinRef, concat(pin(testPIN), pin("246810\xff9")), wrongData},
		// REF-01 to REF-03: RESET RETRY COUNTER 00 80 takes the user code
		// then the new PIN. A user code of 11 cannot fit its block, so the
		// data field is 21 bytes.
		{"unblock data of 19", resetCounter, 0, pinRef, concat(pin(testUserCode), padded(newPIN, 9)), wrongLength},
		{"unblock data of 21", resetCounter, 0, pinRef, concat(pin(testUserCode), padded(newPIN, 11)), wrongLength},
		{"unblock user code of 5", resetCounter, 0, pinRef, concat(pin("Ab12c"), pin(newPIN)), wrongData},
		{"unblock user code of 11", resetCounter, 0, pinRef, concat([]byte("Ab12cd34567"), pin(newPIN)), wrongLength},
		{"unblock user code with space", resetCounter, 0, pinRef, concat(pin("Ab12 cd34"), pin(newPIN)), wrongData},
		{"unblock user code with 80", resetCounter, 0, pinRef, concat(pin("Ab12cd3\x80"), pin(newPIN)), wrongData},
		{"unblock new PIN of 5", resetCounter, 0, pinRef, concat(pin(testUserCode), pin("24681")), wrongData},
		{"unblock new PIN of 9", resetCounter, 0, pinRef, concat(pin(testUserCode), pin("246810246")), wrongData},
		// REF-01 to REF-03: RESET RETRY COUNTER 02 81 takes one user-code
		// block, and the format check comes before the CA's status.
		{"CA reset block of 9", resetCounter, caResetP1, userCodeRef, padded(newUserCode, 9), wrongLength},
		{"CA reset block of 11", resetCounter, caResetP1, userCodeRef, padded(newUserCode, 11), wrongLength},
		{"CA reset two blocks", resetCounter, caResetP1, userCodeRef, concat(pin(newUserCode), pin(newUserCode)), wrongLength},
		{"CA reset user code of 5", resetCounter, caResetP1, userCodeRef, pin("New12"), wrongData},
		{"CA reset user code of 11", resetCounter, caResetP1, userCodeRef, []byte("NewCode1234"), wrongLength},
		{"CA reset user code with 7F", resetCounter, caResetP1, userCodeRef, pin("NewCode\x7f"), wrongData},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, activated)
			wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
			before := takeSnapshot(t, c, store)

			wantSW(t, send(t, c, rawCommand(t, tc.ins, tc.p1, tc.p2, tc.data)), tc.want)

			wantUnchanged(t, before, takeSnapshot(t, c, store))
		})
	}
}

// REF-03, SEC-01: a malformed command leaves the CA's security status in
// place, so the CA's user-code reset still succeeds after it.
func TestMalformedDataKeepsCAStatus(t *testing.T) {
	c, _ := newTestCard(t, activated)
	authenticateCA(t, c)

	wantSW(t, send(t, c, rawCommand(t, 0x20, 0, 0x80, padded("135-790", BlockSize))), iso7816.SWWrongData)
	wantSW(t, send(t, c, rawCommand(t, 0x2C, 0x02, 0x81, padded("New12", BlockSize))), iso7816.SWWrongData)
	wantSW(t, send(t, c, rawCommand(t, 0x2C, 0x02, 0x81, padded("NewCode1", 11))), iso7816.SWWrongLength)

	wantSW(t, send(t, c, caResetCmd(t, "NewCode1")), iso7816.SWSuccess)
}

// REF-01: letters are case-sensitive, so a value that differs only in case
// is a mismatch and uses a try.
func TestReferenceDataCaseSensitive(t *testing.T) {
	withMixedCasePIN := func(img *Image) {
		activated(img)
		img.Initial.PIN.Value = "AbC123"
	}
	cases := []struct {
		name     string
		mutators []func(*Image)
		apdu     func(t testing.TB) []byte
		want     iso7816.StatusWord
	}{
		{"PIN exact case", []func(*Image){withMixedCasePIN}, func(t testing.TB) []byte { return verifyCmd(t, "AbC123") }, iso7816.SWSuccess},
		{"PIN lower case", []func(*Image){withMixedCasePIN}, func(t testing.TB) []byte { return verifyCmd(t, "abc123") }, iso7816.RetriesRemaining(2)},
		{"PIN upper case", []func(*Image){withMixedCasePIN}, func(t testing.TB) []byte { return verifyCmd(t, "ABC123") }, iso7816.RetriesRemaining(2)},
		{"user code exact case", nil, func(t testing.TB) []byte { return rrcCmd(t, "Ab12cd34", newPIN) }, iso7816.SWSuccess},
		{"user code lower case", nil, func(t testing.TB) []byte { return rrcCmd(t, "ab12cd34", newPIN) }, iso7816.RetriesRemaining(2)},
		{"user code upper case", nil, func(t testing.TB) []byte { return rrcCmd(t, "AB12CD34", newPIN) }, iso7816.RetriesRemaining(2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, tc.mutators...)
			wantSW(t, send(t, c, tc.apdu(t)), tc.want)
		})
	}
}

// REF-04: each counter's maximum is 3 unless the profile sets 1 to 15, and
// GET DATA returns it with the tries left.
func TestRetryCounterMaximum(t *testing.T) {
	cases := []struct {
		name     string
		mutators []func(*Image)
		want     Tries
	}{
		{"default", nil, Tries{Max: 3, Remaining: 3}},
		{"profile 1", []func(*Image){withPINTries(1, -1), withUserCodeTries(1, -1)}, Tries{Max: 1, Remaining: 1}},
		{"profile 15", []func(*Image){withPINTries(15, -1), withUserCodeTries(15, -1)}, Tries{Max: 15, Remaining: 15}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCard(t, tc.mutators...)
			wantTries(t, "PIN", triesByGetData(t, c, TagPINTries), tc.want)
			wantTries(t, "user code", triesByGetData(t, c, TagUserCodeTries), tc.want)
			wantTries(t, "PIN status", c.Status().PINTries, tc.want)
			wantTries(t, "user code status", c.Status().UserCodeTries, tc.want)
		})
	}
}

// REF-04: a profile maximum outside 1 to 15 is rejected when the card is
// opened.
func TestRetryCounterMaximumOutOfRange(t *testing.T) {
	cases := []struct {
		name    string
		mutator func(*Image)
	}{
		{"PIN 16", withPINTries(16, -1)},
		{"user code 16", withUserCodeTries(16, -1)},
		{"PIN negative", withPINTries(-1, -1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := testImage(t)
			tc.mutator(img)
			if _, err := Open(img, &MemoryStore{}, Options{Logger: quietLogger()}); err == nil {
				t.Error("Open succeeded, want an error")
			}
		})
	}
}

// REF-06: a key reference the card does not have returns 6A88, one it has
// but the command does not take returns 6A86, and neither changes anything.
func TestKeyReferenceNotFoundOrNotTaken(t *testing.T) {
	const (
		notFound = iso7816.SWReferencedDataNotFound
		notTaken = iso7816.SWIncorrectP1P2
	)
	twoBlocks := concat(padded(testUserCode, BlockSize), padded(newPIN, BlockSize))
	oneBlock := padded(newUserCode, BlockSize)
	cryptogram := make([]byte, 16)
	cases := []struct {
		name   string
		ins    byte
		p1, p2 byte
		data   []byte
		want   iso7816.StatusWord
	}{
		{"VERIFY 82", 0x20, 0x00, 0x82, padded(testPIN, BlockSize), notFound},
		{"VERIFY 00", 0x20, 0x00, 0x00, padded(testPIN, BlockSize), notFound},
		{"VERIFY query 01", 0x20, 0x00, 0x01, nil, notFound},
		{"VERIFY clear 82", 0x20, 0xFF, 0x82, nil, notFound},
		{"VERIFY 81 with data", 0x20, 0x00, 0x81, padded(testUserCode, BlockSize), notTaken},
		{"CHANGE 82", 0x24, 0x00, 0x82, twoBlocks, notFound},
		{"CHANGE 81", 0x24, 0x00, 0x81, twoBlocks, notTaken},
		{"unblock 00 82", 0x2C, 0x00, 0x82, twoBlocks, notFound},
		{"unblock 00 81", 0x2C, 0x00, 0x81, twoBlocks, notTaken},
		{"CA reset 02 83", 0x2C, 0x02, 0x83, oneBlock, notFound},
		{"CA reset 02 80", 0x2C, 0x02, 0x80, oneBlock, notTaken},
		{"EXTERNAL AUTHENTICATE 02", 0x82, 0x00, 0x02, cryptogram, notFound},
		{"EXTERNAL AUTHENTICATE 80", 0x82, 0x00, 0x80, cryptogram, notTaken},
		{"EXTERNAL AUTHENTICATE 81", 0x82, 0x00, 0x81, cryptogram, notTaken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, activated)
			wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
			before := takeSnapshot(t, c, store)

			wantSW(t, send(t, c, rawCommand(t, tc.ins, tc.p1, tc.p2, tc.data)), tc.want)

			wantUnchanged(t, before, takeSnapshot(t, c, store))
		})
	}
}

// counterOperation is a command that uses a try of one reference datum,
// for the retry-counter tests that run the same steps on each.
type counterOperation struct {
	name string
	// mutators set up the card, on top of the counter's maximum.
	mutators []func(*Image)
	// tag is the GET DATA tag of the counter the command uses.
	tag     uint16
	wrong   func(t testing.TB) []byte
	correct func(t testing.TB) []byte
}

func counterOperations() []counterOperation {
	return []counterOperation{
		{
			name:     "VERIFY",
			mutators: []func(*Image){activated},
			tag:      TagPINTries,
			wrong:    func(t testing.TB) []byte { return verifyCmd(t, wrongPIN) },
			correct:  func(t testing.TB) []byte { return verifyCmd(t, testPIN) },
		},
		{
			name:     "CHANGE",
			mutators: []func(*Image){activated},
			tag:      TagPINTries,
			wrong:    func(t testing.TB) []byte { return changeCmd(t, wrongPIN, newPIN) },
			correct:  func(t testing.TB) []byte { return changeCmd(t, testPIN, newPIN) },
		},
		{
			name:    "activation",
			tag:     TagUserCodeTries,
			wrong:   func(t testing.TB) []byte { return rrcCmd(t, wrongUserCode, newPIN) },
			correct: func(t testing.TB) []byte { return rrcCmd(t, testUserCode, newPIN) },
		},
		{
			name:     "unblock",
			mutators: []func(*Image){activated},
			tag:      TagUserCodeTries,
			wrong:    func(t testing.TB) []byte { return rrcCmd(t, wrongUserCode, newPIN) },
			correct:  func(t testing.TB) []byte { return rrcCmd(t, testUserCode, newPIN) },
		},
	}
}

// mutatorsWithMax returns op's mutators followed by one that sets the
// maximum of op's counter.
func (op counterOperation) mutatorsWithMax(maxTries int) []func(*Image) {
	setMax := withPINTries(maxTries, -1)
	if op.tag == TagUserCodeTries {
		setMax = withUserCodeTries(maxTries, -1)
	}
	return append(append([]func(*Image){}, op.mutators...), setMax)
}

// CNT-04, REF-05: N wrong values count down to 63C0, and every later
// command returns 6983, the correct value included, without saving.
func TestLockoutAfterMaxWrongTries(t *testing.T) {
	for _, op := range counterOperations() {
		for _, maxTries := range []int{1, 3, 5} {
			t.Run(fmt.Sprintf("%s max %d", op.name, maxTries), func(t *testing.T) {
				c, store := newTestCard(t, op.mutatorsWithMax(maxTries)...)
				lifecycle := c.Status().Lifecycle

				for left := maxTries - 1; left >= 0; left-- {
					wantSW(t, send(t, c, op.wrong(t)), iso7816.RetriesRemaining(left))
				}
				wantTries(t, "counter", triesByGetData(t, c, op.tag), Tries{Max: maxTries, Remaining: 0})

				saves := store.Saves()
				wantSW(t, send(t, c, op.wrong(t)), iso7816.SWAuthMethodBlocked)
				wantSW(t, send(t, c, op.correct(t)), iso7816.SWAuthMethodBlocked)
				if got := store.Saves(); got != saves {
					t.Errorf("store saved %d times after the lockout, want %d", got, saves)
				}
				wantTries(t, "counter", triesByGetData(t, c, op.tag), Tries{Max: maxTries, Remaining: 0})
				if got := lifecycleByGetData(t, c); got != lifecycle {
					t.Errorf("lifecycle %v, want %v", got, lifecycle)
				}
			})
		}
	}
}

// CNT-03, CNT-04: N-1 wrong values then the correct one succeeds and
// restores the counter to its maximum.
func TestCorrectValueRestoresCounter(t *testing.T) {
	for _, op := range counterOperations() {
		for _, maxTries := range []int{1, 3, 5} {
			t.Run(fmt.Sprintf("%s max %d", op.name, maxTries), func(t *testing.T) {
				c, _ := newTestCard(t, op.mutatorsWithMax(maxTries)...)

				for left := maxTries - 1; left >= 1; left-- {
					wantSW(t, send(t, c, op.wrong(t)), iso7816.RetriesRemaining(left))
				}
				wantSW(t, send(t, c, op.correct(t)), iso7816.SWSuccess)

				wantTries(t, "counter", triesByGetData(t, c, op.tag), Tries{Max: maxTries, Remaining: maxTries})
			})
		}
	}
}

// VER-02: the query form of VERIFY never uses a try and saves nothing.
func TestQueryUsesNoTry(t *testing.T) {
	cases := []struct {
		name  string
		query string
		// spend uses one try so the counter is below its maximum.
		spend func(t testing.TB) []byte
		tag   uint16
	}{
		{"PIN", "00 20 00 80", func(t testing.TB) []byte { return verifyCmd(t, wrongPIN) }, TagPINTries},
		{"user code", "00 20 00 81", func(t testing.TB) []byte { return rrcCmd(t, wrongUserCode, newPIN) }, TagUserCodeTries},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, store := newTestCard(t, activated)
			wantSW(t, send(t, c, tc.spend(t)), iso7816.RetriesRemaining(2))
			saves := store.Saves()

			for range 50 {
				wantSW(t, sendHex(t, c, tc.query), iso7816.RetriesRemaining(2))
			}

			wantTries(t, "counter", triesByGetData(t, c, tc.tag), Tries{Max: 3, Remaining: 2})
			if got := store.Saves(); got != saves {
				t.Errorf("store saved %d times, want %d", got, saves)
			}
		})
	}
}

// CNT-01: the decremented counter is saved before the comparison, so a
// crash right after that save keeps the try used, for a wrong value and
// for the correct one alike.
func TestCrashAfterDecrementKeepsTryUsed(t *testing.T) {
	for _, op := range counterOperations() {
		for _, value := range []string{"wrong", "correct"} {
			t.Run(op.name+" "+value, func(t *testing.T) {
				c, store := newTestCard(t, op.mutatorsWithMax(3)...)
				lifecycle := c.Status().Lifecycle
				apdu := op.wrong(t)
				if value == "correct" {
					apdu = op.correct(t)
				}

				crashAfterSaves(store, 1)
				if !transmitCrashing(c, apdu) {
					t.Fatal("card did not crash after the save")
				}

				restarted := reopen(t, c, store)
				wantTries(t, "counter", triesByGetData(t, restarted, op.tag), Tries{Max: 3, Remaining: 2})
				if got := lifecycleByGetData(t, restarted); got != lifecycle {
					t.Errorf("lifecycle %v, want %v", got, lifecycle)
				}
				// The crash came before the match was acted on, so the PIN
				// is unchanged: still unset on an issued card, still the
				// old one on an activated card.
				if lifecycle == LifecycleIssued {
					wantSW(t, send(t, restarted, verifyCmd(t, newPIN)), iso7816.SWReferenceDataNotUsable)
					return
				}
				wantSW(t, send(t, restarted, verifyCmd(t, testPIN)), iso7816.SWSuccess)
			})
		}
	}
}

// CNT-01, CNT-03: a crash after the save that follows a match keeps what
// that save wrote: the counter back at its maximum and the new PIN.
func TestCrashAfterRestoreKeepsMatch(t *testing.T) {
	for _, op := range counterOperations() {
		t.Run(op.name, func(t *testing.T) {
			c, store := newTestCard(t, op.mutatorsWithMax(3)...)

			crashAfterSaves(store, 2)
			if !transmitCrashing(c, op.correct(t)) {
				t.Fatal("card did not crash after the second save")
			}

			restarted := reopen(t, c, store)
			wantTries(t, "counter", triesByGetData(t, restarted, op.tag), Tries{Max: 3, Remaining: 3})
			if got := lifecycleByGetData(t, restarted); got != LifecycleActivated {
				t.Errorf("lifecycle %v, want activated", got)
			}
			if op.name == "VERIFY" {
				wantSW(t, send(t, restarted, verifyCmd(t, testPIN)), iso7816.SWSuccess)
				return
			}
			wantSW(t, send(t, restarted, verifyCmd(t, newPIN)), iso7816.SWSuccess)
		})
	}
}

// CNT-02: when the decrement cannot be saved the card returns 6581,
// compares nothing and keeps its state, so even the correct value grants
// nothing.
func TestSaveFailureComparesNothing(t *testing.T) {
	for _, op := range counterOperations() {
		for _, value := range []string{"wrong", "correct"} {
			t.Run(op.name+" "+value, func(t *testing.T) {
				c, store := newTestCard(t, op.mutatorsWithMax(3)...)
				before := takeSnapshot(t, c, store)
				apdu := op.wrong(t)
				if value == "correct" {
					apdu = op.correct(t)
				}

				store.FailSaves = true
				wantSW(t, send(t, c, apdu), iso7816.SWMemoryFailure)

				wantUnchanged(t, before, takeSnapshot(t, c, store))
				if before.status.Lifecycle == LifecycleActivated {
					store.FailSaves = false
					wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
				}
			})
		}
	}
}

// CNT-03: when the save after a match fails the card returns 6581, grants
// nothing and the try stays used.
func TestRestoreSaveFailureGrantsNothing(t *testing.T) {
	for _, op := range counterOperations() {
		t.Run(op.name, func(t *testing.T) {
			c, store := newTestCard(t, op.mutatorsWithMax(3)...)
			before := c.Status()
			store.AfterSave = func(*State) {
				store.AfterSave = nil
				store.FailSaves = true
			}

			wantSW(t, send(t, c, op.correct(t)), iso7816.SWMemoryFailure)

			wantTries(t, "counter", triesByGetData(t, c, op.tag), Tries{Max: 3, Remaining: 2})
			if got := lifecycleByGetData(t, c); got != before.Lifecycle {
				t.Errorf("lifecycle %v, want %v", got, before.Lifecycle)
			}
			if before.Lifecycle == LifecycleIssued {
				// LC-02: the PIN is still not set.
				wantSW(t, send(t, c, verifyCmd(t, newPIN)), iso7816.SWReferenceDataNotUsable)
				return
			}
			if got := queryPIN(t, c); got == iso7816.SWSuccess {
				t.Error("PIN query returned 9000, want the PIN not verified")
			}
			// The PIN was not changed, so the old one still matches.
			store.FailSaves = false
			wantSW(t, send(t, c, verifyCmd(t, testPIN)), iso7816.SWSuccess)
		})
	}
}

// CNT-05, ST-02: the digests are salted per card, so two cards with the
// same PIN and user code store different digests.
func TestDigestsSaltedPerCard(t *testing.T) {
	_, firstStore := newTestCard(t, activated)
	_, secondStore := newTestCard(t, activated)
	first, err := firstStore.Load()
	if err != nil {
		t.Fatalf("loading the first card's state: %v", err)
	}
	second, err := secondStore.Load()
	if err != nil {
		t.Fatalf("loading the second card's state: %v", err)
	}

	if bytes.Equal(first.Salt, second.Salt) {
		t.Error("both cards have the same salt")
	}
	if bytes.Equal(first.PIN.Digest, second.PIN.Digest) {
		t.Error("both cards store the same PIN digest")
	}
	if bytes.Equal(first.UserCode.Digest, second.UserCode.Digest) {
		t.Error("both cards store the same user-code digest")
	}
}
