package emulator

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"regexp"
	"testing"

	"gcacard/iso7816"
)

// Requirement IDs in comments and table fields refer to the card profile in
// docs/card-profile.md.

// withLifecycle returns an image mutator that starts the card in state l.
// Every state but issued gets testPIN, because an activated card needs a PIN.
func withLifecycle(l Lifecycle) func(*Image) {
	return func(img *Image) {
		img.Initial.Lifecycle = l
		if l != LifecycleIssued {
			img.Initial.PIN.Value = testPIN
		}
	}
}

// transmit encodes cmd, sends it and returns the response.
func transmit(t testing.TB, c *Card, cmd iso7816.Command) iso7816.Response {
	t.Helper()
	return send(t, c, cmdBytes(t, cmd))
}

// selectPath selects a file by its path from the MF (SELECT P1 08) and
// fails the test unless the card returns 9000. An empty path selects the MF.
func selectPath(t testing.TB, c *Card, path string) {
	t.Helper()
	cmd := iso7816.Command{INS: 0xA4, P1: 0x08, P2: 0x0C, Data: mustHex(t, path)}
	if path == "" {
		cmd.P1 = 0x00
	}
	r := transmit(t, c, cmd)
	if r.SW != iso7816.SWSuccess {
		t.Fatalf("SELECT path %q: status word %v, want 9000", path, r.SW)
	}
}

// readBinary sends READ BINARY at offset with the given Ne. The command is
// extended when ne exceeds 256 or extended is set.
func readBinary(t testing.TB, c *Card, offset, ne int, extended bool) iso7816.Response {
	t.Helper()
	return transmit(t, c, iso7816.Command{INS: 0xB0, P1: byte(offset >> 8), P2: byte(offset), Ne: ne, Extended: extended})
}

// readCertificateFile selects EF 08F2 and reads it whole with one extended
// READ BINARY (Le 0000).
func readCertificateFile(t testing.TB, c *Card) []byte {
	t.Helper()
	selectPath(t, c, "5030 08F2")
	r := readBinary(t, c, 0, iso7816.MaxExtendedNe, true)
	if r.SW != iso7816.SWSuccess {
		t.Fatalf("READ BINARY of EF 08F2: status word %v, want 9000", r.SW)
	}
	return r.Data
}

// certificateAt parses the DER certificate that starts at offset in the
// content of EF 08F2. The zero fill after the certificate is not part of it.
func certificateAt(t testing.TB, content []byte, offset int) *x509.Certificate {
	t.Helper()
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(content[offset:], &outer); err != nil {
		t.Fatalf("no DER value at offset %04X: %v", offset, err)
	}
	cert, err := x509.ParseCertificate(outer.FullBytes)
	if err != nil {
		t.Fatalf("certificate at offset %04X: %v", offset, err)
	}
	return cert
}

// expectedCertificateFile builds the EF 08F2 content that the profile
// prescribes for certs: each certificate at its slot offset, zeros elsewhere.
func expectedCertificateFile(certs Certificates) []byte {
	out := make([]byte, 0x1C00)
	copy(out[0x0000:], certs.Root)
	copy(out[0x0700:], certs.Issuing)
	copy(out[0x0E00:], certs.Encryption)
	copy(out[0x1500:], certs.Signing)
	return out
}

// fcpFileID returns the file ID in an FCP template laid out as
// 62 L 82 01 T 83 02 FID, or -1 when fcp is not laid out that way.
func fcpFileID(fcp []byte) int {
	if len(fcp) < 9 || fcp[0] != 0x62 || fcp[2] != 0x82 || fcp[5] != 0x83 || fcp[6] != 0x02 {
		return -1
	}
	return int(fcp[7])<<8 | int(fcp[8])
}

// GEN-01: the ATR is 3B 8A 01, the historical bytes "gcacard/v1" and TCK.
func TestATRDefault(t *testing.T) {
	c, _ := newTestCard(t)
	atr := c.ATR()

	want := mustHex(t, "3B 8A 01 67 63 61 63 61 72 64 2F 76 31 92")
	if !bytes.Equal(atr, want) {
		t.Fatalf("ATR %X, want %X", atr, want)
	}
	if got := string(atr[3:13]); got != "gcacard/v1" {
		t.Errorf("historical bytes %q, want %q", got, "gcacard/v1")
	}

	// TCK is the XOR of every byte after TS, so T0 to TCK XOR to zero.
	var check byte
	for _, b := range atr[1:] {
		check ^= b
	}
	if check != 0 {
		t.Errorf("XOR of T0 to TCK is %02X, want 00", check)
	}
}

// GEN-01: a profile may set another ATR.
func TestATRFromImage(t *testing.T) {
	custom := mustHex(t, "3B 80 80 01 01")
	c, _ := newTestCard(t, func(img *Image) { img.ATR = custom })
	if got := c.ATR(); !bytes.Equal(got, custom) {
		t.Errorf("ATR %X, want %X", got, custom)
	}
}

// GEN-02: the card accepts extended APDUs, with Lc up to 65535 and Ne up to
// 65536.
func TestExtendedAPDUsAccepted(t *testing.T) {
	c, _ := newTestCard(t)

	fcp := transmit(t, c, iso7816.Command{INS: 0xA4, P1: 0x08, Data: mustHex(t, "5030 08F2"), Ne: 65536})
	wantSW(t, fcp, iso7816.SWSuccess)
	if got := fcpFileID(fcp.Data); got != 0x08F2 {
		t.Errorf("FCP after extended SELECT names file %04X, want 08F2", got)
	}

	whole := readBinary(t, c, 0, 65536, true)
	wantSW(t, whole, iso7816.SWSuccess)
	if len(whole.Data) != 0x1C00 {
		t.Errorf("extended READ BINARY returned %d bytes, want 7168", len(whole.Data))
	}

	// FS-06: SELECT by DF name answers 6A82, so a 65535-byte name parses
	// and gets a normal answer.
	longName := transmit(t, c, iso7816.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: make([]byte, 65535)})
	wantSW(t, longName, iso7816.SWFileNotFound)
}

// GEN-03: CLA must be 00. Any other CLA answers 6E00.
func TestCLANotSupported(t *testing.T) {
	commands := []struct {
		name string
		apdu string
	}{
		{name: "SELECT", apdu: "A4 00 0C 02 3F 00"},
		{name: "READ BINARY", apdu: "B0 00 00 00"},
		{name: "GET DATA", apdu: "CA 01 01 00"},
		{name: "VERIFY", apdu: "20 00 80"},
		{name: "GET RESPONSE", apdu: "C0 00 00 00"},
	}
	classes := []struct {
		name string
		cla  string
	}{
		{name: "proprietary 80", cla: "80"},
		{name: "chaining 10", cla: "10"},
		{name: "secure messaging 0C", cla: "0C"},
		{name: "PC/SC FF", cla: "FF"},
		{name: "logical channel 01", cla: "01"},
	}
	for _, class := range classes {
		for _, command := range commands {
			t.Run(class.name+" "+command.name, func(t *testing.T) {
				c, _ := newTestCard(t)
				wantSW(t, sendHex(t, c, class.cla+command.apdu), iso7816.SWCLANotSupported)
			})
		}
	}
}

