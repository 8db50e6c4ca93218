// Package b2b is a small client for the authentication API of BigCommerce B2B Edition.
//
// It knows HTTP and BigCommerce, and nothing of Terraform: typed requests, typed replies and
// one error type, [Error].
package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the production endpoint of the B2B Edition REST API.
const DefaultBaseURL = "https://api-b2b.bigcommerce.com/api/io"

// Defaults for [Config] fields left zero.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetryWaitMin   = 1 * time.Second
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultLocateAttempts = 8
	DefaultLocateWait     = 500 * time.Millisecond
	DefaultListLag        = 30 * time.Second
	maxReplyBytes         = 16 << 20
)

// Config configures a [Client]. Only BaseURL is required.
type Config struct {
	BaseURL string
	// StoreHash is the store the AccessToken belongs to; it is sent as X-Store-Hash with it.
	StoreHash string
	// AccessToken is a BigCommerce store-level API account token, sent as X-Auth-Token.
	AccessToken string
	// AuthToken is a legacy B2B server-to-server token, sent as authToken.
	AuthToken string

	// MaxRetries is how often a failed request is retried; 0 means DefaultMaxRetries.
	MaxRetries int
	// NoRetries sends every request once, whatever MaxRetries says. A negative MaxRetries
	// means the same, as it did before NoRetries existed.
	NoRetries      bool
	RequestTimeout time.Duration
	RetryWaitMin   time.Duration
	RetryWaitMax   time.Duration

	// LocateAttempts and LocateWait bound the polling of the token list for a token that
	// was just created (the list may show it late). The wait doubles after each attempt.
	LocateAttempts int
	LocateWait     time.Duration
	// ListConcurrency bounds the pages of one listing fetched at once.
	ListConcurrency int

	// RateLimitReserve is how many requests of each rate-limit window the client leaves to
	// the store's other integrations: when X-Requests-Remaining is at or below it, requests
	// to that store wait for the window to reset. 0 turns pacing off.
	RateLimitReserve int

	UserAgent string
	// Log, when set, receives one line per HTTP attempt. Fields never hold secrets.
	Log func(ctx context.Context, msg string, fields map[string]any)
	// LogWait, when set, is told of every wait for a rate-limit window to reset.
	LogWait func(ctx context.Context, msg string, fields map[string]any)
	// Transport replaces the default HTTP transport (tests).
	Transport http.RoundTripper
	// Clock tells the time the client judges windows by; nil: the system clock.
	Clock Clock
	// ListLag bounds how long the list may take to show a token after its create ended:
	// only a listing that started later than that can prove that a create made nothing.
	ListLag time.Duration
}

// withDefaults fills the zero fields of cfg with the defaults, and settles the retries:
// after it, MaxRetries is the number of retries and NoRetries says whether it is 0.
func (cfg Config) withDefaults() Config {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	switch {
	case cfg.NoRetries || cfg.MaxRetries < 0:
		cfg.MaxRetries, cfg.NoRetries = 0, true
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	}
	cfg.RequestTimeout = positiveOr(cfg.RequestTimeout, DefaultRequestTimeout)
	cfg.RetryWaitMin = positiveOr(cfg.RetryWaitMin, DefaultRetryWaitMin)
	cfg.RetryWaitMax = positiveOr(cfg.RetryWaitMax, DefaultRetryWaitMax)
	cfg.LocateAttempts = positiveOr(cfg.LocateAttempts, DefaultLocateAttempts)
	cfg.LocateWait = positiveOr(cfg.LocateWait, DefaultLocateWait)
	cfg.ListConcurrency = positiveOr(cfg.ListConcurrency, DefaultListConcurrency)
	cfg.ListLag = positiveOr(cfg.ListLag, DefaultListLag)
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	return cfg
}

func positiveOr[T int | time.Duration](v, fallback T) T {
	if v <= 0 {
		return fallback
	}
	return v
}

// Client calls the B2B Edition API. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	retrier *retryablehttp.Client
	pacers  *pacers
	waits   waitRecord

	storesMu sync.Mutex
	stores   map[string]*Store
}

// New returns a client for cfg, filling defaults for zero fields.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		// The URL is not echoed: it may hold a password (userinfo).
		return nil, fmt.Errorf("invalid API base URL: want an absolute URL such as %s", DefaultBaseURL)
	}
	httpClient := cleanhttp.DefaultPooledClient()
	// No client-wide timeout: the transport bounds each attempt once it is sent, so that a
	// wait for the store's rate-limit window never eats into request_timeout.
	if cfg.Transport != nil {
		httpClient.Transport = cfg.Transport
	}
	// The API has no redirects: a 3xx is returned as it is, and do refuses it, so that no
	// credential or body is ever sent to the host a redirect names.
	httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{cfg: cfg, base: base, stores: map[string]*Store{}}
	c.pacers = newPacers(cfg.RateLimitReserve, cfg.LogWait, &c.waits)
	httpClient.Transport = &pacedTransport{next: httpClient.Transport, pacers: c.pacers, defaultStore: cfg.StoreHash,
		timeout: cfg.RequestTimeout, clock: cfg.Clock}
	c.retrier = &retryablehttp.Client{
		HTTPClient:      httpClient,
		RetryWaitMin:    cfg.RetryWaitMin,
		RetryWaitMax:    cfg.RetryWaitMax,
		RetryMax:        cfg.MaxRetries,
		CheckRetry:      checkRetry,
		Backoff:         c.waits.backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
		RequestLogHook:  c.logAttempt,
		ResponseLogHook: c.logReply,
	}
	return c, nil
}

