package b2b

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// benchStore serves a store of n tokens on loopback, with latency per request, and returns
// a client for it.
func benchStore(b *testing.B, n int, latency time.Duration, concurrency int) *Client {
	b.Helper()
	tokens := make([]ServerToken, n)
	for i := range tokens {
		id := int64(n - i) // newest first
		tokens[i] = ServerToken{ID: id, Name: "bench-" + strconv.FormatInt(id, 10), Email: "a@example.com", StoreHash: "abc123", Token: "tok-" + strconv.FormatInt(id, 10), EventChannel: "app"}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		page := tokens[min(offset, n):min(offset+limit, n)]
		_ = json.NewEncoder(w).Encode(map[string]any{
			"code": 200, "data": page,
			"meta": map[string]any{"message": "SUCCESS", "pagination": map[string]int{"totalCount": n, "offset": offset, "limit": limit}},
		})
	}))
	b.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL + "/api/io", AuthToken: "bench", ListConcurrency: concurrency})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// A complete listing of 5,000 tokens (20 pages) with 5 ms per request: concurrent pages
// against one at a time.
func BenchmarkListAll5000(b *testing.B) {
	for _, concurrency := range []int{1, DefaultListConcurrency} {
		b.Run("concurrency="+strconv.Itoa(concurrency), func(b *testing.B) {
			c := benchStore(b, 5000, 5*time.Millisecond, concurrency)
			for b.Loop() {
				list, err := c.ListServerTokens(context.Background())
				if err != nil || len(list.Tokens) != 5000 {
					b.Fatalf("%d tokens, %v", len(list.Tokens), err)
				}
			}
		})
	}
}

// Reads served by the index: after the first listing, reads of the same operation cost no
// request; a change every 100 reads forces a new listing.
func BenchmarkTokenIndexReads(b *testing.B) {
	list := func(context.Context) (TokenList, error) {
		time.Sleep(time.Millisecond)
		return TokenList{TotalCount: 1}, nil
	}
	for _, every := range []int{0, 100} {
		name := "no changes"
		if every > 0 {
			name = "a change every " + strconv.Itoa(every) + " reads"
		}
		b.Run(name, func(b *testing.B) {
			x := newTokenIndex(list, list, time.Second)
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if every > 0 && i%every == 0 {
						x.Changed()
					}
					if _, err := x.List(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
