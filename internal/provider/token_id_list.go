package provider

import (
	"slices"
	"strconv"
	"strings"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// sortedTokenIDList is the tokens' ids in ascending order, such as "3, 17, 42", for error
// messages that name candidates. It sorts a copy: the caller's tokens keep their order.
func sortedTokenIDList(tokens []b2b.ServerToken) string {
	ids := make([]int64, len(tokens))
	for i, t := range tokens {
		ids[i] = t.ID
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}