// BaseURL is the API base URL the client calls.
func (c *Client) BaseURL() string { return c.base.Redacted() }

// ListLag is how long the client gives the list to show a token after its create ended.
func (c *Client) ListLag() time.Duration { return c.cfg.ListLag }

// Host is the scheme and host (with port) of the API base URL: an S2S token made through
// this client is a credential here only.
func (c *Client) Host() string { return c.base.Scheme + "://" + c.base.Host }

// call describes one API request. It does not change while the request is sent; what the
// sending learns is kept in a [callState].
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	header http.Header
	// resendable is false for a request that must not be sent twice once it may have
	// reached the server (a create without an idempotency key).
	resendable bool
	// store is the store the request is for, whose rate limit it counts against; empty
	// means the client's default store.
	store string
	// stop, when set, is the caller's context for a request sent on a context that is not
	// cancelled with it (a create): once stop is done, the request is not retried.
	stop context.Context
	// ready, when set, is asked once the store's rate limit lets the request go, just before
	// it is sent: an error keeps it from being sent (a create whose listing from before it
	// grew too old while it waited).
	ready func() error
	// secrets are values of the request (a password, a credential) that must never appear in
	// its error, even when the server echoes them back.
	secrets []string
}

// fail is the *Error of cl with the HTTP status (0: no reply) and the cause.
func (cl call) fail(status int, cause error) *Error {
	return &Error{Method: cl.method, Path: cl.path, StatusCode: status, Err: cause}
}

// callState is a call and what its sending has learnt so far. The retry policy, the pacing
// transport and the log hooks see only the request, so it travels in the request's
// context (see [callStateOf]).
type callState struct {
	call
	// attempts counts the requests sent.
	attempts int
	// bodyCode is the retryable envelope code of the latest reply whose HTTP status said
	// success, so that the backoff honours the rate-limit window of a 429 in the body too.
	bodyCode int
	// notSent: the latest attempt was never sent, as it waited for the store's rate-limit
	// window until its time ran out or the caller stopped.
	notSent bool
	// unsent: the latest attempt provably never left: no connection was made (the name did
	// not resolve, the connection was refused, the TLS handshake failed). Anything else may
	// have reached the server. connected and connectFailed are what its trace saw.
	unsent                   bool
	connected, connectFailed atomic.Bool
	// sentAt is when the latest attempt left the pacer for the network; endedAt when the call
	// returned. A create that may have reached the server took effect between the two, or
	// soon after.
	sentAt, endedAt time.Time
}

type callStateKey struct{}

// callStateOf is the state of the call a request belongs to; an empty one for a request
// that did not come from [Client.do].
func callStateOf(ctx context.Context) *callState {
	if state, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return state
	}
	return &callState{}
}

// do sends cl, retrying as the policy allows, and decodes the envelope's data into out.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	return c.doState(ctx, &callState{call: cl}, out)
}

func (c *Client) doState(ctx context.Context, state *callState, out any) error {
	cl := state.call
	ctx = context.WithValue(ctx, callStateKey{}, state)
	req, err := c.newRequest(ctx, cl)
	if err != nil {
		return cl.fail(0, err)
	}
	handler := &replyHandler{client: c, state: state}
	req.SetResponseHandler(handler.read)
	resp, err := c.retrier.Do(req)
	raw, err := c.lastReply(ctx, state, handler, resp, err)
	state.endedAt = c.cfg.Clock.Now()
	if err != nil {
		return err
	}
	return decodeReply(cl, state.attempts, resp, raw, out)
}

// sent is what the sending of a call tells about whether it reached the server.
type sent struct {
	// Wrote: the request was written to a connection (or may have been), and no reply proved
	// it had no effect.
	Wrote bool
	// At is when it left for the network, Ended when its reply or failure came back.
	At, Ended time.Time
}

// doSent is do for a call whose effect matters beyond its reply (a create): it also says
// whether the request may have reached the server, and when.
func (c *Client) doSent(ctx context.Context, cl call, out any) (sent, error) {
	state := &callState{call: cl}
	err := c.doState(ctx, state, out)
	return sent{Wrote: !state.unsent && !state.notSent, At: state.sentAt, Ended: state.endedAt}, err
}

