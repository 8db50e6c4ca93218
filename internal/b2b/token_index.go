package b2b

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// TokenIndex shares the listings of one store's tokens among the callers of one client, so
// that a refresh of many resources costs what they need, not a listing each.
//
// Two kinds of reads are shared. Complete listings (every page, see readAll) serve the data
// sources, the proofs of absence and the reconciliation of creates; a caller asks for one
// that started at or after a generation, which moves on with every write this client makes
// (so that a listing from before a delete never serves a read after it) and when a caller
// needs a listing newer than one it already has. Pages (scan.go) serve the reads that only
// need a token's presence: a page that shows a token proves that it exists.
type TokenIndex struct {
	clock Clock
	// gatherLimit bounds how long a reconciliation waits for other creates in flight.
	gatherLimit time.Duration
	read        listingFunc

	mu     sync.Mutex
	gen    uint64
	latest *TokenList
	// latestTail is the latest read of the newest end of a big store (tail.go).
	latestTail *TokenList
	running    *runningListing
	flight     singleflight.Group
	flights    uint64

	creating int
	idle     chan struct{} // closed while no create is in flight
	// kinds are the creates in flight by kind (createKind): only a create with the same
	// name and email can make a token that may be taken for another's.
	kinds map[string]*inFlight
	// claimed are the ids this client's creates located or adopted: no other create of the
	// run may take them for its own.
	claimed map[int64]bool
	// seekers counts the creates of this client looking for a token of one kind (seekKey).
	seekers map[string]int

	scan scanState // guarded by mu; see scan.go
}

// listingFunc makes one complete listing of a store's tokens.
type listingFunc func(context.Context) (TokenList, error)

type runningListing struct {
	key     string
	gen     uint64 // the generation when it started
	ctx     context.Context
	cancel  context.CancelFunc
	waiting int
}

func newTokenIndex(read listingFunc, readPage pageFunc, clock Clock, gatherLimit time.Duration) *TokenIndex {
	idle := make(chan struct{})
	close(idle)
	x := &TokenIndex{clock: clock, gatherLimit: gatherLimit, read: read, idle: idle, claimed: map[int64]bool{}}
	x.scan.readPage = readPage
	return x
}

// current is a complete listing that started after the last change this client made.
func (x *TokenIndex) current(ctx context.Context) (TokenList, error) {
	return x.listing(ctx, x.generation())
}

// newerThan is a complete listing that started after l was read: the confirmation of what l
// showed, or the next poll for a token that l did not show yet.
func (x *TokenIndex) newerThan(ctx context.Context, l TokenList) (TokenList, error) {
	x.mu.Lock()
	x.gen = max(x.gen, l.gen+1)
	x.mu.Unlock()
	return x.listing(ctx, l.gen+1)
}

// recent is the latest complete listing if it started no longer than maxAge ago, else the
// one in flight or a new one.
func (x *TokenIndex) recent(ctx context.Context, maxAge time.Duration) (TokenList, error) {
	x.mu.Lock()
	latest, need := x.latest, x.gen
	if latest != nil && x.clock.Now().Sub(latest.Started) <= maxAge {
		x.mu.Unlock()
		return *latest, nil
	}
	if latest != nil {
		need = max(need, latest.gen+1)
		x.gen = need
	}
	x.mu.Unlock()
	return x.listing(ctx, need)
}

// keepTail keeps a read of the newest end (tail.go): one page that held the whole store is
// a complete listing for every read, unless a newer one is at hand; any other tells the
// newest id at its start, for the creates that follow (recentTail).
func (x *TokenIndex) keepTail(list TokenList) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.scan.learnTotal(list.TotalCount, list.gen)
	if list.above == 0 {
		if x.latest == nil || list.gen >= x.latest.gen && list.Started.After(x.latest.Started) {
			x.latest = &list
		}
		return
	}
	if x.latestTail == nil || list.Started.After(x.latestTail.Started) {
		x.latestTail = &list
	}
}

// tailHint is what the latest read of the newest end tells the next one.
func (x *TokenIndex) tailHint() tailHint {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.latestTail == nil || !x.latestTail.oldestFirst {
		return tailHint{}
	}
	return tailHint{oldestFirst: true, total: x.scan.total + x.scan.created - x.scan.createdAtTotal, size: x.latestTail.pageSize}
}

// recentTail is the latest read of the newest end if it started no longer than maxAge ago.
func (x *TokenIndex) recentTail(maxAge time.Duration) (TokenList, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.latestTail == nil || x.clock.Now().Sub(x.latestTail.Started) > maxAge {
		return TokenList{}, false
	}
	return *x.latestTail, true
}

// hasRecent reports whether a complete listing no older than maxAge is at hand.
func (x *TokenIndex) hasRecent(maxAge time.Duration) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.latest != nil && x.clock.Now().Sub(x.latest.Started) <= maxAge
}

// changed records a write of this client (a delete): listings that started before it are
// stale, and a page that showed id no longer proves it exists.
func (x *TokenIndex) changed(id int64) {
	x.mu.Lock()
	x.gen++
	x.scan.forget(id)
	x.mu.Unlock()
}

