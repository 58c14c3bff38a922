// Package apdugen generates command APDUs for fault tests: a deterministic
// sequence, from a seed, that mixes well-formed commands of the GCA card's
// repertoire with malformed ones, wrong lengths, odd CLA, INS and P1-P2
// values, extended lengths and command chaining.
//
// The same seed always gives the same sequence, so a failing run is
// replayed from its seed. The generator never emits a command shorter
// than 2 bytes: pcsc rejects an empty command, and vpcd reads every 1-byte
// frame as a power or reset message, so such a command cannot reach a
// card through vpcd. Reference data in the generated commands is random,
// never a real secret.
package apdugen

import (
	"math/rand/v2"

	"gcacard/emulator"
	"gcacard/iso7816"
)

// Kind is the class of a generated command.
type Kind int

// Kinds, in the order of the weights table.
const (
	// KindValid is a well-formed command of the card's repertoire with
	// plausible parameters. Its reference data is random, so a VERIFY
	// uses a try.
	KindValid Kind = iota
	// KindWrongLength is a repertoire command whose data field or Le has
	// the wrong size for its INS.
	KindWrongLength
	// KindOddHeader is a well-formed APDU with a random CLA, INS or P1-P2.
	KindOddHeader
	// KindMalformed is a byte string that parses in none of the ISO/IEC
	// 7816-4 cases: fewer than 4 bytes, an Lc that disagrees with the
	// length, an extended Lc of 0, a cut extended body.
	KindMalformed
	// KindExtended is a repertoire command in the extended encoding, with
	// data up to 4096 bytes or an extended Le.
	KindExtended
	// KindChained is a command with the chaining bit (CLA 10) set, as the
	// first part of an ISO/IEC 7816-4 command chain.
	KindChained
	kindCount
)

var kindNames = [kindCount]string{"valid", "wrong-length", "odd-header", "malformed", "extended", "chained"}

func (k Kind) String() string {
	if k < 0 || k >= kindCount {
		return "unknown"
	}
	return kindNames[k]
}

// Kinds returns every kind, for reports that list counts per kind.
func Kinds() []Kind {
	kinds := make([]Kind, kindCount)
	for i := range kinds {
		kinds[i] = Kind(i)
	}
	return kinds
}

// weights are the relative frequencies of the kinds, in percent.
var weights = [kindCount]int{40, 15, 15, 10, 12, 8}

// APDU is one generated command.
type APDU struct {
	Kind  Kind
	Bytes []byte
}

// Generator produces the sequence of one seed. It is not safe for
// concurrent use.
type Generator struct {
	rng *rand.Rand
}

// streamConstant is the second PCG word; changing it changes every
// sequence, so a seed printed by an older run would no longer replay.
const streamConstant = 0x6763616361726431

// New returns the generator of seed.
func New(seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, streamConstant))}
}

// Next returns the next command of the sequence. It is always at least 2
// bytes long.
func (g *Generator) Next() APDU {
	kind := g.kind()
	var b []byte
	switch kind {
	case KindValid:
		b = mustBytes(g.valid())
	case KindWrongLength:
		b = g.wrongLength()
	case KindOddHeader:
		b = g.oddHeader()
	case KindMalformed:
		b = g.malformed()
	case KindExtended:
		b = g.extended()
	case KindChained:
		b = g.chained()
	}
	return APDU{Kind: kind, Bytes: b}
}

func (g *Generator) kind() Kind {
	n := g.rng.IntN(100)
	for k, w := range weights {
		if n < w {
			return Kind(k)
		}
		n -= w
	}
	return KindValid
}

// mustBytes encodes a command that the generator built within the limits
// of the extended form, so encoding cannot fail.
func mustBytes(c iso7816.Command) []byte {
	b, err := c.Bytes()
	if err != nil {
		panic("apdugen: generated an unencodable command: " + err.Error())
	}
	return b
}

func (g *Generator) pick(values ...byte) byte { return values[g.rng.IntN(len(values))] }

func (g *Generator) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return b
}