// GEN-04: an INS the card does not implement answers 6D00. FS-01: no command
// writes the files, so the write commands are among them.
func TestINSNotSupported(t *testing.T) {
	tests := []struct {
		name string
		apdu string
	}{
		{name: "UPDATE BINARY", apdu: "00 D6 00 00 01 00"},
		{name: "WRITE BINARY", apdu: "00 D0 00 00 01 00"},
		{name: "ERASE BINARY", apdu: "00 0E 00 00"},
		{name: "READ RECORD", apdu: "00 B2 01 04 00"},
		{name: "INTERNAL AUTHENTICATE", apdu: "00 88 00 00 08 01 02 03 04 05 06 07 08 00"},
		{name: "GENERATE KEY PAIR", apdu: "00 47 80 00 00"},
		{name: "MANAGE CHANNEL", apdu: "00 70 00 00 01"},
		{name: "odd READ BINARY", apdu: "00 B1 00 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			wantSW(t, sendHex(t, c, tt.apdu), iso7816.SWINSNotSupported)
		})
	}
}

// GEN-05: a command APDU that cannot be parsed answers 6700, and the card
// keeps answering afterwards.
func TestMalformedAPDU(t *testing.T) {
	tests := []struct {
		name string
		apdu string
	}{
		{name: "empty", apdu: ""},
		{name: "1 byte", apdu: "00"},
		{name: "3 bytes", apdu: "00 A4 00"},
		{name: "short Lc above length", apdu: "00 A4 00 0C 02 3F"},
		{name: "short trailing garbage", apdu: "00 A4 00 0C 02 3F 00 00 00"},
		{name: "extended Lc 0", apdu: "00 A4 00 0C 00 00 00 01"},
		{name: "extended Lc above length", apdu: "00 A4 00 0C 00 00 04 50 30"},
		{name: "extended trailing garbage", apdu: "00 A4 00 0C 00 00 02 3F 00 00 00 00"},
		{name: "CLA 80 malformed", apdu: "80 A4 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			wantSW(t, sendHex(t, c, tt.apdu), iso7816.SWWrongLength)
			wantSW(t, sendHex(t, c, "00 CA 01 01 00"), iso7816.SWSuccess)
		})
	}
}

// GEN-05: every prefix of a valid extended command gets a status word.
func TestTruncatedAPDUsAnswered(t *testing.T) {
	c, _ := newTestCard(t)
	full := mustHex(t, "00 A4 08 00 00 00 04 50 30 08 F2 00 00")
	for n := 0; n <= len(full); n++ {
		raw := c.Transmit(full[:n])
		if len(raw) < 2 {
			t.Errorf("response to %X is %X, want at least a status word", full[:n], raw)
		}
	}
}

// GEN-05, GEN-06: a malformed VERIFY answers 6700 and uses no try.
func TestMalformedVerifyKeepsCounter(t *testing.T) {
	c, _ := newTestCard(t, activated)
	pinBlock := block(t, testPIN)

	truncated := append(mustHex(t, "00 20 00 80 0A"), pinBlock[:6]...)
	wantSW(t, send(t, c, truncated), iso7816.SWWrongLength)

	tries := sendHex(t, c, "00 CA 01 80 00")
	wantSW(t, tries, iso7816.SWSuccess)
	if !bytes.Equal(tries.Data, []byte{3, 3}) {
		t.Errorf("PIN tries %X after a malformed VERIFY, want 0303", tries.Data)
	}
}

// GEN-06: checks run in a fixed order and the first that fails decides the
// status word.
func TestCheckOrder(t *testing.T) {
	indicator01 := append([]byte{0x01}, make([]byte, 256)...)
	badDecipher := cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: indicator01, Ne: 65536})

	tests := []struct {
		name     string
		mutators []func(*Image)
		setup    []string
		apdu     []byte
		want     iso7816.StatusWord
	}{
		{name: "format before CLA", apdu: mustHex(t, "80 A4 00"), want: 0x6700},
		{name: "CLA before INS", apdu: mustHex(t, "80 D6 00 00 01 00"), want: 0x6E00},
		{
			name: "INS before terminated", mutators: []func(*Image){withLifecycle(LifecycleTerminated)},
			apdu: mustHex(t, "00 D6 00 00 01 00"), want: 0x6D00,
		},
		{
			name: "terminated before P1-P2", mutators: []func(*Image){withLifecycle(LifecycleTerminated)},
			apdu: mustHex(t, "00 20 05 99"), want: 0x6A81,
		},
		{
			name: "terminated before length", mutators: []func(*Image){withLifecycle(LifecycleTerminated)},
			apdu: mustHex(t, "00 84 00 00 03"), want: 0x6A81,
		},
		{name: "tag before missing Le", apdu: mustHex(t, "00 CA 01 99"), want: 0x6A88},
		{name: "offset before missing Le", setup: []string{"00 A4 08 0C 04 50 30 08 F2"}, apdu: mustHex(t, "00 B0 1C 00"), want: 0x6B00},
		{name: "GET CHALLENGE P1-P2 before Le", apdu: mustHex(t, "00 84 00 01"), want: 0x6A86},
		{name: "GET RESPONSE P1-P2 first", apdu: mustHex(t, "00 C0 01 00"), want: 0x6A86},
		{name: "GET RESPONSE Le before state", apdu: mustHex(t, "00 C0 00 00"), want: 0x6700},
		{
			name: "PSO length before security", setup: []string{"00 22 41 B6 03 84 01 01"},
			apdu: mustHex(t, "00 2A 9E 9A"), want: 0x6700,
		},
		{
			name: "PSO Le before MSE", mutators: []func(*Image){activated}, setup: []string{"00 20 00 80 0A 31 33 35 37 39 30 FF FF FF FF"},
			apdu: mustHex(t, "00 2A 9E 9A 01 00"), want: 0x6700,
		},
		{
			name: "PSO data before security", mutators: []func(*Image){activated}, setup: []string{"00 22 41 B8 03 84 01 02"},
			apdu: badDecipher, want: 0x6A80,
		},
		{
			name: "PSO data before MSE", mutators: []func(*Image){activated}, setup: []string{"00 20 00 80 0A 31 33 35 37 39 30 FF FF FF FF"},
			apdu: badDecipher, want: 0x6A80,
		},
		{
			name: "PSO security before MSE", mutators: []func(*Image){activated},
			apdu: mustHex(t, "00 2A 9E 9A 01 00 00"), want: 0x6982,
		},
		{name: "MSE P1-P2 before data", apdu: mustHex(t, "00 22 41 A4 02 84 01"), want: 0x6A86},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, tt.mutators...)
			for _, apdu := range tt.setup {
				wantSW(t, sendHex(t, c, apdu), iso7816.SWSuccess)
			}
			wantSW(t, send(t, c, tt.apdu), tt.want)
		})
	}
}

