package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// One list request against a canned failed reply: the *Error it becomes.
func TestFailedReplyErrorNamesTheCallAndBigCommercesMessage(t *testing.T) {
	const bodySecret = "BODY-SECRET-xyz"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string

		wantStatus   int
		wantBodyCode int
		wantMessage  string
		wantCategory string
		wantCause    bool // Err set: no usable envelope
		wantIn       []string
		wantNotIn    []string
	}{
		{
			name: "HTTP 200 with body code 400", status: 200,
			body:       `{"code":400,"data":{"errMsg":"limit must be at most 250"},"meta":{"message":"Parameter Error"}}`,
			wantStatus: 200, wantBodyCode: 400, wantMessage: "limit must be at most 250", wantCategory: "Parameter Error",
			wantIn: []string{"GET /backend/tokens: HTTP 200 OK (body code 400): limit must be at most 250 (Parameter Error)"},
		},
		{
			name: "HTTP 200 with body code 500", status: 200,
			body:       `{"code":500,"data":{"errMsg":"boom"},"meta":{"message":"Internal Error"}}`,
			wantStatus: 200, wantBodyCode: 500, wantMessage: "boom", wantCategory: "Internal Error",
		},
		{
			name: "HTTP 400 with the same body code", status: 400,
			body:       `{"code":400,"data":{"errMsg":"The email or password you have entered is incorrect. Please try again."},"meta":{"message":"API logic error"}}`,
			wantStatus: 400, wantMessage: "The email or password you have entered is incorrect. Please try again.", wantCategory: "API logic error",
			wantIn: []string{"GET /backend/tokens: HTTP 400 Bad Request: The email or password you have entered is incorrect. Please try again. (API logic error)"},
		},
		{
			name: "HTTP 500 with body code 200", status: 500,
			body:       `{"code":200,"data":{"errMsg":"oops"},"meta":{"message":"SUCCESS"}}`,
			wantStatus: 500, wantMessage: "oops", wantCategory: "SUCCESS",
		},
		{
			name: "errMsg object of field to list, sorted", status: 422,
			body:       `{"code":422,"data":{"errMsg":{"name":["This field is required."],"email":["Enter a valid email.","Too long."]}},"meta":{"message":"Parameter Error"}}`,
			wantStatus: 422, wantMessage: "email: Enter a valid email.; Too long.; name: This field is required.", wantCategory: "Parameter Error",
		},
		{
			name: "errMsg array", status: 400,
			body:       `{"code":400,"data":{"errMsg":["first problem","second problem"]},"meta":{"message":"Parameter Error"}}`,
			wantStatus: 400, wantMessage: "first problem; second problem", wantCategory: "Parameter Error",
		},
		{
			name: "detail", status: 401,
			body:       `{"detail":"Invalid token header. No credentials provided."}`,
			wantStatus: 401, wantMessage: "Invalid token header. No credentials provided.",
			wantIn: []string{"GET /backend/tokens: HTTP 401 Unauthorized: Invalid token header. No credentials provided."},
		},
		{
			name: "meta.message only", status: 404,
			body:       `{"code":404,"data":{},"meta":{"message":"Not Found Error"}}`,
			wantStatus: 404, wantCategory: "Not Found Error",
			wantIn: []string{"GET /backend/tokens: HTTP 404 Not Found: Not Found Error"},
		},
		{
			name: "errMsg null falls back to detail", status: 403,
			body:       `{"code":403,"data":{"errMsg":null},"detail":"You do not have permission."}`,
			wantStatus: 403, wantMessage: "You do not have permission.",
		},
		{
			name: "HTML error page", status: 502, contentType: "text/html; charset=utf-8",
			body:       `<html><body><h1>502 Bad Gateway</h1>` + bodySecret + `</body></html>`,
			wantStatus: 502, wantCause: true,
			wantIn:    []string{"GET /backend/tokens", "HTTP 502", "reply is not JSON (text/html; charset=utf-8)"},
			wantNotIn: []string{bodySecret, "<html>", "502 Bad Gateway</h1>"},
		},
		{
			name: "malformed JSON with an error status", status: 400, contentType: "application/json",
			body:       `{"code":400,"data":{"errMsg":"` + bodySecret,
			wantStatus: 400, wantCause: true,
			wantIn:    []string{"GET /backend/tokens", "HTTP 400", "reply is not JSON (application/json)"},
			wantNotIn: []string{bodySecret, "errMsg"},
		},
		{
			name: "malformed JSON with HTTP 200", status: 200, contentType: "application/json",
			body:       `{"code":200,"data":[` + bodySecret,
			wantStatus: 200, wantCause: true,
			wantIn:    []string{"GET /backend/tokens", "HTTP 200", "reply is not a JSON envelope", "reply is not JSON (application/json)"},
			wantNotIn: []string{bodySecret},
		},
		{
			name: "empty reply without content type", status: 200, contentType: "-",
			body:       ``,
			wantStatus: 200, wantCause: true,
			wantIn: []string{"GET /backend/tokens: HTTP 200 OK", "no content type"},
		},
		{
			name: "data of the wrong shape", status: 200,
			body:       `{"code":200,"data":"` + bodySecret + `","meta":{"message":"SUCCESS"}}`,
			wantStatus: 200, wantCause: true,
			wantIn:    []string{"GET /backend/tokens: HTTP 200 OK: unexpected reply: data is not a list of tokens (a string)"},
			wantNotIn: []string{bodySecret},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
				switch tt.contentType {
				case "":
					w.Header().Set("Content-Type", "application/json")
				case "-":
					w.Header()["Content-Type"] = nil
				default:
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
				return true
			})
			c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.NoRetries = true })
			page, err := c.ListServerTokensPage(context.Background(), 10, 0)
			if err == nil {
				t.Fatalf("no error, page %+v", page)
			}
			apiErr := asAPIError(t, err)
			if apiErr.Method != http.MethodGet || apiErr.Path != "/backend/tokens" {
				t.Errorf("Method, Path = %q, %q", apiErr.Method, apiErr.Path)
			}
			if apiErr.StatusCode != tt.wantStatus || apiErr.BodyCode != tt.wantBodyCode {
				t.Errorf("StatusCode, BodyCode = %d, %d, want %d, %d", apiErr.StatusCode, apiErr.BodyCode, tt.wantStatus, tt.wantBodyCode)
			}
			if apiErr.Message != tt.wantMessage {
				t.Errorf("Message = %q, want %q", apiErr.Message, tt.wantMessage)
			}
			if apiErr.Category != tt.wantCategory {
				t.Errorf("Category = %q, want %q", apiErr.Category, tt.wantCategory)
			}
			if (apiErr.Err != nil) != tt.wantCause {
				t.Errorf("Err = %v, want set: %v", apiErr.Err, tt.wantCause)
			}
			msg := err.Error()
			for _, s := range tt.wantIn {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
			for _, s := range tt.wantNotIn {
				if strings.Contains(msg, s) {
					t.Errorf("error %q echoes %q", msg, s)
				}
			}
			assertNoSecrets(t, msg)
			if got := f.count(http.MethodGet, "/backend/tokens"); got != 1 {
				t.Errorf("%d requests, want 1", got)
			}
		})
	}
}

