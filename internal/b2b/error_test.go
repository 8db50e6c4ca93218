package b2b

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorStringNamesTheCallStatusAndMessage(t *testing.T) {
	cause := errors.New("connection reset by peer")
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"no reply", &Error{Method: "GET", Path: "/backend/tokens", Err: cause},
			"GET /backend/tokens: connection reset by peer"},
		{"status only", &Error{Method: "DELETE", Path: "/auth/backend", StatusCode: 404},
			"DELETE /auth/backend: HTTP 404 Not Found"},
		{"message and category", &Error{Method: "POST", Path: "/auth/backend", StatusCode: 400, Message: "role forbidden", Category: "API logic error"},
			"POST /auth/backend: HTTP 400 Bad Request: role forbidden (API logic error)"},
		{"category equal to message shown once", &Error{Method: "POST", Path: "/auth/backend", StatusCode: 400, Message: "x", Category: "x"},
			"POST /auth/backend: HTTP 400 Bad Request: x"},
		{"category only", &Error{Method: "DELETE", Path: "/auth/backend", StatusCode: 404, Category: "Not Found Error"},
			"DELETE /auth/backend: HTTP 404 Not Found: Not Found Error"},
		{"body code", &Error{Method: "GET", Path: "/backend/tokens", StatusCode: 200, BodyCode: 413, Message: "limit too large"},
			"GET /backend/tokens: HTTP 200 OK (body code 413): limit too large"},
		{"status and cause", &Error{Method: "GET", Path: "/backend/tokens", StatusCode: 502, Err: errors.New("reply is not JSON (text/html)")},
			"GET /backend/tokens: HTTP 502 Bad Gateway: reply is not JSON (text/html)"},
		{"refused credential named", &Error{Method: "GET", Path: "/backend/tokens", StatusCode: 401, Message: "Invalid token.", Credential: SourceAuthToken},
			"GET /backend/tokens: HTTP 401 Unauthorized: Invalid token. (credential refused: auth_token)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorUnwrapsToItsCauseAndItsStatusPrefersTheBodyCode(t *testing.T) {
	err := fmt.Errorf("outer: %w", &Error{Method: "GET", Path: "/p", StatusCode: 200, BodyCode: 401, Err: io.ErrUnexpectedEOF})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("errors.Is does not reach the cause")
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Status() != 401 {
		t.Errorf("Status() = %d, want the body code 401", apiErr.Status())
	}
	if got := (&Error{StatusCode: 503}).Status(); got != 503 {
		t.Errorf("Status() = %d, want 503", got)
	}
	if got := (&Error{}).Status(); got != 0 {
		t.Errorf("Status() = %d, want 0", got)
	}
}

func TestIsNotFoundAndIsUnauthorizedByStatus(t *testing.T) {
	tests := []struct {
		name                   string
		err                    error
		notFound, unauthorized bool
	}{
		{"nil", nil, false, false},
		{"plain error", errors.New("404"), false, false},
		{"HTTP 404 in the API's envelope", &Error{StatusCode: 404, Envelope: true}, true, false},
		{"body code 404 in HTTP 200", &Error{StatusCode: 200, BodyCode: 404, Envelope: true}, true, false},
		{"wrapped 404", fmt.Errorf("delete: %w", &Error{StatusCode: 404, Envelope: true}), true, false},
		// A 404 that is not the API's own answer: a gateway's page or a wrong route.
		{"HTTP 404 without the envelope", &Error{StatusCode: 404}, false, false},
		{"HTML 404 page", &Error{StatusCode: 404, Err: errors.New("reply is not JSON (text/html)")}, false, false},
		{"HTTP 401 in the API's envelope", &Error{StatusCode: 401, Envelope: true}, false, true},
		{"body code 401", &Error{StatusCode: 200, BodyCode: 401, Envelope: true}, false, true},
		// A gateway's or WAF's 401 page proves nothing about the credential.
		{"HTTP 401 without the envelope", &Error{StatusCode: 401}, false, false},
		{"HTML 401 page", &Error{StatusCode: 401, Err: errors.New("reply is not JSON (text/html)")}, false, false},
		{"HTTP 403", &Error{StatusCode: 403}, false, false},
		{"HTTP 500", &Error{StatusCode: 500}, false, false},
		{"transport", &Error{Err: io.EOF}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsNotFound(tt.err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			if got := IsUnauthorized(tt.err); got != tt.unauthorized {
				t.Errorf("IsUnauthorized = %v, want %v", got, tt.unauthorized)
			}
		})
	}
}