// FS-01: the card has exactly MF, DF 0900 with EF 0903 and EF 0905, and
// DF 5030 with EF 08F2.
func TestFileTreeExact(t *testing.T) {
	present := []string{"0900", "0900 0903", "0900 0905", "5030", "5030 08F2"}
	for _, path := range present {
		t.Run("present "+path, func(t *testing.T) {
			c, _ := newTestCard(t)
			cmd := iso7816.Command{INS: 0xA4, P1: 0x08, P2: 0x0C, Data: mustHex(t, path)}
			wantSW(t, transmit(t, c, cmd), iso7816.SWSuccess)
		})
	}

	absent := []string{"2F00", "5015", "0901", "0900 0904", "0900 08F2", "5030 0903", "5030 08F1", "5031"}
	for _, path := range absent {
		t.Run("absent "+path, func(t *testing.T) {
			c, _ := newTestCard(t)
			cmd := iso7816.Command{INS: 0xA4, P1: 0x08, P2: 0x0C, Data: mustHex(t, path)}
			wantSW(t, transmit(t, c, cmd), iso7816.SWFileNotFound)
		})
	}
}

// FS-01: every EF is readable in every lifecycle state without security
// status.
func TestFilesReadableEveryLifecycle(t *testing.T) {
	lifecycles := []Lifecycle{LifecycleIssued, LifecycleActivated, LifecycleTerminated}
	files := []struct {
		path string
		size int
	}{
		{path: "0900 0903", size: 16},
		{path: "0900 0905", size: 9},
		{path: "5030 08F2", size: 0x1C00},
	}
	for _, l := range lifecycles {
		for _, f := range files {
			t.Run(l.String()+" "+f.path, func(t *testing.T) {
				c, _ := newTestCard(t, withLifecycle(l))
				selectPath(t, c, f.path)
				r := readBinary(t, c, 0, 65536, true)
				wantSW(t, r, iso7816.SWSuccess)
				if len(r.Data) != f.size {
					t.Errorf("read %d bytes, want %d", len(r.Data), f.size)
				}
			})
		}
	}
}

// FS-02: EF 0903 holds the card number, 16 ASCII bytes: two upper-case
// letters then 14 digits, GC for a GCA card.
func TestCardNumberFile(t *testing.T) {
	numbers := []string{testCardNumber, "GC00000000105736"}
	pattern := regexp.MustCompile(`^[A-Z]{2}[0-9]{14}$`)
	for _, number := range numbers {
		t.Run(number, func(t *testing.T) {
			c, _ := newTestCard(t, func(img *Image) { img.CardNumber = number })
			selectPath(t, c, "0900 0903")
			r := readBinary(t, c, 0, 256, false)
			wantSW(t, r, iso7816.SWSuccess)

			if got := string(r.Data); got != number {
				t.Errorf("EF 0903 contains %q, want %q", got, number)
			}
			if len(r.Data) != 16 {
				t.Errorf("EF 0903 is %d bytes, want 16", len(r.Data))
			}
			if !pattern.Match(r.Data) {
				t.Errorf("EF 0903 content %q is not two upper-case letters and 14 digits", r.Data)
			}
			if !bytes.HasPrefix(r.Data, []byte("GC")) {
				t.Errorf("EF 0903 content %q does not start with GC", r.Data)
			}
		})
	}
}

// FS-03: EF 0905 holds the 9 ASCII bytes GCACARD/1.
func TestVersionFile(t *testing.T) {
	c, _ := newTestCard(t)
	selectPath(t, c, "0900 0905")
	r := readBinary(t, c, 0, 256, false)
	wantSW(t, r, iso7816.SWSuccess)
	if got := string(r.Data); got != "GCACARD/1" {
		t.Errorf("EF 0905 contains %q, want %q", got, "GCACARD/1")
	}
}

// FS-04: EF 08F2 holds four DER certificates at 0000, 0700, 0E00 and 1500,
// each slot 0x700 bytes and zero-filled after its certificate.
func TestCertificateFileLayout(t *testing.T) {
	c, _ := newTestCard(t)
	_, _, certs := testKeys(t)
	content := readCertificateFile(t, c)

	if len(content) != 0x1C00 {
		t.Fatalf("EF 08F2 is %d bytes, want 7168", len(content))
	}
	if !bytes.Equal(content, expectedCertificateFile(certs)) {
		t.Errorf("EF 08F2 differs from the certificates at their slot offsets with zero fill")
	}

	slots := []struct {
		name   string
		offset int
		der    []byte
	}{
		{name: "root CA", offset: 0x0000, der: certs.Root},
		{name: "issuing CA", offset: 0x0700, der: certs.Issuing},
		{name: "encryption", offset: 0x0E00, der: certs.Encryption},
		{name: "signing", offset: 0x1500, der: certs.Signing},
	}
	for _, slot := range slots {
		t.Run(slot.name, func(t *testing.T) {
			cert := certificateAt(t, content, slot.offset)
			if !bytes.Equal(cert.Raw, slot.der) {
				t.Errorf("certificate at %04X differs from the %s certificate", slot.offset, slot.name)
			}
			fill := content[slot.offset+len(slot.der) : slot.offset+0x700]
			if !bytes.Equal(fill, make([]byte, len(fill))) {
				t.Errorf("bytes after the %s certificate up to the next slot are not all 00", slot.name)
			}
		})
	}
}

// FS-04: a slot that starts with 00 is empty.
func TestCertificateFileEmptySlot(t *testing.T) {
	c, _ := newTestCard(t, func(img *Image) { img.Certificates.Issuing = nil })
	content := readCertificateFile(t, c)

	slot := content[0x0700:0x0E00]
	if slot[0] != 0x00 {
		t.Errorf("empty issuing CA slot starts with %02X, want 00", slot[0])
	}
	if !bytes.Equal(slot, make([]byte, 0x700)) {
		t.Errorf("empty issuing CA slot is not all 00")
	}
	if cert := certificateAt(t, content, 0x0E00); cert == nil {
		t.Errorf("encryption certificate missing after an empty slot")
	}
}

// selectCase is one SELECT command and the file it should select.
type selectCase struct {
	id   string
	name string
	// from is the path from the MF of the file selected before the command,
	// "" for the MF.
	from string
	p1   byte
	data string
	// wantFile is the file ID in the returned FCP, or 0 when the command
	// fails with wantSW.
	wantFile int
	wantSW   iso7816.StatusWord
}

