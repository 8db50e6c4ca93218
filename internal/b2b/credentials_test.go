package b2b

import (
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"
)

const testLag = 30 * time.Second

func newCredentialSet(clock Clock) *credentialSet {
	return &credentialSet{clock: clock, lag: testLag}
}

func valuesOf(crs []credential) []string {
	out := []string{}
	for _, cr := range crs {
		out = append(out, cr.value)
	}
	return out
}

// The order credentials are tried in: configured ones first, then the one a call names
// first, then the learned ones; refused ones never, deleted and retiring ones last.
func TestCredentialSetUsableOrder(t *testing.T) {
	clock := newTestClock()
	s := newCredentialSet(clock)
	s.add(credential{value: "learned-a", source: SourceOwnToken}, time.Time{})
	s.add(accessCredential, time.Time{})
	s.add(credential{value: "learned-b", source: SourceNewToken}, time.Time{})
	s.add(s2sCredential, time.Time{})
	s.add(credential{value: "learned-c", source: SourceOwnToken}, time.Time{})
	s.add(credential{value: "", source: SourceOwnToken}, time.Time{}) // ignored

	want := []string{testAccessToken, testAuthToken, "learned-a", "learned-b", "learned-c"}
	if got := valuesOf(s.usable(order{}, nil)); !slices.Equal(got, want) {
		t.Errorf("usable = %v, want %v", got, want)
	}
	if got := valuesOf(s.usable(order{first: "learned-c"}, nil)); !slices.Equal(got,
		[]string{testAccessToken, testAuthToken, "learned-c", "learned-a", "learned-b"}) {
		t.Errorf("usable with learned-c first = %v", got)
	}
	if got := valuesOf(s.usable(order{configuredOnly: true}, nil)); !slices.Equal(got, []string{testAccessToken, testAuthToken}) {
		t.Errorf("configured only = %v", got)
	}
	if got := valuesOf(s.usable(order{}, map[string]bool{testAccessToken: true, "learned-b": true})); !slices.Equal(got,
		[]string{testAuthToken, "learned-a", "learned-c"}) {
		t.Errorf("usable with two skipped = %v", got)
	}

	s.deleted("learned-a")
	done := s.retire("learned-b")
	if got := valuesOf(s.usable(order{}, nil)); !slices.Equal(got,
		[]string{testAccessToken, testAuthToken, "learned-c", "learned-a", "learned-b"}) {
		t.Errorf("usable with learned-a deleted and learned-b retiring = %v", got)
	}
	// The delete that retires learned-b authenticates with it first.
	if got := valuesOf(s.usable(order{first: "learned-b"}, nil)); got[2] != "learned-b" {
		t.Errorf("usable with learned-b first = %v", got)
	}
	done()
	s.accepted("learned-a") // another token still has the value
	if got := valuesOf(s.usable(order{}, nil)); !slices.Equal(got, want) {
		t.Errorf("usable after the retire ended and learned-a was accepted again = %v, want %v", got, want)
	}

	if !s.refused(testAuthToken, true) || !s.refused("learned-b", true) {
		t.Fatal("refusals not proven")
	}
	if got := valuesOf(s.usable(order{}, nil)); !slices.Equal(got, []string{testAccessToken, "learned-a", "learned-c"}) {
		t.Errorf("usable after refusals = %v", got)
	}
	if !s.hasConfigured() {
		t.Error("hasConfigured = false with the access token left")
	}
	s.refused(testAccessToken, false)
	if s.hasConfigured() {
		t.Error("hasConfigured = true with every configured credential refused")
	}
}

