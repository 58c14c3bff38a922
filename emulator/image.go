package emulator

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"regexp"

	"gcacard/internal/taipei"
)

// Certificate file layout of EF 08F2 (FS-04).
const (
	CertOffsetRoot       = 0x0000
	CertOffsetIssuing    = 0x0700
	CertOffsetEncryption = 0x0E00
	CertOffsetSigning    = 0x1500
	CertSlotSize         = 0x0700
	CertFileSize         = CertOffsetSigning + CertSlotSize
)

// DefaultATR is the card's own ATR (GEN-01): T0 announces TD1 and 10
// historical bytes, TD1 01 offers T=1 and nothing else, then the
// historical bytes "gcacard/v1" and the check byte TCK.
var DefaultATR = []byte{
	0x3B, 0x8A, 0x01,
	'g', 'c', 'a', 'c', 'a', 'r', 'd', '/', 'v', '1',
	0x92,
}

// ProfileVersion is the content of EF 0905 for version 1 of the profile.
const ProfileVersion = "GCACARD/1"

// DefaultMaxTries is a retry counter's maximum when the profile sets none.
const DefaultMaxTries = 3

var cardNumberPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{14}$`)

// Image is the personalisation of a card at issuance: its read-only
// files, its keys and its initial state. The fixtures package builds one
// from a card profile.
type Image struct {
	CardNumber string
	// ATR defaults to DefaultATR when nil.
	ATR []byte
	// Version is the content of EF 0905 and defaults to ProfileVersion.
	Version      string
	Certificates Certificates
	SignKey      *rsa.PrivateKey
	KeyXKey      *rsa.PrivateKey
	// ManagementKey is the AES-128 card-management key of the CA.
	ManagementKey []byte
	Initial       InitialState
}

// Certificates are the four DER certificates of EF 08F2.
type Certificates struct {
	Root, Issuing, Encryption, Signing []byte
}

// InitialState is the state a card starts with the first time it is opened
// on an empty store.
type InitialState struct {
	Lifecycle Lifecycle
	Dates     Dates
	PIN       InitialSecret
	UserCode  InitialSecret
}

// Dates are the card's issue date and certificate validity, fixed when the
// card is first made and kept in its state.
type Dates struct {
	Issued    taipei.Date `json:"issued"`
	NotBefore taipei.Date `json:"notBefore"`
	NotAfter  taipei.Date `json:"notAfter"`
}

// InitialSecret is a reference datum at issuance. Value is empty for a PIN
// that is not set yet; MaxTries 0 means DefaultMaxTries and Remaining -1
// means MaxTries.
type InitialSecret struct {
	Value     string
	MaxTries  int
	Remaining int
}

// Validate checks the image for the rules a card depends on.
func (img *Image) Validate() error {
	if !cardNumberPattern.MatchString(img.CardNumber) {
		return fmt.Errorf("invalid card number %q: want two upper-case letters and 14 digits", img.CardNumber)
	}
	if img.SignKey == nil || img.KeyXKey == nil {
		return errors.New("image needs both the SIGN and the KEYX private key")
	}
	if len(img.ManagementKey) != 16 {
		return fmt.Errorf("card-management key is %d bytes, want 16 (AES-128)", len(img.ManagementKey))
	}
	for name, der := range map[string][]byte{
		"root CA": img.Certificates.Root, "issuing CA": img.Certificates.Issuing,
		"encryption": img.Certificates.Encryption, "signing": img.Certificates.Signing,
	} {
		if len(der) > CertSlotSize {
			return fmt.Errorf("%s certificate is %d bytes, larger than its %d-byte slot", name, len(der), CertSlotSize)
		}
	}
	if err := img.Initial.validate(); err != nil {
		return err
	}
	return nil
}

func (s InitialState) validate() error {
	switch s.Lifecycle {
	case LifecycleIssued, LifecycleActivated, LifecycleTerminated:
	default:
		return fmt.Errorf("invalid lifecycle %d", s.Lifecycle)
	}
	if s.Dates.Issued.IsZero() || s.Dates.NotBefore.IsZero() || s.Dates.NotAfter.IsZero() {
		return errors.New("issue and validity dates must all be set")
	}
	if s.Lifecycle == LifecycleActivated && s.PIN.Value == "" {
		return errors.New("an activated card needs a PIN")
	}
	if s.PIN.Value != "" {
		if err := validateValue(refPIN, []byte(s.PIN.Value)); err != nil {
			return fmt.Errorf("initial PIN: %w", err)
		}
	}
	if err := validateValue(refUserCode, []byte(s.UserCode.Value)); err != nil {
		return fmt.Errorf("initial user code: %w", err)
	}
	for name, sec := range map[string]InitialSecret{"PIN": s.PIN, "user code": s.UserCode} {
		if sec.MaxTries < 0 || sec.MaxTries > 15 {
			return fmt.Errorf("%s maximum tries %d is outside 1 to 15", name, sec.MaxTries)
		}
		if sec.Remaining < -1 || sec.Remaining > sec.maxTries() {
			return fmt.Errorf("%s remaining tries %d is outside 0 to %d", name, sec.Remaining, sec.maxTries())
		}
	}
	return nil
}

func (s InitialSecret) maxTries() int {
	if s.MaxTries == 0 {
		return DefaultMaxTries
	}
	return s.MaxTries
}

func (s InitialSecret) remaining() int {
	if s.Remaining < 0 {
		return s.maxTries()
	}
	return s.Remaining
}