func TestSelectModes(t *testing.T) {
	tests := []selectCase{
		// FS-05: P1 00 with 3F00 or empty data selects the MF.
		{id: "FS-05", name: "P1 00 empty data", from: "0900 0903", p1: 0x00, wantFile: 0x3F00},
		{id: "FS-05", name: "P1 00 3F00", from: "0900 0903", p1: 0x00, data: "3F00", wantFile: 0x3F00},
		// FS-05: P1 00 selects a child of the current DF.
		{id: "FS-05", name: "P1 00 child DF", p1: 0x00, data: "0900", wantFile: 0x0900},
		{id: "FS-05", name: "P1 00 child EF", from: "0900", p1: 0x00, data: "0903", wantFile: 0x0903},
		{id: "FS-05", name: "P1 00 sibling EF", from: "0900 0903", p1: 0x00, data: "0905", wantFile: 0x0905},
		// FS-05: P1 00 selects the current DF's parent.
		{id: "FS-05", name: "P1 00 parent", from: "5030", p1: 0x00, data: "3F00", wantFile: 0x3F00},
		// FS-05: P1 00 selects a DF directly under the MF from anywhere.
		{id: "FS-05", name: "P1 00 DF under MF", from: "0900", p1: 0x00, data: "5030", wantFile: 0x5030},
		{id: "FS-05", name: "P1 00 DF under MF from EF", from: "5030 08F2", p1: 0x00, data: "0900", wantFile: 0x0900},
		{id: "FS-07", name: "P1 00 EF not child", p1: 0x00, data: "0903", wantSW: 0x6A82},
		{id: "FS-07", name: "P1 00 EF other DF", from: "0900", p1: 0x00, data: "08F2", wantSW: 0x6A82},
		{id: "FS-05", name: "P1 00 1-byte ID", p1: 0x00, data: "3F", wantSW: 0x6700},
		{id: "FS-05", name: "P1 00 3-byte ID", p1: 0x00, data: "3F0000", wantSW: 0x6700},

		// FS-05: P1 01 selects a child DF.
		{id: "FS-05", name: "P1 01 child DF", p1: 0x01, data: "0900", wantFile: 0x0900},
		{id: "FS-05", name: "P1 01 child DF 5030", p1: 0x01, data: "5030", wantFile: 0x5030},
		{id: "FS-07", name: "P1 01 EF", from: "0900", p1: 0x01, data: "0903", wantSW: 0x6A82},
		{id: "FS-07", name: "P1 01 not child", from: "0900", p1: 0x01, data: "5030", wantSW: 0x6A82},
		{id: "FS-05", name: "P1 01 no data", p1: 0x01, wantSW: 0x6700},
		{id: "FS-05", name: "P1 01 1-byte ID", p1: 0x01, data: "09", wantSW: 0x6700},

		// FS-05: P1 02 selects an EF under the current DF.
		{id: "FS-05", name: "P1 02 EF", from: "0900", p1: 0x02, data: "0903", wantFile: 0x0903},
		{id: "FS-05", name: "P1 02 EF from sibling", from: "0900 0903", p1: 0x02, data: "0905", wantFile: 0x0905},
		{id: "FS-05", name: "P1 02 EF 08F2", from: "5030", p1: 0x02, data: "08F2", wantFile: 0x08F2},
		{id: "FS-07", name: "P1 02 DF", p1: 0x02, data: "0900", wantSW: 0x6A82},
		{id: "FS-07", name: "P1 02 not under DF", p1: 0x02, data: "0903", wantSW: 0x6A82},
		{id: "FS-05", name: "P1 02 3-byte ID", from: "0900", p1: 0x02, data: "090300", wantSW: 0x6700},

		// FS-05: P1 03 selects the parent DF and takes no data.
		{id: "FS-05", name: "P1 03 from DF", from: "0900", p1: 0x03, wantFile: 0x3F00},
		{id: "FS-05", name: "P1 03 from EF", from: "5030 08F2", p1: 0x03, wantFile: 0x3F00},
		{id: "FS-07", name: "P1 03 from MF", p1: 0x03, wantSW: 0x6A82},
		{id: "FS-05", name: "P1 03 with data", from: "0900", p1: 0x03, data: "3F00", wantSW: 0x6700},

		// FS-06: SELECT by DF name answers 6A82 for any name.
		{id: "FS-06", name: "P1 04 PKCS#15 AID", p1: 0x04, data: "A000000063504B43532D3135", wantSW: 0x6A82},
		{id: "FS-06", name: "P1 04 file ID", p1: 0x04, data: "3F00", wantSW: 0x6A82},
		{id: "FS-06", name: "P1 04 no data", p1: 0x04, wantSW: 0x6A82},

		// FS-05: P1 08 selects by path from the MF, without 3F00.
		{id: "FS-05", name: "P1 08 EF 08F2", p1: 0x08, data: "503008F2", wantFile: 0x08F2},
		{id: "FS-05", name: "P1 08 EF 0903", from: "5030 08F2", p1: 0x08, data: "09000903", wantFile: 0x0903},
		{id: "FS-05", name: "P1 08 DF", from: "0900 0903", p1: 0x08, data: "5030", wantFile: 0x5030},
		{id: "FS-07", name: "P1 08 with 3F00", p1: 0x08, data: "3F000900", wantSW: 0x6A82},
		{id: "FS-07", name: "P1 08 through EF", p1: 0x08, data: "090009030000", wantSW: 0x6A82},
		{id: "FS-07", name: "P1 08 missing EF", p1: 0x08, data: "09001234", wantSW: 0x6A82},
		{id: "FS-05", name: "P1 08 odd length", p1: 0x08, data: "503008", wantSW: 0x6700},
		{id: "FS-05", name: "P1 08 no data", p1: 0x08, wantSW: 0x6700},

		// FS-05: P1 09 selects by path from the current DF.
		{id: "FS-05", name: "P1 09 from MF", p1: 0x09, data: "503008F2", wantFile: 0x08F2},
		{id: "FS-05", name: "P1 09 from DF", from: "0900", p1: 0x09, data: "0905", wantFile: 0x0905},
		{id: "FS-05", name: "P1 09 from EF", from: "0900 0903", p1: 0x09, data: "0905", wantFile: 0x0905},
		{id: "FS-07", name: "P1 09 not below DF", from: "0900", p1: 0x09, data: "5030", wantSW: 0x6A82},
		{id: "FS-05", name: "P1 09 odd length", from: "0900", p1: 0x09, data: "09", wantSW: 0x6700},
		{id: "FS-05", name: "P1 09 no data", from: "0900", p1: 0x09, wantSW: 0x6700},

		// FS-08: another P1 answers 6A86.
		{id: "FS-08", name: "P1 05", p1: 0x05, data: "3F00", wantSW: 0x6A86},
		{id: "FS-08", name: "P1 0A", p1: 0x0A, data: "3F00", wantSW: 0x6A86},
		{id: "FS-08", name: "P1 FF", p1: 0xFF, data: "3F00", wantSW: 0x6A86},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			selectPath(t, c, tt.from)

			r := transmit(t, c, iso7816.Command{INS: 0xA4, P1: tt.p1, P2: 0x00, Data: mustHex(t, tt.data), Ne: 256})
			if tt.wantFile == 0 {
				wantSW(t, r, tt.wantSW)
				if len(r.Data) != 0 {
					t.Errorf("failed SELECT returned data %X", r.Data)
				}
				return
			}
			wantSW(t, r, iso7816.SWSuccess)
			if got := fcpFileID(r.Data); got != tt.wantFile {
				t.Errorf("selected file %04X, want %04X (FCP %X)", got, tt.wantFile, r.Data)
			}
		})
	}
}

// FS-08: P2 other than 00, 04 or 0C answers 6A86.
func TestSelectP2NotSupported(t *testing.T) {
	for _, p2 := range []byte{0x01, 0x02, 0x08, 0x0D, 0x10, 0xFF} {
		c, _ := newTestCard(t)
		r := transmit(t, c, iso7816.Command{INS: 0xA4, P1: 0x00, P2: p2, Data: mustHex(t, "3F00"), Ne: 256})
		if r.SW != iso7816.SWIncorrectP1P2 {
			t.Errorf("SELECT with P2 %02X: status word %v, want 6A86", p2, r.SW)
		}
	}
}