func TestReplyThatIsNotJSONIsDescribedNotEchoed(t *testing.T) {
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}}}
	err := decodeReply(call{method: "GET", path: "/backend/tokens"}, 1, resp, []byte("hello"), new(pageReply))
	if !errors.Is(err, errNotJSON) {
		t.Errorf("err = %v, want errNotJSON", err)
	}
	// An error reply that is not JSON is not errNotJSON-wrapped, but still describes the reply.
	resp.StatusCode = 503
	err = decodeReply(call{method: "GET", path: "/backend/tokens"}, 1, resp, []byte("hello"), nil)
	if got, want := err.Error(), "GET /backend/tokens: HTTP 503 Service Unavailable: reply is not JSON (text/plain)"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func TestSuccessfulReplyDecodesItsData(t *testing.T) {
	cl := call{method: "GET", path: "/backend/tokens"}
	ok := &http.Response{StatusCode: 200, Header: http.Header{}}

	t.Run("page with pagination", func(t *testing.T) {
		var page pageReply
		raw := `{"code":200,"data":[{"id":7,"name":"n","email":"e@x.io","storeHash":"abc","token":"t","eventChannel":"app"}],` +
			`"meta":{"message":"SUCCESS","pagination":{"totalCount":25,"offset":10,"limit":1}}}`
		if err := decodeReply(cl, 1, ok, []byte(raw), &page); err != nil {
			t.Fatal(err)
		}
		want := ServerToken{ID: 7, Name: "n", Email: "e@x.io", StoreHash: "abc", Token: "t", EventChannel: "app"}
		got, err := page.page(10, 10)
		if err != nil || len(got.Tokens) != 1 || got.Tokens[0] != want {
			t.Errorf("tokens = %+v (%v), want [%+v]", got.Tokens, err, want)
		}
		if page.pagination == nil || *page.pagination != (pagination{TotalCount: 25, Offset: 10, Limit: 1}) {
			t.Errorf("pagination = %+v", page.pagination)
		}
	})
	t.Run("nil out ignores data", func(t *testing.T) {
		if err := decodeReply(cl, 1, ok, []byte(`{"code":200,"data":[null],"meta":{"message":"SUCCESS"}}`), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("body code below 400 is success", func(t *testing.T) {
		var out map[string]string
		if err := decodeReply(cl, 1, ok, []byte(`{"code":201,"data":{"token":"x"}}`), &out); err != nil {
			t.Fatal(err)
		}
		if out["token"] != "x" {
			t.Errorf("out = %v", out)
		}
	})
	t.Run("missing data", func(t *testing.T) {
		var out []ServerToken
		err := decodeReply(cl, 1, ok, []byte(`{"code":200,"meta":{"message":"SUCCESS"}}`), &out)
		if err == nil || !strings.Contains(err.Error(), "unexpected reply data") {
			t.Errorf("err = %v, want unexpected reply data", err)
		}
	})
}

func TestErrMsgIsFlattenedInFieldOrder(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"string", `"bad"`, "bad"},
		{"array of strings", `["a","b"]`, "a; b"},
		{"object sorted by field", `{"z":["last"],"a":["first","again"],"m":["mid"],"c":["c1"],"x":["x1"],"b":["b1"]}`,
			"a: first; again; b: b1; c: c1; m: mid; x: x1; z: last"},
		{"object with string values", `{"email":"invalid"}`, "email: invalid"},
		{"nested", `{"user":{"email":["invalid"]}}`, "user: email: invalid"},
		{"empty entries dropped", `["", "x", null]`, "x"},
		{"null", `null`, ""},
		{"number", `42`, ""},
		{"empty object", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // map order is random: the order must not be
				if got := flattenMessage(json.RawMessage(tt.raw)); got != tt.want {
					t.Fatalf("flattenMessage(%s) = %q, want %q", tt.raw, got, tt.want)
				}
			}
		})
	}
}

func TestErrorMessageFallsBackToDetail(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want string
	}{
		{"errMsg wins over detail", `{"data":{"errMsg":"from errMsg"},"detail":"from detail"}`, "from errMsg"},
		{"no data", `{"detail":"from detail"}`, "from detail"},
		{"data not an object", `{"data":["x"],"detail":"from detail"}`, "from detail"},
		{"empty errMsg", `{"data":{"errMsg":""},"detail":"from detail"}`, "from detail"},
		{"nothing", `{"data":{}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var env envelope
			if err := json.Unmarshal([]byte(tt.env), &env); err != nil {
				t.Fatal(err)
			}
			if got := errorMessage(env); got != tt.want {
				t.Errorf("errorMessage = %q, want %q", got, tt.want)
			}
		})
	}
}
