package main

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnvironmentFillsFlagsNotGiven(t *testing.T) {
	sys, _, _ := testSystem(map[string]string{
		"B2B_EMULATOR_STORE_HASH":                "fromenv",
		"B2B_EMULATOR_LISTEN":                    "127.0.0.1:9999",
		"B2B_EMULATOR_TLS":                       "true",
		"B2B_EMULATOR_ACCESS_TOKEN_LISTS_TOKENS": "1",
		"B2B_EMULATOR_RATE_LIMIT":                "40",
		"B2B_EMULATOR_RATE_WINDOW":               "10s",
		"B2B_EMULATOR_USER":                      "a@example.com:pw:administrator\n\n b@example.com:pw2:store_owner \n",
		"B2B_EMULATOR_FAULT":                     "POST /auth/backend=status:500",
		"B2B_EMULATOR_LATENCY":                   "", // empty: unset
	})
	cfg, err := parseConfig([]string{"-listen", "127.0.0.1:0", "-fault", "GET /backend/tokens=null-data"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.storeHash != "fromenv" || !cfg.tls || !cfg.accessTokenListsTokens || cfg.rateLimit != 40 || cfg.rateWindow != 10*time.Second {
		t.Fatalf("env not applied: %+v", cfg)
	}
	// The flag wins, for single and repeatable flags alike.
	if cfg.listen != "127.0.0.1:0" || !slices.Equal(cfg.faults, multiFlag{"GET /backend/tokens=null-data"}) {
		t.Fatalf("flags lost to env: %+v", cfg)
	}
	if !slices.Equal(cfg.users, multiFlag{"a@example.com:pw:administrator", "b@example.com:pw2:store_owner"}) {
		t.Fatalf("users %q", cfg.users)
	}
	if cfg.latency != 0 || cfg.legacyUser {
		t.Fatalf("%+v", cfg)
	}
}

func TestEnvironmentErrorsNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"B2B_EMULATOR_ALLOW_NON_LOOPBACK": "maybe",
		"B2B_EMULATOR_SEED_TOKENS":        "many",
		"B2B_EMULATOR_LATENCY":            "slow",
	} {
		sys, _, _ := testSystem(map[string]string{name: value})
		if _, err := parseConfig(nil, sys); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, value, err)
		}
	}
}

func TestLegacyUserFlagsFromEnvironment(t *testing.T) {
	sys, _, _ := testSystem(map[string]string{"B2B_EMULATOR_USER_PASSWORD": "envpw"})
	cfg, err := parseConfig(nil, sys)
	if err != nil {
		t.Fatal(err)
	}
	users, err := collectUsers(cfg, nil)
	if err != nil || len(users) != 1 || users[0].Email != "admin@example.com" || users[0].Password != "envpw" {
		t.Fatalf("%+v %v", users, err)
	}
}

func TestHelp(t *testing.T) {
	sys, out, errOut := testSystem(nil)
	if err := run(t.Context(), []string{"-h"}, sys); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err %v", err)
	}
	help := out.String()
	if errOut.String() != "" || !strings.Contains(help, "emulator of BigCommerce B2B Edition") || !strings.Contains(help, "SSL_CERT_FILE") {
		t.Fatalf("help:\n%s\nstderr:\n%s", help, errOut)
	}
	fs := newFlagSet(&config{})
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(help, "\n  -"+f.Name+" ") && !strings.Contains(help, "\n  -"+f.Name+"\n") {
			t.Errorf("help lacks -%s", f.Name)
		}
		if !strings.Contains(help, "env "+envName(f.Name)+"\n") && !strings.Contains(help, "env "+envName(f.Name)+",") {
			t.Errorf("help lacks %s", envName(f.Name))
		}
	})
	for _, kind := range []string{"status", "connection-reset", "slow", "html-page", "malformed-json", "body-code",
		"redirect", "no-pagination", "null-data", "not-a-list", "total-count", "empty-listing"} {
		if !strings.Contains(help, "\n  "+kind) {
			t.Errorf("help lacks fault kind %s", kind)
		}
	}
	for line := range strings.Lines(help) {
		if len(line) > 101 {
			t.Errorf("long help line: %q", line)
		}
	}
}

func TestEnvName(t *testing.T) {
	if got := envName("access-token-lists-tokens"); got != "B2B_EMULATOR_ACCESS_TOKEN_LISTS_TOKENS" {
		t.Fatal(got)
	}
}
