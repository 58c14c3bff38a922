package harness

import (
	"fmt"
	"os"
	"strconv"
)

// Targets.
const (
	TargetVirtual  = "virtual"
	TargetPhysical = "physical"
)

// Environment variables that configure a run.
const (
	EnvReader           = "GCA_READER"            // physical target: the reader's name
	EnvSecretsFile      = "GCA_SECRETS_FILE"      // physical target: file with the card's secrets
	EnvAllowDestructive = "GCA_ALLOW_DESTRUCTIVE" // the card number on which destructive specs may run
	EnvReportDir        = "GCA_REPORT_DIR"        // report folder, reports/ by default
	EnvSlots            = "GCA_VPCD_SLOTS"        // number of vpcd slots, 1 or 2 (the default)
	EnvDefect           = "GCA_VIRTUAL_DEFECT"    // a deliberate emulator defect, for the harness's own tests
)

// Config is one run's configuration.
type Config struct {
	Target           string
	Reader           string
	SecretsFile      string
	AllowDestructive string
	ReportDir        string
	Slots            int
	Defect           string
}

// ConfigFromEnv reads the configuration from the environment: the target
// is physical when GCA_READER is set, virtual otherwise.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Target:           TargetVirtual,
		Reader:           os.Getenv(EnvReader),
		SecretsFile:      os.Getenv(EnvSecretsFile),
		AllowDestructive: os.Getenv(EnvAllowDestructive),
		ReportDir:        os.Getenv(EnvReportDir),
		Slots:            2,
		Defect:           os.Getenv(EnvDefect),
	}
	if cfg.Reader != "" {
		cfg.Target = TargetPhysical
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = "reports"
	}
	if s := os.Getenv(EnvSlots); s != "" {
		n, err := strconv.Atoi(s)
		// Debian's vpcd driver serves two slots per pcscd (see internal/pcscdns).
		if err != nil || n < 1 || n > 2 {
			return Config{}, fmt.Errorf("invalid %s=%q: want 1 or 2, the vpcd readers of one pcscd", EnvSlots, s)
		}
		cfg.Slots = n
	}
	if cfg.Defect != "" && cfg.Target != TargetVirtual {
		return Config{}, fmt.Errorf("%s applies to the virtual target only: unset %s", EnvDefect, EnvReader)
	}
	return cfg, nil
}

// DestructiveAllowed reports whether specs that can lock, block or change
// the physical card with cardNumber may run. On the virtual target they
// always may: each spec has its own fresh card.
func (c Config) DestructiveAllowed(cardNumber string) bool {
	if c.Target == TargetVirtual {
		return true
	}
	return c.AllowDestructive != "" && c.AllowDestructive == cardNumber
}