// A credential is unknown until the API answers it in its envelope; a deleted token's value
// is no longer known valid (another token may have it), and a value the API accepts again
// is valid again.
func TestCredentialSetStatuses(t *testing.T) {
	s := newCredentialSet(newTestClock())
	s.add(credential{value: "v", source: SourceOwnToken}, time.Time{})
	if got := s.statusOf("v"); got != credentialUnknown {
		t.Errorf("new: %v", got)
	}
	if got := s.statusOf("never added"); got != credentialUnknown {
		t.Errorf("never added: %v", got)
	}
	s.accepted("v")
	if got := s.statusOf("v"); got != credentialValid {
		t.Errorf("accepted: %v", got)
	}
	s.deleted("v")
	if got := s.statusOf("v"); got != credentialUnknown {
		t.Errorf("deleted after accepted: %v, want unknown", got)
	}
	s.accepted("v")
	if got := s.statusOf("v"); got != credentialValid {
		t.Errorf("accepted after deleted: %v", got)
	}
	if !s.refused("v", true) {
		t.Error("refusal of an old token not proven")
	}
	if got := s.statusOf("v"); got != credentialRefused {
		t.Errorf("refused: %v", got)
	}
	s.deleted("v")
	if got := s.statusOf("v"); got != credentialRefused {
		t.Errorf("a refused value deleted: %v, want still refused", got)
	}
	// Adding a known value again changes nothing but an unknown madeAt.
	s.add(credential{value: "v", source: SourceNewToken}, time.Time{})
	if got := s.statusOf("v"); got != credentialRefused {
		t.Errorf("re-added: %v", got)
	}
}

// The API may refuse a token for a moment after it was made: a refusal within the list lag
// of madeAt proves nothing, one after it does.
func TestCredentialSetFreshTokensAreNeverProvenRefused(t *testing.T) {
	clock := newTestClock()
	s := newCredentialSet(clock)
	madeAt := clock.Now()
	s.add(credential{value: "fresh", source: SourceNewToken}, madeAt)
	if s.refused("fresh", true) {
		t.Error("a refusal at madeAt was taken as proof")
	}
	clock.Advance(testLag - time.Nanosecond)
	if s.refused("fresh", true) {
		t.Error("a refusal just within the lag was taken as proof")
	}
	if got := s.statusOf("fresh"); got != credentialUnknown {
		t.Errorf("status %v, want unknown", got)
	}
	if got := valuesOf(s.usable(order{}, nil)); !slices.Equal(got, []string{"fresh"}) {
		t.Errorf("usable = %v: a fresh token refused within the lag is tried again", got)
	}
	clock.Advance(time.Nanosecond)
	if !s.refused("fresh", true) {
		t.Error("a refusal once the lag passed is not proof")
	}
	if len(s.refusedConfiguredSources()) != 0 {
		t.Errorf("refusedConfiguredSources = %v for a learned token", s.refusedConfiguredSources())
	}

	// madeAt learned later (the value was known before as another token's): it counts.
	s2 := newCredentialSet(clock)
	s2.add(credential{value: "v", source: SourceOwnToken}, time.Time{})
	s2.add(credential{value: "v", source: SourceNewToken}, clock.Now())
	if s2.refused("v", true) {
		t.Error("madeAt of a value added again was not kept")
	}
	s2.add(credential{value: "v", source: SourceNewToken}, clock.Now().Add(-time.Hour))
	if s2.refused("v", true) {
		t.Error("an earlier madeAt replaced the first one")
	}
}

// heldValid are the S2S values a listing must show to be complete.
func TestCredentialSetHeldValid(t *testing.T) {
	clock := newTestClock()
	s := newCredentialSet(clock)
	s.add(accessCredential, time.Time{})
	s.add(s2sCredential, time.Time{})
	s.add(credential{value: "accepted", source: SourceOwnToken}, time.Time{})
	s.add(credential{value: "unknown", source: SourceOwnToken}, time.Time{})
	s.add(credential{value: "refused", source: SourceOwnToken}, time.Time{})
	madeAt := clock.Now()
	s.add(credential{value: "fresh", source: SourceNewToken}, madeAt)
	s.accepted(testAccessToken)
	s.accepted("accepted")
	s.accepted("fresh")
	s.refused("refused", true)

	// The access token is never listed; the auth_token is, even before the API accepted
	// it (it is a token of the store unless refused); an unknown learned token is not; a
	// fresh one only in a listing that started a lag after it was made.
	if got := s.heldValid(madeAt); !slices.Equal(got, []string{testAuthToken, "accepted"}) {
		t.Errorf("heldValid at madeAt = %v", got)
	}
	if got := s.heldValid(madeAt.Add(testLag - time.Nanosecond)); !slices.Equal(got, []string{testAuthToken, "accepted"}) {
		t.Errorf("heldValid just within the lag = %v", got)
	}
	if got := s.heldValid(madeAt.Add(testLag)); !slices.Equal(got, []string{testAuthToken, "accepted", "fresh"}) {
		t.Errorf("heldValid a lag after = %v", got)
	}
	s.refused(testAuthToken, true)
	s.deleted("accepted")
	if got := s.heldValid(madeAt.Add(testLag)); !slices.Equal(got, []string{"fresh"}) {
		t.Errorf("heldValid after the auth_token was refused and accepted deleted = %v", got)
	}
}

