package b2b

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewFillsDefaultsForZeroFields(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	type defaults struct {
		BaseURL                                                string
		MaxRetries, LocateAttempts, ListConcurrency            int
		RequestTimeout, RetryWaitMin, RetryWaitMax, LocateWait time.Duration
	}
	want := defaults{DefaultBaseURL, DefaultMaxRetries, DefaultLocateAttempts, DefaultListConcurrency,
		DefaultRequestTimeout, DefaultRetryWaitMin, DefaultRetryWaitMax, DefaultLocateWait}
	got := defaults{c.cfg.BaseURL, c.cfg.MaxRetries, c.cfg.LocateAttempts, c.cfg.ListConcurrency,
		c.cfg.RequestTimeout, c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, c.cfg.LocateWait}
	if got != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	if c.base.String() != DefaultBaseURL {
		t.Errorf("base = %q, want %q", c.base, DefaultBaseURL)
	}
	if c.retrier.RetryMax != DefaultMaxRetries || c.cfg.NoRetries || c.retrier.HTTPClient.Timeout != 0 {
		t.Errorf("retrier: RetryMax %d, client-wide Timeout %v (the transport bounds each attempt instead)", c.retrier.RetryMax, c.retrier.HTTPClient.Timeout)
	}
}

func TestNewRefusesABaseURLThatIsNotAbsolute(t *testing.T) {
	tests := []string{"not a url", "/api/io", "api-b2b.bigcommerce.com/api/io", "https://", "://x"}
	for _, raw := range tests {
		t.Run(raw, func(t *testing.T) {
			c, err := New(Config{BaseURL: raw})
			if err == nil {
				t.Fatalf("New(%q) = %v, want an error", raw, c)
			}
			if !strings.Contains(err.Error(), "invalid API base URL") || !strings.Contains(err.Error(), DefaultBaseURL) {
				t.Errorf("error %q should say the URL is invalid and show an example", err)
			}
		})
	}
}

func TestRetriesAreBoundedByMaxRetries(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		noRetries  bool
		wantGETs   int
	}{
		{"NoRetries sends once", 3, true, 1},
		{"negative means never, as before NoRetries", -1, false, 1},
		{"zero means the default", 0, false, DefaultMaxRetries + 1},
		{"one", 1, false, 2},
		{"three", 3, false, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
				writeStatus(w, http.StatusServiceUnavailable)
				return true
			})
			c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.MaxRetries, cfg.NoRetries = tt.maxRetries, tt.noRetries })
			_, err := c.ListServerTokensPage(context.Background(), 10, 0)
			if got := asAPIError(t, err).StatusCode; got != http.StatusServiceUnavailable {
				t.Errorf("StatusCode = %d, want 503", got)
			}
			if got := f.count(http.MethodGet, "/backend/tokens"); got != tt.wantGETs {
				t.Errorf("%d requests, want %d", got, tt.wantGETs)
			}
		})
	}
}

func TestBaseURLTrailingSlashesAreIgnored(t *testing.T) {
	for _, suffix := range []string{"", "/", "//"} {
		t.Run(fmt.Sprintf("suffix %q", suffix), func(t *testing.T) {
			f := newFake(t)
			c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.BaseURL = f.URL() + suffix })
			if _, err := c.ListServerTokensPage(context.Background(), 5, 7); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			// the fake strips /api/io: a request outside it keeps a different path
			if reqs[0].Path != "/backend/tokens" || reqs[0].Query != "limit=5&offset=7" {
				t.Errorf("request %s?%s, want %s/backend/tokens?limit=5&offset=7", reqs[0].Path, reqs[0].Query, fakeBasePath)
			}
		})
	}
}

