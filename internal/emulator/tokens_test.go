package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCreateBackendToken(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", "/auth/backend", nil, `{"storeHash":"abc123","email":"ADMIN@example.com","password":"admin-pw","name":"ci token","channelId":1,"beginAt":1,"endAt":2}`)
	expectStatus(t, r, 200)
	if r.env.Meta.Message != "SUCCESS" {
		t.Errorf("meta.message %q", r.env.Meta.Message)
	}
	var raw []map[string]any
	r.data(t, &raw)
	if len(raw) != 1 || len(raw[0]) != 2 || raw[0]["name"] != "ci token" {
		t.Fatalf("data %s: want [{name, token}] and no id", r.env.Data)
	}
	tok, _ := raw[0]["token"].(string)
	claims := decodeJWT(t, f.srv, tok)
	want := map[string]any{"email": adminEmail, "store_hash": "abc123", "db": "default", "iat": json.Number(fmt.Sprint(f.clock.Now().Unix()))}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if jti, _ := claims["jti"].(string); len(jti) != 32 || len(claims) != 5 {
		t.Errorf("claims %v", claims)
	}
	stored, ok := f.srv.Token(1)
	if !ok || stored.Token != tok || stored.Name != "ci token" || stored.Email != adminEmail || !stored.CreatedAt.Equal(f.clock.Now()) {
		t.Fatalf("stored %+v", stored)
	}

	// Two tokens of one user, same name, same second: still different.
	if tok2 := f.create("ci token"); tok2 == tok {
		t.Fatal("second token equals the first")
	}
	// The store owner may create tokens too.
	r = f.do("POST", "/auth/backend", nil, `{"storeHash":"abc123","email":"owner@example.com","password":"owner-pw","name":"o"}`)
	expectStatus(t, r, 200)
}

func TestCreateReplyAsObject(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CreateReplyAsObject = true })
	r := f.do("POST", "/auth/backend", nil, createBody("obj"))
	expectStatus(t, r, 200)
	var d map[string]string
	r.data(t, &d)
	if len(d) != 2 || d["name"] != "obj" || d["token"] != f.srv.Tokens()[0].Token {
		t.Fatalf("data %s", r.env.Data)
	}
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t)
	req := "This field is required."
	cases := []struct {
		body   string
		errMsg any
	}{
		{``, map[string][]string{"email": {req}, "name": {req}, "password": {req}, "storeHash": {req}}},
		{`{"storeHash":"abc123","email":"admin@example.com","password":"admin-pw"}`, map[string][]string{"name": {req}}},
		{`{"storeHash":"abc123","email":"admin@example.com","password":"","name":"  "}`,
			map[string][]string{"password": {"This field may not be blank."}, "name": {"This field may not be blank."}}},
		{`{"storeHash":null,"email":5,"password":"admin-pw","name":"n"}`,
			map[string][]string{"storeHash": {"This field may not be null."}, "email": {"Not a valid string."}}},
	}
	for _, c := range cases {
		expectError(t, f.do("POST", "/auth/backend", nil, c.body), 400, c.errMsg, "Parameter Error")
	}
	for _, body := range []string{`{"storeHash":`, `[1]`, `{} {}`} {
		r := f.do("POST", "/auth/backend", nil, body)
		expectStatus(t, r, 400)
		if msg, _ := r.errMsg().(string); !strings.HasPrefix(msg, "JSON parse error") || r.env.Meta.Message != "Parameter Error" {
			t.Errorf("%s: %s", body, r.raw)
		}
	}
	if len(f.srv.Tokens()) != 0 {
		t.Fatal("invalid requests created tokens")
	}
}