// TestErrorsNeverCarrySecrets provokes every kind of failure with every secret configured,
// and checks that no error string holds one, nor the request body or the query.
func TestErrorsNeverCarrySecrets(t *testing.T) {
	createReq := CreateServerTokenRequest{StoreHash: testStoreHash, Email: "owner@example.com", Password: testPassword, Name: "ci"}
	create := func(c *Client) error { _, err := c.CreateServerToken(context.Background(), createReq); return err }
	list := func(c *Client) error { _, err := c.ListServerTokens(context.Background()); return err }
	del := func(c *Client) error {
		return c.deleteServerToken(context.Background(), credential{value: testAuthToken}.header(""), testStoreHash, 42)
	}
	provision := func(c *Client) error { return c.ProvisionServerToken(context.Background(), createReq).Err }

	htmlEcho := func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, _ int) bool {
		// an error page that echoes everything it received
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html>%s %s %v %s</html>", r.Method, r.URL.String(), r.Header, req.Body)
		return true
	}
	status := func(code int) fakeHook {
		return func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			writeStatus(w, code)
			return true
		}
	}
	reset := func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		resetConnection(t, w)
		return true
	}
	slow := func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		stall(r)
		return true
	}

	tests := []struct {
		name    string
		hook    fakeHook
		timeout time.Duration
		closed  bool
		call    func(*Client) error
	}{
		{"create HTML", htmlEcho, 0, false, create},
		{"list HTML", htmlEcho, 0, false, list},
		{"delete HTML", htmlEcho, 0, false, del},
		{"create 400", nil, 0, false, func(c *Client) error {
			r := createReq
			r.Password = "wrong"
			_, err := c.CreateServerToken(context.Background(), r)
			return err
		}},
		{"create 500", status(500), 0, false, create},
		{"list 401", status(401), 0, false, list},
		{"delete 404", nil, 0, false, del},
		{"list reset", reset, 0, false, list},
		{"create reset", reset, 0, false, create},
		{"list timeout", slow, 20 * time.Millisecond, false, list},
		{"create timeout", slow, 20 * time.Millisecond, false, create},
		{"provision 503", status(503), 0, false, provision},
		{"list refused", nil, 0, true, list},
		{"create refused", nil, 0, true, create},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(tt.hook)
			c := f.client(t, func(cfg *Config) {
				cfg.AuthToken = testAuthToken
				cfg.AccessToken = testAccessToken
				cfg.StoreHash = testStoreHash
				if tt.timeout > 0 {
					cfg.RequestTimeout = tt.timeout
				}
				if tt.closed {
					cfg.BaseURL = "http://" + closedAddr(t) + fakeBasePath
				}
			})
			err := tt.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			assertNoSecrets(t, err.Error())
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if apiErr.Method == "" || apiErr.Path == "" {
				t.Errorf("error %q does not name method and path", err)
			}
		})
	}
}

// Only the API's own JSON "not found" says a token is gone: a 404 page from a gateway or a
// {"detail"} reply of a wrong route (a wrong api_url) must not make a delete look done.
func TestDeleteNotFoundOnlyFromTheAPIsEnvelope(t *testing.T) {
	tests := []struct {
		name         string
		reply        func(w http.ResponseWriter)
		wantNotFound bool
	}{
		{"envelope 404 for an unknown id", nil, true},
		{"HTML 404 page", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "<html><h1>404 Not Found</h1></html>")
		}, false},
		{"detail 404 of a wrong route", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
		}, false},
		{"plain JSON 404 without code and meta", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "no route"})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.reply != nil {
				f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
					tt.reply(w)
					return true
				})
			}
			c := f.client(t, withAuthToken)
			out, err := c.DeleteServerToken(context.Background(), 99)
			if tt.wantNotFound {
				if err != nil || !out.Gone {
					t.Errorf("delete = %+v, %v; want gone, no error", out, err)
				}
				return
			}
			if err == nil || IsNotFound(err) || out.Gone {
				t.Fatalf("delete = %+v, %v; want an error that is not the API's not found", out, err)
			}
			if got := asAPIError(t, err).StatusCode; got != http.StatusNotFound {
				t.Errorf("StatusCode %d, want 404", got)
			}
		})
	}
}

// A base URL that does not parse is never echoed: its userinfo may hold a password.
func TestNewInvalidBaseURLNeverShowsUserinfo(t *testing.T) {
	for _, raw := range []string{"http://user:pa ss@%zz", "http://admin:S3cret-pw@[::1", "ftp//user:S3cret-pw@host"} {
		c, err := New(Config{BaseURL: raw})
		if err == nil {
			t.Fatalf("New(%q) = %v, want an error", raw, c)
		}
		for _, part := range []string{"user", "admin", "pa ss", "S3cret-pw", "%zz"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("error %q shows %q of the URL", err, part)
			}
		}
	}
}
