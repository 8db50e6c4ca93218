package b2b

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

const maxLocateWait = 8 * time.Second

// reconcileFreshness bounds the age of the listing that tells which tokens existed before a
// create, at the moment the create is sent (after any wait for the rate limit): a token
// someone else makes with the same name and email in that window could be taken for ours.
const reconcileFreshness = 15 * time.Second

// ProvisionServerToken creates a token in req.StoreHash and finds its id (see
// [Store.Provision]).
func (c *Client) ProvisionServerToken(ctx context.Context, req CreateServerTokenRequest) CreateOutcome {
	return c.Store(req.StoreHash).Provision(ctx, req)
}

// Provision creates a token and finds its id in the list, which the create reply does not
// carry. Before the create it makes a complete listing (borrowing a short-lived credential
// when the store has none), so that the new token is told by its value, name and email and
// its absence from that listing: values may repeat.
//
// The create is never re-sent once it may have reached the server (no idempotency key, and
// names are not unique): a lost reply is reconciled instead. What cannot be settled comes
// back as Unknown with a [PendingCreate] to keep, so that the next run decides before it
// creates anything.
func (s *Store) Provision(ctx context.Context, req CreateServerTokenRequest) CreateOutcome {
	release, err := s.borrowIfNeeded(ctx, req, false)
	if err != nil {
		return CreateOutcome{Kind: CreateNone, Err: err}
	}
	out := s.provision(ctx, req)
	notes := release()
	if errors.Is(out.Err, errNoListingCredential) {
		// Every credential the run had was refused (a token it deleted, one revoked): borrow.
		if release, err = s.borrowIfNeeded(ctx, req, true); err != nil {
			return CreateOutcome{Kind: CreateNone, Err: err, Notes: notes}
		}
		out = s.provision(ctx, req)
		notes = append(notes, release()...)
	}
	out.Notes = append(out.Notes, notes...)
	return out
}

// ProvisionUniquelyNamed creates a token whose name no other token has (it ends in a random
// part) and finds its id by that name: no listing is needed before the create, so no
// credential is borrowed for one.
func (s *Store) ProvisionUniquelyNamed(ctx context.Context, req CreateServerTokenRequest) CreateOutcome {
	pending := PendingCreate{Name: req.Name, Email: req.Email, StoreHash: req.StoreHash, Host: s.client.Host(), UniqueName: true}
	created, sent, err := s.client.createServerToken(ctx, req, nil)
	pending.SentAt, pending.EndedAt = sent.At, sent.Ended
	switch {
	case err == nil:
		return s.locate(ctx, pending, created)
	case !createReached(err, sent):
		return CreateOutcome{Kind: CreateNone, Err: err}
	case ctx.Err() != nil:
		return CreateOutcome{Kind: CreateUnknown, Pending: pending, Err: interruptedCreate(pending, err)}
	case !s.HasCredential():
		return CreateOutcome{Kind: CreateUnknown, Pending: pending, Err: fmt.Errorf("%w: %s may exist, and the run has no "+
			"credential of the store to list its tokens and find out: %w", ErrCreateOutcomeUnknown, pending.describe(), err)}
	}
	return s.reconcileLost(ctx, pending, err)
}

// errNoListingCredential: the listing before a create found no credential the API accepts.
var errNoListingCredential = errors.New("no credential of the store was accepted for listing its tokens")

