package main

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gcacard/fixtures"
)

// The command writes a CA and keys that a profile in the written folder
// loads, and whose certificates chain to the new root.
func TestRunWritesLoadableFixtures(t *testing.T) {
	dir := t.TempDir()
	profile, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "cards", "valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cards", "valid.json"), profile)

	if err := run(dir); err != nil {
		t.Fatal(err)
	}

	// The profile as written uses the built-in test CA and the new keys.
	if _, err := fixtures.Load(filepath.Join(dir, "cards", "valid.json")); err != nil {
		t.Fatal(err)
	}

	// The same profile with the new CA issues certificates that chain to
	// the new root.
	var m map[string]any
	if err := json.Unmarshal(profile, &m); err != nil {
		t.Fatal(err)
	}
	m["ca"] = map[string]string{
		"root":       "../" + fixtures.RootCertFile,
		"issuing":    "../" + fixtures.IssuingCertFile,
		"issuingKey": "../" + fixtures.IssuingKeyFile,
	}
	withCA, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	withCAPath := filepath.Join(dir, "cards", "with-ca.json")
	writeFile(t, withCAPath, withCA)

	p, err := fixtures.Load(withCAPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Image(p.ResolveDates(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, img.Certificates.Root)
	if !strings.Contains(root.Subject.CommonName, "TEST ONLY") {
		t.Errorf("root CN %q is not marked TEST ONLY", root.Subject.CommonName)
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	intermediates.AddCert(parse(t, img.Certificates.Issuing))
	_, err = parse(t, img.Certificates.Signing).Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		t.Errorf("signing certificate does not chain to the new root: %v", err)
	}
}

func TestRunWithoutProfiles(t *testing.T) {
	err := run(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no card profiles") {
		t.Errorf("error = %v, want no card profiles", err)
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func parse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
