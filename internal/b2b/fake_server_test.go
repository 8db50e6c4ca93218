package b2b

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Secrets the tests configure; no error string may ever contain one of them.
const (
	testPassword    = "pw-S3cret-password"
	testAuthToken   = "auth-S3cret-token"
	testAccessToken = "access-S3cret-token"
	testStoreHash   = "abc123"
	testUserAgent   = "terraform-provider-b2b/test"
	fakeBasePath    = "/api/io"
)

var testSecrets = []string{testPassword, testAuthToken, testAccessToken}

// fakeRequest is one request the fake server received.
type fakeRequest struct {
	Method string
	Path   string // without fakeBasePath
	Query  string // the raw query
	Header http.Header
	Body   []byte
}

// fakeHook sees every request after it was recorded; n counts the requests with the same
// method and path, from 1. It returns true when it wrote the reply itself.
type fakeHook func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool

// createAnswer scripts the reply to a create: req is its decoded body, n counts the
// creates from 1. It returns false to let the fake make the token and reply as usual.
type createAnswer func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req CreateServerTokenRequest, n int) bool

// onCreate is a hook that hands every create (POST /auth/backend) to answer, and leaves
// every other request to the fake.
func onCreate(answer createAnswer) fakeHook {
	return func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool {
		if req.Method != http.MethodPost || req.Path != pathBackendAuth {
			return false
		}
		var cr CreateServerTokenRequest
		_ = json.Unmarshal(req.Body, &cr) // the client encodes it; a test of a broken body reads req.Body itself
		return answer(f, w, r, cr, n)
	}
}

// fakeB2B is a small in-memory B2B Edition: list, create and delete of S2S tokens. It is
// the one server of the client's tests; a hook scripts what the real API may do besides.
type fakeB2B struct {
	server *httptest.Server

	mu       sync.Mutex
	reqs     []fakeRequest
	tokens   []ServerToken
	nextID   int64
	maxLimit int
	hook     fakeHook
	// hidden tokens are not listed (a list that shows new tokens late).
	hidden map[int64]bool
	// newestFirst lists the newest token first; by default the list is oldest first.
	// BigCommerce does not document the order.
	newestFirst bool
	// accessStatus is the reply to a list or delete that sends the access token
	// (X-Auth-Token with X-Store-Hash): 0 accepts it, else this status refuses it. The
	// documented default: these endpoints know only authToken.
	accessStatus int
	// refused maps credential values (authToken) to the status that refuses them; a
	// deleted token is refused with 401.
	refused map[string]int
}

func newFake(t testing.TB) *fakeB2B {
	t.Helper()
	f := &fakeB2B{nextID: 1, maxLimit: MaxPageSize, hidden: map[int64]bool{},
		accessStatus: http.StatusUnauthorized, refused: map[string]int{}}
	f.server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	// One connection per request: Go's transport then never replays a request on its own,
	// so request counts are exact.
	f.server.Config.SetKeepAlivesEnabled(false)
	f.server.Start()
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeB2B) URL() string { return f.server.URL + fakeBasePath }

// locked runs change under the fake's lock.
func (f *fakeB2B) locked(change func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change()
}

func (f *fakeB2B) setHook(h fakeHook) { f.locked(func() { f.hook = h }) }

// setMaxLimit caps the limit of a list request, as a server may serve fewer than asked.
func (f *fakeB2B) setMaxLimit(n int) { f.locked(func() { f.maxLimit = n }) }

func (f *fakeB2B) setNewestFirst(on bool) { f.locked(func() { f.newestFirst = on }) }

// setAccessStatus sets how lists and deletes answer the access token: 0 accepts it.
func (f *fakeB2B) setAccessStatus(status int) { f.locked(func() { f.accessStatus = status }) }

// refuse makes lists and deletes answer the authToken value with status.
func (f *fakeB2B) refuse(value string, status int) { f.locked(func() { f.refused[value] = status }) }

