package emulator

import (
	"errors"
	"fmt"
)

// keyRef is a key reference in P2 of VERIFY, CHANGE REFERENCE DATA and
// RESET RETRY COUNTER (REF-01).
type keyRef byte

const (
	refPIN      keyRef = 0x80
	refUserCode keyRef = 0x81
)

// BlockSize is the size of one reference-data block on the wire (REF-02).
const BlockSize = 10

const padByte = 0xFF

// Length rules of the reference data (REF-01).
const (
	MinPINLength      = 6
	MaxPINLength      = 8
	MinUserCodeLength = 6
	MaxUserCodeLength = 10
)

func (r keyRef) String() string {
	switch r {
	case refPIN:
		return "PIN"
	case refUserCode:
		return "user code"
	}
	return fmt.Sprintf("key reference %02X", byte(r))
}

func (r keyRef) lengthRange() (minLen, maxLen int) {
	if r == refPIN {
		return MinPINLength, MaxPINLength
	}
	return MinUserCodeLength, MaxUserCodeLength
}

var (
	errBadCharacter   = errors.New("reference data contains a character other than an ASCII letter or digit")
	errPaddingInValue = errors.New("reference data has a non-padding byte after the padding")
)

// parseBlock extracts the value from a 10-byte block and checks it against
// the rules of ref (REF-03). It never includes the value in an error.
func parseBlock(ref keyRef, block []byte) ([]byte, error) {
	n := 0
	for n < len(block) && block[n] != padByte {
		n++
	}
	for _, b := range block[n:] {
		if b != padByte {
			return nil, errPaddingInValue
		}
	}
	value := block[:n]
	if err := validateValue(ref, value); err != nil {
		return nil, err
	}
	return value, nil
}

// parseBlock is parseBlock with the card's deliberate defect, if any.
func (c *Card) parseBlock(ref keyRef, block []byte) ([]byte, error) {
	value, err := parseBlock(ref, block)
	if err == nil || ref != refPIN || c.defect != DefectShortPIN || len(block) != BlockSize {
		return value, err
	}
	for i, b := range block {
		if (i < 5 && !isAlnum(b)) || (i >= 5 && b != padByte) {
			return value, err
		}
	}
	return block[:5], nil
}

// validateValue checks the length and character set of a reference datum.
func validateValue(ref keyRef, value []byte) error {
	minLen, maxLen := ref.lengthRange()
	if len(value) < minLen || len(value) > maxLen {
		return fmt.Errorf("%s of %d characters, want %d to %d", ref, len(value), minLen, maxLen)
	}
	for _, b := range value {
		if !isAlnum(b) {
			return errBadCharacter
		}
	}
	return nil
}

func isAlnum(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
}

// EncodeBlock pads an ASCII value with FF to one 10-byte block. It is the
// client's side of REF-02 and does no validation beyond the block size.
func EncodeBlock(value string) ([]byte, error) {
	if len(value) > BlockSize {
		return nil, fmt.Errorf("reference data of %d bytes does not fit a %d-byte block", len(value), BlockSize)
	}
	block := make([]byte, BlockSize)
	copy(block, value)
	for i := len(value); i < BlockSize; i++ {
		block[i] = padByte
	}
	return block, nil
}
