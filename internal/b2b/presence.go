package b2b

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// PresenceKind is what the run can tell about a token: it exists, it is gone, or the
// replies at hand prove neither.
type PresenceKind int

const (
	PresenceUnknown PresenceKind = iota
	Present
	Absent
)

// Presence is what [Store.Find] found out about one token id.
type Presence struct {
	Kind PresenceKind
	// Token is the token as the list shows it, when Present.
	Token ServerToken
	// Revoked: Absent because the API refuses the token's own value, which was the last
	// credential left to list with.
	Revoked bool
	// Err is why the token could not be read, when Unknown because a request failed.
	Err error
	// Why says what the listings lacked, when Unknown without Err.
	Why string
}

// Find tells whether the token with id exists. own is the token's own value when the caller
// has it (a resource's token), else "": a caller without one needs a configured credential,
// so that the answer never depends on which other reads of the run came first.
//
// Presence is taken from any page that shows the token (pages are shared, see scan.go).
// Absence needs proof: a complete listing that does not show it, confirmed by a second one
// that started after the first ended, each showing every S2S credential of the store the run
// holds as valid, and, when own is known and untried, own tried as a credential (a value the
// API accepts must be listed). And an anchor: each listing shows a token with a higher id
// (ids only grow, so a listing as of a time before the token existed cannot show one), or
// the API refuses the token's own value.
func (s *Store) Find(ctx context.Context, id int64, own string) Presence {
	if own == "" && !s.creds.hasConfigured() {
		return Presence{Err: &Error{Method: http.MethodGet, Path: pathBackendTokens, Err: ErrNoCredential}}
	}
	p := s.find(ctx, id, own)
	if own == "" && p.Kind != PresenceUnknown && !s.creds.hasConfigured() {
		// The configured credentials were refused: whatever another credential of the run
		// read, the answer must not depend on which reads came first.
		return Presence{Err: &Error{Method: http.MethodGet, Path: pathBackendTokens, Err: ErrNoCredential}}
	}
	return p
}

func (s *Store) find(ctx context.Context, id int64, own string) Presence {
	t, found, err := s.index.findOnPages(ctx, id)
	switch {
	case found:
		return Presence{Kind: Present, Token: t}
	case err != nil:
		return s.unreadable(err, own)
	}
	return s.proveAbsent(ctx, id, own)
}

func (s *Store) proveAbsent(ctx context.Context, id int64, own string) Presence {
	first, err := s.index.current(ctx)
	if err != nil {
		return s.unreadable(err, own)
	}
	if p, decided := s.judgeListing(first, id); decided {
		return p
	}
	second, err := s.index.newerThan(ctx, first)
	if err != nil {
		return s.unreadable(err, own)
	}
	if own != "" && s.creds.statusOf(own) == credentialUnknown {
		if err := s.tryCredential(ctx, own); err != nil && !IsUnauthorized(err) {
			return Presence{Err: err}
		}
	}
	if p, decided := s.judgeListing(second, id); decided {
		return p
	}
	if _, deletedHere := s.deleted.Load(id); deletedHere || own != "" && s.creds.statusOf(own) == credentialRefused {
		return Presence{Kind: Absent} // deleted by this run, or its own value refused, and not listed
	}
	if !first.hasIDAbove(id) || !second.hasIDAbove(id) {
		return Presence{Why: fmt.Sprintf("no listing showed a token newer than id %d, and only a listing that shows one "+
			"proves that it was made after the token existed (a replica behind the store shows neither)", id)}
	}
	return Presence{Kind: Absent}
}

