package emulator

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Lifecycle is the card's lifecycle state, as GET DATA tag 0101 returns it.
type Lifecycle byte

// Lifecycle states (LC-01).
const (
	LifecycleIssued     Lifecycle = 0x01 // 未開卡
	LifecycleActivated  Lifecycle = 0x02 // 已開卡
	LifecycleTerminated Lifecycle = 0x0F // 卡片損毀
)

// String returns the state's English name.
func (l Lifecycle) String() string {
	switch l {
	case LifecycleIssued:
		return "issued"
	case LifecycleActivated:
		return "activated"
	case LifecycleTerminated:
		return "terminated"
	}
	return fmt.Sprintf("unknown(%02X)", byte(l))
}

// ParseLifecycle parses the names String returns.
func ParseLifecycle(s string) (Lifecycle, error) {
	for _, l := range []Lifecycle{LifecycleIssued, LifecycleActivated, LifecycleTerminated} {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("invalid lifecycle %q, want issued, activated or terminated", s)
}

// StateFormat is the version of the state file format (ST-04).
const StateFormat = 1

// State is a card's persistent state (ST-01). It never holds a PIN or user
// code in clear, only a salted digest (ST-02).
type State struct {
	Format     int       `json:"format"`
	CardNumber string    `json:"cardNumber"`
	Lifecycle  Lifecycle `json:"lifecycle"`
	Dates      Dates     `json:"dates"`
	// Salt keys the HMAC-SHA-256 digests of the PIN and the user code.
	Salt     []byte   `json:"salt"`
	PIN      RefState `json:"pin"`
	UserCode RefState `json:"userCode"`
}

// RefState is the stored form of one reference datum and its retry counter.
// An empty Digest means the value is not set.
type RefState struct {
	Digest    []byte `json:"digest,omitempty"`
	MaxTries  int    `json:"maxTries"`
	Remaining int    `json:"remaining"`
}

// IsSet reports whether the reference datum has a value.
func (r RefState) IsSet() bool { return len(r.Digest) > 0 }

// Blocked reports whether the retry counter has reached 0.
func (r RefState) Blocked() bool { return r.Remaining <= 0 }

// digest returns HMAC-SHA-256(salt, value).
func digest(salt, value []byte) []byte {
	mac := hmac.New(sha256.New, salt)
	mac.Write(value)
	return mac.Sum(nil)
}

// matches compares value with the stored digest in constant time (CNT-05).
func (r RefState) matches(salt, value []byte) bool {
	return hmac.Equal(r.Digest, digest(salt, value))
}

// stateFile is the on-disk form: the state and a checksum over its JSON.
type stateFile struct {
	State    json.RawMessage `json:"state"`
	Checksum string          `json:"sha256"`
}

// ErrCorruptState is wrapped by every error for a state file that exists but
// cannot be trusted.
var ErrCorruptState = errors.New("corrupt card state")

// encodeState returns the bytes of a state file.
func encodeState(s *State) ([]byte, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	sum := sha256.Sum256(body)
	return json.MarshalIndent(stateFile{State: body, Checksum: fmt.Sprintf("%x", sum)}, "", "  ")
}

// decodeState parses and checks a state file (ST-04).
func decodeState(b []byte) (*State, error) {
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptState, err)
	}
	if len(f.State) == 0 || f.Checksum == "" {
		return nil, fmt.Errorf("%w: state or checksum missing", ErrCorruptState)
	}

	var compact bytes.Buffer
	if err := json.Compact(&compact, f.State); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptState, err)
	}
	body := compact.Bytes()
	if sum := sha256.Sum256(body); fmt.Sprintf("%x", sum) != f.Checksum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorruptState)
	}

	var s State
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptState, err)
	}
	if err := checkRequiredFields(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptState, err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptState, err)
	}
	return &s, nil
}

func (s *State) validate() error {
	if s.Format != StateFormat {
		return fmt.Errorf("format %d, want %d", s.Format, StateFormat)
	}
	if !cardNumberPattern.MatchString(s.CardNumber) {
		return fmt.Errorf("invalid card number %q", s.CardNumber)
	}
	switch s.Lifecycle {
	case LifecycleIssued, LifecycleActivated, LifecycleTerminated:
	default:
		return fmt.Errorf("invalid lifecycle %d", s.Lifecycle)
	}
	if len(s.Salt) != 32 {
		return fmt.Errorf("salt is %d bytes, want 32", len(s.Salt))
	}
	if s.Dates.Issued.IsZero() || s.Dates.NotBefore.IsZero() || s.Dates.NotAfter.IsZero() {
		return errors.New("dates missing")
	}
	for name, r := range map[string]RefState{"pin": s.PIN, "userCode": s.UserCode} {
		if r.MaxTries < 1 || r.MaxTries > 15 || r.Remaining < 0 || r.Remaining > r.MaxTries {
			return fmt.Errorf("%s counter %d of %d is out of range", name, r.Remaining, r.MaxTries)
		}
		if r.IsSet() && len(r.Digest) != sha256.Size {
			return fmt.Errorf("%s digest is %d bytes, want %d", name, len(r.Digest), sha256.Size)
		}
	}
	if !s.UserCode.IsSet() {
		return errors.New("user code missing")
	}
	if s.Lifecycle == LifecycleActivated && !s.PIN.IsSet() {
		return errors.New("activated card without a PIN")
	}
	return nil
}

// requiredFields lists the fields a state file must have, by object: a
// missing counter must not load as 0 tries.
var requiredFields = map[string][]string{
	"":         {"format", "cardNumber", "lifecycle", "dates", "salt", "pin", "userCode"},
	"dates":    {"issued", "notBefore", "notAfter"},
	"pin":      {"maxTries", "remaining"},
	"userCode": {"maxTries", "remaining"},
}

func checkRequiredFields(body []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return err
	}
	for object, fields := range requiredFields {
		obj := top
		if object != "" {
			obj = nil // a fresh map: Unmarshal merges into an existing one
			if err := json.Unmarshal(top[object], &obj); err != nil {
				return fmt.Errorf("%s: %v", object, err)
			}
		}
		for _, f := range fields {
			if _, ok := obj[f]; !ok {
				return fmt.Errorf("field %s missing", strings.TrimPrefix(object+"."+f, "."))
			}
		}
	}
	return nil
}
