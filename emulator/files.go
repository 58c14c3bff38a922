package emulator

import (
	"gcacard/iso7816"
)

// File IDs of the card (FS-01).
const (
	FileMF           = 0x3F00
	FileDFInfo       = 0x0900
	FileCardNumber   = 0x0903
	FileVersion      = 0x0905
	FileDFPKI        = 0x5030
	FileCertificates = 0x08F2
)

// file is a DF or a transparent EF. A DF has no data.
type file struct {
	id       uint16
	parent   *file
	children []*file
	data     []byte
	isDF     bool
}

func (f *file) child(id uint16) *file {
	for _, c := range f.children {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (f *file) add(c *file) *file {
	c.parent = f
	f.children = append(f.children, c)
	return c
}

// buildFiles lays out the file tree of FS-01 for an image.
func buildFiles(img *Image) *file {
	mf := &file{id: FileMF, isDF: true}

	info := mf.add(&file{id: FileDFInfo, isDF: true})
	info.add(&file{id: FileCardNumber, data: []byte(img.CardNumber)})
	version := img.Version
	if version == "" {
		version = ProfileVersion
	}
	info.add(&file{id: FileVersion, data: []byte(version)})

	pki := mf.add(&file{id: FileDFPKI, isDF: true})
	pki.add(&file{id: FileCertificates, data: certificateFile(img.Certificates)})
	return mf
}

// certificateFile places the four certificates at their offsets in a
// zero-filled EF 08F2 (FS-04).
func certificateFile(certs Certificates) []byte {
	out := make([]byte, CertFileSize)
	copy(out[CertOffsetRoot:], certs.Root)
	copy(out[CertOffsetIssuing:], certs.Issuing)
	copy(out[CertOffsetEncryption:], certs.Encryption)
	copy(out[CertOffsetSigning:], certs.Signing)
	return out
}

// fcp returns the FCP template of f (FS-08).
func (f *file) fcp() []byte {
	descriptor := byte(0x01)
	if f.isDF {
		descriptor = 0x38
	}
	body := []byte{0x82, 0x01, descriptor, 0x83, 0x02, byte(f.id >> 8), byte(f.id)}
	if !f.isDF {
		body = append(body, 0x80, 0x02, byte(len(f.data)>>8), byte(len(f.data)))
	}
	return append([]byte{0x62, byte(len(body))}, body...)
}

func fileID(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

// handleSelect implements SELECT (FS-05 to FS-08).
func handleSelect(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	if cmd.P2 != 0x00 && cmd.P2 != 0x04 && cmd.P2 != 0x0C {
		return status(iso7816.SWIncorrectP1P2)
	}

	target, sw := c.findFile(cmd.P1, cmd.Data)
	if sw != iso7816.SWSuccess {
		return status(sw)
	}

	c.vol.current = target
	if target.isDF {
		c.vol.currentDF = target
	} else {
		c.vol.currentDF = target.parent
	}

	if cmd.P2 == 0x0C || !cmd.HasLe() {
		return status(iso7816.SWSuccess)
	}
	return c.chained(cmd, target.fcp())
}

// findFile resolves the SELECT target for P1 and the data field.
func (c *Card) findFile(p1 byte, data []byte) (*file, iso7816.StatusWord) {
	df := c.vol.currentDF
	switch p1 {
	case 0x00:
		return c.selectByID(data)
	case 0x01, 0x02:
		if len(data) != 2 {
			return nil, iso7816.SWWrongLength
		}
		f := df.child(fileID(data))
		if f == nil || f.isDF != (p1 == 0x01) {
			return nil, iso7816.SWFileNotFound
		}
		return f, iso7816.SWSuccess
	case 0x03:
		if len(data) != 0 {
			return nil, iso7816.SWWrongLength
		}
		if df.parent == nil {
			return nil, iso7816.SWFileNotFound
		}
		return df.parent, iso7816.SWSuccess
	case 0x04:
		return nil, iso7816.SWFileNotFound
	case 0x08:
		return walkPath(c.files, data)
	case 0x09:
		return walkPath(df, data)
	}
	return nil, iso7816.SWIncorrectP1P2
}

func (c *Card) selectByID(data []byte) (*file, iso7816.StatusWord) {
	if len(data) == 0 {
		return c.files, iso7816.SWSuccess
	}
	if len(data) != 2 {
		return nil, iso7816.SWWrongLength
	}

	id := fileID(data)
	df := c.vol.currentDF
	switch {
	case id == FileMF:
		return c.files, iso7816.SWSuccess
	case df.child(id) != nil:
		return df.child(id), iso7816.SWSuccess
	case id == df.id:
		return df, iso7816.SWSuccess
	case df.parent != nil && df.parent.id == id:
		return df.parent, iso7816.SWSuccess
	}
	if f := c.files.child(id); f != nil && f.isDF {
		return f, iso7816.SWSuccess
	}
	return nil, iso7816.SWFileNotFound
}

func walkPath(from *file, path []byte) (*file, iso7816.StatusWord) {
	if len(path) == 0 || len(path)%2 != 0 {
		return nil, iso7816.SWWrongLength
	}
	f := from
	for i := 0; i < len(path); i += 2 {
		if !f.isDF {
			return nil, iso7816.SWFileNotFound
		}
		f = f.child(fileID(path[i:]))
		if f == nil {
			return nil, iso7816.SWFileNotFound
		}
	}
	return f, iso7816.SWSuccess
}

// handleReadBinary implements READ BINARY (RB-01 to RB-04).
func handleReadBinary(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	if cmd.P1&0x80 != 0 {
		return status(iso7816.SWFunctionNotSupported)
	}
	ef := c.vol.current
	if ef.isDF {
		return status(iso7816.SWNoCurrentEF)
	}

	offset := int(cmd.P1)<<8 | int(cmd.P2)
	if offset >= len(ef.data) {
		return status(iso7816.SWWrongParametersP1P2)
	}
	if !cmd.HasLe() {
		return status(iso7816.SWWrongLength)
	}

	available := ef.data[offset:]
	if len(available) >= cmd.Ne {
		return iso7816.Response{Data: available[:cmd.Ne], SW: iso7816.SWSuccess}
	}
	if cmd.MaxLe() {
		return iso7816.Response{Data: available, SW: iso7816.SWSuccess}
	}
	return iso7816.Response{Data: available, SW: iso7816.SWEndOfFile}
}