// newRequest builds the HTTP request of cl: its URL, its JSON body and its headers.
func (c *Client) newRequest(ctx context.Context, cl call) (*retryablehttp.Request, error) {
	var body any
	if cl.body != nil {
		encoded, err := json.Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("encoding request: %w", err)
		}
		body = encoded
	}
	u := *c.base
	u.Path = c.base.Path + cl.path
	u.RawQuery = cl.query.Encode()
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header = cl.header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Accept", "application/json")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	return req, nil
}

// replyHandler reads every reply inside the retry loop, so that the retry policy also sees
// a reply cut off mid-read, a redirect and a failure that only the body code shows.
type replyHandler struct {
	client *Client
	state  *callState
	// resp is the latest reply read, raw its body.
	resp *http.Response
	raw  []byte
}

func (h *replyHandler) read(resp *http.Response) error {
	defer resp.Body.Close()
	h.resp, h.state.bodyCode = resp, 0
	var err error
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		err = &redirectError{status: resp.StatusCode, host: locationHost(resp)}
	} else if h.raw, err = readBody(resp); err != nil {
		err = &replyReadError{err}
	} else if code := retryableBodyCode(resp.StatusCode, h.raw); code != 0 {
		h.state.bodyCode = code
		err = &bodyCodeError{code}
	}
	if err != nil {
		h.client.logReply(nil, resp) // the retrier logs only replies that it takes as they are
	}
	return err
}

// lastReply interprets what the retrier ended with: the body of the reply to decode, or
// the error the call fails with.
func (c *Client) lastReply(ctx context.Context, state *callState, handler *replyHandler, resp *http.Response, err error) ([]byte, error) {
	var redirect *redirectError
	var readErr *replyReadError
	var codeErr *bodyCodeError
	switch {
	case errors.As(err, &redirect):
		closeBody(resp)
		return nil, state.fail(redirect.status, redirect)
	case err == nil, errors.As(err, &codeErr) && resp != nil && handler.resp == resp:
		// A reply, or retries ran out on a failure in the body code: decode it as usual.
	case errors.As(err, &readErr) && resp != nil:
		return nil, state.fail(resp.StatusCode, fmt.Errorf("reading reply: %w", c.scrubTransportError(ctx, readErr.err)))
	default:
		closeBody(resp)
		return nil, state.fail(0, c.scrubTransportError(ctx, err))
	}
	if handler.resp == resp {
		return handler.raw, nil
	}
	// Retries ran out on a status the policy retries: the handler never saw that reply.
	defer resp.Body.Close()
	raw, err := readBody(resp)
	if err != nil {
		return nil, state.fail(resp.StatusCode, fmt.Errorf("reading reply: %w", c.scrubTransportError(ctx, err)))
	}
	return raw, nil
}

func readBody(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
}

func closeBody(resp *http.Response) {
	if resp != nil {
		resp.Body.Close()
	}
}

// replyReadError is a reply whose body broke off while it was read.
type replyReadError struct{ err error }

func (e *replyReadError) Error() string { return "reading reply: " + e.err.Error() }
func (e *replyReadError) Unwrap() error { return e.err }

// redirectError is a 3xx reply: the API has none, so it is refused, never followed.
type redirectError struct {
	status int
	host   string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect to %s: the B2B API has no redirects, and no credential or request body "+
		"is sent to the host a redirect names; check api_url", e.host)
}

// locationHost is the host a redirect names, without userinfo, path or query.
func locationHost(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil || loc.Host == "" {
		return "an unnamed location"
	}
	return loc.Scheme + "://" + loc.Host
}

// bodyCodeError is a reply with a success status whose envelope code is one the retry
// policy retries (429, 500, 502, 503, 504).
type bodyCodeError struct{ code int }

func (e *bodyCodeError) Error() string { return fmt.Sprintf("body code %d", e.code) }

// scrubTransportError drops the request URL that net/http puts in its errors (a query may
// carry a credential) and reports cancellation plainly.
func (c *Client) scrubTransportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timeout) && timeout.Timeout() {
		return fmt.Errorf("no reply within request_timeout (%s): %w", c.cfg.RequestTimeout, err)
	}
	return err
}

func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	state := callStateOf(req.Context())
	state.attempts = retry + 1
	if c.cfg.Log == nil {
		return
	}
	fields := map[string]any{"method": state.method, "path": state.path, "attempt": retry + 1}
	c.cfg.Log(req.Context(), "B2B API request", fields)
}

func (c *Client) logReply(_ retryablehttp.Logger, resp *http.Response) {
	if c.cfg.Log == nil || resp.Request == nil {
		return
	}
	state := callStateOf(resp.Request.Context())
	fields := map[string]any{"method": state.method, "path": state.path, "status": resp.StatusCode}
	if v := resp.Header.Get("X-Requests-Remaining"); v != "" {
		fields["requests_remaining"] = v
	}
	c.cfg.Log(resp.Request.Context(), "B2B API reply", fields)
}
