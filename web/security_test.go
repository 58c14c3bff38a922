package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Every request whose Host is not the served address is rejected: DNS
// rebinding gives an attacker's name the address 127.0.0.1.
func TestHostRejected(t *testing.T) {
	h := newHarness(t, "valid")
	token := h.token()
	hosts := []string{
		"evil.example:8963",
		"evil.example",
		"127.0.0.1.nip.io:8963",
		"127.0.0.1:8964",
		"127.0.0.1",
		"localhost",
		"localhost:80",
		"[::1]:8963",
		"0.0.0.0:8963",
		"",
	}
	for _, host := range hosts {
		t.Run("page "+host, func(t *testing.T) {
			r := pageRequest("/")
			r.Host = host
			w := h.serve(r)
			if w.Code != http.StatusForbidden {
				t.Errorf("GET / with Host %q returned %d, want 403", host, w.Code)
			}
			if strings.Contains(w.Body.String(), "csrf-token") {
				t.Errorf("GET / with Host %q returned a page with a token", host)
			}
		})
		t.Run("api "+host, func(t *testing.T) {
			r := apiRequest("/api/readers", token, request{})
			r.Host = host
			w := h.serve(r)
			if w.Code != http.StatusForbidden {
				t.Errorf("POST /api/readers with Host %q returned %d, want 403", host, w.Code)
			}
			wantField(t, decodeBody(t, w), "error", "forbidden")
		})
	}
	if !strings.Contains(h.log.String(), "reason=host") {
		t.Errorf("the log does not record the rejected hosts:\n%s", h.log)
	}
}

// The served address and localhost with the same port are both accepted,
// in any letter case.
func TestHostAccepted(t *testing.T) {
	h := newHarness(t, "valid")
	for _, host := range []string{"127.0.0.1:8963", "localhost:8963", "LocalHost:8963"} {
		r := pageRequest("/")
		r.Host = host
		if w := h.serve(r); w.Code != http.StatusOK {
			t.Errorf("GET / with Host %q returned %d, want 200", host, w.Code)
		}
	}
}

// POST requests must come from the page's own origin.
func TestOriginRejected(t *testing.T) {
	h := newHarness(t, "valid")
	token := h.token()
	origins := []string{
		"http://evil.example",
		"http://127.0.0.1:8964",
		"https://127.0.0.1:8963",
		"http://127.0.0.1",
		"null",
		"",
	}
	for _, origin := range origins {
		r := apiRequest("/api/readers", token, request{})
		r.Header.Set("Origin", origin)
		if w := h.serve(r); w.Code != http.StatusForbidden {
			t.Errorf("POST with Origin %q returned %d, want 403", origin, w.Code)
		}
	}

	t.Run("missing", func(t *testing.T) {
		r := apiRequest("/api/readers", token, request{})
		r.Header.Del("Origin")
		if w := h.serve(r); w.Code != http.StatusForbidden {
			t.Errorf("POST without Origin returned %d, want 403", w.Code)
		}
	})
	t.Run("two values", func(t *testing.T) {
		r := apiRequest("/api/readers", token, request{})
		r.Header.Add("Origin", "http://evil.example")
		if w := h.serve(r); w.Code != http.StatusForbidden {
			t.Errorf("POST with two Origin headers returned %d, want 403", w.Code)
		}
	})
	t.Run("page", func(t *testing.T) {
		r := pageRequest("/")
		r.Header.Set("Origin", "http://evil.example")
		if w := h.serve(r); w.Code != http.StatusForbidden {
			t.Errorf("GET / with a foreign Origin returned %d, want 403", w.Code)
		}
	})
	t.Run("localhost", func(t *testing.T) {
		r := apiRequest("/api/readers", token, request{})
		r.Host = "localhost:8963"
		r.Header.Set("Origin", "http://localhost:8963")
		if w := h.serve(r); w.Code != http.StatusOK {
			t.Errorf("POST from http://localhost:8963 returned %d, want 200", w.Code)
		}
	})
}

