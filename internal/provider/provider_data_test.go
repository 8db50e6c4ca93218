package provider

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// The client logs from the concurrent page fetches of one listing, all through one
// masked context; run with -race, this fails if those lines are not serialized.
func TestSerializedDebugLog_concurrentLinesThroughOneMaskedContext(t *testing.T) {
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &syncWriter{w: &out})
	ctx = tflog.SetField(ctx, "tf_req_id", "a-request") // as the framework sets on every RPC
	data := &providerData{secrets: []string{"the-auth-token"}}
	ctx = data.mask(ctx, "the-token-value")
	log := serializedLog(tflog.Debug)

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			log(ctx, "B2B API request", map[string]any{"path": "/backend/tokens", "attempt": i, "token": "the-token-value"})
		})
	}
	wg.Wait()
	if n := strings.Count(out.String(), "B2B API request"); n != 50 {
		t.Errorf("%d lines logged, want 50", n)
	}
	if strings.Contains(out.String(), "the-token-value") || strings.Contains(out.String(), "the-auth-token") {
		t.Error("a secret reached the log")
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