// FS-08: P2 00 or 04 returns the FCP template 62 L 82 01 T 83 02 FID
// [80 02 SIZE] when Le is present. P2 0C, or no Le, returns no data.
func TestSelectFCP(t *testing.T) {
	tests := []struct {
		id   string
		name string
		p1   byte
		data string
		p2   byte
		ne   int
		want string
	}{
		{id: "FS-08", name: "MF", p1: 0x00, data: "3F00", p2: 0x00, ne: 256, want: "62 07 82 01 38 83 02 3F 00"},
		{id: "FS-08", name: "DF 0900", p1: 0x08, data: "0900", p2: 0x00, ne: 256, want: "62 07 82 01 38 83 02 09 00"},
		{id: "FS-08", name: "DF 5030 P2 04", p1: 0x08, data: "5030", p2: 0x04, ne: 256, want: "62 07 82 01 38 83 02 50 30"},
		{id: "FS-08", name: "EF 0903", p1: 0x08, data: "0900 0903", p2: 0x00, ne: 256, want: "62 0B 82 01 01 83 02 09 03 80 02 00 10"},
		{id: "FS-08", name: "EF 0905 P2 04", p1: 0x08, data: "0900 0905", p2: 0x04, ne: 256, want: "62 0B 82 01 01 83 02 09 05 80 02 00 09"},
		{id: "FS-08", name: "EF 08F2", p1: 0x08, data: "5030 08F2", p2: 0x00, ne: 256, want: "62 0B 82 01 01 83 02 08 F2 80 02 1C 00"},
		{id: "FS-08", name: "EF 08F2 exact Le", p1: 0x08, data: "5030 08F2", p2: 0x00, ne: 13, want: "62 0B 82 01 01 83 02 08 F2 80 02 1C 00"},
		{id: "FS-08", name: "EF 08F2 extended Le", p1: 0x08, data: "5030 08F2", p2: 0x00, ne: 65536, want: "62 0B 82 01 01 83 02 08 F2 80 02 1C 00"},
		{id: "FS-08", name: "P2 0C with Le", p1: 0x08, data: "5030 08F2", p2: 0x0C, ne: 256, want: ""},
		{id: "FS-08", name: "P2 00 without Le", p1: 0x08, data: "5030 08F2", p2: 0x00, ne: 0, want: ""},
		{id: "FS-08", name: "P2 04 without Le", p1: 0x08, data: "0900", p2: 0x04, ne: 0, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			r := transmit(t, c, iso7816.Command{INS: 0xA4, P1: tt.p1, P2: tt.p2, Data: mustHex(t, tt.data), Ne: tt.ne})
			wantSW(t, r, iso7816.SWSuccess)
			if want := mustHex(t, tt.want); !bytes.Equal(r.Data, want) {
				t.Errorf("response data %X, want %X", r.Data, want)
			}
		})
	}
}

// FS-07: a SELECT that fails leaves the current file as it was.
func TestSelectFailureKeepsFile(t *testing.T) {
	tests := []struct {
		name string
		apdu string
		want iso7816.StatusWord
	}{
		{name: "missing file ID", apdu: "00 A4 00 0C 02 12 34", want: 0x6A82},
		{name: "DF name", apdu: "00 A4 04 0C 07 A0 00 00 00 63 50 4B", want: 0x6A82},
		{name: "missing path", apdu: "00 A4 08 0C 04 50 30 12 34", want: 0x6A82},
		{name: "child DF not found", apdu: "00 A4 01 0C 02 50 30", want: 0x6A82},
		{name: "EF is a DF", apdu: "00 A4 02 0C 02 09 00", want: 0x6A82},
		{name: "wrong ID length", apdu: "00 A4 00 0C 01 3F", want: 0x6700},
		{name: "odd path", apdu: "00 A4 08 0C 03 50 30 08", want: 0x6700},
		{name: "unknown P1", apdu: "00 A4 05 0C 02 3F 00", want: 0x6A86},
		{name: "unknown P2", apdu: "00 A4 00 08 02 3F 00", want: 0x6A86},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			selectPath(t, c, "0900 0903")

			wantSW(t, sendHex(t, c, tt.apdu), tt.want)

			r := readBinary(t, c, 0, 256, false)
			wantSW(t, r, iso7816.SWSuccess)
			if got := string(r.Data); got != testCardNumber {
				t.Errorf("current EF contains %q after the failed SELECT, want the card number %q", got, testCardNumber)
			}
		})
	}
}

// FS-07: a failed SELECT also keeps the current DF, so relative selection
// still starts from it.
func TestSelectFailureKeepsDF(t *testing.T) {
	c, _ := newTestCard(t)
	selectPath(t, c, "5030")

	wantSW(t, sendHex(t, c, "00 A4 02 0C 02 09 03"), iso7816.SWFileNotFound)
	wantSW(t, sendHex(t, c, "00 A4 02 0C 02 08 F2"), iso7816.SWSuccess)
}

// FS-09, SEC-02: power-on, warm reset and power-off select the MF.
func TestResetSelectsMF(t *testing.T) {
	tests := []struct {
		name  string
		reset func(t *testing.T, c *Card, store *MemoryStore) *Card
	}{
		{name: "warm reset", reset: func(_ *testing.T, c *Card, _ *MemoryStore) *Card { c.Reset(); return c }},
		{name: "power-off", reset: func(_ *testing.T, c *Card, _ *MemoryStore) *Card { c.PowerOff(); return c }},
		{name: "power-on", reset: func(t *testing.T, c *Card, store *MemoryStore) *Card { return reopen(t, c, store) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, store := newTestCard(t)
			selectPath(t, c, "5030 08F2")

			c = tt.reset(t, c, store)

			// The MF is a DF, so READ BINARY has no current EF.
			wantSW(t, readBinary(t, c, 0, 256, false), iso7816.SWNoCurrentEF)
			// The MF has no parent.
			wantSW(t, sendHex(t, c, "00 A4 03 0C"), iso7816.SWFileNotFound)
			// 08F2 is no longer under the current DF.
			wantSW(t, sendHex(t, c, "00 A4 02 0C 02 08 F2"), iso7816.SWFileNotFound)
			// A path from the current DF starts at the MF.
			wantSW(t, sendHex(t, c, "00 A4 09 0C 04 09 00 09 03"), iso7816.SWSuccess)
		})
	}
}

// RB-01: READ BINARY reads the current EF from the 15-bit offset in P1-P2.
func TestReadBinaryOffsets(t *testing.T) {
	_, _, certs := testKeys(t)
	certFile := expectedCertificateFile(certs)

	tests := []struct {
		id     string
		name   string
		path   string
		offset int
		ne     int
		want   []byte
	}{
		{id: "RB-01", name: "card number middle", path: "0900 0903", offset: 2, ne: 4, want: []byte(testCardNumber[2:6])},
		{id: "RB-01", name: "card number last byte", path: "0900 0903", offset: 15, ne: 1, want: []byte(testCardNumber[15:])},
		{id: "RB-01", name: "version from 7", path: "0900 0905", offset: 7, ne: 2, want: []byte("/1")},
		{id: "RB-01", name: "certificates start", path: "5030 08F2", offset: 0x0000, ne: 16, want: certFile[0x0000:0x0010]},
		{id: "RB-01", name: "P1 01", path: "5030 08F2", offset: 0x0100, ne: 32, want: certFile[0x0100:0x0120]},
		{id: "RB-01", name: "issuing slot", path: "5030 08F2", offset: 0x0700, ne: 256, want: certFile[0x0700:0x0800]},
		{id: "RB-01", name: "signing slot", path: "5030 08F2", offset: 0x1500, ne: 128, want: certFile[0x1500:0x1580]},
		{id: "RB-01", name: "last byte", path: "5030 08F2", offset: 0x1BFF, ne: 1, want: certFile[0x1BFF:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			selectPath(t, c, tt.path)
			r := readBinary(t, c, tt.offset, tt.ne, false)
			wantSW(t, r, iso7816.SWSuccess)
			if !bytes.Equal(r.Data, tt.want) {
				t.Errorf("read %X, want %X", r.Data, tt.want)
			}
		})
	}
}

