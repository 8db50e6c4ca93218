package b2b

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func noneClaimed(int64) bool { return false }

func tok(id int64, name, email, value string) ServerToken {
	return ServerToken{ID: id, Name: name, Email: email, StoreHash: testStoreHash, Token: value}
}

func candidateIDs(tokens []ServerToken) []int64 {
	ids := []int64{}
	for _, t := range tokens {
		ids = append(ids, t.ID)
	}
	return ids
}

// A token may be the one a create made only with its name, its email (in any case), not
// listed before the create, not another create's, and with the create's value when the
// reply told it.
func TestCandidatesOfMatchNameEmailNewnessAndValue(t *testing.T) {
	p := PendingCreate{Name: "ci", Email: "Owner@Example.com", Before: idSetOf(1, 2), BeforeKnown: true}
	tokens := []ServerToken{
		tok(9, "ci", "owner@example.com", "v"),
		tok(8, "ci", "owner@example.com", "claimed"),
		tok(7, "ci", "OWNER@EXAMPLE.COM", "other"),
		tok(6, "ci", "someone@example.com", "v"),
		tok(5, "ci-2", "owner@example.com", "v"),
		tok(4, "CI", "owner@example.com", "v"), // names are compared exactly
		tok(3, "ci", "owner@example.com", "v"),
		tok(2, "ci", "owner@example.com", "v"), // listed before the create
		tok(1, "ci", "owner@example.com", "old"),
	}
	original := append([]ServerToken(nil), tokens...)
	claimed := func(id int64) bool { return id == 8 }

	if got := candidateIDs(candidatesOf(p, "", slices.Values(tokens), claimed)); !reflect.DeepEqual(got, []int64{3, 7, 9}) {
		t.Errorf("without a value: candidates %v, want [3 7 9] in ascending order", got)
	}
	// Two new tokens with the value: both are candidates, the old one of that value is not.
	if got := candidateIDs(candidatesOf(p, "v", slices.Values(tokens), claimed)); !reflect.DeepEqual(got, []int64{3, 9}) {
		t.Errorf("value v: candidates %v, want [3 9]", got)
	}
	if got := candidateIDs(candidatesOf(p, "old", slices.Values(tokens), claimed)); len(got) != 0 {
		t.Errorf("value of a token listed before: candidates %v, want none", got)
	}
	// Without a listing from before, old tokens cannot be told from new ones.
	unknownBefore := p
	unknownBefore.BeforeKnown = false
	if got := candidateIDs(candidatesOf(unknownBefore, "v", slices.Values(tokens), claimed)); !reflect.DeepEqual(got, []int64{2, 3, 9}) {
		t.Errorf("before unknown, value v: candidates %v, want [2 3 9]", got)
	}
	if !reflect.DeepEqual(tokens, original) {
		t.Error("candidatesOf reordered the listing it was given")
	}
}