// FindValue finds every token whose value is value (values may repeat: two tokens of one
// user can be the same string), with value itself as a credential of last resort. The
// tokens are Absent only on the proofs Find asks for, value tried as a credential among them.
func (s *Store) FindValue(ctx context.Context, value string) ([]ServerToken, Presence) {
	s.addToken(value, SourceOwnToken, time.Time{})
	shown := func(l TokenList) ([]ServerToken, Presence, bool) {
		if tokens := l.WithValue(value); len(tokens) > 0 {
			return tokens, Presence{Kind: Present, Token: tokens[0]}, true
		}
		if !s.judged(l).Complete {
			return nil, Presence{Why: "the token list could not be read completely"}, true
		}
		return nil, Presence{}, false
	}
	first, err := s.index.current(ctx)
	if err != nil {
		return nil, s.unreadable(err, value)
	}
	if tokens, p, decided := shown(first); decided {
		return tokens, p
	}
	second, err := s.index.newerThan(ctx, first)
	if err != nil {
		return nil, s.unreadable(err, value)
	}
	if s.creds.statusOf(value) == credentialUnknown {
		if err := s.tryCredential(ctx, value); err != nil && !IsUnauthorized(err) {
			return nil, Presence{Err: err}
		}
	}
	if tokens, p, decided := shown(second); decided {
		return tokens, p
	}
	return nil, Presence{Kind: Absent, Revoked: s.creds.statusOf(value) == credentialRefused}
}

// judgeListing decides from one listing when it shows the token, or cannot prove anything.
func (s *Store) judgeListing(list TokenList, id int64) (Presence, bool) {
	if t, ok := list.ByID(id); ok {
		return Presence{Kind: Present, Token: t}, true
	}
	if !s.judged(list).Complete {
		return Presence{Why: "the token list could not be read completely: its pages did not fit together, " +
			"or it did not show a token the API accepted as a credential in this run (a stale or lagging replica)"}, true
	}
	return Presence{}, false
}

// unreadable is the presence of a token whose listing failed with err: Absent (revoked) when
// the API refused every credential, the token's own value among them; else Unknown.
func (s *Store) unreadable(err error, own string) Presence {
	if own != "" && IsCredentialRefused(err) && s.creds.statusOf(own) == credentialRefused {
		return Presence{Kind: Absent, Revoked: true}
	}
	return Presence{Err: err}
}

// tryCredential sends one small listing with value alone, so that the run learns whether the
// API accepts it.
func (s *Store) tryCredential(ctx context.Context, value string) error {
	if !s.client.belongsTo(value, s.hash) {
		return nil // a token whose claim names another store is never sent here
	}
	cr := credential{value: value, source: SourceOwnToken}
	_, err := s.reader(cr).readPage(ctx, 1, 0)
	switch judgeCredential(err, cr) {
	case verdictAccepted:
		s.creds.accepted(value)
		return nil
	case verdictRefused:
		s.creds.refused(value, true)
	}
	return err
}

// DeleteOutcome is what a delete found.
type DeleteOutcome struct {
	// Gone: the token was gone before this delete: the API's own 404, or its refusal of the
	// token's own value, the last credential left (Revoked).
	Gone, Revoked bool
}

// Delete deletes the token with id (DELETE /auth/backend, the id in the JSON body). value is
// the token's own value when the caller has it: after the configured credentials, it
// authenticates its own delete (no other delete will have deleted it meanwhile), and other
// deletes try it last while it is being deleted.
func (s *Store) Delete(ctx context.Context, id int64, value string) (DeleteOutcome, error) {
	if value != "" {
		s.addToken(value, SourceOwnToken, time.Time{})
		defer s.creds.retire(value)()
	}
	err := s.withCredential(ctx, order{first: value}, http.MethodDelete, pathBackendAuth, func(cr credential) error {
		return s.client.deleteServerToken(ctx, cr.header(s.hash), s.hash, id)
	})
	var out DeleteOutcome
	switch {
	case err == nil:
	case IsNotFound(err):
		out.Gone = true
	case value != "" && IsCredentialRefused(err) && s.creds.statusOf(value) == credentialRefused:
		out.Gone, out.Revoked = true, true
	default:
		return out, err
	}
	s.index.changed(id)
	s.deleted.Store(id, true)
	if value != "" {
		s.creds.deleted(value)
	}
	return out, nil
}
