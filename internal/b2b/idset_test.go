package b2b

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"testing"
)

// idSetOf is the set of ids.
func idSetOf(ids ...int64) IDSet { return NewIDSet(slices.Values(idsOf(ids...))) }

func idsOf(ids ...int64) []ServerToken {
	tokens := make([]ServerToken, len(ids))
	for i, id := range ids {
		tokens[i] = ServerToken{ID: id}
	}
	return tokens
}

// The ids a listing showed, written compactly: runs as ranges, in ascending order, each
// id once.
func TestIDSetStringWritesRunsAsRanges(t *testing.T) {
	tests := []struct {
		ids  []int64
		want string
	}{
		{nil, ""},
		{[]int64{7}, "7"},
		{[]int64{1, 2}, "1-2"},
		{[]int64{3, 1, 2, 2, 5, 10, 9, 3}, "1-3,5,9-10"},
		{[]int64{600, 1, 2, 3, 605}, "1-3,600,605"},
		{[]int64{0, 1}, "0-1"},
	}
	for _, tt := range tests {
		set := idSetOf(tt.ids...)
		if got := set.String(); got != tt.want {
			t.Errorf("NewIDSet(%v).String() = %q, want %q", tt.ids, got, tt.want)
		}
	}
}

func TestIDSetHasAndLen(t *testing.T) {
	set := idSetOf(5, 1, 2, 3, 9, 3)
	if set.Len() != 5 {
		t.Errorf("Len = %d, want 5", set.Len())
	}
	for _, id := range []int64{1, 2, 3, 5, 9} {
		if !set.Has(id) {
			t.Errorf("Has(%d) = false", id)
		}
	}
	for _, id := range []int64{0, 4, 6, 8, 10, -1} {
		if set.Has(id) {
			t.Errorf("Has(%d) = true", id)
		}
	}
	var empty IDSet
	if empty.Has(0) || empty.Len() != 0 || empty.String() != "" {
		t.Errorf("zero IDSet = %q (len %d)", empty.String(), empty.Len())
	}
}

// ParseIDSet reads what String writes, and sorts out overlapping, unsorted and repeated
// parts.
func TestParseIDSetReadsRangesInAnyOrder(t *testing.T) {
	tests := []struct {
		in   string
		want string
		n    int
	}{
		{"", "", 0},
		{"7", "7", 1},
		{"1-3,5", "1-3,5", 4},
		{"9,1-2", "1-2,9", 3},
		{"1-5,3-7,2", "1-7", 7},
		{"1,,2,", "1-2", 2},
		{"4-4", "4", 1},
		{"0", "0", 1},
		{"1-600,605", "1-600,605", 601},
	}
	for _, tt := range tests {
		set, err := ParseIDSet(tt.in)
		if err != nil {
			t.Errorf("ParseIDSet(%q): %v", tt.in, err)
			continue
		}
		if got := set.String(); got != tt.want || set.Len() != tt.n {
			t.Errorf("ParseIDSet(%q) = %q (%d ids), want %q (%d)", tt.in, got, set.Len(), tt.want, tt.n)
		}
	}
}

func TestParseIDSetRefusesWhatStringNeverWrites(t *testing.T) {
	for _, in := range []string{
		"a", "1-", "-3", "5-3", "1-2-3", " 1", "1 ", "1;2", "1.5", "0x10", "1-b",
		"99999999999999999999", // past int64
		"0-10000001",           // a range too long to be a listing's
		"1," + strconv.Itoa(math.MaxInt32) + "-" + strconv.Itoa(math.MaxInt32+10000001),
	} {
		set, err := ParseIDSet(in)
		if err == nil {
			t.Errorf("ParseIDSet(%q) = %q, want an error", in, set.String())
			continue
		}
		if set.Len() != 0 {
			t.Errorf("ParseIDSet(%q) kept %d ids with its error", in, set.Len())
		}
	}
}

// Round trips: String and ParseIDSet, and the JSON that state keeps (a string).
func TestIDSetRoundTrips(t *testing.T) {
	for _, ids := range [][]int64{nil, {1}, {1, 2, 3, 7, 8, 100}, {42, 44, 46}, {1 << 40, 1<<40 + 1}} {
		set := idSetOf(ids...)
		parsed, err := ParseIDSet(set.String())
		if err != nil || parsed.String() != set.String() || parsed.Len() != set.Len() {
			t.Errorf("ParseIDSet(%q) = %q, %v", set.String(), parsed.String(), err)
		}
		raw, err := json.Marshal(set)
		if err != nil {
			t.Fatal(err)
		}
		if want := strconv.Quote(set.String()); string(raw) != want {
			t.Errorf("JSON %s, want %s", raw, want)
		}
		var back IDSet
		if err := json.Unmarshal(raw, &back); err != nil || back.String() != set.String() {
			t.Errorf("Unmarshal(%s) = %q, %v", raw, back.String(), err)
		}
		for _, id := range ids {
			if !back.Has(id) {
				t.Errorf("Unmarshal(%s) lost %d", raw, id)
			}
		}
	}
}

func TestIDSetUnmarshalJSONRefusesBadInput(t *testing.T) {
	for _, raw := range []string{`[1,2]`, `12`, `{"ids":[1]}`, `"1-"`, `"x"`, `"3-1"`} {
		var set IDSet
		if err := json.Unmarshal([]byte(raw), &set); err == nil {
			t.Errorf("Unmarshal(%s) = %q, want an error", raw, set.String())
		}
	}
	var set IDSet
	if err := json.Unmarshal([]byte(`null`), &set); err != nil || set.Len() != 0 {
		t.Errorf("Unmarshal(null) = %q, %v; want the empty set", set.String(), err)
	}
}