func (f *fakeB2B) setHidden(id int64, hidden bool) { f.locked(func() { f.hidden[id] = hidden }) }

// fakeJWT is a token in the shape BigCommerce issues: a JWT whose payload carries the
// store_hash claim (and, here, the id, so that every value is unique). Unsigned.
func fakeJWT(store string, id int64) string {
	claims, _ := json.Marshal(map[string]any{"email": "owner@example.com", "store_hash": store, "db": "b2b", "jti": id})
	return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + fmt.Sprintf(".sig-%d", id)
}

// listAuthToken makes the configured auth_token (withAuthToken) what it is in a real store:
// an S2S token of the store, which the list shows. A listing that does not show a
// credential the API accepted is not complete.
func (f *fakeB2B) listAuthToken() ServerToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := f.addTokenLocked("bootstrap", "owner@example.com")
	f.tokens[len(f.tokens)-1].Token = testAuthToken
	tok.Token = testAuthToken
	return tok
}

// addToken stores a new token the way the API would, and returns it.
func (f *fakeB2B) addToken(name, email string) ServerToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addTokenLocked(name, email)
}

func (f *fakeB2B) addTokenLocked(name, email string) ServerToken {
	return f.addStoreTokenLocked(testStoreHash, name, email)
}

// addStoreToken stores a token whose JWT names store.
func (f *fakeB2B) addStoreToken(store, name, email string) ServerToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addStoreTokenLocked(store, name, email)
}

// addStoreTokenLocked stores a token whose JWT names store. The fake lists every token,
// whatever its store: it stands for one store at a time.
func (f *fakeB2B) addStoreTokenLocked(store, name, email string) ServerToken {
	id := f.nextID
	f.nextID++
	tok := ServerToken{ID: id, Name: name, Email: email, StoreHash: store,
		Token: fakeJWT(store, id), EventChannel: "app"}
	f.tokens = append(f.tokens, tok)
	return tok
}

// seed stores n tokens named name-<i>.
func (f *fakeB2B) seed(n int, name, email string) []ServerToken {
	out := make([]ServerToken, 0, n)
	for i := range n {
		out = append(out, f.addToken(fmt.Sprintf("%s-%d", name, i), email))
	}
	return out
}

// removeToken deletes the token with id; its value is refused as a credential from then on.
func (f *fakeB2B) removeToken(id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.removeTokenLocked(id)
}

func (f *fakeB2B) removeTokenLocked(id int64) bool {
	i := slices.IndexFunc(f.tokens, func(t ServerToken) bool { return t.ID == id })
	if i < 0 {
		return false
	}
	f.refused[f.tokens[i].Token] = http.StatusUnauthorized
	f.tokens = slices.Delete(f.tokens, i, i+1)
	return true
}

// has reports whether the store holds the token with id.
func (f *fakeB2B) has(id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(f.tokens, func(t ServerToken) bool { return t.ID == id })
}

// visible is the list as GET /backend/tokens shows it, in the list's order.
func (f *fakeB2B) visible() []ServerToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.visibleLocked()
}

func (f *fakeB2B) visibleLocked() []ServerToken {
	var out []ServerToken
	for _, t := range f.tokens {
		if !f.hidden[t.ID] {
			out = append(out, t)
		}
	}
	if f.newestFirst {
		slices.Reverse(out)
	}
	return out
}

// pageLocked is the page of the visible tokens at offset, and how many are visible: without
// hidden tokens, read from the tokens in place, whatever the store's size.
func (f *fakeB2B) pageLocked(offset, limit int) ([]ServerToken, int) {
	offset = max(offset, 0)
	if slices.ContainsFunc(f.tokens, func(t ServerToken) bool { return f.hidden[t.ID] }) {
		visible := f.visibleLocked()
		return slices.Clone(visible[min(offset, len(visible)):min(offset+limit, len(visible))]), len(visible)
	}
	page := []ServerToken{}
	for k := offset; k < offset+limit && k < len(f.tokens); k++ {
		i := k
		if f.newestFirst {
			i = len(f.tokens) - 1 - k
		}
		page = append(page, f.tokens[i])
	}
	return page, len(f.tokens)
}

