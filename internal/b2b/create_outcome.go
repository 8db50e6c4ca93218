package b2b

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// CreateOutcomeKind is what the run can tell about a create: it made a token, it made none
// (or none of its tokens exists any more), or the replies at hand prove neither.
type CreateOutcomeKind int

const (
	CreateUnknown CreateOutcomeKind = iota
	CreateMade
	CreateNone
)

// CreateOutcome is the result of [Store.Provision] and [Store.Reconcile].
type CreateOutcome struct {
	Kind CreateOutcomeKind
	// Token is the token made, when Made: its ID is 0 when the list has not shown it yet,
	// and Pending then says how to find it later.
	Token ServerToken
	// Pending is what a later run needs to find out what the create did, when Unknown or
	// Made without an id: keep it with the resource.
	Pending PendingCreate
	// Err is why: the API's error of a create that made nothing, the create's error of one
	// whose outcome is unknown, why a token made was not found.
	Err error
	// Candidates are the tokens that may be the one made, when Unknown because there are
	// several, or no listing from before the create tells which are new.
	Candidates []ServerToken
	// Notes are things the user must know, such as a short-lived credential that could not
	// be deleted.
	Notes []string
}

// Located reports whether the outcome is a token with a known id.
func (o CreateOutcome) Located() bool { return o.Kind == CreateMade && o.Token.ID != 0 }

// PendingCreate is what is known of a create whose token has not been found: enough for a
// later run to reconcile before it creates anything. Its JSON is what state keeps.
type PendingCreate struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	StoreHash string `json:"store_hash"`
	// Host is the API host the create was sent to ([Client.Host]; "" in states from before it
	// was kept): only there can the create be settled.
	Host string `json:"host,omitempty"`
	// SentAt and EndedAt bound when the create was sent and when its reply (or failure) came.
	SentAt  time.Time `json:"sent_at"`
	EndedAt time.Time `json:"ended_at"`
	// Before are the ids a complete listing showed just before the create; BeforeKnown is
	// false when no listing could be made then.
	Before      IDSet `json:"before"`
	BeforeKnown bool  `json:"before_known"`
	// BeforeUpTo, when not 0, is the highest id listed just before the create, in a store
	// too big to list whole then (tail.go): every token at or below it was there before, and
	// the listings that settle the create read only the newest end, above it.
	BeforeUpTo int64 `json:"before_up_to,omitempty"`
	// KeptName is the name the create's reply gave, when the API kept another than the one
	// sent (cut short, say): the list shows that one.
	KeptName string `json:"kept_name,omitempty"`
	// UniqueName: the name has a random part no other token has, so it alone tells the
	// token (the ephemeral server token, a borrowed credential).
	UniqueName bool `json:"unique_name,omitempty"`
}

// describe names the create for users.
func (p PendingCreate) describe() string {
	return fmt.Sprintf("a token named %q (email %s) in store %s, created at %s", p.Name, p.Email, p.StoreHash,
		p.SentAt.UTC().Format(time.RFC3339))
}

// wasBefore reports whether the listing from before the create showed token id.
func (p PendingCreate) wasBefore(id int64) bool {
	return p.Before.Has(id) || id <= p.BeforeUpTo
}

// settledAt is when the list must show whatever the create made: a listing that started
// later and does not show it proves that it is not there.
func (p PendingCreate) settledAt(lag time.Duration) time.Time { return p.EndedAt.Add(lag) }

// Errors of create outcomes, for errors.Is.
var (
	// ErrTokenNotLocated: the token was made, but no listing showed it yet, so its id is
	// unknown.
	ErrTokenNotLocated = errors.New("the created token did not appear in the token list")
	// ErrCreateOutcomeUnknown: the create may have made a token, and the listings could not
	// tell yet.
	ErrCreateOutcomeUnknown = errors.New("the create may have reached BigCommerce, and listing the tokens could not tell yet whether it made a token")
	// ErrAmbiguousCreate: several new tokens match a create whose reply was lost.
	ErrAmbiguousCreate = errors.New("several new tokens match the create whose reply was lost")
)

