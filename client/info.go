package client

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gcacard/emulator"
	"gcacard/internal/taipei"
	"gcacard/iso7816"
)

// Lifecycle is the card's lifecycle state (GET DATA 0101).
type Lifecycle = emulator.Lifecycle

// Lifecycle states.
const (
	LifecycleIssued     = emulator.LifecycleIssued
	LifecycleActivated  = emulator.LifecycleActivated
	LifecycleTerminated = emulator.LifecycleTerminated
)

// Tries is the state of one reference datum's retry counter.
type Tries struct {
	Max       int  `json:"max"`
	Remaining int  `json:"remaining"`
	Blocked   bool `json:"blocked"`
	// Verified is set when the query form returned 9000.
	Verified bool `json:"verified"`
	// NotSet is set for a PIN of a card that is not activated.
	NotSet bool `json:"notSet"`
}

// Info is the card data the client reads without using a try.
type Info struct {
	CardNumber string
	// Holder is the signing certificate's subject in RDN order, as
	// C=TW,O=行政院,OU=政府憑證管理中心,OU=憑證測試中心.
	Holder         string
	NotBefore      time.Time
	NotAfter       time.Time
	Issued         taipei.Date
	Lifecycle      Lifecycle
	PIN            Tries
	UserCode       Tries
	SigningCert    *x509.Certificate
	EncryptionCert *x509.Certificate
}

var cardNumberPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{14}$`)

// Info reads the card's information in one transaction.
func (c *Client) Info() (*Info, error) {
	var info *Info
	err := c.transport.Transaction(func() error {
		var err error
		info, err = c.readInfo()
		return err
	})
	return info, err
}

func (c *Client) readInfo() (*Info, error) {
	number, err := c.readCardNumber()
	if err != nil {
		return nil, err
	}
	info := &Info{CardNumber: number}

	if info.SigningCert, err = c.readCertificate(emulator.CertOffsetSigning); err != nil {
		return nil, err
	}
	if info.EncryptionCert, err = c.readCertificate(emulator.CertOffsetEncryption); err != nil {
		return nil, err
	}
	info.Holder = FormatDN(info.SigningCert.RawSubject)
	info.NotBefore, info.NotAfter = info.SigningCert.NotBefore, info.SigningCert.NotAfter

	if err := c.readState(info); err != nil {
		return nil, err
	}
	return info, nil
}

// selectPath selects a file by its path from the MF.
func (c *Client) selectPath(path ...uint16) error {
	data := make([]byte, 0, 2*len(path))
	for _, id := range path {
		data = append(data, byte(id>>8), byte(id))
	}
	resp, err := c.exchange(iso7816.Command{INS: 0xA4, P1: 0x08, P2: 0x0C, Data: data})
	if err != nil {
		return err
	}
	if resp.SW == iso7816.SWFileNotFound {
		return ErrUnknownCard
	}
	if resp.SW != iso7816.SWSuccess {
		return &CardError{Op: "SELECT", SW: resp.SW}
	}
	return nil
}

func (c *Client) readCardNumber() (string, error) {
	if err := c.selectPath(emulator.FileDFInfo, emulator.FileCardNumber); err != nil {
		return "", err
	}
	data, err := c.readBinary(0, 16)
	if err != nil {
		return "", err
	}
	number := string(data)
	if !cardNumberPattern.MatchString(number) {
		return "", fmt.Errorf("%w: card number %q is not two letters and 14 digits", ErrUnknownCard, number)
	}
	return number, nil
}

// readBinary reads n bytes of the current EF from offset, in chunks of at
// most 256 bytes.
func (c *Client) readBinary(offset, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for len(out) < n {
		chunk := min(n-len(out), 256)
		pos := offset + len(out)
		resp, err := c.read(iso7816.Command{INS: 0xB0, P1: byte(pos >> 8), P2: byte(pos), Ne: chunk})
		if err != nil {
			return nil, err
		}
		if resp.SW != iso7816.SWSuccess || len(resp.Data) == 0 {
			return nil, &CardError{Op: fmt.Sprintf("READ BINARY at %04X", pos), SW: resp.SW}
		}
		out = append(out, resp.Data...)
	}
	return out[:n], nil
}

// readCertificate reads and parses the certificate at offset in EF 08F2.
// A partial read is discarded: the whole certificate is read again on the
// next call.
func (c *Client) readCertificate(offset int) (*x509.Certificate, error) {
	if err := c.selectPath(emulator.FileDFPKI, emulator.FileCertificates); err != nil {
		return nil, err
	}
	header, err := c.readBinary(offset, 4)
	if err != nil {
		return nil, err
	}
	if header[0] != 0x30 || header[1] != 0x82 {
		return nil, fmt.Errorf("%w: slot %04X does not start with a DER SEQUENCE", ErrCertificateFormat, offset)
	}
	length := 4 + (int(header[2])<<8 | int(header[3]))
	if length > emulator.CertSlotSize {
		return nil, fmt.Errorf("%w: certificate at %04X is %d bytes, larger than its slot", ErrCertificateFormat, offset, length)
	}

	der, err := c.readBinary(offset, length)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: at %04X: %v", ErrCertificateFormat, offset, err)
	}
	return cert, nil
}

// readState reads the lifecycle, issue date and retry counters.
func (c *Client) readState(info *Info) error {
	lifecycle, err := c.getData(emulator.TagLifecycle, 1)
	if err != nil {
		return err
	}
	info.Lifecycle = Lifecycle(lifecycle[0])

	issued, err := c.getData(emulator.TagIssueDate, 8)
	if err != nil {
		return err
	}
	if info.Issued, err = taipei.ParseCompact(string(issued)); err != nil {
		return fmt.Errorf("card's issue date: %w", err)
	}

	if info.PIN, err = c.tries(SecretPIN); err != nil {
		return err
	}
	info.UserCode, err = c.tries(SecretUserCode)
	return err
}

func (c *Client) getData(tag uint16, size int) ([]byte, error) {
	resp, err := c.read(iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: size})
	if err != nil {
		return nil, err
	}
	if resp.SW != iso7816.SWSuccess || len(resp.Data) != size {
		return nil, &CardError{Op: fmt.Sprintf("GET DATA %04X", tag), SW: resp.SW}
	}
	return resp.Data, nil
}

// tries reads a retry counter: the maximum from GET DATA, the rest from
// the query form of VERIFY, which uses no try (VER-02).
func (c *Client) tries(s Secret) (Tries, error) {
	tag, ref := uint16(emulator.TagPINTries), byte(0x80)
	if s == SecretUserCode {
		tag, ref = emulator.TagUserCodeTries, 0x81
	}
	counter, err := c.getData(tag, 2)
	if err != nil {
		return Tries{}, err
	}
	t := Tries{Max: int(counter[0]), Remaining: int(counter[1])}

	resp, err := c.exchange(iso7816.Command{INS: 0x20, P2: ref})
	if err != nil {
		return Tries{}, err
	}
	n, isCount := resp.SW.IsRetriesRemaining()
	switch {
	case isCount:
		t.Remaining = n
		t.Blocked = n == 0
	case resp.SW == iso7816.SWSuccess:
		t.Verified = true
	case resp.SW == iso7816.SWAuthMethodBlocked:
		t.Remaining, t.Blocked = 0, true
	case resp.SW == iso7816.SWReferenceDataNotUsable:
		t.NotSet = true
	case resp.SW == iso7816.SWFunctionNotSupported:
		// A terminated card returns 6A81 to every query, so the count from
		// GET DATA is kept.
	default:
		return Tries{}, &CardError{Op: "VERIFY query", SW: resp.SW}
	}
	return t, nil
}

// attributeNames are the short names of DN attributes, as in RFC 4514.
var attributeNames = map[string]string{
	"2.5.4.6": "C", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.3": "CN",
	"2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.5": "SERIALNUMBER",
}

// FormatDN writes a DER-encoded Name in RDN order (C first for GCA
// certificates), with UTF-8 values unchanged. Go's pkix.Name.String uses
// the reverse order of RFC 4514, which is not how the GCA page shows it.
// Attributes of one multi-valued RDN are joined with "+". A comma, a plus
// sign or a backslash inside a value is escaped with a backslash.
func FormatDN(rawSubject []byte) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(rawSubject, &seq); err != nil {
		return ""
	}
	var rdns []string
	for _, rdn := range seq {
		var atvs []string
		for _, atv := range rdn {
			name, ok := attributeNames[atv.Type.String()]
			if !ok {
				name = atv.Type.String()
			}
			atvs = append(atvs, name+"="+dnEscaper.Replace(fmt.Sprint(atv.Value)))
		}
		rdns = append(rdns, strings.Join(atvs, "+"))
	}
	return strings.Join(rdns, ",")
}

var dnEscaper = strings.NewReplacer(`\`, `\\`, ",", `\,`, "+", `\+`)