func (f *fakeB2B) lastToken() ServerToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[len(f.tokens)-1]
}

func (f *fakeB2B) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.reqs...)
}

// requestsTo are the requests of method to path, in order.
func (f *fakeB2B) requestsTo(method, path string) []fakeRequest {
	var out []fakeRequest
	for _, r := range f.requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeB2B) count(method, path string) int { return len(f.requestsTo(method, path)) }

// countCreatesNamed counts the creates whose body names the token name.
func (f *fakeB2B) countCreatesNamed(name string) int {
	n := 0
	for _, r := range f.requestsTo(http.MethodPost, "/auth/backend") {
		var req CreateServerTokenRequest
		if json.Unmarshal(r.Body, &req) == nil && req.Name == name {
			n++
		}
	}
	return n
}

func (f *fakeB2B) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := fakeRequest{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, fakeBasePath),
		Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := 0
	for _, q := range f.reqs {
		if q.Method == req.Method && q.Path == req.Path {
			n++
		}
	}
	hook := f.hook
	f.mu.Unlock()

	if hook != nil && hook(f, w, r, req, n) {
		return
	}
	switch {
	case req.Method == http.MethodGet && req.Path == "/backend/tokens":
		f.serveList(w, r)
	case req.Method == http.MethodPost && req.Path == "/auth/backend":
		f.serveCreate(w, body)
	case req.Method == http.MethodDelete && req.Path == "/auth/backend":
		if f.authorized(w, r) {
			f.serveDelete(w, body)
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
	}
}

// authorized answers a list or delete whose credential the fake refuses, and reports
// whether the request may go on. authToken is accepted unless refused; the access token
// only with its store hash, and only when accessStatus is 0.
func (f *fakeB2B) authorized(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	status := http.StatusUnauthorized
	switch auth, access := r.Header.Get("authToken"), r.Header.Get("X-Auth-Token"); {
	case auth != "":
		status = f.refused[auth]
	case access == testAccessToken && r.Header.Get("X-Store-Hash") == testStoreHash:
		status = f.accessStatus
	}
	f.mu.Unlock()
	switch status {
	case 0:
		return true
	case http.StatusUnauthorized:
		writeEnvelope(w, status, status, map[string]any{"errMsg": "Invalid token."}, "Unauthorized")
	default:
		writeStatus(w, status)
	}
	return false
}

func (f *fakeB2B) serveList(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil {
		limit = 10
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	f.mu.Lock()
	limit = min(limit, f.maxLimit)
	page, total := f.pageLocked(offset, limit)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, listReply(page, total, offset, limit))
}

func listReply(page []ServerToken, total, offset, limit int) map[string]any {
	if page == nil {
		page = []ServerToken{}
	}
	return map[string]any{"code": 200, "data": page, "meta": map[string]any{
		"message":    "SUCCESS",
		"pagination": map[string]int{"totalCount": total, "offset": offset, "limit": limit},
	}}
}

func (f *fakeB2B) serveCreate(w http.ResponseWriter, body []byte) {
	var req CreateServerTokenRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Name == "" {
		writeEnvelope(w, http.StatusBadRequest, 400, map[string]any{"errMsg": map[string][]string{"name": {"This field is required."}}}, "Parameter Error")
		return
	}
	if req.Password == "wrong" {
		writeEnvelope(w, http.StatusBadRequest, 400, map[string]any{"errMsg": "The email or password you have entered is incorrect. Please try again."}, "API logic error")
		return
	}
	store := req.StoreHash
	if store == "" {
		store = testStoreHash
	}
	writeCreated(w, f.addStoreToken(store, req.Name, req.Email))
}

