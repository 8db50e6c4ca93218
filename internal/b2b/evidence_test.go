package b2b

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// verdictName names a verdict for failure messages.
func verdictName(v verdict) string {
	switch v {
	case verdictNone:
		return "none"
	case verdictAccepted:
		return "accepted"
	case verdictRefused:
		return "refused"
	case verdictDoubtful:
		return "doubtful"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

var (
	s2sCredential    = credential{value: testAuthToken, source: SourceAuthToken}
	accessCredential = credential{value: testAccessToken, source: SourceAccessToken, accessToken: true}
)

// What one call's outcome says of the credential it was sent with: only the API's own
// envelope refuses; a gateway's page or a body-less 401/403 only moves on to another
// credential; a failure before authentication says nothing.
func TestJudgeCredentialByReply(t *testing.T) {
	envelope := func(status int) *Error { return &Error{StatusCode: status, Envelope: true} }
	page := func(status int) *Error {
		return &Error{StatusCode: status, Err: errors.New("reply is not JSON (text/html)")}
	}
	tests := []struct {
		name string
		err  error
		cr   credential
		want verdict
	}{
		{"success", nil, s2sCredential, verdictAccepted},
		{"success with the access token", nil, accessCredential, verdictAccepted},
		{"envelope 401", envelope(401), s2sCredential, verdictRefused},
		{"envelope 401 of the access token", envelope(401), accessCredential, verdictRefused},
		{"body code 401 in an HTTP 200 envelope", &Error{StatusCode: 200, BodyCode: 401, Envelope: true}, s2sCredential, verdictRefused},
		{"wrapped envelope 401", fmt.Errorf("listing: %w", envelope(401)), s2sCredential, verdictRefused},
		{"envelope 403 of the access token", envelope(403), accessCredential, verdictRefused},
		// A 403 to an S2S token is a missing scope or a wrong route, not proof that the
		// token is invalid.
		{"envelope 403 of an S2S token", envelope(403), s2sCredential, verdictDoubtful},
		{"HTML 401 page", page(401), s2sCredential, verdictDoubtful},
		{"HTML 401 page to the access token", page(401), accessCredential, verdictDoubtful},
		{"body-less 401", &Error{StatusCode: 401}, s2sCredential, verdictDoubtful},
		{"HTML 403 page", page(403), s2sCredential, verdictDoubtful},
		{"HTML 403 page to the access token", page(403), accessCredential, verdictDoubtful},
		{"body-less 403", &Error{StatusCode: 403}, accessCredential, verdictDoubtful},
		{"detail 401 (not the envelope)", &Error{StatusCode: 401, Message: "Invalid token header."}, s2sCredential, verdictDoubtful},
		{"envelope 404: authenticated, unknown id", envelope(404), s2sCredential, verdictAccepted},
		{"envelope 400: authenticated, bad request", envelope(400), s2sCredential, verdictAccepted},
		{"envelope 413", envelope(413), s2sCredential, verdictAccepted},
		{"detail 404 of a wrong route", &Error{StatusCode: 404, Message: "Not found."}, s2sCredential, verdictNone},
		{"HTML 404 page", page(404), s2sCredential, verdictNone},
		{"envelope 429 comes before authentication", envelope(429), s2sCredential, verdictNone},
		{"body code 429", &Error{StatusCode: 200, BodyCode: 429, Envelope: true}, s2sCredential, verdictNone},
		{"envelope 500", envelope(500), s2sCredential, verdictNone},
		{"HTML 502 page", page(502), s2sCredential, verdictNone},
		{"timeout: no reply", &Error{Err: context.DeadlineExceeded}, s2sCredential, verdictNone},
		{"not an *Error", errors.New("boom"), s2sCredential, verdictNone},
		{"cancelled", context.Canceled, s2sCredential, verdictNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := judgeCredential(tt.err, tt.cr); got != tt.want {
				t.Errorf("judgeCredential(%v, accessToken=%v) = %s, want %s", tt.err, tt.cr.accessToken, verdictName(got), verdictName(tt.want))
			}
		})
	}
}

// The same judgement of real replies, as the client decodes them: whether a 401 or 403
// carries the envelope decides, not its status.
func TestJudgeCredentialOfRealReplies(t *testing.T) {
	tests := []struct {
		name  string
		reply func(w http.ResponseWriter)
		want  verdict
	}{
		{"envelope 401", func(w http.ResponseWriter) {
			writeEnvelope(w, 401, 401, map[string]any{"errMsg": "Invalid token."}, "Unauthorized")
		}, verdictRefused},
		{"envelope code 401 in an HTTP 200", func(w http.ResponseWriter) {
			writeEnvelope(w, 200, 401, map[string]any{"errMsg": "Invalid token."}, "Unauthorized")
		}, verdictRefused},
		{"HTML 401 of a gateway", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(401)
			_, _ = io.WriteString(w, "<html><body>401 Authorization Required</body></html>")
		}, verdictDoubtful},
		{"body-less 401", func(w http.ResponseWriter) { w.WriteHeader(401) }, verdictDoubtful},
		{"detail 401 without code and meta", func(w http.ResponseWriter) {
			writeJSON(w, 401, map[string]any{"detail": "Invalid token header. No credentials provided."})
		}, verdictDoubtful},
		{"HTML 403 of a WAF", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			_, _ = io.WriteString(w, "<html>Request blocked</html>")
		}, verdictDoubtful},
		{"body-less 403", func(w http.ResponseWriter) { w.WriteHeader(403) }, verdictDoubtful},
		{"envelope 403 to an S2S token", func(w http.ResponseWriter) { writeStatus(w, 403) }, verdictDoubtful},
		{"success", nil, verdictAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.reply != nil {
				f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
					tt.reply(w)
					return true
				})
			}
			c := f.client(t, withAuthToken)
			_, err := c.ListServerTokensPage(context.Background(), 10, 0)
			if got := judgeCredential(err, s2sCredential); got != tt.want {
				t.Errorf("judgeCredential(%v) = %s, want %s", err, verdictName(got), verdictName(tt.want))
			}
		})
	}
}

