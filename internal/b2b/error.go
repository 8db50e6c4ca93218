package b2b

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is every failure of a call to the API: a reply whose HTTP status or body code is
// 400 or more, a reply that cannot be decoded, or a request that got no reply. It names the
// method, the path (never the query) and BigCommerce's own message, and never carries a
// credential or a request body.
type Error struct {
	Method string
	Path   string
	// StatusCode is the HTTP status; 0 when no reply arrived.
	StatusCode int
	// BodyCode is the envelope's code when it signals the failure and differs from StatusCode.
	BodyCode int
	// Message is BigCommerce's message: data.errMsg or detail.
	Message string
	// Category is meta.message, e.g. "Parameter Error" or "Not Found Error".
	Category string
	// Err is the cause when no usable reply arrived (transport, timeout, decoding).
	Err error
	// Credential names the credential the API refused ("auth_token", "access_token", ...)
	// when a call that can use several was refused with every one.
	Credential string
	// Attempts is how many times the request was sent.
	Attempts int
	// Envelope is true when the reply was the API's own JSON envelope, not a page from a
	// gateway or a proxy.
	Envelope bool
	// refusedByAPI: the API refused, in its own envelope, every credential the call tried.
	refusedByAPI bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.BodyCode != 0 {
		fmt.Fprintf(&b, " (body code %d)", e.BodyCode)
	}
	switch {
	case e.Message != "" && e.Category != "" && e.Category != e.Message:
		fmt.Fprintf(&b, ": %s (%s)", e.Message, e.Category)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Category != "":
		fmt.Fprintf(&b, ": %s", e.Category)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Credential != "" {
		fmt.Fprintf(&b, " (credential refused: %s)", e.Credential)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the code that decided the failure: the body code when it signals one, else the
// HTTP status.
func (e *Error) Status() int {
	if e.BodyCode != 0 {
		return e.BodyCode
	}
	return e.StatusCode
}

// IsNotFound reports whether err is the API's own answer that the thing does not exist: a
// 404 in the B2B JSON envelope. A 404 page from a gateway or a wrong route is not.
func IsNotFound(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Envelope && apiErr.Status() == http.StatusNotFound
}

// IsUnauthorized reports whether the API itself rejected the credential as invalid or
// missing: a 401 in the B2B JSON envelope. A 401 page from a gateway or a WAF proves nothing
// about the credential.
func IsUnauthorized(err error) bool { return isAPIStatus(err, http.StatusUnauthorized) }

// IsRateLimited reports whether err is a 429 that retries did not get past.
func IsRateLimited(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Status() == http.StatusTooManyRequests
}

// isAPIStatus reports whether err is the API's own answer (its JSON envelope) with status.
func isAPIStatus(err error, status int) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Envelope && apiErr.Status() == status
}