// candidatesOf are the tokens of a listing that may be the one p made: its name, its email
// (in any case), not listed before it, not taken by another create of this run, and, when
// the reply told it, its value. A token listed with the name cut short (namedAs) is one only
// when none has the name itself, and when the listing shows no longer name: "ci-token-of-prod"
// is another token's name, not a cut of "ci-token-of-prod-v2", whenever the list shows the
// latter, or any name longer than it (an API that cuts names keeps none longer).
func candidatesOf(p PendingCreate, value string, tokens iter.Seq[ServerToken], claimed func(int64) bool) []ServerToken {
	var exact, cut []ServerToken
	for t := range tokens {
		if !p.namedAs(t.Name) || !strings.EqualFold(t.Email, p.Email) || p.BeforeKnown && p.wasBefore(t.ID) ||
			claimed(t.ID) || value != "" && t.Token != value {
			continue
		}
		if t.Name == p.Name || t.Name == p.KeptName {
			exact = append(exact, t)
		} else {
			cut = append(cut, t)
		}
	}
	out := exact
	if len(out) == 0 {
		longest := longestName(tokens)
		out = slices.DeleteFunc(cut, func(t ServerToken) bool { return !keptAmong(p.Name, t.Name, longest) })
	}
	slices.SortFunc(out, func(a, b ServerToken) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// valuesTell reports whether value tells this create's token from others of its user: the
// listing shows a token of the same email with another value, or two tokens of another
// email with two values. The documented S2S token carries only email, store hash and db, so
// all tokens of one user may be one string; a store whose tokens of one user differ shows it
// by such tokens, whichever user they are of (at the newest end of a big store, the create's
// user may have no other token).
func valuesTell(p PendingCreate, value string, tokens iter.Seq[ServerToken]) bool {
	if value == "" {
		return false
	}
	seen := map[string]string{}
	for t := range tokens {
		email := strings.ToLower(t.Email)
		if email == strings.ToLower(p.Email) && t.Token != value {
			return true
		}
		if v, ok := seen[email]; ok && v != t.Token {
			return true
		}
		seen[email] = t.Token
	}
	return false
}

// listingEvidence is what a complete listing can prove about a create.
type listingEvidence struct {
	list TokenList
	// complete: Complete, and confirmed by the complete listing before it in the same poll
	// (which showed no candidate either).
	confirmed bool
	// settled: the listing started after the list must show what the create made.
	settled bool
}

// judgeCreate decides what p made from one listing: value is the create's token when its
// reply arrived (the token exists), seeking how many creates of this run are looking for a
// token like it. It is the one place where a create is concluded made, none or unknown.
//
//   - Candidates (see candidatesOf) up to seeking: the create made the first, once the list
//     has settled (another create of that name and email may have landed while this one's
//     token is not listed yet), or at once when its value tells its token (valuesTell); with
//     a value and no listing from before, only once the list has settled (an identical older
//     token would show beside it).
//   - More candidates than that: Unknown, naming them.
//   - None: None only when the listing is complete, confirmed and settled; until then the
//     token may just not be listed yet.
func judgeCreate(p PendingCreate, value string, seeking int, e listingEvidence, claimed func(int64) bool) CreateOutcome {
	candidates := candidatesOf(p, value, e.list.All(), claimed)
	unknown := CreateOutcome{Kind: CreateUnknown, Pending: p, Candidates: candidates}
	switch {
	case len(candidates) > 0 && !p.BeforeKnown && !p.UniqueName && (value == "" || !e.settled || !e.list.Complete):
		return unknown
	case len(candidates) > 0 && !p.UniqueName && !e.settled && !valuesTell(p, value, e.list.All()):
		// Another create of this name and email (another pipeline's) may have landed while
		// this one's token is not listed yet: take the only candidate once the list settled.
		return unknown
	case len(candidates) > max(seeking, 1):
		unknown.Err = fmt.Errorf("%w (ids %s)", ErrAmbiguousCreate, joinIDs(candidates))
		return unknown
	case len(candidates) > 0:
		return CreateOutcome{Kind: CreateMade, Token: candidates[0]}
	case e.confirmed && e.settled:
		return CreateOutcome{Kind: CreateNone, Pending: p}
	}
	return unknown
}
