package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// serve listens, announces the api_url, logs every request (method, path,
// status) and serves until ctx ends; then it removes the files it wrote.
func serve(ctx context.Context, cfg *config, srv *emulator.Server, stderr io.Writer) error {
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	scheme := "http"
	if cfg.tls {
		host, _, _ := net.SplitHostPort(cfg.listen)
		var removeCert func()
		if ln, removeCert, err = listenTLS(ln, host, cfg.certFile, stderr); err != nil {
			return err
		}
		defer removeCert()
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String() + "/api/io"
	cleanup, err := writeAnnouncements(cfg, srv, base)
	defer cleanup()
	if err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopbackHost(host) {
		fmt.Fprintln(stderr, "warning: listening on a non-loopback address: whoever reaches it can obtain tokens")
	}
	fmt.Fprintf(stderr, "b2b-emulator: BigCommerce B2B Edition API emulator for store hash %s\napi_url: %s\n", srv.StoreHash(), base)
	logger := log.New(stderr, "", log.LstdFlags)
	srv.OnRequest(func(c emulator.Call) {
		logger.Printf("%s %q %d", c.Method, c.Path, c.Status)
		srv.ResetCalls() // nothing reads the record here; keep memory flat
	})
	return serveUntilDone(ctx, ln, srv, logger)
}

// listenTLS wraps ln in TLS with a fresh self-signed certificate for host,
// written to certFile (or a temporary file) and announced on stderr.
func listenTLS(ln net.Listener, host, certFile string, stderr io.Writer) (net.Listener, func(), error) {
	cert, pemBytes, err := selfSignedCert(host, time.Now())
	if err != nil {
		return nil, nil, err
	}
	path, remove, err := writeCert(certFile, pemBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("-cert-file: %w", err)
	}
	fmt.Fprintf(stderr, "certificate: %s (Go programs such as the provider trust it with SSL_CERT_FILE=%s)\n", path, path)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return tls.NewListener(ln, cfg), remove, nil
}

// writeAnnouncements writes -auth-token-file and -url-file, the URL last so
// that a script waiting for it finds everything else in place. cleanup
// removes whatever was written.
func writeAnnouncements(cfg *config, srv *emulator.Server, base string) (cleanup func(), err error) {
	var written []string
	cleanup = func() {
		for _, p := range written {
			os.Remove(p)
		}
	}
	if cfg.authTokenFile != "" {
		email := srv.Users()[0].Email
		if err := writeFileAtomic(cfg.authTokenFile, srv.AddToken("bootstrap", email).Token+"\n"); err != nil {
			return cleanup, fmt.Errorf("-auth-token-file: %w", err)
		}
		written = append(written, cfg.authTokenFile)
	}
	if cfg.urlFile != "" {
		if err := writeFileAtomic(cfg.urlFile, base+"\n"); err != nil {
			return cleanup, fmt.Errorf("-url-file: %w", err)
		}
		written = append(written, cfg.urlFile)
	}
	return cleanup, nil
}

// serveUntilDone serves on ln until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, logger *log.Logger) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: logger}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	logger.Print("stopped")
	return nil
}