// A create whose connection could not be made (the name did not resolve, the connection
// was refused) never reached the server: it is retried, and reported as not reached.
func TestCreateThatNeverConnectedNeverReachedTheServer(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"DNS", &net.DNSError{Err: "no such host", Name: "api-b2b.invalid", IsNotFound: true}},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dials atomic.Int32
			transport := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
				dials.Add(1)
				return nil, tt.err
			}}
			c, err := New(Config{BaseURL: "http://api-b2b.invalid" + fakeBasePath, MaxRetries: 2, Transport: transport,
				RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			err, reached := createReachedOf(c, testCreate)
			if err == nil || reached {
				t.Fatalf("createReached(%v) = %v, want an error that never reached the server", err, reached)
			}
			// Never reached, so retried: 1 + MaxRetries attempts.
			if n := dials.Load(); n != 3 {
				t.Errorf("%d dials, want 3: a create that cannot have reached the server is retried", n)
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

// A connection that was made and then broke before any reply may have delivered the
// create: it is reached, and never sent again.
func TestCreateDroppedAfterWriteMayHaveReachedTheServer(t *testing.T) {
	f := newFake(t)
	f.setHook(onCreate(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ CreateServerTokenRequest, _ int) bool {
		resetConnection(t, w)
		return true
	}))
	c := f.client(t, func(cfg *Config) { cfg.MaxRetries = 3 })
	err, reached := createReachedOf(c, testCreate)
	if err == nil || !reached {
		t.Fatalf("createReached(%v) = %v, want reached", err, reached)
	}
	if n := len(createsOf(t, f)); n != 1 {
		t.Errorf("%d creates, want 1: a create that may have reached the server is never re-sent", n)
	}
}