// judgeCreate is the one place a create is concluded made, none or unknown.
func TestJudgeCreate(t *testing.T) {
	before := idSetOf(1, 2)
	pending := PendingCreate{Name: "ci", Email: "owner@example.com", StoreHash: testStoreHash, Before: before, BeforeKnown: true}
	noBefore := pending
	noBefore.Before, noBefore.BeforeKnown = IDSet{}, false
	unique := noBefore
	unique.UniqueName = true

	old := tok(2, "ci", "owner@example.com", "v") // listed before the create, same value
	made := tok(5, "ci", "owner@example.com", "v")
	twin := tok(6, "ci", "owner@example.com", "v") // another new token of the same value
	unrelated := tok(3, "other", "owner@example.com", "w")

	listing := completeList
	tests := []struct {
		name       string
		p          PendingCreate
		value      string
		seeking    int
		e          listingEvidence
		claimed    func(int64) bool
		want       CreateOutcomeKind
		wantID     int64
		candidates []int64
		ambiguous  bool
	}{
		{name: "reply arrived, new token listed on an incomplete page", p: pending, value: "v",
			e: listingEvidence{list: listing(false, made), settled: true}, want: CreateMade, wantID: 5},
		// Another pipeline's create of the name and email may land while this one's token
		// lags: with one value for all tokens of the user, nothing tells them apart until the
		// list has settled.
		{name: "reply arrived, one candidate before the list settled", p: pending, value: "v",
			e: listingEvidence{list: listing(false, old, twin)}, want: CreateUnknown, candidates: []int64{6}},
		{name: "reply arrived, one candidate once settled, one of two", p: pending, value: "v",
			e:    listingEvidence{list: listing(true, old, made, twin), settled: true},
			want: CreateUnknown, candidates: []int64{5, 6}, ambiguous: true},
		{name: "reply arrived, values of the user differ: the value tells at once", p: pending, value: "v",
			e: listingEvidence{list: listing(false, tok(1, "bootstrap", "owner@example.com", "w"), made)}, want: CreateMade, wantID: 5},
		{name: "reply lost, one candidate before the list settled", p: pending,
			e: listingEvidence{list: listing(false, old, made)}, want: CreateUnknown, candidates: []int64{5}},
		{name: "reply arrived, the same value listed before is not ours", p: pending, value: "v",
			e: listingEvidence{list: listing(true, old, made, unrelated)}, want: CreateMade, wantID: 5},
		{name: "reply lost, one new token of the name and email", p: pending,
			e: listingEvidence{list: listing(false, old, made), settled: true}, want: CreateMade, wantID: 5},
		{name: "two new tokens of one value for one create", p: pending, value: "v", seeking: 1,
			e:    listingEvidence{list: listing(true, old, made, twin), confirmed: true, settled: true},
			want: CreateUnknown, candidates: []int64{5, 6}, ambiguous: true},
		{name: "two new tokens for two creates of this run", p: pending, value: "v", seeking: 2,
			e: listingEvidence{list: listing(true, old, twin, made), settled: true}, want: CreateMade, wantID: 5},
		{name: "the lowest unclaimed candidate", p: pending, value: "v", seeking: 1,
			e: listingEvidence{list: listing(true, made, twin), settled: true}, claimed: func(id int64) bool { return id == 5 },
			want: CreateMade, wantID: 6},
		{name: "nothing new in an incomplete listing", p: pending,
			e: listingEvidence{list: listing(false, old), confirmed: false, settled: true}, want: CreateUnknown},
		{name: "nothing new, complete but not confirmed", p: pending,
			e: listingEvidence{list: listing(true, old), settled: true}, want: CreateUnknown},
		{name: "nothing new, confirmed but the list may lag", p: pending,
			e: listingEvidence{list: listing(true, old), confirmed: true}, want: CreateUnknown},
		{name: "nothing new, confirmed and settled", p: pending,
			e: listingEvidence{list: listing(true, old, unrelated), confirmed: true, settled: true}, want: CreateNone},
		{name: "reply arrived, its value gone from a confirmed settled listing", p: pending, value: "gone",
			e: listingEvidence{list: listing(true, old, made), confirmed: true, settled: true}, want: CreateNone},
		{name: "no listing from before, value known, list not settled", p: noBefore, value: "v",
			e: listingEvidence{list: listing(true, made)}, want: CreateUnknown, candidates: []int64{5}},
		{name: "no listing from before, value known, settled but incomplete", p: noBefore, value: "v",
			e: listingEvidence{list: listing(false, made), settled: true}, want: CreateUnknown, candidates: []int64{5}},
		{name: "no listing from before, value known, settled and complete", p: noBefore, value: "v",
			e: listingEvidence{list: listing(true, made, unrelated), settled: true}, want: CreateMade, wantID: 5},
		{name: "no listing from before, an identical older token beside it", p: noBefore, value: "v",
			e:    listingEvidence{list: listing(true, old, made), confirmed: true, settled: true},
			want: CreateUnknown, candidates: []int64{2, 5}, ambiguous: true},
		{name: "no listing from before, reply lost: name and email never tell", p: noBefore,
			e:    listingEvidence{list: listing(true, made), confirmed: true, settled: true},
			want: CreateUnknown, candidates: []int64{5}},
		{name: "unique name, reply lost", p: unique,
			e: listingEvidence{list: listing(false, tok(8, "ci", "owner@example.com", "x"))}, want: CreateMade, wantID: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claimed := tt.claimed
			if claimed == nil {
				claimed = noneClaimed
			}
			out := judgeCreate(tt.p, tt.value, tt.seeking, tt.e, claimed)
			if out.Kind != tt.want {
				t.Fatalf("kind %v, want %v (%+v)", out.Kind, tt.want, out)
			}
			switch out.Kind {
			case CreateMade:
				if out.Token.ID != tt.wantID || !out.Located() {
					t.Errorf("made %+v, want id %d", out.Token, tt.wantID)
				}
			case CreateUnknown, CreateNone:
				if out.Pending.Name != tt.p.Name || out.Pending.BeforeKnown != tt.p.BeforeKnown {
					t.Errorf("pending %+v, want the create's kept", out.Pending)
				}
				if out.Located() {
					t.Error("an outcome without a token is Located")
				}
			}
			if tt.candidates != nil {
				if got := candidateIDs(out.Candidates); !reflect.DeepEqual(got, tt.candidates) {
					t.Errorf("candidates %v, want %v", got, tt.candidates)
				}
			}
			if got := errors.Is(out.Err, ErrAmbiguousCreate); got != tt.ambiguous {
				t.Errorf("err = %v, want ErrAmbiguousCreate: %v", out.Err, tt.ambiguous)
			}
			if tt.ambiguous {
				names := make([]string, len(tt.candidates))
				for i, id := range tt.candidates {
					names[i] = strconv.FormatInt(id, 10)
				}
				if want := "(ids " + strings.Join(names, ", ") + ")"; !strings.Contains(out.Err.Error(), want) {
					t.Errorf("err %q does not name the candidates %s", out.Err, want)
				}
			}
		})
	}
}