func (s *Store) provision(ctx context.Context, req CreateServerTokenRequest) CreateOutcome {
	for range 3 {
		before, err := s.listBeforeCreate(ctx)
		if err != nil {
			return CreateOutcome{Kind: CreateNone, Err: err}
		}
		fresh := func() error {
			if s.client.cfg.Clock.Now().Sub(before.started) > reconcileFreshness {
				return errStaleBefore
			}
			return nil
		}
		pending := PendingCreate{Name: req.Name, Email: req.Email, StoreHash: req.StoreHash, Host: s.client.Host(),
			Before: before.ids, BeforeUpTo: before.upTo, BeforeKnown: true}
		created, sent, err := s.client.createServerToken(ctx, req, fresh)
		pending.SentAt, pending.EndedAt = sent.At, sent.Ended
		switch {
		case errors.Is(err, errStaleBefore):
			continue // the wait for the rate limit outlasted the listing: list again
		case err == nil:
			return s.locate(ctx, pending, created)
		case !createReached(err, sent):
			return CreateOutcome{Kind: CreateNone, Err: err}
		case ctx.Err() != nil:
			return CreateOutcome{Kind: CreateUnknown, Pending: pending, Err: interruptedCreate(pending, err)}
		}
		return s.reconcileLost(ctx, pending, err)
	}
	return CreateOutcome{Kind: CreateNone, Err: fmt.Errorf("%w three times: the store's rate limit kept the create waiting", errStaleBefore)}
}

// errStaleBefore: the listing from before a create was too old when the create could be
// sent; the create was not sent.
var errStaleBefore = errors.New("the listing from before the create grew too old while the create waited")

// beforeCreate is what the store held just before a create: the ids of a complete listing,
// or, in a store of more than one page, every id up to the newest (tail.go).
type beforeCreate struct {
	started time.Time
	ids     IDSet
	upTo    int64
}

// listBeforeCreate tells what the store holds, from a listing at most reconcileFreshness
// old: a complete listing at hand, else the newest page, which is the whole store or tells
// its newest id. A list not sorted by id is listed whole.
func (s *Store) listBeforeCreate(ctx context.Context) (beforeCreate, error) {
	if !s.index.hasRecent(reconcileFreshness) {
		// A listing made while this client's own creates land is shifted by them and read
		// again: let them return first.
		if err := s.index.gatherCreates(ctx); err != nil {
			return beforeCreate{}, err
		}
		tail, ok := s.index.recentTail(reconcileFreshness)
		var err error
		if !ok {
			tail, err = s.tailAbove(ctx, math.MaxInt64)
		}
		switch {
		case err == nil && tail.above > 0:
			return beforeCreate{started: tail.Started, upTo: max(tail.newestID(), 1)}, nil
		case err == nil:
			return s.beforeFrom(tail)
		case !errors.Is(err, errOrderUnknown):
			return beforeCreate{}, beforeListingFailed(err)
		}
	}
	list, err := s.index.recent(ctx, reconcileFreshness)
	if err != nil {
		return beforeCreate{}, beforeListingFailed(err)
	}
	return s.beforeFrom(list)
}

// beforeFrom is what a complete listing says was there before a create.
func (s *Store) beforeFrom(list TokenList) (beforeCreate, error) {
	if !s.judged(list).Complete {
		return beforeCreate{}, listingError(0, errors.New("listing the store's tokens before the create: the listing was not "+
			"complete (a stale or lagging reply); nothing was created"))
	}
	return beforeCreate{started: list.Started, ids: NewIDSet(list.All())}, nil
}

func beforeListingFailed(err error) error {
	if refusedEvery(err) {
		err = fmt.Errorf("%w: %w", errNoListingCredential, err)
	}
	return fmt.Errorf("listing the store's tokens before the create (so that the new token can be told "+
		"from the others) failed; nothing was created: %w", err)
}

func interruptedCreate(p PendingCreate, createErr error) error {
	return fmt.Errorf("%w: interrupted before its reply arrived, so %s may exist: %w", ErrCreateOutcomeUnknown, p.describe(), createErr)
}