func writeCreated(w http.ResponseWriter, tok ServerToken) {
	writeEnvelope(w, http.StatusOK, 200, []map[string]string{{"name": tok.Name, "token": tok.Token}}, "SUCCESS")
}

func (f *fakeB2B) serveDelete(w http.ResponseWriter, body []byte) {
	var req struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.ID == 0 {
		writeEnvelope(w, http.StatusBadRequest, 400, map[string]any{"errMsg": map[string][]string{"id": {"This field is required."}}}, "Parameter Error")
		return
	}
	if !f.removeToken(req.ID) {
		writeEnvelope(w, http.StatusNotFound, 404, map[string]any{"errMsg": "No matching token was found."}, "Not Found Error")
		return
	}
	writeEnvelope(w, http.StatusOK, 200, []any{nil}, "SUCCESS")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeEnvelope(w http.ResponseWriter, status, code int, data any, message string) {
	writeJSON(w, status, map[string]any{"code": code, "data": data, "meta": map[string]any{"message": message}})
}

// writeStatus replies with status and a B2B error envelope.
func writeStatus(w http.ResponseWriter, status int) {
	writeEnvelope(w, status, status, map[string]any{"errMsg": http.StatusText(status)}, "API logic error")
}

// cutOffReply sends the headers of a 200 and the start of its body, then resets the
// connection: a reply that breaks off while it is read.
func cutOffReply(t *testing.T, w http.ResponseWriter, start string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, start)
	_ = http.NewResponseController(w).Flush()
	resetConnection(t, w)
}

// resetConnection aborts the connection with a TCP RST and sends no further reply.
func resetConnection(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// stall holds a request until the client gives up on it.
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// fastConfig is a Config with every wait a millisecond.
func fastConfig(baseURL string) Config {
	return Config{
		BaseURL:        baseURL,
		MaxRetries:     2,
		RequestTimeout: 5 * time.Second,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   time.Millisecond,
		LocateAttempts: 3,
		LocateWait:     time.Millisecond,
		UserAgent:      testUserAgent,
	}
}

// client returns a client of f with fastConfig, changed by each of mods in turn.
func (f *fakeB2B) client(t testing.TB, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := fastConfig(f.URL())
	for _, mod := range mods {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func withAuthToken(cfg *Config) { cfg.AuthToken = testAuthToken }

// credentialCases are the two ways a provision lists the store after its create: with the
// configured auth_token, or, without any credential, with the token it has just created.
var credentialCases = []struct {
	name   string
	config func(*Config)
}{
	{"with auth_token", withAuthToken},
	{"without credential", func(*Config) {}},
}

// forEachCredential runs test as a subtest for each of credentialCases, each with a fake of
// its own; credential configures the client the case's way.
func forEachCredential(t *testing.T, test func(t *testing.T, f *fakeB2B, credential func(*Config))) {
	t.Helper()
	for _, cc := range credentialCases {
		t.Run(cc.name, func(t *testing.T) {
			f := newFake(t)
			if cc.name == "with auth_token" {
				f.listAuthToken()
			}
			test(t, f, cc.config)
		})
	}
}

// closedAddr is a loopback address nothing listens on any more.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// asAPIError fails the test unless err is an *Error.
func asAPIError(t *testing.T, err error) *Error {
	t.Helper()
	apiErr, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T %v, want *Error", err, err)
	}
	return apiErr
}

// assertNoSecrets fails when s holds a configured secret or a query string.
func assertNoSecrets(t *testing.T, s string) {
	t.Helper()
	for _, secret := range testSecrets {
		if strings.Contains(s, secret) {
			t.Errorf("error %q leaks secret %q", s, secret)
		}
	}
	for _, q := range []string{"?", "limit=", "offset="} {
		if strings.Contains(s, q) {
			t.Errorf("error %q shows the query (%q)", s, q)
		}
	}
}
