// Package emulator is an in-memory stand-in for BigCommerce B2B Edition's
// authentication API (https://api-b2b.bigcommerce.com/api/io), built from
// BigCommerce's published reference pages only. Tests drive it through
// seeding, fault injection and the record of calls.
package emulator

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const pathPrefix = "/api/io"

// maxBody bounds how much of a request body is read.
const maxBody = 1 << 20

// User is a backend B2B Edition user that may create S2S tokens.
// Role is "administrator", "store_owner", or anything else (a custom role).
type User struct {
	Email, Password, Role string
}

// Customer is a storefront customer. An empty ChannelIDs means every channel.
type Customer struct {
	ID              int64
	Email, Password string
	ChannelIDs      []int64
}

// Server emulates the API. It implements http.Handler and is safe for
// concurrent use.
type Server struct {
	storeHash           string
	users               []User
	customers           []Customer
	accessTokens        map[string]bool
	now                 func() time.Time
	createReplyAsObject bool
	secret              []byte

	mu                     sync.Mutex
	tokens                 []Token        // id ascending
	byValue                map[string]int // token value -> how many tokens have it
	tokenValues            TokenValueMode
	nextID                 int64
	listLag                int
	listLagFor             time.Duration
	listOrder              ListOrder
	accessTokenListsTokens bool
	unauthorizedAsDetail   bool
	hidden                 map[int64]lag // token id -> what keeps it out of listings
	replica                replica
	nameRule               NameRule
	gone                   []goneToken // deleted tokens, for a replica behind the store
	latency                time.Duration
	faults                 map[string][]Fault
	calls                  []Call
	hook                   func(Call)
	limiter                rateLimiter
}

// New returns a Server for one store. It panics when opts.Validate fails.
func New(opts Options) *Server {
	if err := opts.Validate(); err != nil {
		panic("emulator: " + err.Error())
	}
	s := &Server{
		storeHash:              opts.StoreHash,
		users:                  append([]User(nil), opts.Users...),
		customers:              make([]Customer, len(opts.Customers)),
		accessTokens:           make(map[string]bool, len(opts.AccessTokens)),
		now:                    opts.Now,
		createReplyAsObject:    opts.CreateReplyAsObject,
		secret:                 make([]byte, 32),
		byValue:                make(map[string]int),
		tokenValues:            opts.TokenValues,
		nextID:                 1,
		listOrder:              opts.ListOrder,
		accessTokenListsTokens: opts.AccessTokenListsTokens,
		unauthorizedAsDetail:   opts.UnauthorizedAsDetail,
		hidden:                 make(map[int64]lag),
		faults:                 make(map[string][]Fault),
		limiter:                rateLimiter{window: defaultRateWindow},
	}
	if s.storeHash == "" {
		s.storeHash = "abc123"
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i, c := range opts.Customers {
		c.ChannelIDs = append([]int64(nil), c.ChannelIDs...)
		s.customers[i] = c
	}
	for _, t := range opts.AccessTokens {
		s.accessTokens[t] = true
	}
	rand.Read(s.secret)
	s.seed(opts.Tokens)
	return s
}

// StoreHash returns the store hash this server accepts.
func (s *Server) StoreHash() string { return s.storeHash }

// request is what a handler sees of an HTTP request.
type request struct {
	method, path string
	underPrefix  bool
	header       http.Header
	query        url.Values
	body         []byte
	tooLarge     bool
}

type handler func(*Server, *request) reply

var routes = map[string]map[string]handler{
	"/auth/backend": {
		http.MethodPost:   (*Server).createBackendToken,
		http.MethodDelete: (*Server).deleteBackendToken,
	},
	"/backend/tokens":            {http.MethodGet: (*Server).listBackendTokens},
	"/auth/customers/storefront": {http.MethodPost: (*Server).customerStorefrontToken},
	"/auth/customers":            {http.MethodPost: (*Server).credentialsToken},
	"/auth/storefront":           {http.MethodGet: (*Server).storefrontFromJWT},
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	}
	path, underPrefix := apiPath(r.URL.Path)
	req := &request{
		method:      r.Method,
		path:        path,
		underPrefix: underPrefix,
		header:      r.Header,
		query:       r.URL.Query(),
		body:        body,
		tooLarge:    err != nil || len(body) > maxBody,
	}
	call := Call{
		Method:   r.Method,
		Path:     path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Fault:    FaultNone,
	}
	out := s.process(r.Context(), req, &call)
	call.Status = out.status()
	// The hook runs before the reply leaves, so whatever it changes is in
	// place before the client can send its next request.
	s.record(call)
	out.write(w)
}

func apiPath(p string) (string, bool) {
	if p == pathPrefix {
		return "", true
	}
	if rest, ok := strings.CutPrefix(p, pathPrefix+"/"); ok {
		return "/" + rest, true
	}
	return p, false
}

func (s *Server) process(ctx context.Context, req *request, call *Call) outcome {
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if !sleep(ctx, latency) {
		return outcome{}
	}
	rl, allowed := s.takeRate()
	if !allowed {
		call.RateLimited = true
		rep := failure(http.StatusTooManyRequests, "Too many requests", "Too Many Requests")
		rep.addHeaders(rl)
		return outcome{rep: &rep}
	}
	f, faulted := s.popFault(req.method + " " + req.path)
	if !faulted {
		rep := s.dispatch(req)
		rep.addHeaders(rl)
		return outcome{rep: &rep}
	}
	call.Fault = f.Kind
	return s.applyFault(ctx, req, f, rl)
}

func (s *Server) dispatch(req *request) reply {
	// The 404 of an unknown route and the 405 are {"detail": ...}: the web
	// framework's default answers, not the API's envelope.
	methods, ok := routes[req.path]
	if !req.underPrefix || !ok {
		return detailReply(http.StatusNotFound, "Not found.")
	}
	h, ok := methods[req.method]
	if !ok {
		rep := detailReply(http.StatusMethodNotAllowed, `Method "`+req.method+`" not allowed.`)
		rep.header.Set("Allow", allowed(methods))
		return rep
	}
	if req.tooLarge {
		return failure(http.StatusRequestEntityTooLarge, "Request body too large.", catParameter)
	}
	if rep, bad := mixedCredentials(req.header); bad {
		return rep
	}
	return h(s, req)
}

func allowed(methods map[string]handler) string {
	var list []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		if methods[m] != nil {
			list = append(list, m)
		}
	}
	return strings.Join(list, ", ")
}

// sleep waits d, or less if ctx ends first; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return ctx.Err() == nil
}

// SetLatency makes every request wait d before it is handled.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}
