package b2b

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Fuzz targets of the client's reply handling and retry waits. `go test` runs them on their
// seeds (f.Add and testdata/fuzz/); `go test -fuzz=FuzzX -fuzztime=60s ./internal/b2b/`
// explores further.

// fuzzStatus maps any int to an HTTP-like status, 100..999.
func fuzzStatus(n int) int {
	if n >= 100 && n <= 999 {
		return n
	}
	if n < 0 {
		n = -(n + 1)
	}
	return 100 + n%900
}

// checkCallError asserts the contract of every failed call: an *Error that names the method
// and the path, and whose text starts with them.
func checkCallError(t *testing.T, err error, method, path string) *Error {
	t.Helper()
	apiErr, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T %q, want *Error", err, err)
	}
	if apiErr.Method != method || apiErr.Path != path {
		t.Fatalf("error names %s %s, want %s %s", apiErr.Method, apiErr.Path, method, path)
	}
	if !strings.HasPrefix(apiErr.Error(), method+" "+path) {
		t.Fatalf("error %q does not start with %s %s", apiErr.Error(), method, path)
	}
	return apiErr
}

func addReplySeeds(f *testing.F) {
	seeds := []struct {
		status      int
		contentType string
		body        string
	}{
		{200, "application/json", `{"code":200,"data":[{"id":1,"name":"a","token":"t"}],"meta":{"message":"SUCCESS","pagination":{"totalCount":1,"offset":0,"limit":250}}}`},
		{200, "application/json", `{"code":200,"data":[{"name":"ci","token":"eyJ.e30.c2ln"}],"meta":{"message":"SUCCESS"}}`},
		{200, "application/json", `{"code":200,"data":{"name":"ci","token":"eyJ.e30.c2ln"},"meta":{"message":"SUCCESS"}}`},
		{200, "application/json", `{"code":200,"data":[],"meta":{"message":"SUCCESS"}}`},
		{200, "application/json", `{"code":500,"data":{"errMsg":"Internal Server Error"},"meta":{"message":"Internal Server Error"}}`},
		{200, "application/json", `{"code":429,"data":{"errMsg":"Too many requests"},"meta":{"message":"Too Many Requests"}}`},
		{200, "application/json", `{"code": 200, "data": [{"name": "trunc`},
		{400, "application/json", `{"code":400,"data":{"errMsg":{"email":["This field is required."],"name":["x","y"]}},"meta":{"message":"Parameter Error"}}`},
		{400, "application/json", `{"code":400,"data":{"errMsg":["a",{"b":["c"]},3,null]},"meta":{"message":"API logic error"}}`},
		{401, "application/json", `{"detail":"Invalid token header. No credentials provided."}`},
		{404, "application/json", `{"code":404,"data":{"errMsg":"No matching token was found."},"meta":{"message":"Not Found Error"}}`},
		{502, "text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body>\r\n</html>\r\n"},
		{503, "", ""},
		{200, "application/json", `null`},
		{200, "application/json", `{"code":"200","data":null}`},
		{200, "application/json", `{"code":1e400}`},
		{200, "application/json", `{"code":200,"data":[{"id":"1"}],"meta":{"pagination":{"totalCount":-1}}}`},
		{204, "", ""},
		{302, "text/plain", "moved"},
	}
	for _, s := range seeds {
		f.Add(s.status, s.contentType, []byte(s.body))
	}
}

