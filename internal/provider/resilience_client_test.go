package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Tests of the API client's retry loop against httptest servers, through its public API:
// replies cut off mid-read, failures that only the body code shows, and cancellation.

const clientTestAuthToken = "client-test-auth-token"

// scriptedServer answers the n-th request (from 1) of every method and path with
// script(w, n); a script that returns false lets a default success reply go out.
type scriptedServer struct {
	mu     sync.Mutex
	counts map[string]int
	srv    *httptest.Server
}

func newScriptedServer(t *testing.T, script func(w http.ResponseWriter, r *http.Request, n int) bool) *scriptedServer {
	t.Helper()
	s := &scriptedServer{counts: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		key := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/api/io")
		s.counts[key]++
		n := s.counts[key]
		s.mu.Unlock()
		if script(w, r, n) {
			return
		}
		writeReply(w, http.StatusOK, 200, successData(r))
	}))
	// One connection per request: the transport never replays a request on its own.
	s.srv.Config.SetKeepAlivesEnabled(false)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scriptedServer) count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

func (s *scriptedServer) client(t *testing.T, adjust func(*b2b.Config)) *b2b.Client {
	t.Helper()
	cfg := b2b.Config{
		BaseURL: s.srv.URL + "/api/io", AuthToken: clientTestAuthToken, MaxRetries: 3,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond,
		LocateWait: time.Millisecond, LocateAttempts: 2,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	c, err := b2b.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func successData(r *http.Request) any {
	switch r.Method {
	case http.MethodPost:
		return []map[string]string{{"name": "n", "token": "created-token-value"}}
	case http.MethodGet:
		return []map[string]any{{"id": 7, "name": "n", "email": "a@example.com", "token": "listed-token-value"}}
	}
	return []any{}
}

func writeReply(w http.ResponseWriter, status, code int, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "data": data, "meta": map[string]any{"message": http.StatusText(code)}})
}

// cutOff sends the headers of a 200 and part of its body, then resets the connection.
func cutOff(t *testing.T, w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"code":200,"data":[{"id":7,"na`))
	_ = http.NewResponseController(w).Flush()
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

type clientOp struct {
	name, route string
	resendable  bool
	call        func(*b2b.Client) error
}

var clientOps = []clientOp{
	{"list", "GET /backend/tokens", true, func(c *b2b.Client) error {
		_, err := c.ListServerTokensPage(context.Background(), 250, 0)
		return err
	}},
	{"delete", "DELETE /auth/backend", true, func(c *b2b.Client) error {
		return c.DeleteServerToken(context.Background(), 7)
	}},
	{"create", "POST /auth/backend", false, func(c *b2b.Client) error {
		_, err := c.CreateServerToken(context.Background(), b2b.CreateServerTokenRequest{StoreHash: "abc123", Email: "a@example.com", Password: "pw", Name: "n"})
		return err
	}},
}

// TestClientResilience_replyCutOffMidRead: a reply whose body breaks off is read again
// when the request is resendable (list, delete); a create is not sent again, and its error
// says it may have reached the server.
func TestClientResilience_replyCutOffMidRead(t *testing.T) {
	for _, op := range clientOps {
		t.Run(op.name, func(t *testing.T) {
			s := newScriptedServer(t, func(w http.ResponseWriter, _ *http.Request, n int) bool {
				if n <= 2 {
					cutOff(t, w)
					return true
				}
				return false
			})
			err := op.call(s.client(t, nil))
			if op.resendable {
				if err != nil {
					t.Fatalf("err = %v, want success after two replies cut off", err)
				}
				if got := s.count(op.route); got != 3 {
					t.Errorf("%d requests, want 3", got)
				}
				return
			}
			var apiErr *b2b.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 200 || !strings.HasPrefix(err.Error(), "POST /auth/backend: HTTP 200 OK: reading reply: ") {
				t.Errorf("err = %v, want a read error of the create's 200 reply", err)
			}
			if !b2b.MayHaveReachedServer(err) {
				t.Errorf("MayHaveReachedServer(%v) = false", err)
			}
			if got := s.count(op.route); got != 1 {
				t.Errorf("%d creates sent, want 1", got)
			}
		})
	}
}

// TestClientResilience_bodyCodeInHTTP200: an HTTP 200 whose body code is 429 or a server
// error is retried like that status would be: a 429 always, a server error only when the
// request is resendable; other body codes are not retried. When the retries run out, the
// error shows the body code.
func TestClientResilience_bodyCodeInHTTP200(t *testing.T) {
	for _, op := range clientOps {
		for _, code := range []int{429, 500, 502, 503, 504, 400, 404} {
			retried := code == 429 || (code >= 500 && op.resendable)
			t.Run(fmt.Sprintf("%s body code %d", op.name, code), func(t *testing.T) {
				s := newScriptedServer(t, func(w http.ResponseWriter, _ *http.Request, n int) bool {
					if n == 1 {
						writeReply(w, http.StatusOK, code, map[string]any{"errMsg": "from the body"})
						return true
					}
					return false
				})
				err := op.call(s.client(t, nil))
				if retried {
					if err != nil || s.count(op.route) != 2 {
						t.Errorf("err = %v after %d requests, want success on the second", err, s.count(op.route))
					}
					return
				}
				want := fmt.Sprintf("%s: HTTP 200 OK (body code %d): from the body", op.route, code)
				if op.name == "delete" && code == 404 {
					want = "" // the caller treats a 404 as gone; the client still reports it
				}
				if err == nil || (want != "" && !strings.HasPrefix(err.Error(), want)) {
					t.Errorf("err = %v, want %q", err, want)
				}
				if got := s.count(op.route); got != 1 {
					t.Errorf("%d requests, want 1", got)
				}
			})
		}
	}

	t.Run("list until retries run out", func(t *testing.T) {
		s := newScriptedServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			writeReply(w, http.StatusOK, 503, map[string]any{"errMsg": "busy"})
			return true
		})
		err := clientOps[0].call(s.client(t, func(c *b2b.Config) { c.MaxRetries = 2 }))
		if err == nil || err.Error() != "GET /backend/tokens: HTTP 200 OK (body code 503): busy (Service Unavailable)" {
			t.Errorf("err = %v", err)
		}
		if got := s.count("GET /backend/tokens"); got != 3 {
			t.Errorf("%d requests, want 3", got)
		}
	})
}

// TestClientResilience_bodyCode429HonoursWindowReset: the rate-limit window header of an
// HTTP 200 whose body says 429 is honoured as for an HTTP 429: 200 ms here, where the
// configured backoff would wait 1.5 to 3 s.
func TestClientResilience_bodyCode429HonoursWindowReset(t *testing.T) {
	s := newScriptedServer(t, func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			w.Header().Set("X-Request-Window-Resets-After", "0.2 s")
			writeReply(w, http.StatusOK, 429, map[string]any{"errMsg": "Too many requests"})
			return true
		}
		return false
	})
	c := s.client(t, func(c *b2b.Config) { c.RetryWaitMin, c.RetryWaitMax = 3*time.Second, 5*time.Second })
	start := time.Now()
	err := clientOps[0].call(c)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	// The backoff would wait at least 3 s: a retry before that honoured the server's 200 ms.
	if elapsed < 200*time.Millisecond || elapsed >= 3*time.Second {
		t.Errorf("retried after %v, want the 200 ms the server asked for", elapsed)
	}
}