// Sec-Fetch-Site must be same-origin for the API. A page may also be
// opened from the address bar (none).
func TestSecFetchSite(t *testing.T) {
	h := newHarness(t, "valid")
	token := h.token()
	cases := []struct {
		method, site string
		want         int
	}{
		{http.MethodPost, "cross-site", http.StatusForbidden},
		{http.MethodPost, "same-site", http.StatusForbidden},
		{http.MethodPost, "none", http.StatusForbidden},
		{http.MethodPost, "same-origin", http.StatusOK},
		{http.MethodPost, "", http.StatusOK},
		{http.MethodGet, "cross-site", http.StatusForbidden},
		{http.MethodGet, "same-site", http.StatusForbidden},
		{http.MethodGet, "none", http.StatusOK},
		{http.MethodGet, "same-origin", http.StatusOK},
		{http.MethodGet, "", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.site, func(t *testing.T) {
			r := pageRequest("/")
			if c.method == http.MethodPost {
				r = apiRequest("/api/readers", token, request{})
			}
			r.Header.Del("Sec-Fetch-Site")
			if c.site != "" {
				r.Header.Set("Sec-Fetch-Site", c.site)
			}
			if w := h.serve(r); w.Code != c.want {
				t.Errorf("%s with Sec-Fetch-Site %q returned %d, want %d", c.method, c.site, w.Code, c.want)
			}
		})
	}
}

// Every API call needs the token of a page that this server rendered,
// not yet expired.
func TestTokenRejected(t *testing.T) {
	h := newHarness(t, "valid")
	good := h.token()
	other := newHarness(t, "valid").token()
	old := (&tokenIssuer{key: h.server.tokens.key, now: func() time.Time { return time.Now().Add(-tokenLifetime - time.Minute) }}).issue()
	future := (&tokenIssuer{key: h.server.tokens.key, now: func() time.Time { return time.Now().Add(time.Hour) }}).issue()
	tampered := []byte(good)
	tampered[len(tampered)-2] ^= 1

	cases := map[string]string{
		"missing":      "",
		"garbage":      "not-a-token",
		"other server": other,
		"expired":      old,
		"future":       future,
		"truncated":    good[:len(good)-4],
		"tampered":     string(tampered),
		"extra":        good + "AA",
	}
	for name, token := range cases {
		t.Run(name, func(t *testing.T) {
			w := h.serve(apiRequest("/api/readers", token, request{}))
			if w.Code != http.StatusForbidden {
				t.Fatalf("token %q returned %d, want 403", token, w.Code)
			}
			body := decodeBody(t, w)
			wantField(t, body, "error", "forbidden")
			wantContains(t, body, "message", "請重新載入網頁")
		})
	}

	t.Run("valid", func(t *testing.T) {
		if w := h.serve(apiRequest("/api/readers", good, request{})); w.Code != http.StatusOK {
			t.Errorf("a valid token returned %d, want 200:\n%s", w.Code, w.Body)
		}
	})
	t.Run("every page", func(t *testing.T) {
		for _, p := range pages {
			w := h.serve(pageRequest(p.href()))
			m := tokenPattern.FindStringSubmatch(w.Body.String())
			if m == nil || !h.server.tokens.valid(m[1]) {
				t.Errorf("page %s has no valid token", p.href())
			}
			if m != nil && m[1] == good {
				t.Errorf("page %s repeats the token of another page", p.href())
			}
		}
	})
}

// No response carries a CORS header, and a preflight gets 405.
func TestNoCORS(t *testing.T) {
	h := newHarness(t, "valid")
	preflight := httptest.NewRequest(http.MethodOptions, "/api/activate", nil)
	preflight.Host = testAddr
	preflight.Header.Set("Origin", testOrigin)
	preflight.Header.Set("Access-Control-Request-Method", "POST")
	preflight.Header.Set("Access-Control-Request-Headers", "content-type, x-csrf-token")

	responses := []*httptest.ResponseRecorder{
		h.serve(preflight),
		h.serve(pageRequest("/")),
		h.serve(apiRequest("/api/readers", h.token(), request{})),
	}
	if responses[0].Code != http.StatusMethodNotAllowed {
		t.Errorf("OPTIONS returned %d, want 405", responses[0].Code)
	}
	for _, w := range responses {
		for name := range w.Header() {
			if strings.HasPrefix(strings.ToLower(name), "access-control-") {
				t.Errorf("response has the CORS header %s", name)
			}
		}
	}
}

