package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// tokenLifetime is how long a page's anti-CSRF token stays valid. A page
// left open longer must be reloaded.
const tokenLifetime = 12 * time.Hour

// Sizes of the parts of a token: issue time, random nonce and HMAC-SHA256.
const (
	tokenTimeSize  = 8
	tokenNonceSize = 16
	tokenMACSize   = sha256.Size
	tokenSize      = tokenTimeSize + tokenNonceSize + tokenMACSize
)

// tokenIssuer makes and checks the anti-CSRF tokens that each rendered page
// carries. A token is the issue time and a random nonce, signed with a key
// that lives only in this process. So a token from an earlier run or from
// another server is rejected, and no list of tokens needs to be kept.
type tokenIssuer struct {
	key []byte
	now func() time.Time
}

// newTokenIssuer returns an issuer with a new random 32-byte key.
func newTokenIssuer(now func() time.Time) *tokenIssuer {
	key := make([]byte, 32)
	rand.Read(key) // crypto/rand.Read never fails since Go 1.24.
	return &tokenIssuer{key: key, now: now}
}

// issue returns a new token in URL-safe base64 without padding.
func (ti *tokenIssuer) issue() string {
	raw := make([]byte, tokenTimeSize+tokenNonceSize, tokenSize)
	binary.BigEndian.PutUint64(raw, uint64(ti.now().Unix()))
	rand.Read(raw[tokenTimeSize:])
	raw = append(raw, ti.mac(raw)...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// valid reports whether token was issued by this issuer within
// tokenLifetime. The MAC is compared in constant time (hmac.Equal).
func (ti *tokenIssuer) valid(token string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != tokenSize {
		return false
	}
	signed, mac := raw[:tokenTimeSize+tokenNonceSize], raw[tokenTimeSize+tokenNonceSize:]
	if !hmac.Equal(mac, ti.mac(signed)) {
		return false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(signed)), 0)
	age := ti.now().Sub(issued)
	return age >= -time.Minute && age <= tokenLifetime
}

func (ti *tokenIssuer) mac(data []byte) []byte {
	h := hmac.New(sha256.New, ti.key)
	h.Write(data)
	return h.Sum(nil)
}