func TestCreateBadCredentials(t *testing.T) {
	f := newFixture(t)
	bad := "The email or password you have entered is incorrect. Please try again."
	for _, b := range []map[string]string{
		{"storeHash": "other", "email": adminEmail, "password": adminPassword, "name": "n"},
		{"storeHash": "abc123", "email": "who@example.com", "password": adminPassword, "name": "n"},
		{"storeHash": "abc123", "email": adminEmail, "password": "wrong", "name": "n"},
		{"storeHash": "abc123", "email": "custom@example.com", "password": "wrong", "name": "n"},
	} {
		expectError(t, f.do("POST", "/auth/backend", nil, mustJSON(b)), 400, bad, "API logic error")
	}
	r := f.do("POST", "/auth/backend", nil, `{"storeHash":"abc123","email":"custom@example.com","password":"custom-pw","name":"n"}`)
	expectError(t, r, 400, "role forbidden", "API logic error")
	if len(f.srv.Tokens()) != 0 {
		t.Fatal("refused requests created tokens")
	}
}

func TestListNewestFirstWithPagination(t *testing.T) {
	f := newFixture(t)
	seeded := f.srv.SeedTokens(25, "seed-", adminEmail)
	auth := seeded[0].Token

	r := f.list(auth, "")
	items := listItems(t, r)
	if p := r.env.Meta.Pagination; p == nil || p.TotalCount != 25 || p.Offset != 0 || p.Limit != 10 || r.env.Meta.Message != "SUCCESS" {
		t.Fatalf("meta %s", r.raw)
	}
	if len(items) != 10 || items[0].ID != 25 || items[9].ID != 16 {
		t.Fatalf("first page ids %v", ids(items))
	}
	want := tokenItem{ID: 25, Name: "seed-25", Email: adminEmail, StoreHash: "abc123", Token: seeded[24].Token, EventChannel: "app"}
	if items[0] != want {
		t.Fatalf("item %+v, want %+v", items[0], want)
	}

	var all []int64
	for offset := 0; ; offset += 7 {
		r := f.list(auth, fmt.Sprintf("?limit=7&offset=%d", offset))
		page := listItems(t, r)
		if p := r.env.Meta.Pagination; p.Offset != offset || p.Limit != 7 || p.TotalCount != 25 {
			t.Fatalf("pagination %+v", *p)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, ids(page)...)
	}
	if len(all) != 25 || !slices.IsSortedFunc(all, func(a, b int64) int { return int(b - a) }) || all[0] != 25 {
		t.Fatalf("paged ids %v", all)
	}

	// Past the end: an empty array, not null.
	r = f.list(auth, "?offset=1000")
	if string(r.env.Data) != "[]" {
		t.Fatalf("data %s", r.env.Data)
	}
	// Deleted tokens leave the count.
	f.srv.RemoveToken(25)
	r = f.list(auth, "?limit=1")
	if items := listItems(t, r); items[0].ID != 24 || r.env.Meta.Pagination.TotalCount != 24 {
		t.Fatalf("after removal: %s", r.raw)
	}
}

func ids(items []tokenItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestListLimitAndOffsetBounds(t *testing.T) {
	f := newFixture(t)
	auth := f.srv.SeedTokens(300, "s", adminEmail)[0].Token
	if got := len(listItems(t, f.list(auth, "?limit=250"))); got != 250 {
		t.Fatalf("limit=250 gave %d", got)
	}
	if got := len(listItems(t, f.list(auth, "?limit=1"))); got != 1 {
		t.Fatalf("limit=1 gave %d", got)
	}
	for _, q := range []string{"?limit=251", "?limit=100000", "?limit=99999999999999999999999"} {
		expectError(t, f.list(auth, q), 413, "limit must be less than or equal to 250", "Parameter Error")
	}
	cases := map[string]string{
		"?limit=0":         "limit must be greater than or equal to 1",
		"?limit=-3":        "limit must be greater than or equal to 1",
		"?limit=ten":       "limit must be an integer",
		"?limit=1.5":       "limit must be an integer",
		"?offset=-1":       "offset must be greater than or equal to 0",
		"?offset=x":        "offset must be an integer",
		"?limit=5&offset=": "",
	}
	for q, msg := range cases {
		r := f.list(auth, q)
		if msg == "" {
			expectStatus(t, r, 200)
			continue
		}
		expectError(t, r, 400, msg, "Parameter Error")
	}
}

func TestListSeededThousands(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	toks := f.srv.SeedTokens(5000, "bulk-", adminEmail)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("seeding took %v", d)
	}
	seen := map[int64]bool{}
	for offset := 0; ; offset += 250 {
		page := listItems(t, f.list(toks[0].Token, fmt.Sprintf("?limit=250&offset=%d", offset)))
		if len(page) == 0 {
			break
		}
		for _, it := range page {
			seen[it.ID] = true
		}
	}
	if len(seen) != 5000 {
		t.Fatalf("listed %d distinct tokens", len(seen))
	}
}