// Every response, also a rejection or a 404, forbids caching, framing and
// any script or style that the server did not serve as a file.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, "valid")
	evil := pageRequest("/")
	evil.Host = "evil.example:8963"
	responses := map[string]*httptest.ResponseRecorder{
		"page":      h.serve(pageRequest("/")),
		"script":    h.serve(pageRequest("/assets/app.js")),
		"api":       h.serve(apiRequest("/api/readers", h.token(), request{})),
		"not found": h.serve(pageRequest("/missing")),
		"rejected":  h.serve(evil),
	}
	want := map[string]string{
		"Cache-Control":           "no-store",
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
	for name, w := range responses {
		for header, value := range want {
			if got := w.Header().Get(header); got != value {
				t.Errorf("%s: %s = %q, want %q", name, header, got, value)
			}
		}
	}
	for _, directive := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(contentSecurityPolicy, directive) {
			t.Errorf("Content-Security-Policy lacks %s", directive)
		}
	}
	if strings.Contains(contentSecurityPolicy, "unsafe-inline") {
		t.Errorf("Content-Security-Policy allows inline code: %s", contentSecurityPolicy)
	}
}

// API bodies must be one small JSON object with known fields.
func TestBadRequest(t *testing.T) {
	h := newHarness(t, "valid")
	token := h.token()
	cases := map[string]func(r *http.Request){
		"form content type": func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") },
		"no content type":   func(r *http.Request) { r.Header.Del("Content-Type") },
		"unknown field": func(r *http.Request) {
			r.Body = bodyOf(`{"reader":"Reader 0","extra":"x"}`)
		},
		"not an object":  func(r *http.Request) { r.Body = bodyOf(`["Reader 0"]`) },
		"number":         func(r *http.Request) { r.Body = bodyOf(`{"reader":5}`) },
		"trailing data":  func(r *http.Request) { r.Body = bodyOf(`{"reader":"Reader 0"} {}`) },
		"empty":          func(r *http.Request) { r.Body = bodyOf(``) },
		"too large":      func(r *http.Request) { r.Body = bodyOf(`{"reader":"` + strings.Repeat("a", maxBodySize) + `"}`) },
		"broken json":    func(r *http.Request) { r.Body = bodyOf(`{"reader":`) },
		"secret in body": func(r *http.Request) { r.Body = bodyOf(`{"userCode":"` + wrongUserCode + `","bogus":1}`) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			r := apiRequest("/api/card", token, request{})
			change(r)
			w := h.serve(r)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("returned %d, want 400:\n%s", w.Code, w.Body)
			}
			wantField(t, decodeBody(t, w), "error", "bad-request")
		})
	}
	if h.service.transmits.Load() != 0 {
		t.Errorf("%d APDUs sent for bad requests, want none", h.service.transmits.Load())
	}
}

func bodyOf(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// API endpoints take POST only, so no secret ends up in a URL.
func TestAPIRejectsGET(t *testing.T) {
	h := newHarness(t, "valid")
	for _, path := range []string{"/api/readers", "/api/card", "/api/activate", "/api/change-pin", "/api/reset-pin"} {
		r := pageRequest(path + "?userCode=" + wrongUserCode)
		if w := h.serve(r); w.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET %s returned %d, want 405", path, w.Code)
		}
	}
}

func TestParseListen(t *testing.T) {
	valid := map[string]string{
		"127.0.0.1:8963": "127.0.0.1:8963",
		"localhost:8963": "127.0.0.1:8963",
		"127.0.0.1:0":    "127.0.0.1:0",
	}
	for in, want := range valid {
		got, err := ParseListen(in)
		if err != nil || got != want {
			t.Errorf("ParseListen(%q) = %q, %v, want %q", in, got, err, want)
		}
	}

	notLoopback := []string{"0.0.0.0:8963", ":8963", "192.168.1.2:8963", "[::1]:8963", "[::]:8963", "example.com:8963", "127.0.0.2:8963"}
	for _, in := range notLoopback {
		if _, err := ParseListen(in); !errors.Is(err, ErrListenNotLoopback) {
			t.Errorf("ParseListen(%q) error = %v, want ErrListenNotLoopback", in, err)
		}
	}
	invalid := []string{"8963", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1:-1", ""}
	for _, in := range invalid {
		if _, err := ParseListen(in); !errors.Is(err, ErrListenInvalid) {
			t.Errorf("ParseListen(%q) error = %v, want ErrListenInvalid", in, err)
		}
	}
}
