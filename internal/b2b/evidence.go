package b2b

import (
	"errors"
	"net/http"
)

// What a reply proves. Only a reply that carries the API's JSON envelope is BigCommerce's
// word; a gateway's page, a reply cut off, a timeout prove nothing, whatever their status.
// DESIGN.md lists every rule; this file holds the ones about single replies.

// verdict is what a call's outcome says of the credential it was sent with.
type verdict int

const (
	// verdictNone: the call failed before the credential was judged (a server error, a
	// timeout): it says nothing of the credential.
	verdictNone verdict = iota
	// verdictAccepted: the API answered past authentication.
	verdictAccepted
	// verdictRefused: the API refused the credential in its own envelope: 401, or 403 for the
	// access token, which these endpoints may not accept.
	verdictRefused
	// verdictDoubtful: a 401 or 403 without the envelope (a gateway's or WAF's page): another
	// credential may be tried, but nothing is concluded about this one.
	verdictDoubtful
)

func judgeCredential(err error, cr credential) verdict {
	if err == nil {
		return verdictAccepted
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode == 0 {
		return verdictNone
	}
	status := apiErr.Status()
	refusal := status == http.StatusUnauthorized || (cr.accessToken && status == http.StatusForbidden)
	switch {
	case refusal && apiErr.Envelope:
		return verdictRefused
	case refusal || status == http.StatusForbidden:
		return verdictDoubtful
	case apiErr.Envelope && status >= 400 && status < 500 && status != http.StatusTooManyRequests:
		return verdictAccepted // refused for another reason (such as an unknown id): authenticated
	}
	return verdictNone
}

// createReached says whether a create whose call failed may have made a token. It cannot
// have when it was never written to a connection, or when the API refused it in its own
// envelope (a bad password, a forbidden role) or anyone refused it with 429, which comes
// before any work. Anything else may have: a server error, a reply cut off or not JSON, a
// gateway's page, a timeout.
func createReached(err error, s sent) bool {
	if err == nil {
		return true
	}
	if !s.Wrote {
		return false
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return true
	}
	status := apiErr.Status()
	switch {
	case status == http.StatusTooManyRequests:
		return false
	case apiErr.Envelope && status >= 400 && status < 500:
		return false
	}
	return true
}
