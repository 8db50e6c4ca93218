package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// serverFor builds the emulator the arguments describe and serves it on a
// test server; it returns the server and the api_url.
func serverFor(t *testing.T, env map[string]string, args ...string) (*emulator.Server, string) {
	t.Helper()
	sys, _, _ := testSystem(env)
	cfg, err := parseConfig(args, sys)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL + "/api/io"
}

// newServerError is the error newServer gives for arguments that parse.
func newServerError(t *testing.T, args ...string) error {
	t.Helper()
	sys, _, _ := testSystem(nil)
	cfg, err := parseConfig(args, sys)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newServer(cfg)
	return err
}

// listUncredentialed sends GET /backend/tokens with no credential and
// decodes the reply as a generic object.
func listUncredentialed(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	res, err := http.Get(base + "/backend/tokens")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%d %s: %v", res.StatusCode, raw, err)
	}
	return res.StatusCode, body
}

func TestUnauthorizedAsDetailFlag(t *testing.T) {
	_, base := serverFor(t, nil)
	status, body := listUncredentialed(t, base)
	if status != 401 || body["code"] != 401.0 || body["detail"] != nil {
		t.Fatalf("default: %d %v", status, body)
	}
	for _, on := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"-unauthorized-as-detail"}},
		{map[string]string{"B2B_EMULATOR_UNAUTHORIZED_AS_DETAIL": "true"}, nil},
	} {
		_, base := serverFor(t, on.env, on.args...)
		status, body := listUncredentialed(t, base)
		detail, _ := body["detail"].(string)
		if status != 401 || len(body) != 1 || !strings.Contains(detail, "No credentials provided") {
			t.Fatalf("%v %v: %d %v", on.env, on.args, status, body)
		}
	}
}

func TestTokenValuesFlag(t *testing.T) {
	repeats := func(srv *emulator.Server) bool {
		toks := srv.Tokens()
		return len(toks) == 2 && toks[0].Token == toks[1].Token
	}
	if srv, _ := serverFor(t, nil, "-seed-tokens", "2"); repeats(srv) {
		t.Fatal("values repeat by default")
	}
	if srv, _ := serverFor(t, nil, "-seed-tokens", "2", "-token-values", "documented"); !repeats(srv) {
		t.Fatal("-token-values documented: values differ")
	}
	if srv, _ := serverFor(t, map[string]string{"B2B_EMULATOR_TOKEN_VALUES": "documented"}, "-seed-tokens", "2"); !repeats(srv) {
		t.Fatal("B2B_EMULATOR_TOKEN_VALUES=documented: values differ")
	}
	if err := newServerError(t, "-token-values", "random"); err == nil || !strings.Contains(err.Error(), "-token-values") {
		t.Fatalf("err %v", err)
	}
}

func TestListLagForFlag(t *testing.T) {
	for _, on := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"-list-lag-for", "1h"}},
		{map[string]string{"B2B_EMULATOR_LIST_LAG_FOR": "1h"}, nil},
	} {
		srv, base := serverFor(t, on.env, append(on.args, "-seed-tokens", "1")...)
		body := `{"storeHash":"abc123","email":"admin@example.com","password":"demo-password","name":"late"}`
		res, err := http.Post(base+"/auth/backend", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if len(srv.Tokens()) != 2 {
			t.Fatalf("%v %v: create: HTTP %d", on.env, on.args, res.StatusCode)
		}
		if n := totalCount(t, base, srv.Tokens()[0].Token); n != 1 {
			t.Fatalf("%v %v: totalCount %d, want the new token hidden", on.env, on.args, n)
		}
	}
	if err := newServerError(t, "-list-lag-for", "-1s"); err == nil || !strings.Contains(err.Error(), "-list-lag-for") {
		t.Fatalf("err %v", err)
	}
}

func TestReplicaBehindFlag(t *testing.T) {
	for _, on := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"-replica-behind", "1h"}},
		{map[string]string{"B2B_EMULATOR_REPLICA_BEHIND": "1h"}, nil},
	} {
		srv, base := serverFor(t, on.env, append(on.args, "-seed-tokens", "1")...)
		if n := totalCount(t, base, srv.Tokens()[0].Token); n != 0 {
			t.Fatalf("%v %v: totalCount %d, want the replica an hour behind the seed token", on.env, on.args, n)
		}
	}
	if srv, base := serverFor(t, nil, "-seed-tokens", "1"); totalCount(t, base, srv.Tokens()[0].Token) != 1 {
		t.Fatal("the listing is behind by default")
	}
	if err := newServerError(t, "-replica-behind", "-1s"); err == nil || !strings.Contains(err.Error(), "-replica-behind") {
		t.Fatalf("err %v", err)
	}
}

func TestNamesFlag(t *testing.T) {
	for _, on := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"-names", "trim,max=4"}},
		{map[string]string{"B2B_EMULATOR_NAMES": "trim,max=4"}, nil},
	} {
		srv, base := serverFor(t, on.env, on.args...)
		body := `{"storeHash":"abc123","email":"admin@example.com","password":"demo-password","name":"  cut-short "}`
		res, err := http.Post(base+"/auth/backend", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if tokens := srv.Tokens(); len(tokens) != 1 || tokens[0].Name != "cut-" {
			t.Fatalf("%v %v: HTTP %d, tokens %v", on.env, on.args, res.StatusCode, tokens)
		}
	}
	if err := newServerError(t, "-names", "upper"); err == nil || !strings.Contains(err.Error(), "-names") {
		t.Fatalf("err %v", err)
	}
}
