package web

import (
	"encoding/json"
	"net/http"
	"strings"
)

// contentSecurityPolicy allows only the page's own script, style sheet and
// API: no inline script or style, no frames, no form posts elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// tokenHeader is the request header that carries the page's anti-CSRF
// token. A cross-origin page cannot set it without a CORS preflight, which
// the server never allows.
const tokenHeader = "X-CSRF-Token"

// setSecurityHeaders sets the headers of every response. No response
// carries a CORS header, so browsers keep other origins from reading it.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// guard wraps next with the checks that every request passes: the Host
// header, the Origin header and Sec-Fetch-Site. POST requests must also
// carry an Origin header.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if reason := s.rejectReason(r); reason != "" {
			s.reject(w, r, reason)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rejectReason returns why r must be rejected, or "" to serve it.
func (s *Server) rejectReason(r *http.Request) string {
	// A Host other than the served address is a page of another name
	// that resolves to 127.0.0.1 (DNS rebinding).
	if !s.hosts[strings.ToLower(r.Host)] {
		return "host"
	}

	// Browsers send Sec-Fetch-Site: same-origin for the page's own
	// requests and none for a URL the user typed or bookmarked. same-site
	// is rejected too: for 127.0.0.1 it covers every other local port.
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		if site != "none" || r.Method == http.MethodPost {
			return "sec-fetch-site"
		}
	}

	origin, hasOrigin := r.Header["Origin"]
	if hasOrigin && (len(origin) != 1 || !s.origins[strings.ToLower(origin[0])]) {
		return "origin"
	}
	if r.Method == http.MethodPost && !hasOrigin {
		return "origin-missing"
	}
	return ""
}

// reject responds to a rejected request with 403 Forbidden and logs it,
// without its body.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, reason string) {
	s.log.Warn("request rejected", "reason", reason, "method", r.Method, "path", r.URL.Path,
		"host", r.Host, "origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"),
		"remote", r.RemoteAddr)
	p := s.printer(r)
	text := p.Sprintf(keyForbidden, s.baseURL)
	if reason == "token" {
		text = p.Sprintf(keyTokenInvalid)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, http.StatusForbidden, errorJSON{Error: "forbidden", Message: text})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte(text + "\n"))
}

// writeJSON writes v as the JSON body of a response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}
