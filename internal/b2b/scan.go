package b2b

import (
	"context"
	"slices"
	"strconv"
)

// Reads that only need a token's presence are served page by page: a page that shows a
// token proves that it exists, with its current attributes, whatever the pages around it
// hold. The pages read so far are kept; a read that finds its token in one costs nothing,
// and further pages are read only while some read still waits for a token not yet seen.
// Where to look next is guessed from the pages' ids, which grow with creation (so the list,
// in whichever order it comes, is sorted by id); the guess only decides the cost. A token
// no page shows is left to the complete listing and its proofs (Store.Find).

// pageFunc reads the page of a store's tokens at offset.
type pageFunc func(ctx context.Context, offset int) (TokenPage, error)

// scanState is the TokenIndex's part for pages; TokenIndex.mu guards it.
type scanState struct {
	readPage pageFunc

	pages     []scannedPage
	forgotten map[int64]bool // deleted by this client since a page showed them
	// total is the latest totalCount, at generation totalGen; created counts the creates this
	// client ended, createdAtTotal how many had ended then.
	total, createdAtTotal, created int
	totalGen                       uint64

	waiters map[int64][]chan scanResult
	running bool
	cancel  context.CancelFunc
}

// scannedPage is a page as a scan keeps it: its ids to plan by, and its tokens as a listing
// keeps them (listed_tokens.go).
type scannedPage struct {
	pageIDs
	tokens listedTokens
	gen    uint64
}

type scanResult struct {
	token ServerToken
	found bool
	err   error
}

// shown is the token with id as the latest page that showed it has it.
func (s *scanState) shown(id int64) (ServerToken, bool) {
	if s.forgotten[id] {
		return ServerToken{}, false
	}
	for i := len(s.pages) - 1; i >= 0; i-- {
		if at := slices.Index(s.pages[i].ids, id); at >= 0 {
			return s.pages[i].tokens.at(at), true
		}
	}
	return ServerToken{}, false
}

func (s *scanState) forget(id int64) {
	if s.forgotten == nil {
		s.forgotten = map[int64]bool{}
	}
	s.forgotten[id] = true
}

func (s *scanState) learnTotal(total int, gen uint64) {
	if gen >= s.totalGen {
		s.total, s.totalGen, s.createdAtTotal = total, gen, s.created
	}
}

// add keeps a page read at gen and answers the waiters whose token it shows. It keeps
// twice the pages one scan may read, the newest: a run that changes the store between
// scans reads the same pages again, and an older page only saves a read.
func (s *scanState) add(p TokenPage, gen uint64) {
	s.pages = append(s.pages, scannedPage{pageIDs: idsOnPage(p), tokens: newTokenList(p.Tokens).tokens, gen: gen})
	s.learnTotal(p.TotalCount, gen)
	if keep := 2 * scanBudget(s.total); len(s.pages) > keep {
		s.pages = slices.Delete(s.pages, 0, len(s.pages)-keep)
	}
	kept := s.pages[len(s.pages)-1]
	for i, id := range kept.ids {
		delete(s.forgotten, id)
		if len(s.waiters[id]) > 0 {
			s.resolve(id, scanResult{token: kept.tokens.at(i), found: true})
		}
	}
}

func (s *scanState) resolve(id int64, r scanResult) {
	for _, ch := range s.waiters[id] {
		ch <- r
	}
	delete(s.waiters, id)
}

