package emulator

import "testing"

// refusalCase is a request the API refuses for its credential, and the refusal.
type refusalCase struct {
	name   string
	status int
	msg    string
	do     func() *response
}

// refusals are one request of each kind the API refuses for its credential.
func refusals(f *fixture) []refusalCase {
	valid := hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}
	unknown := hdr{"X-Auth-Token": "nope", "X-Store-Hash": "abc123"}
	return []refusalCase{
		{"no authToken", 401, msgNoCredentials, func() *response { return f.do("GET", "/backend/tokens", nil, "") }},
		{"unknown authToken", 401, msgInvalidToken, func() *response { return f.list("garbage", "") }},
		{"unknown X-Auth-Token", 401, msgInvalidToken, func() *response { return f.do("POST", "/auth/backend", unknown, createBody("x")) }},
		{"X-Auth-Token on a delete", 403, msgNoPermission, func() *response { return f.do("DELETE", "/auth/backend", valid, `{"id": 1}`) }},
	}
}

func TestUnauthorizedIsTheEnvelopeByDefault(t *testing.T) {
	f := newFixture(t)
	for _, c := range refusals(f) {
		t.Run(c.name, func(t *testing.T) { expectUnauthorized(t, c.do(), c.status, c.msg) })
	}
}

func TestUnauthorizedAsDetail(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.UnauthorizedAsDetail = true })
	for _, c := range refusals(f) {
		t.Run(c.name, func(t *testing.T) { expectDetail(t, c.do(), c.status, c.msg) })
	}
	f.srv.SetUnauthorizedAsDetail(false)
	for _, c := range refusals(f) {
		expectUnauthorized(t, c.do(), c.status, c.msg)
	}
	f.srv.SetUnauthorizedAsDetail(true)
	for _, c := range refusals(f) {
		expectDetail(t, c.do(), c.status, c.msg)
	}
	// Other errors keep their shape whatever the setting.
	expectDetail(t, f.do("GET", "/nope", nil, ""), 404, "Not found.")
	expectError(t, f.do("POST", "/auth/backend", nil, `{}`), 400,
		map[string][]string{"email": {msgRequired}, "name": {msgRequired}, "password": {msgRequired}, "storeHash": {msgRequired}}, catParameter)
	if len(f.srv.Tokens()) != 0 {
		t.Fatal("a refused request created a token")
	}
}
