package emulator

import (
	"crypto"
	"crypto/rsa"
	"math/big"

	"gcacard/iso7816"
)

// Key references of the RSA keys (KEY-01) and algorithm IDs (KEY-02).
const (
	KeyRefSign = 0x01
	KeyRefKeyX = 0x02

	AlgorithmRaw   = 0x00
	AlgorithmPKCS1 = 0x02
)

// rsaSize is the size in bytes of an RSA-2048 block.
const rsaSize = 256

// maxDigestInfo is the longest DigestInfo that PKCS#1 v1.5 type 1 padding
// fits in an RSA-2048 block.
const maxDigestInfo = rsaSize - 11

// handleManageSecurityEnvironment implements MSE SET (KEY-02).
func handleManageSecurityEnvironment(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	if cmd.P1 != 0x41 || (cmd.P2 != 0xB6 && cmd.P2 != 0xB8) {
		return status(iso7816.SWIncorrectP1P2)
	}
	env, ok := parseEnvironment(cmd.Data)
	if !ok {
		return status(iso7816.SWWrongData)
	}
	if env.keyRef != KeyRefSign && env.keyRef != KeyRefKeyX {
		return status(iso7816.SWReferencedDataNotFound)
	}
	if env.algorithm != AlgorithmRaw && env.algorithm != AlgorithmPKCS1 {
		return status(iso7816.SWWrongData)
	}

	if cmd.P2 == 0xB8 {
		if env.keyRef != KeyRefKeyX {
			return status(iso7816.SWWrongData)
		}
		c.vol.decipherEnv = env
	} else {
		c.vol.signEnv = env
	}
	return status(iso7816.SWSuccess)
}

// parseEnvironment reads the control reference template: tag 84 (key
// reference, required) and tag 80 (algorithm, optional), one byte each.
func parseEnvironment(data []byte) (securityEnv, bool) {
	env := securityEnv{set: true, algorithm: AlgorithmPKCS1}
	seenKey, seenAlg := false, false
	for len(data) > 0 {
		if len(data) < 3 || data[1] != 1 {
			return securityEnv{}, false
		}
		switch {
		case data[0] == 0x84 && !seenKey:
			env.keyRef, seenKey = data[2], true
		case data[0] == 0x80 && !seenAlg:
			env.algorithm, seenAlg = data[2], true
		default:
			return securityEnv{}, false
		}
		data = data[3:]
	}
	return env, seenKey
}

// handlePerformSecurityOperation implements COMPUTE DIGITAL SIGNATURE and
// DECIPHER (KEY-03 to KEY-05).
func handlePerformSecurityOperation(c *Card, cmd iso7816.Command, _ *cmdContext) iso7816.Response {
	p1p2 := uint16(cmd.P1)<<8 | uint16(cmd.P2)
	if p1p2 != 0x9E9A && p1p2 != 0x8086 {
		return status(iso7816.SWIncorrectP1P2)
	}
	signing := p1p2 == 0x9E9A

	if !cmd.HasLe() || !psoLengthValid(signing, cmd.Data) {
		return status(iso7816.SWWrongLength)
	}
	if !signing && cmd.Data[0] != 0x00 {
		return status(iso7816.SWWrongData) // padding indicator
	}
	if c.state.Lifecycle != LifecycleActivated || !c.vol.pinVerified {
		return status(iso7816.SWSecurityNotSatisfied)
	}

	if signing {
		return c.sign(cmd)
	}
	return c.decipher(cmd)
}

func psoLengthValid(signing bool, data []byte) bool {
	if signing {
		return len(data) >= 1 && len(data) <= rsaSize
	}
	return len(data) == 1+rsaSize
}

func (c *Card) key(ref byte) *rsa.PrivateKey {
	if ref == KeyRefSign {
		return c.img.SignKey
	}
	return c.img.KeyXKey
}

func (c *Card) sign(cmd iso7816.Command) iso7816.Response {
	env := c.vol.signEnv
	if !env.set {
		return status(iso7816.SWConditionsNotSatisfied)
	}
	key := c.key(env.keyRef)

	var signature []byte
	if env.algorithm == AlgorithmPKCS1 {
		if len(cmd.Data) > maxDigestInfo {
			return status(iso7816.SWWrongData)
		}
		// With hash 0, SignPKCS1v15 pads the DigestInfo as given.
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.Hash(0), cmd.Data)
		if err != nil {
			return status(iso7816.SWWrongData)
		}
		signature = sig
	} else {
		raw, ok := rawPrivate(key, cmd.Data)
		if !ok {
			return status(iso7816.SWWrongData)
		}
		signature = raw
	}
	return c.chained(cmd, signature)
}

func (c *Card) decipher(cmd iso7816.Command) iso7816.Response {
	env := c.vol.decipherEnv
	if !env.set {
		return status(iso7816.SWConditionsNotSatisfied)
	}
	ciphertext := cmd.Data[1:]
	key := c.key(env.keyRef)

	if env.algorithm == AlgorithmRaw {
		raw, ok := rawPrivate(key, ciphertext)
		if !ok {
			return status(iso7816.SWWrongData)
		}
		return c.chained(cmd, raw)
	}
	plain, err := rsa.DecryptPKCS1v15(c.rand, key, ciphertext)
	if err != nil {
		return status(iso7816.SWWrongData)
	}
	return c.chained(cmd, plain)
}

// rawPrivate computes block^d mod n for a full-size block below the
// modulus.
// NOTE: math/big exponentiation is not constant-time. That is acceptable
// for test keys, not for a key that protects anything.
func rawPrivate(key *rsa.PrivateKey, block []byte) ([]byte, bool) {
	if len(block) != rsaSize {
		return nil, false
	}
	m := new(big.Int).SetBytes(block)
	if m.Cmp(key.N) >= 0 {
		return nil, false
	}
	out := new(big.Int).Exp(m, key.D, key.N).FillBytes(make([]byte, rsaSize))
	return out, true
}