// FuzzDecodeReply: whatever the status and body, decodeReply never panics, a failure is
// always an *Error naming the method and path, an HTTP status or body code of 400 or more
// is always a failure, and a body that is not JSON is never echoed.
func FuzzDecodeReply(f *testing.F) {
	addReplySeeds(f)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		status = fuzzStatus(status)
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		if contentType != "" {
			resp.Header.Set("Content-Type", contentType)
		}
		var env envelope
		isEnvelope := json.Unmarshal(body, &env) == nil
		mustFail := status >= 400 || (isEnvelope && env.Code >= 400)
		targets := []func() any{
			func() any { return nil },
			func() any { return &pageReply{} },
			func() any { return &createdServerTokenReply{} },
			func() any { return &map[string]any{} },
		}
		for _, target := range targets {
			cl := call{method: http.MethodGet, path: "/backend/tokens"}
			err := decodeReply(cl, 1, resp, body, target())
			if err == nil {
				if mustFail {
					t.Fatalf("status %d, body code %d: no error", status, env.Code)
				}
				continue
			}
			apiErr := checkCallError(t, err, cl.method, cl.path)
			if apiErr.StatusCode != status {
				t.Fatalf("StatusCode %d, want %d", apiErr.StatusCode, status)
			}
			if !isEnvelope && len(body) >= 16 && !strings.Contains(contentType, string(body)) &&
				strings.Contains(err.Error(), string(body)) {
				t.Fatalf("error %q echoes the body", err)
			}
			_ = createReached(err, sent{Wrote: true})
			_ = IsNotFound(err)
			_ = IsUnauthorized(err)
		}
	})
}

