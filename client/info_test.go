package client_test

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"gcacard/client"
	"gcacard/emulator"
	"gcacard/fixtures"
	"gcacard/internal/taipei"
)

// fixtureInfo is what Info must return for a built-in card, written out
// from fixtures/cards/*.json. The relative dates are offsets from the Taiwan
// date on which the card is made.
type fixtureInfo struct {
	name       string
	cardNumber string
	holder     string
	lifecycle  client.Lifecycle
	// issuedDays and notAfterYears are the relative "issued" and
	// "notAfter" dates of the profile; notBefore equals issued in every
	// profile that uses relative dates.
	issuedDays    int
	notAfterYears int
	pin           client.Tries
	userCode      client.Tries
}

var fixtureInfos = []fixtureInfo{
	{
		name:       "valid",
		cardNumber: "GC00000000200001",
		holder:     "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片甲",
		lifecycle:  client.LifecycleIssued,
		issuedDays: -7, notAfterYears: 5,
		pin:      client.Tries{Max: 3, Remaining: 3, NotSet: true},
		userCode: client.Tries{Max: 3, Remaining: 3},
	},
	{
		name:       "window-passed",
		cardNumber: "GC00000000200002",
		holder:     "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片乙",
		lifecycle:  client.LifecycleIssued,
		issuedDays: -100, notAfterYears: 5,
		pin:      client.Tries{Max: 3, Remaining: 3, NotSet: true},
		userCode: client.Tries{Max: 3, Remaining: 3},
	},
	{
		name:       "activated",
		cardNumber: "GC00000000200003",
		holder:     "C=TW,L=臺北市,O=行政院,OU=測試用機關,CN=測試用卡片丙,SERIALNUMBER=00000003",
		lifecycle:  client.LifecycleActivated,
		issuedDays: -30, notAfterYears: 5,
		pin:      client.Tries{Max: 3, Remaining: 3},
		userCode: client.Tries{Max: 3, Remaining: 3},
	},
	{
		name:       "usercode-blocked",
		cardNumber: "GC00000000200004",
		holder:     "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片丁",
		lifecycle:  client.LifecycleIssued,
		issuedDays: -10, notAfterYears: 5,
		pin:      client.Tries{Max: 3, Remaining: 3, NotSet: true},
		userCode: client.Tries{Max: 3, Remaining: 0, Blocked: true},
	},
	{
		name:       "pin-blocked",
		cardNumber: "GC00000000200005",
		holder:     "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片戊",
		lifecycle:  client.LifecycleActivated,
		issuedDays: -60, notAfterYears: 5,
		pin:      client.Tries{Max: 3, Remaining: 0, Blocked: true},
		userCode: client.Tries{Max: 3, Remaining: 3},
	},
	{
		name:       "terminated",
		cardNumber: "GC00000000200006",
		holder:     "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片己",
		lifecycle:  client.LifecycleTerminated,
		issuedDays: -200, notAfterYears: 5,
		// A terminated card rejects the VERIFY query with 6A81, so the
		// counts come from GET DATA alone.
		pin:      client.Tries{Max: 3, Remaining: 3},
		userCode: client.Tries{Max: 3, Remaining: 3},
	},
}

