package client

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"fmt"

	"gcacard/emulator"
	"gcacard/iso7816"
)

// Activate sets the first PIN with the user code (開卡). It refuses,
// before sending the user code, a card that is terminated, expired, past
// its activation window, already activated or whose user code is blocked.
func (c *Client) Activate(userCode, newPIN string) error {
	if err := CheckUserCode(userCode); err != nil {
		return err
	}
	if err := CheckPIN(FieldNewPIN, newPIN); err != nil {
		return err
	}
	return c.withInfo(func(info *Info) error {
		if err := c.CheckActivate(info); err != nil {
			return err
		}
		return c.resetRetryCounter(userCode, newPIN)
	})
}

// CheckActivate returns the error Activate would return for a card in
// the state of info, before any secret is asked: nil when the card can
// be activated.
func (c *Client) CheckActivate(info *Info) error {
	switch {
	case info.Lifecycle == LifecycleTerminated:
		return ErrTerminated
	case info.Lifecycle == LifecycleActivated:
		return ErrAlreadyActivated
	case c.now().After(info.NotAfter):
		return ErrExpired
	case c.WindowPassed(info):
		return ErrWindowPassed
	case info.UserCode.Blocked:
		return &BlockedError{Secret: SecretUserCode}
	}
	return nil
}

// ResetPIN sets a new PIN with the user code on an activated card, whether
// or not the PIN is blocked (解卡解碼/重設PIN碼).
func (c *Client) ResetPIN(userCode, newPIN string) error {
	if err := CheckUserCode(userCode); err != nil {
		return err
	}
	if err := CheckPIN(FieldNewPIN, newPIN); err != nil {
		return err
	}
	return c.withInfo(func(info *Info) error {
		if err := CheckResetPIN(info); err != nil {
			return err
		}
		return c.resetRetryCounter(userCode, newPIN)
	})
}

// CheckResetPIN returns the error ResetPIN would return for a card in the
// state of info, before any secret is asked: nil when the PIN can be
// reset.
func CheckResetPIN(info *Info) error {
	switch {
	case info.Lifecycle == LifecycleTerminated:
		return ErrTerminated
	case info.Lifecycle != LifecycleActivated:
		return ErrNotActivated
	case info.UserCode.Blocked:
		return &BlockedError{Secret: SecretUserCode}
	}
	return nil
}

// resetRetryCounter sends RESET RETRY COUNTER 00 2C 00 80 once.
func (c *Client) resetRetryCounter(userCode, newPIN string) error {
	data, err := blocks(userCode, newPIN)
	if err != nil {
		return err
	}
	resp, err := c.exchange(iso7816.Command{INS: 0x2C, P2: 0x80, Data: data})
	if err != nil {
		return err
	}
	return statusError("RESET RETRY COUNTER", SecretUserCode, resp.SW)
}

// ChangePIN replaces the PIN after checking the old one.
func (c *Client) ChangePIN(oldPIN, newPIN string) error {
	if err := CheckPIN(FieldPIN, oldPIN); err != nil {
		return err
	}
	if err := CheckPIN(FieldNewPIN, newPIN); err != nil {
		return err
	}
	return c.withInfo(func(info *Info) error {
		if err := CheckChangePIN(info); err != nil {
			return err
		}
		data, err := blocks(oldPIN, newPIN)
		if err != nil {
			return err
		}
		resp, err := c.exchange(iso7816.Command{INS: 0x24, P2: 0x80, Data: data})
		if err != nil {
			return err
		}
		return statusError("CHANGE REFERENCE DATA", SecretPIN, resp.SW)
	})
}

// CheckChangePIN returns the error ChangePIN would return for a card in
// the state of info, before any secret is asked: nil when the PIN can be
// changed.
func CheckChangePIN(info *Info) error {
	switch {
	case info.Lifecycle == LifecycleTerminated:
		return ErrTerminated
	case info.Lifecycle != LifecycleActivated:
		return ErrPINNotSet
	case info.PIN.Blocked:
		return &BlockedError{Secret: SecretPIN}
	}
	return nil
}

// VerifyPIN presents the PIN once.
func (c *Client) VerifyPIN(pin string) error {
	if err := CheckPIN(FieldPIN, pin); err != nil {
		return err
	}
	return c.transport.Transaction(func() error { return c.verify(pin) })
}

func (c *Client) verify(pin string) error {
	block, err := emulator.EncodeBlock(pin)
	if err != nil {
		return err
	}
	resp, err := c.exchange(iso7816.Command{INS: 0x20, P2: 0x80, Data: block})
	if err != nil {
		return err
	}
	return statusError("VERIFY", SecretPIN, resp.SW)
}

