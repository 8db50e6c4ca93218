// Command b2b-emulator serves the B2B Edition authentication API emulator
// on a loopback address, for demos and manual use.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "b2b-emulator:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, logOut io.Writer) error {
	fs := flag.NewFlagSet("b2b-emulator", flag.ContinueOnError)
	fs.SetOutput(logOut)
	listen := fs.String("listen", "127.0.0.1:8799", "loopback address to listen on")
	storeHash := fs.String("store-hash", "abc123", "store hash")
	email := fs.String("user-email", "admin@example.com", "email of the administrator that may create tokens")
	password := fs.String("user-password", "demo-password", "password of that administrator")
	accessToken := fs.String("access-token", "", "store-level API token accepted in X-Auth-Token (optional)")
	seed := fs.Int("seed-tokens", 0, "S2S tokens to create at start")
	latency := fs.Duration("latency", 0, "delay before every reply")
	listLag := fs.Int("list-lag", 0, "listings a new token stays hidden from (-1: forever)")
	urlFile := fs.String("url-file", "", "write the base URL to this file once listening")
	tokenFile := fs.String("auth-token-file", "", "create a token named \"bootstrap\" and write its value to this file, for B2B_AUTH_TOKEN")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}

	opts := emulator.Options{
		StoreHash: *storeHash,
		Users:     []emulator.User{{Email: *email, Password: *password, Role: "administrator"}},
	}
	if *accessToken != "" {
		opts.AccessTokens = []string{*accessToken}
	}
	srv := emulator.New(opts)
	srv.SetLatency(*latency)
	srv.SetListLag(*listLag)
	srv.SeedTokens(*seed, "seed-token-", *email)
	if *tokenFile != "" {
		if err := writeFileAtomic(*tokenFile, srv.AddToken("bootstrap", *email).Token+"\n"); err != nil {
			return err
		}
		defer os.Remove(*tokenFile)
	}
	logger := log.New(logOut, "", log.LstdFlags)
	srv.OnRequest(func(c emulator.Call) {
		logger.Printf("%s %q %d", c.Method, c.Path, c.Status)
		srv.ResetCalls() // nothing reads the record here; keep memory flat
	})

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + "/api/io"
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	if *urlFile != "" {
		if err := writeFileAtomic(*urlFile, base+"\n"); err != nil {
			hs.Close()
			return err
		}
		defer os.Remove(*urlFile)
	}
	logger.Printf("serving %s (store hash %s)", base, *storeHash)

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

// checkLoopback refuses anything but 127.0.0.0/8, ::1 and localhost: the
// emulator accepts any password it was given and must not be reachable.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-listen %q: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed", addr)
}

// writeFileAtomic renames a finished file into place so that a script
// waiting for it never reads half a URL.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".b2b-emulator-url-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