func TestInfoFixtureCards(t *testing.T) {
	for _, want := range fixtureInfos {
		t.Run(want.name, func(t *testing.T) {
			tc := openCard(t, want.name)
			c, _ := tc.client()

			info, err := c.Info()
			if err != nil {
				t.Fatalf("Info: %v", err)
			}

			// The profile's relative dates count from the Taiwan date the
			// card was made, which the card's own issue date fixes.
			issued := tc.issued()
			madeOn := issued.AddDays(-want.issuedDays)
			if got := taipei.DateOf(tc.madeAt); got != madeOn {
				t.Fatalf("card made on %s, but its issue date %s is %d days from that", got, issued, want.issuedDays)
			}
			wantNotBefore := issued.Start()
			wantNotAfter := madeOn.AddYears(want.notAfterYears).End()

			if info.CardNumber != want.cardNumber {
				t.Errorf("CardNumber = %q, want %q", info.CardNumber, want.cardNumber)
			}
			if info.Holder != want.holder {
				t.Errorf("Holder = %q, want %q", info.Holder, want.holder)
			}
			if !info.NotBefore.Equal(wantNotBefore) {
				t.Errorf("NotBefore = %s, want %s", info.NotBefore, wantNotBefore)
			}
			if !info.NotAfter.Equal(wantNotAfter) {
				t.Errorf("NotAfter = %s, want %s", info.NotAfter, wantNotAfter)
			}
			if info.Issued != issued {
				t.Errorf("Issued = %s, want %s", info.Issued, issued)
			}
			if info.Lifecycle != want.lifecycle {
				t.Errorf("Lifecycle = %v, want %v", info.Lifecycle, want.lifecycle)
			}
			if info.PIN != want.pin {
				t.Errorf("PIN tries = %+v, want %+v", info.PIN, want.pin)
			}
			if info.UserCode != want.userCode {
				t.Errorf("UserCode tries = %+v, want %+v", info.UserCode, want.userCode)
			}
			if info.SigningCert == nil || info.EncryptionCert == nil {
				t.Fatalf("SigningCert = %v, EncryptionCert = %v, want both", info.SigningCert, info.EncryptionCert)
			}
			if info.SigningCert.Equal(info.EncryptionCert) {
				t.Errorf("signing and encryption certificates are the same")
			}
		})
	}
}

func TestInfoGuideCard(t *testing.T) {
	tc := openCard(t, "guide-expired")
	c, _ := tc.client()

	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	// The guide card's dates are absolute: valid from 2015-09-10 00:00:00 to
	// 2021-09-10 23:59:59, Taiwan time.
	wantNotBefore := time.Date(2015, 9, 10, 0, 0, 0, 0, taipei.Location)
	wantNotAfter := time.Date(2021, 9, 10, 23, 59, 59, 0, taipei.Location)
	wantHolder := "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心"

	if info.CardNumber != "GC00000000105736" {
		t.Errorf("CardNumber = %q, want GC00000000105736", info.CardNumber)
	}
	if info.Holder != wantHolder {
		t.Errorf("Holder = %q, want %q", info.Holder, wantHolder)
	}
	if !utf8.ValidString(info.Holder) {
		t.Errorf("Holder %q is not valid UTF-8", info.Holder)
	}
	if !info.NotBefore.Equal(wantNotBefore) {
		t.Errorf("NotBefore = %s, want %s", info.NotBefore, wantNotBefore)
	}
	if !info.NotAfter.Equal(wantNotAfter) {
		t.Errorf("NotAfter = %s, want %s", info.NotAfter, wantNotAfter)
	}
	if got := info.Issued.String(); got != "2015-09-10" {
		t.Errorf("Issued = %s, want 2015-09-10", got)
	}
	if info.Lifecycle != client.LifecycleIssued {
		t.Errorf("Lifecycle = %v, want issued", info.Lifecycle)
	}
	if want := (client.Tries{Max: 3, Remaining: 3, NotSet: true}); info.PIN != want {
		t.Errorf("PIN tries = %+v, want %+v", info.PIN, want)
	}
	if want := (client.Tries{Max: 3, Remaining: 3}); info.UserCode != want {
		t.Errorf("UserCode tries = %+v, want %+v", info.UserCode, want)
	}
}

// TestInfoUsesNoTry reads Info on every card, after some tries have been
// used where the card allows it, and checks that the retry counters and the
// stored state stay as they were.
func TestInfoUsesNoTry(t *testing.T) {
	for _, name := range fixtures.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			tc := openCard(t, name)
			c, rt := tc.client()

			beforeStatus := tc.card.Status()
			beforePIN := tries(t, tc.card, emulator.TagPINTries)
			beforeUserCode := tries(t, tc.card, emulator.TagUserCodeTries)
			beforeSaves := tc.store.Saves()

			for range 3 {
				if _, err := c.Info(); err != nil {
					t.Fatalf("Info: %v", err)
				}
			}

			if got := tries(t, tc.card, emulator.TagPINTries); got != beforePIN {
				t.Errorf("GET DATA 0180 = %X after Info, want %X", got, beforePIN)
			}
			if got := tries(t, tc.card, emulator.TagUserCodeTries); got != beforeUserCode {
				t.Errorf("GET DATA 0181 = %X after Info, want %X", got, beforeUserCode)
			}
			if got := tc.card.Status(); got != beforeStatus {
				t.Errorf("card status = %+v after Info, want %+v", got, beforeStatus)
			}
			if got := tc.store.Saves(); got != beforeSaves {
				t.Errorf("card saved its state %d times during Info, want 0", got-beforeSaves)
			}
			if n := rt.countWithData(insVerify); n != 0 {
				t.Errorf("Info sent %d VERIFY commands with data, want only the query form", n)
			}
			for _, ins := range []byte{insChangeReferenceData, insResetRetryCounter, insExternalAuth} {
				if n := rt.count(ins); n != 0 {
					t.Errorf("Info sent %d commands with INS %02X, want 0", n, ins)
				}
			}
		})
	}
}

