package b2b

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

var provisionReq = CreateServerTokenRequest{StoreHash: testStoreHash, Email: "owner@example.com", Password: testPassword, Name: "ci"}

// sequence is the method and path of every request, in order.
func sequence(f *fakeB2B) string {
	var parts []string
	for _, r := range f.requests() {
		parts = append(parts, r.Method+" "+r.Path)
	}
	return strings.Join(parts, ", ")
}

func decodeCreate(t *testing.T, body []byte) CreateServerTokenRequest {
	var req CreateServerTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Errorf("create body: %v", err)
	}
	return req
}

// createsOf are the create bodies the fake received, in order.
func createsOf(t *testing.T, f *fakeB2B) []CreateServerTokenRequest {
	var out []CreateServerTokenRequest
	for _, r := range f.requestsTo(http.MethodPost, "/auth/backend") {
		out = append(out, decodeCreate(t, r.Body))
	}
	return out
}