// block returns a 10-byte reference-data block. Most are well-formed, with
// 4 to 10 letters or digits then FF padding; the rest are random bytes.
func (g *Generator) block() []byte {
	if g.rng.IntN(4) == 0 {
		return g.bytes(emulator.BlockSize)
	}
	const charset = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	value := make([]byte, 4+g.rng.IntN(7))
	for i := range value {
		value[i] = charset[g.rng.IntN(len(charset))]
	}
	block, _ := emulator.EncodeBlock(string(value))
	return block
}

// fileID returns a file ID or path of the card, or now and then a random one.
func (g *Generator) fileID() []byte {
	ids := [][]byte{
		{0x3F, 0x00}, {0x09, 0x00}, {0x09, 0x03}, {0x09, 0x05}, {0x50, 0x30}, {0x08, 0xF2},
		{0x09, 0x00, 0x09, 0x03}, {0x50, 0x30, 0x08, 0xF2}, {0x50, 0x15}, {},
	}
	if g.rng.IntN(5) == 0 {
		return g.bytes(2 * g.rng.IntN(4))
	}
	return ids[g.rng.IntN(len(ids))]
}

// valid returns a well-formed command of the repertoire.
func (g *Generator) valid() iso7816.Command {
	switch g.rng.IntN(14) {
	case 0, 1:
		return iso7816.Command{INS: 0xA4, P1: g.pick(0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x09), P2: g.pick(0x00, 0x04, 0x0C),
			Data: g.fileID(), Ne: g.ne()}
	case 2, 3:
		offset := g.rng.IntN(0x1D00)
		return iso7816.Command{INS: 0xB0, P1: byte(offset >> 8), P2: byte(offset), Ne: g.ne()}
	case 4:
		tag := []uint16{0x0101, 0x0102, 0x0180, 0x0181, 0x0100, 0x5FC1}[g.rng.IntN(6)]
		return iso7816.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: g.ne()}
	case 5:
		return iso7816.Command{INS: 0xC0, Ne: g.ne()}
	case 6:
		return iso7816.Command{INS: 0x20, P1: g.pick(0x00, 0xFF), P2: g.pick(0x80, 0x81)}
	case 7:
		return iso7816.Command{INS: 0x20, P2: g.pick(0x80, 0x81), Data: g.block()}
	case 8:
		return iso7816.Command{INS: 0x24, P2: 0x80, Data: append(g.block(), g.block()...)}
	case 9:
		return iso7816.Command{INS: 0x2C, P1: g.pick(0x00, 0x02), P2: g.pick(0x80, 0x81), Data: append(g.block(), g.block()...)}
	case 10:
		return iso7816.Command{INS: 0x22, P1: 0x41, P2: g.pick(0xB6, 0xB8),
			Data: []byte{0x84, 0x01, g.pick(0x01, 0x02, 0x03), 0x80, 0x01, g.pick(0x00, 0x02, 0x07)}}
	case 11:
		return iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: g.bytes(1 + g.rng.IntN(256)), Ne: g.ne()}
	case 12:
		return iso7816.Command{INS: 0x84, Ne: g.ne()}
	default:
		return iso7816.Command{INS: 0x82, P2: 0x01, Data: g.bytes(16)}
	}
}

// ne returns an Ne: none, 00 (all), or a small or exact count.
func (g *Generator) ne() int {
	switch g.rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return 256
	default:
		return 1 + g.rng.IntN(255)
	}
}

// wrongLength changes the data field or Le of a repertoire command by a
// few bytes, or drops the Le.
func (g *Generator) wrongLength() []byte {
	c := g.valid()
	switch g.rng.IntN(3) {
	case 0:
		c.Data = append(c.Data, g.bytes(1+g.rng.IntN(12))...)
	case 1:
		if len(c.Data) > 0 {
			c.Data = c.Data[:g.rng.IntN(len(c.Data))]
		} else {
			c.Data = g.bytes(1 + g.rng.IntN(30))
		}
	default:
		if c.Ne > 0 {
			c.Ne = 0
		} else {
			c.Ne = 1 + g.rng.IntN(256)
		}
	}
	return mustBytes(c)
}