// cutReader serves body up to cut bytes, then fails as a connection that broke mid-reply.
type cutReader struct {
	r   io.Reader
	cut bool
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF && c.cut {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (c *cutReader) Close() error { return nil }

// replyTransport answers every request with the same reply, its body cut after cutAt bytes
// when 0 <= cutAt < len(body), and counts the requests.
type replyTransport struct {
	status      int
	contentType string
	body        []byte
	cutAt       int
	requests    atomic.Int32
}

func (rt *replyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.requests.Add(1)
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body, cut := rt.body, false
	if rt.cutAt >= 0 && rt.cutAt < len(body) {
		body, cut = body[:rt.cutAt], true
	}
	h := http.Header{}
	if rt.contentType != "" {
		h.Set("Content-Type", rt.contentType)
	}
	return &http.Response{
		StatusCode: rt.status, Header: h, Request: req, ContentLength: -1,
		Body: &cutReader{r: bytes.NewReader(body), cut: cut},
	}, nil
}

// FuzzClientReply drives whole calls through the client with arbitrary replies, whole or
// cut short: no panic, every failure an *Error naming the method and path, no secret or
// query in any error, and a create is sent again only after a reply that says it was
// refused before any work (429, as the HTTP status or the body code).
func FuzzClientReply(f *testing.F) {
	for _, cut := range []int{-1, 0, 17} {
		for op := range 3 {
			f.Add(200, "application/json", []byte(`{"code":200,"data":[{"id":1,"name":"n","token":"x"}],"meta":{"pagination":{"totalCount":1}}}`), cut, uint8(op))
		}
	}
	f.Add(429, "application/json", []byte(`{"code":429}`), -1, uint8(2))
	f.Add(200, "application/json", []byte(`{"code":429}`), -1, uint8(2))
	f.Add(200, "application/json", []byte(`{"code":503}`), -1, uint8(2))
	f.Add(200, "application/json", []byte(`{"code":503}`), -1, uint8(0))
	f.Add(500, "text/html", []byte(`<html>`+testPassword+`</html>`), -1, uint8(2))
	f.Add(400, "application/json", []byte(`{"code":400,"data":{"errMsg":"The email or password you have entered is incorrect. Please try again."}}`), -1, uint8(2))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, cutAt int, op uint8) {
		status = fuzzStatus(status)
		rt := &replyTransport{status: status, contentType: contentType, body: body, cutAt: cutAt}
		const maxRetries = 2
		c, err := New(Config{
			BaseURL: "http://127.0.0.1:1" + fakeBasePath, AuthToken: testAuthToken, AccessToken: testAccessToken,
			StoreHash: testStoreHash, MaxRetries: maxRetries, RetryWaitMin: time.Nanosecond, RetryWaitMax: time.Nanosecond,
			Transport: rt,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var method, path string
		switch op % 3 {
		case 0:
			method, path = http.MethodGet, "/backend/tokens"
			_, err = c.ListServerTokensPage(ctx, MaxPageSize, 250)
		case 1:
			method, path = http.MethodDelete, "/auth/backend"
			_, err = c.DeleteServerToken(ctx, 42)
		default:
			method, path = http.MethodPost, "/auth/backend"
			_, err = c.CreateServerToken(ctx, CreateServerTokenRequest{StoreHash: testStoreHash, Email: "o@example.com", Password: testPassword, Name: "n"})
		}
		sent := int(rt.requests.Load())
		if sent < 1 || sent > maxRetries+1 {
			t.Fatalf("%d requests, want 1 to %d", sent, maxRetries+1)
		}
		if err != nil {
			_ = checkCallError(t, err, method, path)
			msg := err.Error()
			for _, secret := range testSecrets {
				if strings.Contains(msg, secret) && !strings.Contains(string(body), secret) {
					t.Fatalf("error %q shows a configured secret", msg)
				}
			}
			if strings.Contains(msg, "offset=") && !strings.Contains(string(body), "offset=") {
				t.Fatalf("error %q shows the query", msg)
			}
			if errors.Is(err, ErrNoCredential) {
				t.Fatalf("error %q: the client has an authToken", msg)
			}
		}
		if method == http.MethodPost && sent > 1 {
			// Re-sent: only a 429 may cause that, as the HTTP status or in a body read whole.
			var env envelope
			whole := cutAt < 0 || cutAt >= len(body)
			bodyCode := 0
			if whole && json.Unmarshal(body, &env) == nil {
				bodyCode = env.Code
			}
			if status != http.StatusTooManyRequests && !(status < 400 && bodyCode == http.StatusTooManyRequests) {
				t.Fatalf("create sent %d times after HTTP %d (body code %d, cut %v)", sent, status, bodyCode, !whole)
			}
		}
	})
}

// FuzzBackoff: the wait before a retry is never negative and never longer than the maximum,
// whatever Retry-After and X-Request-Window-Resets-After say, and a server that asks for
// at least the maximum gets the maximum.
func FuzzBackoff(f *testing.F) {
	f.Add(429, "", "", 0)
	f.Add(429, "1", "", 1)
	f.Add(429, "", "0.397 s", 2)
	f.Add(503, "Wed, 21 Oct 2099 07:28:00 GMT", "", 3)
	f.Add(429, "9999999999999", "", 0)
	f.Add(429, "9223372037", "", 0)
	f.Add(429, "18446744074", "", 0)
	f.Add(429, "99999999999999999999", "", 0)
	f.Add(429, "", "1e300 s", 0)
	f.Add(429, "", "9.3e9 s", 0)
	f.Add(200, "-1", "-1 s", 64)
	f.Fuzz(func(t *testing.T, status int, retryAfter, window string, attempt int) {
		const minWait, maxWait = 10 * time.Millisecond, 30 * time.Second
		resp := &http.Response{StatusCode: fuzzStatus(status), Header: http.Header{}}
		if retryAfter != "" {
			resp.Header.Set("Retry-After", retryAfter)
		}
		if window != "" {
			resp.Header.Set("X-Request-Window-Resets-After", window)
		}
		attempt = max(attempt, 0) % 1000
		wait := backoff(minWait, maxWait, attempt, resp)
		if wait < 0 || wait > maxWait {
			t.Fatalf("backoff = %v, want within [0, %v]", wait, maxWait)
		}
		if secs, err := strconv.ParseInt(strings.TrimSpace(retryAfter), 10, 64); err == nil && secs >= int64(maxWait/time.Second) {
			if wait != maxWait {
				t.Fatalf("Retry-After %q: backoff = %v, want the maximum %v", retryAfter, wait, maxWait)
			}
		}
	})
}
