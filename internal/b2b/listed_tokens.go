package b2b

import (
	"hash/maphash"
	"iter"
	"math"
	"slices"
	"strings"
)

// listedTokens holds the tokens of one listing in a fixed-size record each (40 bytes), their
// names and values back to back in one string, and the strings a store repeats (emails,
// store hashes, event channels) once each. A listing of 100,000 tokens is shared by every
// read of a run and kept while the run lasts, so what it costs a token is what bounds the
// run's heap in a big store: about 40 bytes and the token's name, and its value only when no
// other token has the same one (with the documented claims, all tokens of one user do).
type listedTokens struct {
	recs []tokenRecord
	// text holds every name and distinct value; a ServerToken read from the listing refers
	// into it, so reading a token allocates nothing.
	text string
	// words are the distinct emails, store hashes and event channels.
	words []string
	maxID int64
}

type tokenRecord struct {
	id                    int64
	name, value           span
	email, store, channel uint32 // indexes into words
}

// span is where a string lies in text.
type span struct{ off, n uint32 }

func (l *listedTokens) len() int { return len(l.recs) }

// at is the i-th token, in the API's order.
func (l *listedTokens) at(i int) ServerToken {
	r := l.recs[i]
	return ServerToken{
		ID: r.id, Name: l.str(r.name), Token: l.str(r.value),
		Email: l.words[r.email], StoreHash: l.words[r.store], EventChannel: l.words[r.channel],
	}
}

func (l *listedTokens) str(s span) string { return l.text[s.off : s.off+s.n] }

// all yields every token in the API's order.
func (l *listedTokens) all() iter.Seq[ServerToken] {
	return func(yield func(ServerToken) bool) {
		for i := range l.recs {
			if !yield(l.at(i)) {
				return
			}
		}
	}
}

// tokenCollector builds a listedTokens one token at a time.
type tokenCollector struct {
	recs []tokenRecord
	// text grows by appending; its String is the listing's text without a copy.
	text  strings.Builder
	words []string
	// wordAt and valueAt find a string already kept: words by themselves (a store has
	// few), values by their hash, checked byte for byte (a value is kept once per distinct
	// string, a collision is kept twice).
	wordAt  map[string]uint32
	valueAt map[uint64]span
	seed    maphash.Seed
	maxID   int64
}

func newTokenCollector(capacity int) *tokenCollector {
	return &tokenCollector{recs: make([]tokenRecord, 0, capacity), wordAt: map[string]uint32{},
		valueAt: map[uint64]span{}, seed: maphash.MakeSeed()}
}

func (c *tokenCollector) len() int { return len(c.recs) }

func (c *tokenCollector) add(t ServerToken) {
	c.recs = append(c.recs, tokenRecord{
		id: t.ID, name: c.appendText(t.Name), value: c.value(t.Token),
		email: c.word(t.Email), store: c.word(t.StoreHash), channel: c.word(t.EventChannel),
	})
	c.maxID = max(c.maxID, t.ID)
}

func (c *tokenCollector) appendText(s string) span {
	if c.text.Len()+len(s) > math.MaxUint32 {
		panic("b2b: a listing's names and values exceed 4 GiB")
	}
	at := span{off: uint32(c.text.Len()), n: uint32(len(s))} //nolint:gosec // bounded just above
	c.text.WriteString(s)
	return at
}

func (c *tokenCollector) value(v string) span {
	h := maphash.String(c.seed, v)
	if at, ok := c.valueAt[h]; ok && c.text.String()[at.off:at.off+at.n] == v {
		return at
	}
	at := c.appendText(v)
	if _, taken := c.valueAt[h]; !taken {
		c.valueAt[h] = at
	}
	return at
}

func (c *tokenCollector) word(w string) uint32 {
	if i, ok := c.wordAt[w]; ok {
		return i
	}
	i := uint32(len(c.words)) //nolint:gosec // at most one word per token, and a listing holds far fewer than 2^32
	c.words = append(c.words, w)
	c.wordAt[w] = i
	return i
}

// done is the listing collected; the collector is not used after it.
func (c *tokenCollector) done() listedTokens {
	recs := c.recs
	if cap(recs) > len(recs)+len(recs)/8 {
		recs = slices.Clone(recs) // append grew it by up to a quarter: keep what is used
	}
	text := c.text.String()
	if c.text.Cap() > len(text)+len(text)/8 {
		text = strings.Clone(text)
	}
	return listedTokens{recs: recs, text: text, words: slices.Clip(c.words), maxID: c.maxID}
}

// newTokenList is a listing of tokens, in their order.
func newTokenList(tokens []ServerToken) TokenList {
	c := newTokenCollector(len(tokens))
	for _, t := range tokens {
		c.add(t)
	}
	return TokenList{tokens: c.done()}
}