func TestInfoAfterWrongPINShowsTriesLeft(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()

	var wrong *client.WrongSecretError
	if err := c.VerifyPIN("999999"); !errors.As(err, &wrong) {
		t.Fatalf("VerifyPIN(wrong) = %v, want *WrongSecretError", err)
	}
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	if want := (client.Tries{Max: 3, Remaining: 2}); info.PIN != want {
		t.Errorf("PIN tries = %+v, want %+v", info.PIN, want)
	}
	if got := tc.card.Status().PINTries.Remaining; got != 2 {
		t.Errorf("card's PIN tries left = %d after Info, want 2", got)
	}
}

func TestInfoShowsVerifiedPIN(t *testing.T) {
	tc := openCard(t, "activated")
	c, _ := tc.client()

	if err := c.VerifyPIN(activatedPIN); err != nil {
		t.Fatalf("VerifyPIN: %v", err)
	}
	info, err := c.Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}

	if want := (client.Tries{Max: 3, Remaining: 3, Verified: true}); info.PIN != want {
		t.Errorf("PIN tries = %+v, want %+v", info.PIN, want)
	}
}

func TestFormatDNRoundTrip(t *testing.T) {
	const dn = "C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心,CN=測試用卡片甲"
	seq, err := fixtures.ParseDN(dn)
	if err != nil {
		t.Fatalf("ParseDN: %v", err)
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatalf("asn1.Marshal: %v", err)
	}

	got := client.FormatDN(der)

	if got != dn {
		t.Errorf("FormatDN = %q, want %q", got, dn)
	}
	reparsed, err := fixtures.ParseDN(got)
	if err != nil {
		t.Fatalf("ParseDN(FormatDN output): %v", err)
	}
	reencoded, err := asn1.Marshal(reparsed)
	if err != nil {
		t.Fatalf("asn1.Marshal: %v", err)
	}
	if !bytes.Equal(reencoded, der) {
		t.Errorf("DER after the round trip differs:\n got %X\nwant %X", reencoded, der)
	}
	var back pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &back); err != nil {
		t.Fatalf("asn1.Unmarshal: %v", err)
	}
	if reversed := back.String(); reversed == got {
		t.Errorf("FormatDN = %q equals pkix's reversed order %q: the test DN does not tell the orders apart", got, reversed)
	}
}

func TestFormatDNHandBuiltSequence(t *testing.T) {
	oid := func(arc int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 5, 4, arc} }
	seq := pkix.RDNSequence{
		{{Type: oid(6), Value: "TW"}},
		{{Type: oid(7), Value: "臺北市"}},
		{{Type: oid(10), Value: "行政院"}},
		{{Type: oid(11), Value: "測試用機關"}},
		{{Type: oid(3), Value: "測試用卡片丙"}},
		{{Type: oid(5), Value: "00000003"}},
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatalf("asn1.Marshal: %v", err)
	}

	got := client.FormatDN(der)

	want := "C=TW,L=臺北市,O=行政院,OU=測試用機關,CN=測試用卡片丙,SERIALNUMBER=00000003"
	if got != want {
		t.Errorf("FormatDN = %q, want %q", got, want)
	}
}

func TestFormatDNInvalidDER(t *testing.T) {
	if got := client.FormatDN([]byte{0x30, 0x05, 0x01}); got != "" {
		t.Errorf("FormatDN(truncated DER) = %q, want empty", got)
	}
}
