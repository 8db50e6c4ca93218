package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSeedFile(t *testing.T) {
	path := writeTemp(t, `{
		"users": [{"email": "ci@example.com", "password": "ci-pw", "role": "administrator"},
		          {"email": "dev@example.com", "password": "dev-pw", "role": "developer"}],
		"tokens": [{"name": "legacy", "email": "ci@example.com"},
		           {"id": 100, "name": "old-ci", "email": "ci@example.com"},
		           {"name": "after", "email": "dev@example.com"}]
	}`)
	sys, _, _ := testSystem(nil)
	cfg, err := parseConfig([]string{"-seed-file", path, "-seed-tokens", "2"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range srv.Tokens() {
		got = append(got, tok.Name+"#"+itoa(tok.ID)+"/"+tok.Email)
	}
	want := "legacy#1/ci@example.com,old-ci#100/ci@example.com,after#101/dev@example.com," +
		"seed-token-1#102/ci@example.com,seed-token-2#103/ci@example.com"
	if strings.Join(got, ",") != want {
		t.Fatalf("tokens %v", got)
	}
	users := srv.Users()
	if len(users) != 2 || users[1].Role != "developer" {
		t.Fatalf("users %+v: the seed file's users replace the default", users)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSeedFileErrors(t *testing.T) {
	cases := map[string]string{
		`{"users": [{"email": "a@x.io", "password": "p", "role": "administrator", "admin": true}]}`:          `unknown field "admin"`,
		`{"tokens": [{"id": 2, "name": "a", "email": "a@x.io"}, {"id": 2, "name": "b", "email": "a@x.io"}]}`: "already taken",
		`{"tokens": [{"id": -5, "name": "a", "email": "a@x.io"}]}`:                                           "negative",
		`{"tokens": [{"name": "", "email": "a@x.io"}]}`:                                                      "name and an email",
		`{"users": [{"email": "a@x.io", "password": "", "role": "administrator"}]}`:                          "password is empty",
		`{"users": []} {}`: "more than one JSON value",
		`{"users": [`:      "unexpected EOF",
		`{"tokens": {}}`:   "cannot unmarshal",
	}
	for content, want := range cases {
		_, _, err := loadSeedFile(writeTemp(t, content))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "-seed-file") {
			t.Errorf("%s: %v, want %q", content, err, want)
		}
	}
	if _, _, err := loadSeedFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
}
