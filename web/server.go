package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/text/language"

	"gcacard/messages"
)

// DefaultAddress is the address `gca web` listens on without --listen.
const DefaultAddress = "127.0.0.1:8963"

// DefaultTimeout bounds one card operation, as gca's --timeout does.
const DefaultTimeout = 30 * time.Second

// shutdownTimeout bounds how long Serve waits for requests under way after
// its context ends.
const shutdownTimeout = 5 * time.Second

// Errors of ParseListen.
var (
	ErrListenInvalid     = errors.New("invalid listen address: want 127.0.0.1:PORT")
	ErrListenNotLoopback = errors.New("listen address is not 127.0.0.1: gca web serves this computer only")
)

// ParseListen checks a --listen value and returns it as 127.0.0.1:PORT.
// The host must be 127.0.0.1 or localhost, and PORT a number from 0 to
// 65535, where 0 picks a free port. Any other host, including an empty one
// (every interface) and ::1, returns ErrListenNotLoopback.
func ParseListen(value string) (string, error) {
	host, port, err := net.SplitHostPort(value)
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrListenInvalid, value)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%w: invalid port %q", ErrListenInvalid, port)
	}
	if host != "127.0.0.1" && host != "localhost" {
		return "", fmt.Errorf("%w: %q", ErrListenNotLoopback, value)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n)), nil
}

// Config configures a Server.
type Config struct {
	// Addr is the address the listener is bound to, such as
	// 127.0.0.1:8963: requests must name it, or localhost with its port,
	// as their Host.
	Addr string
	// Service reaches the readers; nil means PCSCService.
	Service Service
	// Lang fixes the page's language; language.Und takes it from each
	// request's Accept-Language header.
	Lang language.Tag
	// Now is the clock of the card checks and tokens; nil means time.Now.
	Now func() time.Time
	// Timeout bounds each card operation; 0 means DefaultTimeout.
	Timeout time.Duration
	// Logger receives starts, stops, rejected requests and the outcome of
	// each operation, never a secret; nil discards them.
	Logger *slog.Logger
}

// Server is the activation web page's HTTP handler.
type Server struct {
	service Service
	lang    language.Tag
	now     func() time.Time
	timeout time.Duration
	log     *slog.Logger

	baseURL string
	hosts   map[string]bool
	origins map[string]bool
	tokens  *tokenIssuer
	pages   *template.Template
	// busy holds one value while a card operation runs.
	busy chan struct{}
	mux  *http.ServeMux
}

// New returns a Server for cfg. cfg.Addr must be a 127.0.0.1 address.
func New(cfg Config) (*Server, error) {
	addr, err := ParseListen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	s := &Server{
		service: cfg.Service,
		lang:    cfg.Lang,
		now:     cfg.Now,
		timeout: cfg.Timeout,
		log:     cfg.Logger,
		baseURL: "http://" + addr + "/",
		hosts:   map[string]bool{addr: true, "localhost:" + port: true},
		origins: map[string]bool{"http://" + addr: true, "http://localhost:" + port: true},
		busy:    make(chan struct{}, 1),
	}

	if s.service == nil {
		s.service = PCSCService{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	s.tokens = newTokenIssuer(s.now)
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// URL returns the address to open in a browser, such as
// http://127.0.0.1:8963/.
func (s *Server) URL() string { return s.baseURL }

// Handler returns the handler of every request, with the security checks
// first.
func (s *Server) Handler() http.Handler { return s.guard(s.mux) }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, p := range pages {
		s.mux.Handle("GET "+p.path, s.pageHandler(p))
	}
	for _, name := range []string{"app.js", "app.css"} {
		s.mux.HandleFunc("GET /assets/"+name, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, embedded, "assets/"+name)
		})
	}

	apis := map[string]func(c *call) response{
		"readers": s.readers, "card": s.card, "activate": s.activate,
		"change-pin": s.changePIN, "reset-pin": s.resetPIN,
	}
	for name, fn := range apis {
		s.mux.Handle("POST /api/"+name, s.api(fn))
	}
	// Any other method gets a JSON error in the page's language.
	s.mux.HandleFunc("/api/{name}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := apis[r.PathValue("name")]; !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorJSON{Error: "method-not-allowed", Message: s.printer(r).Sprintf(keyMethodNotAllowed)})
	})
}

// printer returns the Printer in the language of r.
func (s *Server) printer(r *http.Request) *messages.Printer {
	return newPrinter(requestLanguage(r, s.lang))
}

// Serve serves HTTP on ln until ctx ends, then shuts down, waiting up to
// shutdownTimeout for requests under way. It returns nil after a clean
// shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Card operations are bounded by s.timeout; the write timeout
		// leaves room for them.
		WriteTimeout:   s.timeout + 30*time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("web server started", "url", s.baseURL)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		s.log.Error("web server stopped", "error", err)
		return err
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-served
	if err != nil {
		s.log.Error("web server shutdown failed", "error", err)
		return fmt.Errorf("shutting down the web server: %w", err)
	}
	s.log.Info("web server stopped")
	return nil
}