// Only configured credentials refused as invalid (401) are named, in a fixed order.
func TestCredentialSetRefusedConfiguredSources(t *testing.T) {
	s := newCredentialSet(newTestClock())
	s.add(accessCredential, time.Time{})
	s.add(s2sCredential, time.Time{})
	s.add(credential{value: "own", source: SourceOwnToken}, time.Time{})
	if got := s.refusedConfiguredSources(); len(got) != 0 {
		t.Errorf("before any refusal: %v", got)
	}
	s.refused("own", true)
	s.refused(testAccessToken, false) // 403: not accepted here, not invalid
	if got := s.refusedConfiguredSources(); len(got) != 0 {
		t.Errorf("after a 403 of the access token: %v", got)
	}
	s.refused(testAuthToken, true)
	if got := s.refusedConfiguredSources(); !slices.Equal(got, []string{SourceAuthToken}) {
		t.Errorf("after a 401 of auth_token: %v", got)
	}
	s.refused(testAccessToken, true)
	if got := s.refusedConfiguredSources(); !slices.Equal(got, []string{SourceAuthToken, SourceAccessToken}) {
		t.Errorf("after both: %v", got)
	}
}

func TestCredentialHeaders(t *testing.T) {
	h := s2sCredential.header(testStoreHash)
	if !reflect.DeepEqual(h, http.Header{"authToken": {testAuthToken}}) {
		t.Errorf("S2S header %v: authToken alone, never X-Store-Hash", h)
	}
	h = accessCredential.header(testStoreHash)
	if h.Get("X-Auth-Token") != testAccessToken || h.Get("X-Store-Hash") != testStoreHash || len(h) != 2 {
		t.Errorf("access token header %v", h)
	}
}

func TestLooksLikeServerTokenAndTokenStoreHash(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		looksLike bool
		hash      string
		hashOK    bool
	}{
		{"the fake's token", fakeJWT("st0re", 1), true, "st0re", true},
		{"documented S2S claims", jwtWith(`{"email":"a@example.com","store_hash":"h1","db":"b2b"}`), true, "h1", true},
		{"no email: a storefront-like token", jwtWith(`{"store_hash":"h3","bc_customer_id":5}`), false, "h3", true},
		{"no store_hash", jwtWith(`{"email":"a@example.com"}`), false, "", false},
		{"empty store_hash", jwtWith(`{"email":"a@example.com","store_hash":""}`), false, "", false},
		{"store_hash not a string", jwtWith(`{"email":"a@example.com","store_hash":12}`), false, "", false},
		{"payload not JSON", jwtWith(`not json`), false, "", false},
		{"payload not base64", "aaa.!!!.sig", false, "", false},
		{"two parts", "aaa.bbb", false, "", false},
		{"four parts", jwtWith(`{"email":"a@example.com","store_hash":"h"}`) + ".x", false, "", false},
		{"an opaque token", testAuthToken, false, "", false},
		{"empty", "", false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LooksLikeServerToken(tt.token); got != tt.looksLike {
				t.Errorf("LooksLikeServerToken = %v, want %v", got, tt.looksLike)
			}
			hash, ok := TokenStoreHash(tt.token)
			if hash != tt.hash || ok != tt.hashOK {
				t.Errorf("TokenStoreHash = %q, %v; want %q, %v", hash, ok, tt.hash, tt.hashOK)
			}
		})
	}
	// A payload with base64 padding, as some encoders write it.
	padded := "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20iLCJzdG9yZV9oYXNoIjoiaDQifQ==.sig"
	if !LooksLikeServerToken(padded) {
		t.Errorf("LooksLikeServerToken(%q) = false: padding is trimmed", padded)
	}
}
