package b2b

import (
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// IDSet is a set of token ids: the ids a listing showed before a create, which a later run
// needs to tell the tokens that create made. Its JSON is compact, runs of ids as ranges
// ("1-600,605"), since state keeps it.
type IDSet struct {
	ids []int64 // ascending, no repeats
}

// NewIDSet is the set of the tokens' ids.
func NewIDSet(tokens iter.Seq[ServerToken]) IDSet {
	var ids []int64
	for t := range tokens {
		ids = append(ids, t.ID)
	}
	slices.Sort(ids)
	return IDSet{ids: slices.Compact(ids)}
}

// Has reports whether id is in the set.
func (s IDSet) Has(id int64) bool {
	_, found := slices.BinarySearch(s.ids, id)
	return found
}

// Len is how many ids the set holds.
func (s IDSet) Len() int { return len(s.ids) }

func (s IDSet) String() string {
	var b strings.Builder
	for i := 0; i < len(s.ids); {
		j := i
		for j+1 < len(s.ids) && s.ids[j+1] == s.ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(s.ids[i], 10))
		if j > i {
			b.WriteString("-" + strconv.FormatInt(s.ids[j], 10))
		}
		i = j + 1
	}
	return b.String()
}

func (s IDSet) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *IDSet) UnmarshalJSON(raw []byte) error {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return err
	}
	set, err := ParseIDSet(text)
	*s = set
	return err
}

// ParseIDSet reads the form String writes.
func ParseIDSet(text string) (IDSet, error) {
	var ids []int64
	for part := range strings.SplitSeq(text, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.ParseInt(lo, 10, 64)
		last := first
		if err == nil && isRange {
			last, err = strconv.ParseInt(hi, 10, 64)
		}
		if err != nil || last < first || last-first > 10_000_000 {
			return IDSet{}, fmt.Errorf("invalid id range %q", part)
		}
		for id := first; ; id++ {
			ids = append(ids, id)
			if id == last { // not id <= last: that never ends at math.MaxInt64
				break
			}
		}
	}
	slices.Sort(ids)
	return IDSet{ids: slices.Compact(ids)}, nil
}