// TestClientResilience_cancellationStopsWaitingAtOnce: a cancelled context ends a wait the
// server asked for (Retry-After: 20), and the polling for a created token that the list
// does not show yet; the created token's value is still returned, so it is not orphaned.
func TestClientResilience_cancellationStopsWaitingAtOnce(t *testing.T) {
	t.Run("Retry-After", func(t *testing.T) {
		replied := make(chan struct{}, 1)
		s := newScriptedServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			w.Header().Set("Retry-After", "20")
			writeReply(w, http.StatusTooManyRequests, 429, map[string]any{"errMsg": "Too many requests"})
			select {
			case replied <- struct{}{}:
			default:
			}
			return true
		})
		c := s.client(t, func(c *b2b.Config) { c.RetryWaitMax = time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-replied
			time.Sleep(20 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		_, err := c.ListServerTokensPage(ctx, 250, 0)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second { // not the 20 s asked for
			t.Errorf("err = %v after %v, want context.Canceled at once", err, time.Since(start))
		}
	})

	t.Run("locating a new token", func(t *testing.T) {
		emu := emulator.New(emulator.Options{StoreHash: "abc123", Users: []emulator.User{{Email: testEmail, Password: testPassword, Role: "administrator"}}})
		emu.SetListLag(-1)
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		c, err := b2b.New(b2b.Config{BaseURL: srv.URL + "/api/io", LocateWait: 20 * time.Second, LocateAttempts: 5,
			RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		emu.OnRequest(func(call emulator.Call) {
			if call.Method == http.MethodGet {
				go func() { time.Sleep(20 * time.Millisecond); cancel() }()
			}
		})
		start := time.Now()
		tok, err := c.ProvisionServerToken(ctx, b2b.CreateServerTokenRequest{StoreHash: "abc123", Email: testEmail, Password: testPassword, Name: "n"})
		if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second { // not the 20 s poll
			t.Errorf("err = %v after %v, want context.Canceled at once", err, time.Since(start))
		}
		if tok.Token == "" || tok.Token != emu.Tokens()[0].Token {
			t.Errorf("the created token's value was not returned with the error")
		}
	})
}
