package main

import (
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	r := startRun(t, "-listen", "127.0.0.1:0", "-seed-tokens", "3",
		"-user-password", "secret-password", "-store-hash", "s1")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/api/io$`).MatchString(r.base) {
		t.Fatalf("base %q", r.base)
	}
	body := `{"storeHash":"s1","email":"admin@example.com","password":"secret-password","name":"demo"}`
	res, err := http.Post(r.base+"/auth/backend", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Data []struct{ Token string }
	}
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || len(created.Data) != 1 {
		t.Fatalf("create: %d %+v", res.StatusCode, created)
	}
	if n := totalCount(t, r.base, created.Data[0].Token); n != 4 {
		t.Fatalf("totalCount %d, want 3 seeded + 1", n)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	out := r.logs.String()
	for _, want := range []string{"api_url: " + r.base + "\n", `POST "/auth/backend" 200`, `GET "/backend/tokens" 200`, "stopped"} {
		if !strings.Contains(out, want) {
			t.Fatalf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"secret-password", created.Data[0].Token, "limit=250"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, out)
		}
	}
}

// totalCount lists with authToken and returns meta.pagination.totalCount.
func totalCount(t *testing.T, base, authToken string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/backend/tokens?limit=250", nil)
	req.Header.Set("authToken", authToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var listed struct {
		Meta struct{ Pagination struct{ TotalCount int } }
	}
	if res.StatusCode != 200 {
		t.Fatalf("list: HTTP %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&listed); err != nil {
		t.Fatal(err)
	}
	return listed.Meta.Pagination.TotalCount
}

func TestRunDefaultsToALoopbackFreePort(t *testing.T) {
	r := startRun(t)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9]\d*/api/io$`).MatchString(r.base) {
		t.Fatalf("base %q", r.base)
	}
}

func TestRunWritesBootstrapAuthToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	r := startRun(t, "-auth-token-file", tokenFile, "-user", "ops@example.com:pw:store_owner")
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(b))
	if n := totalCount(t, r.base, token); n != 1 {
		t.Fatalf("totalCount %d", n)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.logs.String(), token) {
		t.Fatal("the log leaks the bootstrap token")
	}
	if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
		t.Fatal("token file left behind")
	}
}

func TestRunRefusesBadConfigurationBeforeListening(t *testing.T) {
	for _, args := range [][]string{
		{"-listen", "0.0.0.0:0"},
		{"-user", "nope"},
		{"-fault", "GET /backend/tokens=explode"},
		{"-list-order", "random"},
		{"-rate-window", "0s"},
		{"-seed-tokens", "-1"},
		{"-store-hash", "Not A Hash"},
		{"-no-such-flag"},
		{"extra-argument"},
	} {
		sys, _, _ := testSystem(nil)
		if err := run(t.Context(), args, sys); err == nil || errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: err %v", args, err)
		}
	}
}