// locate finds the token a create made, whose value its reply gave: first on the page where
// new tokens are, then in complete listings, polled while the list may show it late.
func (s *Store) locate(ctx context.Context, p PendingCreate, created CreatedServerToken) CreateOutcome {
	s.addToken(created.Token, SourceNewToken, p.EndedAt)
	key := seekKey(p, created.Token)
	s.index.seek(key, 1)
	defer s.index.seek(key, -1)
	made := ServerToken{Name: created.Name, Email: p.Email, StoreHash: p.StoreHash, Token: created.Token}
	if made.Name == "" {
		made.Name = p.Name
	}
	if made.Name != p.Name {
		p.KeptName = made.Name
	}
	// The creates in flight end together more often than not: gathered, they share the
	// pages that show their tokens (bounded by the request timeout).
	if err := s.index.gatherCreates(ctx); err != nil {
		return s.notLocated(p, made, err)
	}
	if page, err := s.index.newestPage(ctx); err == nil {
		if out, ok := s.decide(p, created.Token, key, listingEvidence{list: newTokenList(page.Tokens)}); ok && out.Kind == CreateMade {
			return out
		}
	}
	out, err := s.poll(ctx, p, created.Token, key)
	if err == nil && out.Kind == CreateMade {
		return out
	}
	if err == nil {
		err = listingError(0, ErrTokenNotLocated)
		if out.Err != nil {
			err = out.Err
		}
	}
	return s.notLocated(p, made, err)
}

// notLocated is a token made whose id is not known: its value is kept, so that it is never
// orphaned, with what a later run needs to find it.
func (s *Store) notLocated(p PendingCreate, made ServerToken, err error) CreateOutcome {
	if !errors.Is(err, ErrTokenNotLocated) {
		err = fmt.Errorf("%w: %w", ErrTokenNotLocated, err)
	}
	return CreateOutcome{Kind: CreateMade, Token: made, Pending: p, Err: err}
}

// reconcileLost finds out what a create whose reply was lost did.
func (s *Store) reconcileLost(ctx context.Context, p PendingCreate, createErr error) CreateOutcome {
	key := seekKey(p, "")
	s.index.seek(key, 1)
	defer s.index.seek(key, -1)
	out, err := s.poll(ctx, p, "", key)
	switch {
	case ctx.Err() != nil:
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: interruptedCreate(p, createErr)}
	case err != nil:
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: fmt.Errorf("%w: %s may exist, and listing the tokens "+
			"to find out failed: %w; the create failed with: %w", ErrCreateOutcomeUnknown, p.describe(), err, createErr)}
	case out.Kind == CreateNone:
		out.Err = createErr
	case out.Kind == CreateUnknown && out.Err == nil:
		out.Err = fmt.Errorf("%w: %s may exist and may not be listed yet; the list must show it by %s: %w",
			ErrCreateOutcomeUnknown, p.describe(), p.settledAt(s.client.cfg.ListLag).UTC().Format(time.RFC3339), createErr)
	case out.Kind == CreateUnknown:
		out.Err = fmt.Errorf("%w; the create failed with: %w", out.Err, createErr)
	}
	return out
}

// Reconcile finds out, from the listings of this run, what a create of an earlier run did:
// value is its token when its reply arrived. It creates and deletes nothing.
func (s *Store) Reconcile(ctx context.Context, p PendingCreate, value string) CreateOutcome {
	if err := s.client.MadeHere(p.Host); err != nil {
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: err}
	}
	if value != "" {
		s.addToken(value, SourceOwnToken, p.EndedAt)
	}
	key := seekKey(p, value)
	s.index.seek(key, 1)
	defer s.index.seek(key, -1)
	first, err := s.listingFor(ctx, p, nil)
	if value != "" && IsCredentialRefused(err) && s.creds.statusOf(value) == credentialRefused {
		// The API refuses the token's value, the last credential left: no token has it now.
		return CreateOutcome{Kind: CreateNone, Pending: p, Err: err}
	}
	if err != nil {
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: err}
	}
	if value != "" && s.creds.statusOf(value) == credentialUnknown {
		// A value the API accepts belongs to a token: the listings must show it.
		if err := s.tryCredential(ctx, value); err != nil && !IsUnauthorized(err) {
			return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: err}
		}
	}
	lag := s.client.cfg.ListLag
	e := listingEvidence{list: s.judged(first), settled: !first.Started.Before(p.settledAt(lag))}
	if out, ok := s.decide(p, value, key, e); ok && out.Kind != CreateUnknown || !e.list.Complete || !e.settled {
		return out
	}
	second, err := s.listingFor(ctx, p, &first)
	if err != nil {
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: err}
	}
	judged := s.judged(second)
	out, _ := s.decide(p, value, key, listingEvidence{list: judged, confirmed: judged.Complete, settled: true})
	return out
}