func (x *TokenIndex) generation() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.gen
}

// inFlight counts the creates of one kind in flight; idle is closed when none is.
type inFlight struct {
	n    int
	idle chan struct{}
}

// createKind groups the creates whose tokens cannot be told apart by name and email.
func createKind(name, email string) string { return name + "\x00" + strings.ToLower(email) }

// beginCreate and endCreate bracket a create request of kind (createKind); its end is a
// change.
func (x *TokenIndex) beginCreate(kind string) {
	x.mu.Lock()
	if x.creating == 0 {
		x.idle = make(chan struct{})
	}
	x.creating++
	if x.kinds == nil {
		x.kinds = map[string]*inFlight{}
	}
	k := x.kinds[kind]
	if k == nil {
		k = &inFlight{idle: make(chan struct{})}
		x.kinds[kind] = k
	}
	k.n++
	x.mu.Unlock()
}

func (x *TokenIndex) endCreate(kind string) {
	x.mu.Lock()
	x.gen++
	x.scan.created++
	x.creating--
	if x.creating == 0 {
		close(x.idle)
	}
	if k := x.kinds[kind]; k != nil {
		if k.n--; k.n == 0 {
			close(k.idle)
			delete(x.kinds, kind)
		}
	}
	x.mu.Unlock()
}

// gatherCreates waits until the creates in flight have returned, or gatherLimit.
func (x *TokenIndex) gatherCreates(ctx context.Context) error {
	x.mu.Lock()
	idle := x.idle
	x.mu.Unlock()
	return x.awaitIdle(ctx, idle)
}

func (x *TokenIndex) awaitIdle(ctx context.Context, idle chan struct{}) error {
	timer := time.NewTimer(x.gatherLimit)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// creatingNow reports whether a create of this client of kind is in flight.
func (x *TokenIndex) creatingNow(kind string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.kinds[kind] != nil
}

// claim takes id for one create of this client; false when another has it.
func (x *TokenIndex) claim(id int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.claimed[id] {
		return false
	}
	x.claimed[id] = true
	return true
}

// seek counts a create in (+1) or out (-1) of those looking for a token of key's kind.
func (x *TokenIndex) seek(key string, delta int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seekers == nil {
		x.seekers = map[string]int{}
	}
	x.seekers[key] += delta
}

// seekingByValue counts the creates of this client that look for a token of key's kind
// (key: a seekKey without a value) by its value: their replies arrived.
func (x *TokenIndex) seekingByValue(key string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for k, c := range x.seekers {
		if k != key && strings.HasPrefix(k, key) {
			n += c
		}
	}
	return n
}

func (x *TokenIndex) seeking(key string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.seekers[key]
}

func (x *TokenIndex) isClaimed(id int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.claimed[id]
}

// listing returns a complete listing that started at or after generation need: the latest
// one, the one in flight (a caller that joined one too old for it joins the next), or a
// new one.
func (x *TokenIndex) listing(ctx context.Context, need uint64) (TokenList, error) {
	for {
		x.mu.Lock()
		if l := x.latest; l != nil && l.gen >= need {
			x.mu.Unlock()
			return *l, nil
		}
		run := x.joinLocked(ctx)
		results := x.flight.DoChan(run.key, func() (any, error) { return x.readShared(run) })
		x.mu.Unlock()

		select {
		case <-ctx.Done():
			x.leave(run)
			return TokenList{}, ctx.Err()
		case res := <-results:
			x.leave(run)
			if res.Err != nil {
				return TokenList{}, res.Err
			}
			if got, _ := res.Val.(TokenList); got.gen >= need {
				return got, nil
			}
		}
	}
}

// joinLocked counts the caller in on the listing in flight, or starts the accounting of a
// new one, on a context of its own: the listing outlives a caller that gives up while
// others wait for it.
func (x *TokenIndex) joinLocked(ctx context.Context) *runningListing {
	if x.running == nil {
		x.flights++
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		x.running = &runningListing{key: strconv.FormatUint(x.flights, 10), gen: x.gen, ctx: runCtx, cancel: cancel}
	}
	x.running.waiting++
	return x.running
}

// leave counts the caller out, and cancels the listing when none is left (Ctrl-C).
func (x *TokenIndex) leave(run *runningListing) {
	x.mu.Lock()
	defer x.mu.Unlock()
	run.waiting--
	if run.waiting == 0 {
		run.cancel()
		if x.running == run {
			x.running = nil
		}
	}
}

// readShared reads one shared listing on its own context and keeps it as the latest.
func (x *TokenIndex) readShared(run *runningListing) (TokenList, error) {
	started := x.clock.Now()
	list, err := x.read(run.ctx)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.running == run {
		x.running = nil
	}
	if err != nil {
		return TokenList{}, err
	}
	list.gen, list.Started, list.Finished = run.gen, started, x.clock.Now()
	if x.latest == nil || list.gen >= x.latest.gen {
		x.latest = &list
	}
	x.scan.learnTotal(list.TotalCount, run.gen)
	return list, nil
}