func TestDeleteBackendToken(t *testing.T) {
	f := newFixture(t)
	auth := f.create("keeper")
	f.create("victim")

	// The id in the query string does not count.
	r := f.do("DELETE", "/auth/backend?id=2", hdr{"authToken": auth}, "")
	expectError(t, r, 400, map[string][]string{"id": {"This field is required."}}, "Parameter Error")
	for _, body := range []string{`{}`, `{"id": "2"}`, `{"id": 2.5}`, `{"id": null}`, `{"name": "victim"}`} {
		r := f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, body)
		expectError(t, r, 400, map[string][]string{"id": {"This field is required."}}, "Parameter Error")
	}
	if _, ok := f.srv.Token(2); !ok {
		t.Fatal("token 2 deleted by a refused request")
	}

	r = f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 99}`)
	expectError(t, r, 404, "No matching token was found.", "Not Found Error")

	r = f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 2, "name": "ignored", "email": "x@example.com"}`)
	expectStatus(t, r, 200)
	if string(r.env.Data) != "[]" || r.env.Meta.Message != "SUCCESS" {
		t.Fatalf("reply %s", r.raw)
	}
	if _, ok := f.srv.Token(2); ok {
		t.Fatal("token 2 still there")
	}
	r = f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 2}`)
	expectError(t, r, 404, "No matching token was found.", "Not Found Error")

	// Ids are never reused.
	f.create("next")
	if toks := f.srv.Tokens(); toks[len(toks)-1].ID != 3 {
		t.Fatalf("tokens %+v", toks)
	}

	// A token may delete itself, and is invalid afterwards.
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 1}`), 200)
	expectUnauthorized(t, f.list(auth, ""), 401, "Invalid token.")
}

func TestListLag(t *testing.T) {
	f := newFixture(t)
	auth := f.create("before") // created before the lag: listed
	f.srv.SetListLag(2)
	lagged := f.create("lagged")
	direct := f.srv.AddToken("direct", adminEmail) // out of band: listed at once

	listed := func() []int64 { return ids(listItems(t, f.list(auth, "?limit=250"))) }
	if got := listed(); !slices.Equal(got, []int64{direct.ID, 1}) {
		t.Fatalf("listing 1: %v", got)
	}
	// A failed listing does not count.
	expectStatus(t, f.list(auth, "?limit=0"), 400)
	// Hidden but valid: it authenticates, and the count leaves it out.
	r := f.list(lagged, "")
	if got := ids(listItems(t, r)); !slices.Equal(got, []int64{direct.ID, 1}) || r.env.Meta.Pagination.TotalCount != 2 {
		t.Fatalf("listing 2: %s", r.raw)
	}
	if got := listed(); !slices.Equal(got, []int64{direct.ID, 2, 1}) {
		t.Fatalf("listing 3: %v", got)
	}

	// n < 0: never listed, yet deletable.
	f.srv.SetListLag(-1)
	f.create("ghost")
	for range 5 {
		if got := listed(); slices.Contains(got, 4) {
			t.Fatalf("ghost listed: %v", got)
		}
	}
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 4}`), 200)
	if r := f.list(auth, ""); r.env.Meta.Pagination.TotalCount != 3 {
		t.Fatalf("count after deleting the ghost: %s", r.raw)
	}

	f.srv.SetListLag(0)
	f.create("now")
	if got := listed(); got[0] != 5 {
		t.Fatalf("with lag 0: %v", got)
	}
}
