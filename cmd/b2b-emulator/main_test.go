package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	ok := []string{"127.0.0.1:8799", "127.5.6.7:0", "[::1]:8799", "localhost:1", "LOCALHOST:1"}
	bad := []string{":8799", "0.0.0.0:8799", "[::]:8799", "192.168.1.2:80", "example.com:80", "127.0.0.1", "[fe80::1%lo]:80"}
	for _, a := range ok {
		if err := checkLoopback(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range bad {
		if err := checkLoopback(a); err == nil {
			t.Errorf("%s accepted", a)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRun(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-url-file", urlFile, "-seed-tokens", "3",
			"-user-password", "secret-password", "-store-hash", "s1"}, logs)
	}()

	var base string
	for deadline := time.Now().Add(5 * time.Second); base == ""; {
		if b, err := os.ReadFile(urlFile); err == nil {
			base = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatal("url file never written")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/api/io") {
		t.Fatalf("base %q", base)
	}

	body := `{"storeHash":"s1","email":"admin@example.com","password":"secret-password","name":"demo"}`
	res, err := http.Post(base+"/auth/backend", "application/json", strings.NewReader(body))
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
	req, _ := http.NewRequest("GET", base+"/backend/tokens?limit=250", nil)
	req.Header.Set("authToken", created.Data[0].Token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var listed struct {
		Meta struct{ Pagination struct{ TotalCount int } }
	}
	if err := json.NewDecoder(res.Body).Decode(&listed); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if listed.Meta.Pagination.TotalCount != 4 {
		t.Fatalf("totalCount %d, want 3 seeded + 1", listed.Meta.Pagination.TotalCount)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no clean shutdown")
	}
	out := logs.String()
	if !strings.Contains(out, `POST "/auth/backend" 200`) || !strings.Contains(out, `GET "/backend/tokens" 200`) {
		t.Fatalf("log:\n%s", out)
	}
	for _, secret := range []string{"secret-password", created.Data[0].Token, "limit=250"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, out)
		}
	}
	if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
		t.Fatal("url file left behind")
	}
}

func TestRunRefusesPublicAddress(t *testing.T) {
	if err := run(t.Context(), []string{"-listen", "0.0.0.0:0"}, &syncBuffer{}); err == nil {
		t.Fatal("0.0.0.0 accepted")
	}
}

func TestRunWritesBootstrapAuthToken(t *testing.T) {
	dir := t.TempDir()
	urlFile, tokenFile := filepath.Join(dir, "url"), filepath.Join(dir, "token")
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-url-file", urlFile, "-auth-token-file", tokenFile}, logs)
	}()
	read := func(path string) string {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if b, err := os.ReadFile(path); err == nil {
				return strings.TrimSpace(string(b))
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never written", path)
			}
		}
	}
	base, token := read(urlFile), read(tokenFile)

	req, _ := http.NewRequest("GET", base+"/backend/tokens", nil)
	req.Header.Set("authToken", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("listing with the bootstrap token: HTTP %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), token) {
		t.Fatal("the log leaks the bootstrap token")
	}
	if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
		t.Fatal("token file left behind")
	}
}