// No listing, however it looks, makes a create None unless it is complete, confirmed and
// settled: every other combination is Unknown (or Made from a candidate).
func TestJudgeCreateNeverNoneWithoutAllThreeProofs(t *testing.T) {
	p := PendingCreate{Name: "ci", Email: "owner@example.com", Before: idSetOf(1), BeforeKnown: true}
	for _, complete := range []bool{false, true} {
		for _, confirmed := range []bool{false, true} {
			for _, settled := range []bool{false, true} {
				for _, value := range []string{"", "v"} {
					e := listingEvidence{list: completeList(complete, tok(1, "ci", "owner@example.com", "v")),
						confirmed: confirmed && complete, settled: settled}
					out := judgeCreate(p, value, 1, e, noneClaimed)
					wantNone := e.confirmed && settled
					if (out.Kind == CreateNone) != wantNone || out.Kind == CreateMade {
						t.Errorf("complete=%v confirmed=%v settled=%v value=%q: kind %v", complete, e.confirmed, settled, value, out.Kind)
					}
				}
			}
		}
	}
}

// PendingCreate is what state keeps: its JSON round-trips, with the field names state has.
func TestPendingCreateJSONRoundTrip(t *testing.T) {
	sent := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	p := PendingCreate{Name: "ci", Email: "owner@example.com", StoreHash: testStoreHash,
		SentAt: sent, EndedAt: sent.Add(1500 * time.Millisecond),
		Before: idSetOf(1, 2, 3, 10, 12, 13), BeforeKnown: true}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "ci", "email": "owner@example.com", "store_hash": testStoreHash,
		"sent_at": "2026-03-01T12:00:00.123456789Z", "ended_at": "2026-03-01T12:00:01.623456789Z",
		"before": "1-3,10,12-13", "before_known": true}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("JSON %s, want the fields %v (unique_name omitted when false)", raw, want)
	}
	var back PendingCreate
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != p.Name || back.Email != p.Email || back.StoreHash != p.StoreHash || !back.SentAt.Equal(p.SentAt) ||
		!back.EndedAt.Equal(p.EndedAt) || back.Before.String() != p.Before.String() || back.BeforeKnown != p.BeforeKnown ||
		back.UniqueName != p.UniqueName {
		t.Errorf("round trip %+v, want %+v", back, p)
	}
	if !back.settledAt(30 * time.Second).Equal(p.EndedAt.Add(30 * time.Second)) {
		t.Errorf("settledAt = %v", back.settledAt(30*time.Second))
	}

	unique := PendingCreate{Name: BorrowedNamePrefix + "abcd", UniqueName: true}
	raw, _ = json.Marshal(unique)
	if err := json.Unmarshal(raw, &back); err != nil || !back.UniqueName || back.BeforeKnown || back.Before.Len() != 0 {
		t.Errorf("round trip of %s = %+v, %v", raw, back, err)
	}

	// State edited by hand: a bad "before" is an error, not an empty set taken for proof.
	var bad PendingCreate
	if err := json.Unmarshal([]byte(`{"name":"ci","before":"1-x","before_known":true}`), &bad); err == nil {
		t.Errorf("bad before decoded as %+v", bad)
	}
}

// completeList is a listing of tokens, complete or not.
func completeList(complete bool, tokens ...ServerToken) TokenList {
	list := newTokenList(tokens)
	list.Complete, list.TotalCount = complete, len(tokens)
	return list
}
