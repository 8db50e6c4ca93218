package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// config is the parsed command line and environment.
type config struct {
	listen                 string
	allowNonLoopback       bool
	storeHash              string
	users                  multiFlag
	userEmail              string
	userPassword           string
	legacyUser             bool // -user-email or -user-password was given
	accessToken            string
	accessTokenListsTokens bool
	unauthorizedAsDetail   bool
	seedFile               string
	seedTokens             int
	listOrder              string
	tokenValues            string
	latency                time.Duration
	listLag                int
	listLagFor             time.Duration
	replicaBehind          time.Duration
	names                  string
	rateLimit              int
	rateWindow             time.Duration
	faults                 multiFlag
	urlFile                string
	authTokenFile          string
	tls                    bool
	certFile               string
}

// multiFlag is a repeatable string flag. Set never fails, so a rejected
// value (a password) is never echoed by the flag package.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const envPrefix = "B2B_EMULATOR_"

// envName is the variable of a flag: -rate-window is B2B_EMULATOR_RATE_WINDOW.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig reads the flags, then the environment for every flag not
// given. -h prints the help to stdout and returns flag.ErrHelp.
func parseConfig(args []string, sys system) (*config, error) {
	cfg := &config{}
	fs := newFlagSet(cfg)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(sys.stdout, fs)
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w (run b2b-emulator -h for help)", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (run b2b-emulator -h for help)", fs.Arg(0))
	}
	if err := applyEnv(fs, sys.getenv); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) {
		cfg.legacyUser = cfg.legacyUser || f.Name == "user-email" || f.Name == "user-password"
	})
	return cfg, nil
}

func newFlagSet(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("b2b-emulator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, d := range flagDocs {
		d.define(fs, cfg)
	}
	return fs
}

// applyEnv sets each flag not given on the command line from its variable;
// an empty variable counts as unset. A repeatable flag takes one value per line.
func applyEnv(fs *flag.FlagSet, getenv func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := getenv(envName(f.Name))
		if err != nil || given[f.Name] || !ok || v == "" {
			return
		}
		values := []string{v}
		if _, multi := f.Value.(*multiFlag); multi {
			values = nonEmptyLines(v)
		}
		for _, x := range values {
			if e := fs.Set(f.Name, x); e != nil {
				err = fmt.Errorf("%s: %w", envName(f.Name), e)
				return
			}
		}
	})
	return err
}

func nonEmptyLines(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
