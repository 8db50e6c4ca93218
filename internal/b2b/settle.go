package b2b

import (
	"context"
	"errors"
)

// Settle is what an apply does for a resource whose earlier create is unsettled (its reply
// was lost, and the plan could not tell what it did): it lists the store, borrowing a
// short-lived credential when the run has none (an apply may write, a plan may not), and
// reconciles p. A token p made is adopted (Made, located); only when p provably made none is
// req created (as [Store.Provision]); while p's outcome is unknown nothing is created, and
// the outcome is Unknown with p to keep.
func (s *Store) Settle(ctx context.Context, p PendingCreate, req CreateServerTokenRequest) CreateOutcome {
	if err := s.client.MadeHere(p.Host); err != nil {
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: err}
	}
	release, err := s.borrowIfNeeded(ctx, req, false)
	if err != nil {
		return CreateOutcome{Kind: CreateUnknown, Pending: p, Err: err}
	}
	out := s.Reconcile(ctx, p, "")
	notes := release()
	if out.Kind == CreateUnknown && errors.Is(out.Err, ErrNoCredential) {
		if release, err = s.borrowIfNeeded(ctx, req, true); err == nil {
			out = s.Reconcile(ctx, p, "")
			notes = append(notes, release()...)
		}
	}
	if out.Kind == CreateNone {
		made := s.Provision(ctx, req)
		made.Notes = append(notes, made.Notes...)
		return made
	}
	out.Notes = append(out.Notes, notes...)
	return out
}
