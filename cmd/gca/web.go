package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/text/language"

	"gcacard/web"
)

// signalContext returns a context that ends on SIGINT (Ctrl-C) or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// web serves the activation web page on --listen (127.0.0.1 only) until
// Ctrl-C or SIGTERM, and prints the address to open. The page's language
// is --lang when given, else each browser's Accept-Language. Logs go to
// stderr and never contain a secret.
func (c *cli) web() error {
	addr, err := web.ParseListen(c.opts.listen)
	switch {
	case errors.Is(err, web.ErrListenNotLoopback):
		return newTextError("invalid-listen", keyListenNotLoopback, c.opts.listen, web.DefaultAddress)
	case err != nil:
		return newTextError("invalid-listen", keyListenInvalid, c.opts.listen, web.DefaultAddress)
	}

	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return newTextError("listen-failed", keyListenFailed, addr, systemReason(err))
	}
	defer ln.Close()

	lang := language.Und
	if c.langSet {
		lang = c.p.Tag()
	}
	server, err := web.New(web.Config{
		Addr:    ln.Addr().String(),
		Service: c.sys.webService,
		Lang:    lang,
		Now:     c.sys.now,
		Timeout: c.opts.timeout,
		Logger:  slog.New(slog.NewTextHandler(c.stderr, nil)),
	})
	if err != nil {
		return err
	}

	ctx, stop := c.sys.webContext()
	defer stop()
	c.line(c.stdout, keyWebListening, server.URL())
	return server.Serve(ctx, ln)
}