// oddHeader keeps a repertoire body but draws CLA, INS or P1-P2 at random.
func (g *Generator) oddHeader() []byte {
	c := g.valid()
	switch g.rng.IntN(4) {
	case 0:
		c.CLA = g.pick(0x80, 0x84, 0x0C, 0x01, 0xA0, 0xFF, byte(g.rng.Uint32()))
	case 1:
		c.INS = byte(g.rng.Uint32())
	case 2:
		c.P1, c.P2 = byte(g.rng.Uint32()), byte(g.rng.Uint32())
	default:
		c.CLA, c.INS, c.P1, c.P2 = byte(g.rng.Uint32()), byte(g.rng.Uint32()), byte(g.rng.Uint32()), byte(g.rng.Uint32())
	}
	return mustBytes(c)
}

// malformed returns bytes that parse in no ISO/IEC 7816-4 case.
func (g *Generator) malformed() []byte {
	header := []byte{0x00, g.pick(0xA4, 0xB0, 0xCA, 0x20, 0x2C, 0xC0, 0x2A), g.pick(0x00, 0x08, 0x80), g.pick(0x00, 0x0C, 0x80)}
	switch g.rng.IntN(5) {
	case 0: // 2 or 3 bytes
		return header[:2+g.rng.IntN(2)]
	case 1: // short Lc larger than the data, which is not empty: an empty
		// body after Lc would make the Lc byte a valid Le.
		lc := 3 + g.rng.IntN(200)
		return append(append(header, byte(lc)), g.bytes(1+g.rng.IntN(lc-2))...)
	case 2: // short Lc smaller than the data, by more than an Le byte
		n := 3 + g.rng.IntN(30)
		return append(append(header, byte(n-2)), g.bytes(n)...)
	case 3: // extended Lc of 0 followed by data
		return append(append(header, 0x00, 0x00, 0x00), g.bytes(1+g.rng.IntN(8))...)
	default: // cut extended body: 00 then 1 byte, or an Lc with too few bytes
		if g.rng.IntN(2) == 0 {
			return append(header, 0x00, byte(g.rng.Uint32()))
		}
		lc := 16 + g.rng.IntN(300)
		return append(append(header, 0x00, byte(lc>>8), byte(lc)), g.bytes(1+g.rng.IntN(lc-1))...)
	}
}

// extended encodes a repertoire command in the extended form, some with a
// long data field such as a DECIPHER of 257 bytes or an oversized block.
func (g *Generator) extended() []byte {
	var c iso7816.Command
	switch g.rng.IntN(4) {
	case 0:
		c = g.valid()
	case 1:
		c = iso7816.Command{INS: 0x2A, P1: 0x80, P2: 0x86, Data: append([]byte{0x00}, g.bytes(256)...), Ne: g.pick16()}
	case 2:
		c = iso7816.Command{INS: 0xB0, P1: byte(g.rng.IntN(0x1C)), P2: byte(g.rng.Uint32()), Ne: g.pick16()}
	default:
		c = g.valid()
		c.Data = g.bytes(256 + g.rng.IntN(3841))
	}
	if len(c.Data) == 0 && c.Ne == 0 {
		// A command with neither data nor Le has no extended form.
		c.Ne = 257 + g.rng.IntN(8000)
	}
	c.Extended = true
	return mustBytes(c)
}

// pick16 returns an extended Ne: 0000 (all), a size above 256, or none.
func (g *Generator) pick16() int {
	switch g.rng.IntN(3) {
	case 0:
		return iso7816.MaxExtendedNe
	case 1:
		return 257 + g.rng.IntN(8000)
	default:
		return 0
	}
}

// chained sets the chaining bit on a repertoire command with data.
func (g *Generator) chained() []byte {
	c := g.valid()
	if len(c.Data) == 0 {
		c.Data = g.bytes(1 + g.rng.IntN(64))
	}
	c.CLA |= 0x10
	return mustBytes(c)
}