// RB-01: P1 bit 8 set (short EF identifier) answers 6A81.
func TestReadBinaryShortEFIdentifier(t *testing.T) {
	for _, apdu := range []string{"00 B0 80 00 00", "00 B0 81 00 00", "00 B0 9F 00 10", "00 B0 FF FF 01"} {
		c, _ := newTestCard(t)
		selectPath(t, c, "5030 08F2")
		r := sendHex(t, c, apdu)
		if r.SW != iso7816.SWFunctionNotSupported {
			t.Errorf("%s: status word %v, want 6A81", apdu, r.SW)
		}
	}
}

// RB-02: an offset at or beyond the end of the EF answers 6B00.
func TestReadBinaryOffsetBeyondEnd(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		offset   int
		ne       int
		extended bool
	}{
		{name: "card number at end", path: "0900 0903", offset: 0x10, ne: 256},
		{name: "card number past end", path: "0900 0903", offset: 0x11, ne: 1},
		{name: "version at end", path: "0900 0905", offset: 0x09, ne: 256},
		{name: "certificates at end", path: "5030 08F2", offset: 0x1C00, ne: 256},
		{name: "certificates at end extended", path: "5030 08F2", offset: 0x1C00, ne: 65536, extended: true},
		{name: "certificates past end", path: "5030 08F2", offset: 0x1C01, ne: 1},
		{name: "largest offset", path: "5030 08F2", offset: 0x7FFF, ne: 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			selectPath(t, c, tt.path)
			r := readBinary(t, c, tt.offset, tt.ne, tt.extended)
			wantSW(t, r, iso7816.SWWrongParametersP1P2)
			if len(r.Data) != 0 {
				t.Errorf("6B00 came with %d data bytes", len(r.Data))
			}
		})
	}
}

// RB-03: Le 00 or 0000 returns what is there up to 256 or 65536 bytes with
// 9000. Another Le asks for exactly Ne bytes, and an EF that ends first
// returns the bytes up to the end with 6282.
func TestReadBinaryLe(t *testing.T) {
	_, _, certs := testKeys(t)
	certFile := expectedCertificateFile(certs)
	cardNumber := []byte(testCardNumber)

	tests := []struct {
		name     string
		path     string
		offset   int
		ne       int
		extended bool
		want     []byte
		wantSW   iso7816.StatusWord
	}{
		{name: "Le 00 short EF", path: "0900 0903", ne: 256, want: cardNumber, wantSW: 0x9000},
		{name: "exact Le", path: "0900 0903", ne: 16, want: cardNumber, wantSW: 0x9000},
		{name: "Le below size", path: "0900 0903", ne: 5, want: cardNumber[:5], wantSW: 0x9000},
		{name: "Le one past end", path: "0900 0903", ne: 17, want: cardNumber, wantSW: 0x6282},
		{name: "Le FF past end", path: "0900 0903", ne: 255, want: cardNumber, wantSW: 0x6282},
		{name: "Le 00 near end", path: "0900 0903", offset: 14, ne: 256, want: cardNumber[14:], wantSW: 0x9000},
		{name: "exact Le near end", path: "0900 0903", offset: 14, ne: 2, want: cardNumber[14:], wantSW: 0x9000},
		{name: "Le past end near end", path: "0900 0903", offset: 14, ne: 4, want: cardNumber[14:], wantSW: 0x6282},
		{name: "extended Le 0000 short EF", path: "0900 0903", ne: 65536, extended: true, want: cardNumber, wantSW: 0x9000},
		{name: "extended Le 0100 past end", path: "0900 0903", ne: 256, extended: true, want: cardNumber, wantSW: 0x6282},
		{name: "Le 00 large EF", path: "5030 08F2", ne: 256, want: certFile[:256], wantSW: 0x9000},
		{name: "extended Le 0100 large EF", path: "5030 08F2", ne: 256, extended: true, want: certFile[:256], wantSW: 0x9000},
		{name: "extended Le 0000 whole file", path: "5030 08F2", ne: 65536, extended: true, want: certFile, wantSW: 0x9000},
		{name: "extended exact Le whole file", path: "5030 08F2", ne: 0x1C00, extended: true, want: certFile, wantSW: 0x9000},
		{name: "extended Le one past end", path: "5030 08F2", ne: 0x1C01, extended: true, want: certFile, wantSW: 0x6282},
		{name: "Le 00 last 128", path: "5030 08F2", offset: 0x1B80, ne: 256, want: certFile[0x1B80:], wantSW: 0x9000},
		{name: "extended Le 0000 last 128", path: "5030 08F2", offset: 0x1B80, ne: 65536, extended: true, want: certFile[0x1B80:], wantSW: 0x9000},
		{name: "Le 81 last 128", path: "5030 08F2", offset: 0x1B80, ne: 129, want: certFile[0x1B80:], wantSW: 0x6282},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			selectPath(t, c, tt.path)
			r := readBinary(t, c, tt.offset, tt.ne, tt.extended)
			wantSW(t, r, tt.wantSW)
			if len(r.Data) != len(tt.want) {
				t.Errorf("read %d bytes, want %d", len(r.Data), len(tt.want))
			}
			if !bytes.Equal(r.Data, tt.want) {
				t.Errorf("read bytes differ from the EF content at %04X", tt.offset)
			}
		})
	}
}

// RB-04: without Le READ BINARY answers 6700, and with a DF as the current
// file 6986.
func TestReadBinaryLeAndCurrentFile(t *testing.T) {
	tests := []struct {
		name string
		path string
		apdu string
		want iso7816.StatusWord
	}{
		{name: "no Le", path: "0900 0903", apdu: "00 B0 00 00", want: 0x6700},
		{name: "no Le certificates", path: "5030 08F2", apdu: "00 B0 15 00", want: 0x6700},
		{name: "MF current", path: "", apdu: "00 B0 00 00 00", want: 0x6986},
		{name: "DF 0900 current", path: "0900", apdu: "00 B0 00 00 00", want: 0x6986},
		{name: "DF 5030 current", path: "5030", apdu: "00 B0 00 00 00", want: 0x6986},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			selectPath(t, c, tt.path)
			wantSW(t, sendHex(t, c, tt.apdu), tt.want)
		})
	}
}