func (s *scanState) wanted() []int64 {
	ids := make([]int64, 0, len(s.waiters))
	for id := range s.waiters {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// fresh are the pages read since the last change of this client: only they tell where a
// token is now.
func (s *scanState) fresh(gen uint64) []pageIDs {
	var out []pageIDs
	for _, p := range s.pages {
		if p.gen == gen {
			out = append(out, p.pageIDs)
		}
	}
	return out
}

// findOnPages returns the token with id from a page, reading pages while the caller waits;
// found is false when no page it makes sense to read shows it.
func (x *TokenIndex) findOnPages(ctx context.Context, id int64) (ServerToken, bool, error) {
	x.mu.Lock()
	if t, ok := x.scan.shown(id); ok {
		x.mu.Unlock()
		return t, true, nil
	}
	ch := make(chan scanResult, 1)
	if x.scan.waiters == nil {
		x.scan.waiters = map[int64][]chan scanResult{}
	}
	x.scan.waiters[id] = append(x.scan.waiters[id], ch)
	if !x.scan.running {
		x.scan.running = true
		scanCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		x.scan.cancel = cancel
		go x.runScan(scanCtx)
	}
	x.mu.Unlock()
	select {
	case r := <-ch:
		return r.token, r.found, r.err
	case <-ctx.Done():
		x.leaveScan(id, ch)
		return ServerToken{}, false, ctx.Err()
	}
}

// leaveScan takes a waiter that gave up out, and stops the scan when none is left.
func (x *TokenIndex) leaveScan(id int64, ch chan scanResult) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.scan.waiters[id] = slices.DeleteFunc(x.scan.waiters[id], func(c chan scanResult) bool { return c == ch })
	if len(x.scan.waiters[id]) == 0 {
		delete(x.scan.waiters, id)
	}
	if len(x.scan.waiters) == 0 && x.scan.cancel != nil {
		x.scan.cancel()
	}
}

// runScan reads one page after another for the tokens waited for, until none is left.
func (x *TokenIndex) runScan(ctx context.Context) {
	reads := 0
	for {
		x.mu.Lock()
		want := x.scan.wanted()
		if len(want) == 0 || ctx.Err() != nil {
			x.scan.running = false
			x.scan.cancel()
			x.mu.Unlock()
			return
		}
		plan := planScan(x.scan.fresh(x.gen), want)
		if reads >= scanBudget(x.scan.total) {
			plan = scanPlan{giveUp: want}
		}
		for _, id := range plan.giveUp {
			x.scan.resolve(id, scanResult{})
		}
		gen := x.gen
		x.mu.Unlock()
		if !plan.read {
			continue
		}
		reads++
		page, err := x.scan.readPage(ctx, plan.offset)
		x.mu.Lock()
		if err != nil {
			for _, id := range x.scan.wanted() {
				x.scan.resolve(id, scanResult{err: err})
			}
		} else {
			x.scan.add(page, gen)
		}
		x.mu.Unlock()
	}
}

// scanBudget bounds the pages one scan reads: a complete listing would cost no more.
func scanBudget(total int) int { return pagesFor(total) + 1 }

func pagesFor(n int) int { return max(1, (n+MaxPageSize-1)/MaxPageSize) }

// newestSlack is how many tokens past the known end of an oldest-first list the newest
// page reaches.
const newestSlack = 25

// newestPage reads the page at the end of the list where new tokens are, shared by the
// creates of this client that look for their token at once, and keeps it for reads.
func (x *TokenIndex) newestPage(ctx context.Context) (TokenPage, error) {
	x.mu.Lock()
	gen := x.gen
	offset := 0
	if orderOf(pointsOf(pagesOnly(x.scan.pages))) == oldestFirst {
		// The page ends newestSlack tokens past the end this client knows of: others'
		// creates may have landed since, and a page that ends short of them would miss the
		// newest tokens, while one that reaches past the end costs nothing more.
		offset = max(0, x.scan.total+x.scan.created-x.scan.createdAtTotal-MaxPageSize+newestSlack)
	}
	x.mu.Unlock()
	key := "newest-" + strconv.FormatUint(gen, 10) + "-" + strconv.Itoa(offset)
	res, err, _ := x.flight.Do(key, func() (any, error) {
		page, err := x.scan.readPage(context.WithoutCancel(ctx), offset)
		if err == nil {
			x.mu.Lock()
			x.scan.add(page, gen)
			x.mu.Unlock()
		}
		return page, err
	})
	if err != nil {
		return TokenPage{}, err
	}
	page, _ := res.(TokenPage)
	return page, nil
}

func pagesOnly(pages []scannedPage) []pageIDs {
	out := make([]pageIDs, len(pages))
	for i, p := range pages {
		out[i] = p.pageIDs
	}
	return out
}
