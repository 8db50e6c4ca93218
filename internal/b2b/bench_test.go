package b2b

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// benchStore serves a store of n tokens, newest first, with latency per request, and
// returns a client for it.
func benchStore(b *testing.B, n int, latency time.Duration, concurrency int) *Client {
	b.Helper()
	f := newFake(b)
	f.seed(n, "bench", "a@example.com")
	f.setNewestFirst(true)
	f.setHook(func(*fakeB2B, http.ResponseWriter, *http.Request, fakeRequest, int) bool {
		time.Sleep(latency)
		return false
	})
	return f.client(b, func(cfg *Config) { withAuthToken(cfg); cfg.ListConcurrency = concurrency })
}

// A complete listing of 5,000 tokens (20 pages) with 5 ms per request: concurrent pages
// against one at a time.
func BenchmarkListAll5000(b *testing.B) {
	for _, concurrency := range []int{1, DefaultListConcurrency} {
		b.Run("concurrency="+strconv.Itoa(concurrency), func(b *testing.B) {
			store := benchStore(b, 5000, 5*time.Millisecond, concurrency).Store(testStoreHash)
			for b.Loop() {
				// Store.readAll is the listing itself, without the index that would serve
				// every loop after the first from its cache.
				list, err := store.readAll(context.Background())
				if err != nil || list.Len() != 5000 {
					b.Fatalf("%d tokens, %v", list.Len(), err)
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
			x := newTokenIndex(list, nil, systemClock{}, time.Second)
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if every > 0 && i%every == 0 {
						x.changed(0)
					}
					if _, err := x.current(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// A create in a store of 100,000 tokens, in both list orders, with auth_token and with a
// borrowed credential: list calls per create (the listing before it and the search for the
// new token read the newest end only), against the 401 pages of a complete listing.
func BenchmarkCreateInAStoreOf100000(b *testing.B) {
	f := newFake(b)
	f.listAuthToken()
	f.seed(100000, "bench", "a@example.com")
	for _, newest := range []bool{true, false} {
		for _, mode := range credentialCases {
			b.Run(fmt.Sprintf("newest first=%v/%s", newest, mode.name), func(b *testing.B) {
				f.setNewestFirst(newest)
				calls := listCalls(f)
				creates := 0
				for b.Loop() {
					out := f.client(b, mode.config).ProvisionServerToken(context.Background(), provisionReq)
					if !out.Located() {
						b.Fatalf("Provision = %+v", out)
					}
					creates++
				}
				b.ReportMetric(float64(listCalls(f)-calls)/float64(creates), "list-calls/create")
			})
		}
	}
}

// A complete listing of 100,000 tokens (the data sources, a proof of absence): the heap it
// keeps, and what it allocates on the way.
func BenchmarkListAll100000(b *testing.B) {
	for _, documented := range []bool{false, true} {
		b.Run(fmt.Sprintf("one value per user=%v", documented), func(b *testing.B) { benchListAll100000(b, documented) })
	}
}

// benchListAll100000 lists a store of 100,000 tokens of one user whose values differ, or,
// with documented, are one string (the documented claims: email, store hash, db).
func benchListAll100000(b *testing.B, documented bool) {
	f := newFake(b)
	f.seed(100000, "bench", "a@example.com")
	f.setNewestFirst(true)
	if documented {
		f.locked(func() {
			for i := range f.tokens {
				f.tokens[i].Token = "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ.one-value-per-user"
			}
		})
	}
	client := f.client(b, withAuthToken)
	store := client.Store(testStoreHash)
	var kept uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		list, err := store.readAll(context.Background())
		if err != nil || list.Len() != 100000 {
			b.Fatalf("%d tokens, %v", list.Len(), err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
		runtime.KeepAlive(list)
	}
	b.ReportMetric(float64(kept)/(1<<20), "MiB-kept")
}

// Reads of a token's presence that scan every page of a store of 100,000 tokens (one token
// waited for on each page): the heap the pages kept for later reads cost.
func BenchmarkScanAll100000(b *testing.B) {
	f := newFake(b)
	ids := f.seed(100000, "bench", "a@example.com")
	f.setNewestFirst(true)
	f.locked(func() {
		for i := range f.tokens {
			f.tokens[i].Token = "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ.one-value-per-user"
		}
	})
	client := f.client(b, withAuthToken)
	var kept uint64
	for b.Loop() {
		store := client.Store(testStoreHash)
		client.stores = map[string]*Store{} // a fresh index each loop
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var g errgroup.Group
		for i := 0; i < len(ids); i += MaxPageSize {
			g.Go(func() error {
				if _, found, err := store.index.findOnPages(context.Background(), ids[i].ID); err != nil || !found {
					return fmt.Errorf("token %d: found %v, %v", ids[i].ID, found, err)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
		b.ReportMetric(float64(len(store.index.scan.pages)), "pages")
		runtime.KeepAlive(store)
	}
	b.ReportMetric(float64(kept)/(1<<20), "MiB-kept")
}

// A refresh of a token someone else deleted, in a store of 100,000 tokens, with auth_token
// and the token's own value: the list calls that prove it gone (the pages the scan reads,
// then two complete, confirmed listings of 401 pages each).
func BenchmarkProveGoneIn100000(b *testing.B) {
	f := newFake(b)
	f.listAuthToken()
	tokens := f.seed(100000, "bench", "a@example.com")
	f.setNewestFirst(true)
	var calls, proofs int
	for i := 0; b.Loop(); i++ {
		gone := tokens[50000+i]
		f.removeToken(gone.ID)
		client := f.client(b, withAuthToken)
		before := listCalls(f)
		if p := client.Store(testStoreHash).Find(context.Background(), gone.ID, gone.Token); p.Kind != Absent {
			b.Fatalf("Find = %+v, want Absent", p)
		}
		calls += listCalls(f) - before
		proofs++
	}
	b.ReportMetric(float64(calls)/float64(proofs), "list-calls/proof")
}