// RSP-01, RSP-02: a 256-byte signature read with Le 80 comes as 128 bytes
// with 6180, and GET RESPONSE returns the remaining 128 bytes with 9000.
func TestResponseChainingSignature(t *testing.T) {
	c, _ := newTestCard(t, activated)
	digestInfo := sha256DigestInfo(t, []byte("chained signature"))
	prepareSigning(t, c, "84 01 01")

	first := transmit(t, c, signCmd(digestInfo, 0x80))
	wantSW(t, first, 0x6180)
	if len(first.Data) != 0x80 {
		t.Errorf("first part is %d bytes, want 128", len(first.Data))
	}

	rest := sendHex(t, c, "00 C0 00 00 00")
	wantSW(t, rest, iso7816.SWSuccess)
	if len(rest.Data) != 0x80 {
		t.Errorf("GET RESPONSE returned %d bytes, want 128", len(rest.Data))
	}

	signature := append(append([]byte{}, first.Data...), rest.Data...)
	if err := verifySHA256Signature(t, c, 0x1500, []byte("chained signature"), signature); err != nil {
		t.Errorf("chained signature does not verify: %v", err)
	}

	// RSP-04: once the last part is read, nothing waits.
	wantSW(t, sendHex(t, c, "00 C0 00 00 00"), iso7816.SWConditionsNotSatisfied)
}

// RSP-02: GET RESPONSE returns up to Ne bytes, 61XX while more wait and 9000
// with the last part, and the parts join into the whole response.
func TestGetResponseInParts(t *testing.T) {
	c, _ := newTestCard(t, activated)
	digestInfo := sha256DigestInfo(t, []byte("signature in parts"))
	prepareSigning(t, c, "84 01 01")

	whole := transmit(t, c, signCmd(digestInfo, 256))
	wantSW(t, whole, iso7816.SWSuccess)

	steps := []struct {
		apdu    []byte
		wantLen int
		wantSW  iso7816.StatusWord
	}{
		{apdu: cmdBytes(t, signCmd(digestInfo, 0x01)), wantLen: 1, wantSW: 0x61FF},
		{apdu: mustHex(t, "00 C0 00 00 7F"), wantLen: 127, wantSW: 0x6180},
		{apdu: mustHex(t, "00 C0 00 00 40"), wantLen: 64, wantSW: 0x6140},
		{apdu: mustHex(t, "00 C0 00 00 20"), wantLen: 32, wantSW: 0x6120},
		{apdu: mustHex(t, "00 C0 00 00 FF"), wantLen: 32, wantSW: 0x9000},
	}
	var joined []byte
	for i, step := range steps {
		r := send(t, c, step.apdu)
		if r.SW != step.wantSW {
			t.Errorf("step %d: status word %v, want %v", i, r.SW, step.wantSW)
		}
		if len(r.Data) != step.wantLen {
			t.Errorf("step %d: %d bytes, want %d", i, len(r.Data), step.wantLen)
		}
		joined = append(joined, r.Data...)
	}
	if !bytes.Equal(joined, whole.Data) {
		t.Errorf("joined parts differ from the signature read in one response")
	}
}

// RSP-01, RSP-02: the FCP is chained like any response that is longer than
// Ne.
func TestResponseChainingFCP(t *testing.T) {
	c, _ := newTestCard(t)
	want := mustHex(t, "62 0B 82 01 01 83 02 08 F2 80 02 1C 00")

	first := sendHex(t, c, "00 A4 08 00 04 50 30 08 F2 04")
	wantSW(t, first, 0x6109)
	rest := sendHex(t, c, "00 C0 00 00 09")
	wantSW(t, rest, iso7816.SWSuccess)

	if got := append(append([]byte{}, first.Data...), rest.Data...); !bytes.Equal(got, want) {
		t.Errorf("chained FCP %X, want %X", got, want)
	}
}

// RSP-01, RSP-02: deciphered data longer than an extended Ne is chained too.
func TestResponseChainingDecipher(t *testing.T) {
	c, _ := newTestCard(t, activated)
	block := belowModulus(t)
	ciphertext := rawPublic(publicKeyAt(t, c, encryptionCertOffset), block)
	prepareDeciphering(t, c, "84 01 02 80 01 00")

	cmd := decipherCmd(ciphertext)
	cmd.Ne = 0x0010
	first := transmit(t, c, cmd)
	wantSW(t, first, 0x61F0)
	if len(first.Data) != 16 {
		t.Errorf("first part is %d bytes, want 16", len(first.Data))
	}

	rest := sendHex(t, c, "00 C0 00 00 00")
	wantSW(t, rest, iso7816.SWSuccess)
	if got := append(append([]byte{}, first.Data...), rest.Data...); !bytes.Equal(got, block) {
		t.Errorf("chained raw result %X, want %X", got, block)
	}
}

// RSP-02: GET RESPONSE with P1-P2 other than 0000 answers 6A86, and without
// Le 6700, while response data waits.
func TestGetResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		apdu string
		want iso7816.StatusWord
	}{
		{name: "P1 01", apdu: "00 C0 01 00 00", want: 0x6A86},
		{name: "P2 01", apdu: "00 C0 00 01 00", want: 0x6A86},
		{name: "no Le", apdu: "00 C0 00 00", want: 0x6700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			wantSW(t, sendHex(t, c, "00 A4 08 00 04 50 30 08 F2 04"), 0x6109)
			wantSW(t, sendHex(t, c, tt.apdu), tt.want)
		})
	}
}