// poll lists the store until the listings decide: up to LocateAttempts times, each listing
// started after the one before and the wait between them doubling, and then, while the list
// may still not show what the create made (ListLag), on until it must (bounded in real time
// by twice ListLag, whatever the clock says), so that a run settles what it can itself.
func (s *Store) poll(ctx context.Context, p PendingCreate, value, key string) (CreateOutcome, error) {
	cfg := s.client.cfg
	wait, deadline := cfg.LocateWait, time.Now().Add(2*cfg.ListLag)
	var prev *TokenList
	out := CreateOutcome{Kind: CreateUnknown, Pending: p}
	for attempt := 1; ; attempt++ {
		// Concurrent creates of this client with the same name and email make new tokens
		// too: decide once they have returned, so that their tokens are known as theirs.
		if err := s.index.gatherCreates(ctx); err != nil {
			return out, err
		}
		list, err := s.listingFor(ctx, p, prev)
		// A token just made may be refused for a moment, and a list that other integrations
		// change while it is read does not fit together: poll past both, within the bounds.
		transient := IsCredentialRefused(err) && attempt < cfg.LocateAttempts ||
			errors.Is(err, errShiftedListing) && (attempt < cfg.LocateAttempts || time.Now().Before(deadline))
		if err != nil && !transient {
			return out, err
		}
		settled := false
		if err == nil {
			list = s.judged(list)
			settled = !list.Started.Before(p.settledAt(cfg.ListLag))
			// Confirmed: the listing before this one was complete and settled too.
			confirmed := list.Complete && prev != nil && prev.Complete && !prev.Started.Before(p.settledAt(cfg.ListLag))
			e := listingEvidence{list: list, settled: settled, confirmed: confirmed}
			var decided bool
			if out, decided = s.decide(p, value, key, e); decided && out.Kind != CreateUnknown || out.Err != nil {
				return out, nil //nolint:nilerr // the outcome carries its own error
			}
			prev = &list
		}
		if attempt >= cfg.LocateAttempts && (settled || !time.Now().Before(deadline)) {
			return out, nil
		}
		if err := sleep(ctx, wait); err != nil {
			return out, err
		}
		wait = min(wait*2, max(maxLocateWait, cfg.LocateWait), max(time.Until(deadline), cfg.LocateWait))
	}
}

// decide judges a listing and claims the token made; decided is false while a create of
// this client is still in flight (its token may be among the candidates).
func (s *Store) decide(p PendingCreate, value, key string, e listingEvidence) (CreateOutcome, bool) {
	for {
		// A create whose reply was lost waits for those of its kind whose replies arrived:
		// they know their tokens by value, and must not find them taken by a guess.
		if s.index.creatingNow(createKind(p.Name, p.Email)) || value == "" && s.index.seekingByValue(key) > 0 {
			return CreateOutcome{Kind: CreateUnknown, Pending: p}, false
		}
		out := judgeCreate(p, value, s.index.seeking(key), e, s.index.isClaimed)
		if out.Kind != CreateMade || s.index.claim(out.Token.ID) {
			return out, true
		}
	}
}

// seekKey groups the creates of this run that look for the same kind of token.
func seekKey(p PendingCreate, value string) string {
	return p.StoreHash + "\x00" + p.Name + "\x00" + strings.ToLower(p.Email) + "\x00" + value
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// joinIDs lists the tokens' ids in ascending order, without reordering its argument.
func joinIDs(tokens []ServerToken) string {
	ids := make([]int64, 0, len(tokens))
	for _, t := range tokens {
		ids = append(ids, t.ID)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}