func TestRequestsSendAcceptUserAgentAndTheirBodysContentType(t *testing.T) {
	tests := []struct {
		name            string
		call            func(*Client) error
		wantContentType string
	}{
		{"list", func(c *Client) error { _, err := c.ListServerTokensPage(context.Background(), 1, 0); return err }, ""},
		{"create", func(c *Client) error {
			_, err := c.CreateServerToken(context.Background(), CreateServerTokenRequest{StoreHash: testStoreHash, Email: "a@b.c", Password: testPassword, Name: "n"})
			return err
		}, "application/json"},
		{"delete", func(c *Client) error { _, err := c.DeleteServerToken(context.Background(), 1); return err }, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.seed(1, "x", "a@b.c")
			c := f.client(t, withAuthToken)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			h := reqs[0].Header
			if got := h.Get("User-Agent"); got != testUserAgent {
				t.Errorf("User-Agent = %q, want %q", got, testUserAgent)
			}
			if got := h.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q, want application/json", got)
			}
			if got := h.Get("Content-Type"); got != tt.wantContentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantContentType)
			}
			if tt.wantContentType == "" && len(reqs[0].Body) != 0 {
				t.Errorf("body %q, want none", reqs[0].Body)
			}
		})
	}
}

func TestUserAgentIsSentWhenNoneIsConfigured(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.UserAgent = "" })
	if _, err := c.ListServerTokensPage(context.Background(), 1, 0); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[0].Header.Get("User-Agent"); got == "" {
		t.Error("no User-Agent sent")
	}
}

func TestLogGetsALineForEveryAttemptAndReplyWithoutSecrets(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, n int) bool {
		if n == 1 {
			w.Header().Set("X-Requests-Remaining", "149 times")
			writeStatus(w, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	var mu sync.Mutex
	var lines []string
	c := f.client(t, func(cfg *Config) {
		withAuthToken(cfg)
		cfg.Log = func(_ context.Context, msg string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			line := msg
			for _, k := range []string{"method", "path", "attempt", "status", "requests_remaining"} {
				if v, ok := fields[k]; ok {
					line += fmt.Sprintf(" %s=%v", k, v)
				}
			}
			if len(fields) > 5 {
				t.Errorf("unexpected log fields %v", fields)
			}
			lines = append(lines, line)
		}
	})
	if _, err := c.ListServerTokensPage(context.Background(), 1, 0); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"B2B API request method=GET path=/backend/tokens attempt=1",
		"B2B API reply method=GET path=/backend/tokens status=503 requests_remaining=149 times",
		"B2B API request method=GET path=/backend/tokens attempt=2",
		"B2B API reply method=GET path=/backend/tokens status=200",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range lines {
		assertNoSecrets(t, l)
	}
}

func TestConfiguredTransportCarriesTheRequests(t *testing.T) {
	f := newFake(t)
	var calls int
	var mu sync.Mutex
	c := f.client(t, func(cfg *Config) {
		withAuthToken(cfg)
		cfg.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			return http.DefaultTransport.RoundTrip(r)
		})
	})
	if _, err := c.ListServerTokensPage(context.Background(), 1, 0); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("transport used %d times, want 1", calls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRequestThatCannotBeBuiltIsNeverSent(t *testing.T) {
	f := newFake(t)
	c := f.client(t, withAuthToken)
	tests := []struct {
		name string
		cl   call
		want string
	}{
		{"body that does not encode", call{method: http.MethodPost, path: "/auth/backend", body: make(chan int)},
			"POST /auth/backend: encoding request: json: unsupported type: chan int"},
		{"invalid method", call{method: "BAD METHOD", path: "/auth/backend"},
			`BAD METHOD /auth/backend: net/http: invalid method "BAD METHOD"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.do(context.Background(), tt.cl, nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestReplyCutOffMidReadIsAnErrorThatMayHaveReachedTheServer(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		cutOffReply(t, w, `{"code":200,"data":[{"id":1,"token":"`+testAuthToken)
		return true
	})
	c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.NoRetries = true })
	_, err := c.ListServerTokensPage(context.Background(), 10, 0)
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusOK || apiErr.Err == nil || !strings.Contains(err.Error(), "GET /backend/tokens: HTTP 200 OK: reading reply: ") {
		t.Errorf("err = %v, want a read error of the 200 reply", err)
	}
	assertNoSecrets(t, err.Error())
}
