package b2b

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestMadeHere(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.example.com/api/io"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		madeAt string
		here   bool
	}{
		{"", true},
		{c.Host(), true},
		{"https://old.example.com", false},
		{"http://api.example.com", false},
	} {
		err := c.MadeHere(tc.madeAt)
		if (err == nil) != tc.here {
			t.Errorf("MadeHere(%q) = %v, want here=%v", tc.madeAt, err, tc.here)
		}
		if err != nil && !errors.Is(err, ErrOtherHost) {
			t.Errorf("MadeHere(%q) = %v, not ErrOtherHost", tc.madeAt, err)
		}
	}
}

// A create sent to one host is settled only there: at another host nothing is sent, and the
// outcome is unknown, never "made nothing".
func TestReconcileAtOtherHostSendsNothing(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"code":200,"data":[],"meta":{"pagination":{"totalCount":0,"limit":250,"offset":0}}}`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AuthToken: "configured-token", StoreHash: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	p := PendingCreate{Name: "ci", Email: "owner@example.com", StoreHash: "abc123", Host: "https://old.example.com", BeforeKnown: true}
	out := c.Store("abc123").Reconcile(context.Background(), p, "the-old-hosts-token")
	if out.Kind != CreateUnknown || !errors.Is(out.Err, ErrOtherHost) {
		t.Fatalf("Reconcile at another host = %v (%v), want unknown with ErrOtherHost", out.Kind, out.Err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("%d requests sent to the other host", n)
	}
}
