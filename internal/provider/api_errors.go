package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// explain is an API error as users read it: the client's message (method, path, status
// and BigCommerce's own words), and what to check for the statuses that have a usual cause.
func (d *providerData) explain(err error) string {
	msg := err.Error()
	var apiErr *b2b.Error
	if !errors.As(err, &apiErr) {
		return msg
	}
	switch apiErr.Status() {
	case http.StatusUnauthorized:
		which := apiErr.Credential
		if which == "" {
			which = "the credential sent"
		}
		return msg + fmt.Sprintf("\n\nBigCommerce refused %s as invalid. Check auth_token (%s), access_token (%s), "+
			"or whether the token was revoked.", which, envAuthToken, envAccessToken)
	case http.StatusNotFound:
		if !apiErr.Envelope {
			return msg + fmt.Sprintf("\n\nThe reply is not the B2B API's: check api_url (%s). The base URL in use is %s.",
				envAPIURL, d.client.BaseURL())
		}
	case http.StatusTooManyRequests:
		return msg + fmt.Sprintf("\n\nBigCommerce's rate limit (about 150 requests a minute per store, shared by every "+
			"integration of the store) still refused the request after %d attempts. Raise max_retries (%s), keep a larger "+
			"rate_limit_reserve (%s) for the other integrations, or run with less parallelism.",
			max(apiErr.Attempts, 1), envMaxRetries, envRateLimitReserve)
	}
	return msg
}

// createErrorDetail says what to do after a create that failed, and whether a token may exist.
func (d *providerData) createErrorDetail(err error) string {
	switch {
	case errors.Is(err, b2b.ErrCreateOutcomeUnknown):
		return "The create request failed in a way that BigCommerce may still have created the token, and " +
			"listing the store's tokens could not settle it. It was not re-sent, so at most one token was created. " +
			"Do not apply again before checking: import the token the message names, if any " +
			"(terraform import <address> <id>), or delete it.\n\n" + err.Error()
	case errors.Is(err, b2b.ErrAmbiguousCreate):
		return "The create request's reply was lost and several new tokens with this name and email " +
			"appeared since. Import the right one with its id, and delete the others.\n\n" + err.Error()
	}
	return d.explain(err)
}