// Sign verifies the PIN and signs the SHA-256 digest of message with the
// SIGN key, all in one transaction, then checks the signature against the
// card's signing certificate. It returns the PKCS#1 v1.5 signature.
func (c *Client) Sign(pin string, message []byte) ([]byte, error) {
	if err := CheckPIN(FieldPIN, pin); err != nil {
		return nil, err
	}
	var sig []byte
	err := c.withInfo(func(info *Info) error {
		if err := CheckChangePIN(info); err != nil {
			return err
		}
		if err := c.verify(pin); err != nil {
			return err
		}
		var err error
		sig, err = c.signDigest(message)
		if err != nil {
			return err
		}
		return checkSignature(info.SigningCert, message, sig)
	})
	return sig, err
}

// sha256Prefix is the DER DigestInfo header of a SHA-256 digest.
var sha256Prefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

func (c *Client) signDigest(message []byte) ([]byte, error) {
	mse, err := c.exchange(iso7816.Command{INS: 0x22, P1: 0x41, P2: 0xB6,
		Data: []byte{0x84, 0x01, emulator.KeyRefSign, 0x80, 0x01, emulator.AlgorithmPKCS1}})
	if err != nil {
		return nil, err
	}
	if mse.SW != iso7816.SWSuccess {
		return nil, &CardError{Op: "MANAGE SECURITY ENVIRONMENT", SW: mse.SW}
	}

	h := crypto.SHA256.New()
	h.Write(message)
	digestInfo := append(append([]byte(nil), sha256Prefix...), h.Sum(nil)...)
	resp, err := c.read(iso7816.Command{INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: digestInfo, Ne: 256})
	if err != nil {
		return nil, err
	}
	if resp.SW != iso7816.SWSuccess {
		return nil, statusError("PERFORM SECURITY OPERATION", SecretPIN, resp.SW)
	}
	return resp.Data, nil
}

func checkSignature(cert *x509.Certificate, message, sig []byte) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: signing certificate has no RSA key", ErrBadSignature)
	}
	digest := crypto.SHA256.New()
	digest.Write(message)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest.Sum(nil), sig); err != nil {
		return ErrBadSignature
	}
	return nil
}

// ResetUserCode is the CA's user-code reset (用戶代碼重設): it
// authenticates with the card-management key and sets a new user code,
// which restores its retry counter.
func (c *Client) ResetUserCode(managementKey []byte, newUserCode string) error {
	if len(managementKey) != 16 {
		return ErrBadManagementKey
	}
	if err := CheckUserCode(newUserCode); err != nil {
		return err
	}
	return c.withInfo(func(info *Info) error {
		if info.Lifecycle == LifecycleTerminated {
			return ErrTerminated
		}
		if err := c.externalAuthenticate(managementKey, info.CardNumber); err != nil {
			return err
		}
		block, err := emulator.EncodeBlock(newUserCode)
		if err != nil {
			return err
		}
		resp, err := c.exchange(iso7816.Command{INS: 0x2C, P1: 0x02, P2: 0x81, Data: block})
		if err != nil {
			return err
		}
		return statusError("RESET RETRY COUNTER", SecretUserCode, resp.SW)
	})
}

func (c *Client) externalAuthenticate(key []byte, cardNumber string) error {
	challenge, err := c.read(iso7816.Command{INS: 0x84, Ne: emulator.ChallengeSize})
	if err != nil {
		return err
	}
	if challenge.SW != iso7816.SWSuccess || len(challenge.Data) != emulator.ChallengeSize {
		return &CardError{Op: "GET CHALLENGE", SW: challenge.SW}
	}
	cryptogram, err := emulator.ManagementCryptogram(key, challenge.Data, cardNumber)
	if err != nil {
		return err
	}
	resp, err := c.exchange(iso7816.Command{INS: 0x82, P2: emulator.ManagementKeyRef, Data: cryptogram})
	if err != nil {
		return err
	}
	switch resp.SW {
	case iso7816.SWSuccess:
		return nil
	case iso7816.SWAuthenticationFailed:
		return ErrAuthentication
	case iso7816.SWFunctionNotSupported:
		return ErrTerminated
	}
	return &CardError{Op: "EXTERNAL AUTHENTICATE", SW: resp.SW}
}

// withInfo reads the card's information and runs fn in the same
// transaction, so the checks and the operation see the same card.
func (c *Client) withInfo(fn func(*Info) error) error {
	return c.transport.Transaction(func() error {
		info, err := c.readInfo()
		if err != nil {
			return err
		}
		return fn(info)
	})
}

// blocks encodes two values as two 10-byte reference-data blocks.
func blocks(first, second string) ([]byte, error) {
	a, err := emulator.EncodeBlock(first)
	if err != nil {
		return nil, err
	}
	b, err := emulator.EncodeBlock(second)
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}
