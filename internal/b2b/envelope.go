package b2b

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// envelope is the shape of every reply: {"code": N, "data": ..., "meta": {...}}; some
// errors come as {"detail": "..."} instead.
type envelope struct {
	Code   int             `json:"code"`
	Data   json.RawMessage `json:"data"`
	Meta   envelopeMeta    `json:"meta"`
	Detail string          `json:"detail"`
}

type envelopeMeta struct {
	Message    string      `json:"message"`
	Pagination *pagination `json:"pagination"`
}

type pagination struct {
	TotalCount int `json:"totalCount"`
	Offset     int `json:"offset"`
	Limit      int `json:"limit"`
}

var errNotJSON = errors.New("reply is not a JSON envelope")

// decodeReply fails when either the HTTP status or the body code is 400 or more, as public
// clients of B2B Edition do, and otherwise decodes data (and meta, for pages) into out.
// attempts is how many times the request was sent, for the error.
func decodeReply(cl call, attempts int, resp *http.Response, raw []byte, out any) error {
	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	if resp.StatusCode >= 400 || (jsonErr == nil && env.Code >= 400) {
		apiErr := cl.fail(resp.StatusCode, nil)
		apiErr.Attempts = attempts
		if jsonErr != nil {
			apiErr.Err = describeNonJSON(resp)
			return apiErr
		}
		if env.Code >= 400 && env.Code != resp.StatusCode {
			apiErr.BodyCode = env.Code
		}
		apiErr.Envelope = isEnvelope(raw)
		apiErr.Message = scrub(errorMessage(env), cl.secretValues())
		apiErr.Category = scrub(env.Meta.Message, cl.secretValues())
		return apiErr
	}
	if jsonErr != nil {
		return cl.fail(resp.StatusCode, fmt.Errorf("%w: %s", errNotJSON, describeNonJSON(resp)))
	}
	if out == nil {
		return nil
	}
	if page, ok := out.(*pageReply); ok {
		page.pagination = env.Meta.Pagination
		out = &page.data
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return cl.fail(resp.StatusCode, fmt.Errorf("unexpected reply data: %w", err))
	}
	return nil
}

// secretValues are the values of cl that no error may show: its declared secrets and the
// credentials in its headers.
func (cl call) secretValues() []string {
	values := slices.Clone(cl.secrets)
	for _, name := range []string{"authToken", "X-Auth-Token"} {
		values = append(values, cl.header.Values(name)...)
	}
	return values
}

// scrub replaces every secret in text with a placeholder. A server may echo what it was
// sent (a password in a validation message), escaped as JSON, a URL or HTML: the error must
// still not show it in any of those forms (see [SecretForms]).
func scrub(text string, secrets []string) string { return ScrubSecrets(text, secrets) }

// minSecretLength: shorter values are not scrubbed, as they would also match ordinary text.
const minSecretLength = 4

// isEnvelope reports whether raw is a JSON object in the shape of the B2B API's own
// replies, {"code", "data", "meta"}; a {"detail"} error, as a framework's default route
// gives, is not.
func isEnvelope(raw []byte) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	_, hasCode := fields["code"]
	_, hasMeta := fields["meta"]
	return hasCode && hasMeta
}

// retryableBodyCode is the envelope code of a reply whose HTTP status says success but whose
// code is one the retry policy knows (429, 500, 502, 503, 504), else 0.
func retryableBodyCode(status int, raw []byte) int {
	if status >= 400 {
		return 0 // the status decides
	}
	var env envelope
	if json.Unmarshal(raw, &env) != nil {
		return 0
	}
	switch env.Code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return env.Code
	}
	return 0
}

// describeNonJSON names what came back without echoing it.
func describeNonJSON(resp *http.Response) error {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Errorf("reply is not JSON (%s)", ct)
}

// errorMessage flattens data.errMsg, which is a string, an object of field -> messages, or
// an array, falling back to detail.
func errorMessage(env envelope) string {
	var data struct {
		ErrMsg json.RawMessage `json:"errMsg"`
	}
	if len(env.Data) > 0 && json.Unmarshal(env.Data, &data) == nil && len(data.ErrMsg) > 0 {
		if msg := flattenMessage(data.ErrMsg); msg != "" {
			return msg
		}
	}
	return env.Detail
}

func flattenMessage(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, 0, len(list))
		for _, item := range list {
			if msg := flattenMessage(item); msg != "" {
				parts = append(parts, msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) == nil {
		// By field name: map order is random, and the message is shown to the user.
		parts := make([]string, 0, len(fields))
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if msg := flattenMessage(fields[k]); msg != "" {
				parts = append(parts, k+": "+msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}
