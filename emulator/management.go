package emulator

import (
	"crypto/aes"
	"crypto/subtle"
	"io"

	"gcacard/iso7816"
)

// ChallengeSize is the size of a GET CHALLENGE response (UCR-01).
const ChallengeSize = 8

// ManagementKeyRef is the key reference of the card-management key in P2
// of EXTERNAL AUTHENTICATE (UCR-02).
const ManagementKeyRef = 0x01

// handleGetChallenge implements GET CHALLENGE (UCR-01).
func handleGetChallenge(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return status(iso7816.SWIncorrectP1P2)
	}
	challenge := make([]byte, ChallengeSize)
	resp := fixedSize(cmd, challenge)
	if resp.SW != iso7816.SWSuccess {
		return resp
	}
	if _, err := io.ReadFull(c.rand, challenge); err != nil {
		c.log.Error("generating a challenge failed", "err", err)
		return status(iso7816.SWMemoryFailure)
	}
	c.vol.challenge = challenge
	return resp
}

// ManagementCryptogram returns the EXTERNAL AUTHENTICATE data for a
// challenge: the AES-128 encryption under the card-management key of the
// challenge followed by the last 8 characters of the card number (UCR-02).
// The CA's client and the tests use it; the card compares against it.
func ManagementCryptogram(key []byte, challenge []byte, cardNumber string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	in := make([]byte, aes.BlockSize)
	copy(in, challenge)
	copy(in[ChallengeSize:], cardNumber[len(cardNumber)-ChallengeSize:])
	out := make([]byte, aes.BlockSize)
	block.Encrypt(out, in)
	return out, nil
}

// handleExternalAuthenticate implements EXTERNAL AUTHENTICATE with the
// card-management key (UCR-02).
func handleExternalAuthenticate(c *Card, cmd iso7816.Command, ctx *cmdContext) iso7816.Response {
	if cmd.P1 != 0x00 {
		return status(iso7816.SWIncorrectP1P2)
	}
	switch keyRef(cmd.P2) {
	case ManagementKeyRef:
	case refPIN, refUserCode:
		return status(iso7816.SWIncorrectP1P2)
	default:
		return status(iso7816.SWReferencedDataNotFound)
	}
	if len(cmd.Data) != aes.BlockSize {
		return status(iso7816.SWWrongLength)
	}
	if ctx.challenge == nil {
		return status(iso7816.SWConditionsNotSatisfied)
	}

	c.vol.caAuthenticated = false
	expected, err := ManagementCryptogram(c.img.ManagementKey, ctx.challenge, c.img.CardNumber)
	if err != nil {
		c.log.Error("card-management key unusable", "err", err)
		return status(iso7816.SWMemoryFailure)
	}
	if subtle.ConstantTimeCompare(expected, cmd.Data) != 1 {
		c.log.Warn("EXTERNAL AUTHENTICATE with a wrong cryptogram")
		return status(iso7816.SWAuthenticationFailed)
	}
	c.vol.caAuthenticated = true
	return status(iso7816.SWSuccess)
}
