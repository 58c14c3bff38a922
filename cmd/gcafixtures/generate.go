package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"time"

	"gcacard/fixtures"
)

// outputFile is a file to write, with a path relative to the fixtures
// folder.
type outputFile struct {
	path string
	data []byte
}

// The test CAs are valid for the whole life of the project.
var (
	caNotBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	caNotAfter  = time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC)
)

const (
	rootSubject    = "C=TW,O=gcacard TEST ONLY 測試用,CN=gcacard Test Root CA - TEST ONLY 測試用"
	issuingSubject = "C=TW,O=gcacard TEST ONLY 測試用,CN=gcacard Test Issuing CA - TEST ONLY 測試用"
	rsaBits        = 2048
)

// generateCA makes a self-signed root CA and an issuing CA signed by it.
func generateCA(random io.Reader) ([]outputFile, error) {
	rootKey, err := rsa.GenerateKey(random, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("generating root CA key: %w", err)
	}
	issuingKey, err := rsa.GenerateKey(random, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("generating issuing CA key: %w", err)
	}

	rootTemplate, err := caTemplate(random, rootSubject, 1)
	if err != nil {
		return nil, err
	}
	rootDER, err := x509.CreateCertificate(random, rootTemplate, rootTemplate, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("creating root CA certificate: %w", err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, fmt.Errorf("parsing root CA certificate: %w", err)
	}

	issuingTemplate, err := caTemplate(random, issuingSubject, 0)
	if err != nil {
		return nil, err
	}
	issuingDER, err := x509.CreateCertificate(random, issuingTemplate, root, &issuingKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("creating issuing CA certificate: %w", err)
	}

	rootKeyPEM, err := privateKeyPEM(rootKey)
	if err != nil {
		return nil, err
	}
	issuingKeyPEM, err := privateKeyPEM(issuingKey)
	if err != nil {
		return nil, err
	}
	return []outputFile{
		{fixtures.RootCertFile, certificatePEM(rootDER)},
		{fixtures.RootKeyFile, rootKeyPEM},
		{fixtures.IssuingCertFile, certificatePEM(issuingDER)},
		{fixtures.IssuingKeyFile, issuingKeyPEM},
	}, nil
}

// caTemplate returns a CA certificate template. maxPathLen is the number
// of CA certificates that may follow this one in a chain.
func caTemplate(random io.Reader, subject string, maxPathLen int) (*x509.Certificate, error) {
	rdns, err := fixtures.ParseDN(subject)
	if err != nil {
		return nil, fmt.Errorf("CA subject %q: %w", subject, err)
	}
	rawSubject, err := asn1.Marshal(rdns)
	if err != nil {
		return nil, fmt.Errorf("encoding CA subject: %w", err)
	}
	serial, err := randomSerial(random)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            rawSubject,
		NotBefore:             caNotBefore,
		NotAfter:              caNotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            maxPathLen,
		MaxPathLenZero:        maxPathLen == 0,
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}, nil
}

// randomSerial returns a positive random serial number of 16 bytes.
func randomSerial(random io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(random, b); err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	b[0] = b[0]&0x7F | 0x40
	return new(big.Int).SetBytes(b), nil
}

// generateCardKeys makes the SIGN and KEYX keys and the card-management
// key of one card, at the paths fixtures.BuiltinKeyFiles gives.
func generateCardKeys(random io.Reader, name string) ([]outputFile, error) {
	paths := fixtures.BuiltinKeyFiles(name)
	var files []outputFile
	for _, path := range []string{paths.Sign, paths.KeyX} {
		key, err := rsa.GenerateKey(random, rsaBits)
		if err != nil {
			return nil, fmt.Errorf("generating %s: %w", path, err)
		}
		data, err := privateKeyPEM(key)
		if err != nil {
			return nil, err
		}
		files = append(files, outputFile{path, data})
	}

	management := make([]byte, 16)
	if _, err := io.ReadFull(random, management); err != nil {
		return nil, fmt.Errorf("generating card-management key: %w", err)
	}
	files = append(files, outputFile{paths.Management, []byte(hex.EncodeToString(management) + "\n")})
	return files, nil
}

func privateKeyPEM(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding PKCS#8 key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func certificatePEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