// RSP-03: any command other than GET RESPONSE, a malformed one included,
// drops the waiting response data, and so do warm reset and power-off.
func TestPendingDataDropped(t *testing.T) {
	tests := []struct {
		name string
		drop func(t *testing.T, c *Card)
	}{
		{name: "GET DATA", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 CA 01 01 00") }},
		{name: "SELECT", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 A4 00 0C 02 3F 00") }},
		{name: "failed SELECT", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 A4 00 0C 02 12 34") }},
		{name: "VERIFY query", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 20 00 80") }},
		{name: "MSE", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 22 41 B6 03 84 01 01") }},
		{name: "GET CHALLENGE", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 84 00 00 08") }},
		{name: "malformed APDU", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 C0 00") }},
		{name: "CLA 80 GET RESPONSE", drop: func(t *testing.T, c *Card) { sendHex(t, c, "80 C0 00 00 00") }},
		{name: "unknown INS", drop: func(t *testing.T, c *Card) { sendHex(t, c, "00 D6 00 00 01 00") }},
		{name: "warm reset", drop: func(_ *testing.T, c *Card) { c.Reset() }},
		{name: "power-off", drop: func(_ *testing.T, c *Card) { c.PowerOff() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, activated)
			prepareSigning(t, c, "84 01 01")
			first := transmit(t, c, signCmd(sha256DigestInfo(t, []byte("dropped")), 0x80))
			wantSW(t, first, 0x6180)

			tt.drop(t, c)

			wantSW(t, sendHex(t, c, "00 C0 00 00 00"), iso7816.SWConditionsNotSatisfied)
		})
	}
}

// RSP-04: GET RESPONSE with no response data waiting answers 6985.
func TestGetResponseNothingPending(t *testing.T) {
	t.Run("fresh card", func(t *testing.T) {
		c, _ := newTestCard(t)
		wantSW(t, sendHex(t, c, "00 C0 00 00 00"), iso7816.SWConditionsNotSatisfied)
	})
	t.Run("after whole signature", func(t *testing.T) {
		c, _ := newTestCard(t, activated)
		prepareSigning(t, c, "84 01 01")
		wantSW(t, transmit(t, c, signCmd(sha256DigestInfo(t, []byte("whole")), 256)), iso7816.SWSuccess)
		wantSW(t, sendHex(t, c, "00 C0 00 00 00"), iso7816.SWConditionsNotSatisfied)
	})
	t.Run("after READ BINARY", func(t *testing.T) {
		c, _ := newTestCard(t)
		selectPath(t, c, "5030 08F2")
		wantSW(t, readBinary(t, c, 0, 256, false), iso7816.SWSuccess)
		wantSW(t, sendHex(t, c, "00 C0 00 00 00"), iso7816.SWConditionsNotSatisfied)
	})
}

// RSP-05: GET DATA and GET CHALLENGE answer 6CXX without data when Le is
// neither 00 nor the exact size, XX being the size.
func TestWrongLeFixedSize(t *testing.T) {
	tests := []struct {
		name    string
		apdu    string
		wantSW  iso7816.StatusWord
		wantLen int
	}{
		{name: "lifecycle Le 02", apdu: "00 CA 01 01 02", wantSW: 0x6C01},
		{name: "lifecycle Le 01", apdu: "00 CA 01 01 01", wantSW: 0x9000, wantLen: 1},
		{name: "lifecycle Le 00", apdu: "00 CA 01 01 00", wantSW: 0x9000, wantLen: 1},
		{name: "lifecycle extended Le 0000", apdu: "00 CA 01 01 00 00 00", wantSW: 0x9000, wantLen: 1},
		{name: "lifecycle extended Le 0002", apdu: "00 CA 01 01 00 00 02", wantSW: 0x6C01},
		{name: "issue date Le 04", apdu: "00 CA 01 02 04", wantSW: 0x6C08},
		{name: "issue date Le 09", apdu: "00 CA 01 02 09", wantSW: 0x6C08},
		{name: "issue date Le 08", apdu: "00 CA 01 02 08", wantSW: 0x9000, wantLen: 8},
		{name: "PIN tries Le 01", apdu: "00 CA 01 80 01", wantSW: 0x6C02},
		{name: "PIN tries Le 03", apdu: "00 CA 01 80 03", wantSW: 0x6C02},
		{name: "user code tries Le FF", apdu: "00 CA 01 81 FF", wantSW: 0x6C02},
		{name: "challenge Le 04", apdu: "00 84 00 00 04", wantSW: 0x6C08},
		{name: "challenge Le 10", apdu: "00 84 00 00 10", wantSW: 0x6C08},
		{name: "challenge extended Le 0004", apdu: "00 84 00 00 00 00 04", wantSW: 0x6C08},
		{name: "challenge Le 08", apdu: "00 84 00 00 08", wantSW: 0x9000, wantLen: 8},
		{name: "challenge Le 00", apdu: "00 84 00 00 00", wantSW: 0x9000, wantLen: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t)
			r := sendHex(t, c, tt.apdu)
			wantSW(t, r, tt.wantSW)
			if len(r.Data) != tt.wantLen {
				t.Errorf("%d data bytes, want %d", len(r.Data), tt.wantLen)
			}
		})
	}
}

// LC-03: a terminated card answers 6A81 to VERIFY, CHANGE REFERENCE DATA,
// RESET RETRY COUNTER, MSE, PSO, GET CHALLENGE and EXTERNAL AUTHENTICATE
// whatever their parameters.
func TestTerminatedCardSecurityCommands(t *testing.T) {
	digestInfo := sha256DigestInfo(t, []byte("terminated"))
	decipher := append([]byte{0x00}, make([]byte, 256)...)

	tests := []struct {
		name string
		apdu []byte
	}{
		{name: "VERIFY PIN", apdu: verifyCmd(t, testPIN)},
		{name: "VERIFY query", apdu: mustHex(t, "00 20 00 80")},
		{name: "VERIFY clear", apdu: mustHex(t, "00 20 FF 80")},
		{name: "VERIFY bad P1-P2", apdu: mustHex(t, "00 20 05 99")},
		{name: "CHANGE REFERENCE DATA", apdu: changeCmd(t, testPIN, "246810")},
		{name: "CHANGE bad length", apdu: mustHex(t, "00 24 00 80 01 00")},
		{name: "RESET RETRY COUNTER", apdu: rrcCmd(t, testUserCode, "246810")},
		{name: "RESET RETRY COUNTER user code", apdu: cmdBytes(t, iso7816.Command{INS: 0x2C, P1: 0x02, P2: 0x81, Data: block(t, "Zz998877")})},
		{name: "MSE signing", apdu: mustHex(t, "00 22 41 B6 03 84 01 01")},
		{name: "MSE bad P1-P2", apdu: mustHex(t, "00 22 F3 01")},
		{name: "PSO sign", apdu: cmdBytes(t, signCmd(digestInfo, 256))},
		{name: "PSO decipher", apdu: cmdBytes(t, iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: decipher, Ne: 65536})},
		{name: "PSO bad P1-P2", apdu: mustHex(t, "00 2A 00 00 00")},
		{name: "GET CHALLENGE", apdu: mustHex(t, "00 84 00 00 08")},
		{name: "GET CHALLENGE no Le", apdu: mustHex(t, "00 84 00 00")},
		{name: "EXTERNAL AUTHENTICATE", apdu: cmdBytes(t, iso7816.Command{INS: 0x82, P2: 0x01, Data: make([]byte, 16)})},
		{name: "EXTERNAL AUTHENTICATE bad length", apdu: mustHex(t, "00 82 00 01 01 00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCard(t, withLifecycle(LifecycleTerminated))
			wantSW(t, send(t, c, tt.apdu), iso7816.SWFunctionNotSupported)
		})
	}
}

// LC-03: SELECT, READ BINARY, GET DATA and GET RESPONSE still answer on a
// terminated card, so a client can read the card number, the certificates
// and the lifecycle state.
func TestTerminatedCardReadable(t *testing.T) {
	c, _ := newTestCard(t, withLifecycle(LifecycleTerminated))

	selectPath(t, c, "0900 0903")
	number := readBinary(t, c, 0, 256, false)
	wantSW(t, number, iso7816.SWSuccess)
	if got := string(number.Data); got != testCardNumber {
		t.Errorf("card number %q, want %q", got, testCardNumber)
	}

	_, _, certs := testKeys(t)
	if content := readCertificateFile(t, c); !bytes.Equal(content, expectedCertificateFile(certs)) {
		t.Errorf("EF 08F2 content differs on a terminated card")
	}

	lifecycle := sendHex(t, c, "00 CA 01 01 00")
	wantSW(t, lifecycle, iso7816.SWSuccess)
	if !bytes.Equal(lifecycle.Data, []byte{0x0F}) {
		t.Errorf("lifecycle %X, want 0F", lifecycle.Data)
	}

	wantSW(t, sendHex(t, c, "00 A4 08 00 04 50 30 08 F2 04"), 0x6109)
	rest := sendHex(t, c, "00 C0 00 00 00")
	wantSW(t, rest, iso7816.SWSuccess)
	if len(rest.Data) != 9 {
		t.Errorf("GET RESPONSE returned %d bytes, want 9", len(rest.Data))
	}
}
