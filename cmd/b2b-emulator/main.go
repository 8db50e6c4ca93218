// Command b2b-emulator serves an in-memory emulator of BigCommerce B2B
// Edition's authentication API on a loopback address, for trying, testing
// and demonstrating terraform-provider-b2b without a store. Install it with
//
//	go install github.com/b2bedition/terraform-provider-b2b/cmd/b2b-emulator@latest
//
// and run b2b-emulator -h for its flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// system is what run needs of the process, so that tests can stand in.
type system struct {
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], system{stdout: os.Stdout, stderr: os.Stderr, getenv: os.LookupEnv})
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "b2b-emulator:", err)
		stop()
		os.Exit(2)
	}
}

// run parses the flags, builds the emulator and serves it until ctx ends.
func run(ctx context.Context, args []string, sys system) error {
	cfg, err := parseConfig(args, sys)
	if err != nil {
		return err
	}
	srv, err := newServer(cfg)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, srv, sys.stderr)
}
