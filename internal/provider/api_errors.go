package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// explain is an API error as users read it: the client's message (method, path, status
// and BigCommerce's own words), and what to check for the statuses that have a usual cause;
// no secret the provider knows, even one the server echoed. extra are the secrets of the
// request at hand (a password).
func (d *providerData) explain(err error, extra ...string) string {
	return d.scrub(err.Error()+d.advice(err), extra...)
}

func (d *providerData) advice(err error) string {
	var apiErr *b2b.Error
	if !errors.As(err, &apiErr) {
		return ""
	}
	switch status := apiErr.Status(); {
	case apiErr.StatusCode == 0 && isCertificateError(apiErr.Err):
		return fmt.Sprintf("\n\nThe TLS handshake with %s failed, so the request never left this machine. Check api_url (%s) "+
			"and the system's trusted certificates (SSL_CERT_FILE for a private CA or an emulator's self-signed one).",
			d.client.BaseURL(), envAPIURL)
	case status == http.StatusUnauthorized && apiErr.Envelope:
		which := apiErr.Credential
		if which == "" {
			which = "the credential sent"
		}
		return fmt.Sprintf("\n\nBigCommerce refused %s as invalid. Check auth_token (%s), access_token (%s), "+
			"or whether the token was revoked.", which, envAuthToken, envAccessToken)
	case status >= 400 && !apiErr.Envelope && status != http.StatusTooManyRequests:
		return fmt.Sprintf("\n\nThe reply is not the B2B API's own (no JSON envelope): a gateway, proxy or firewall "+
			"answered, so it proves nothing about the token or the credential. Check api_url (%s); the base URL in use "+
			"is %s.", envAPIURL, d.client.BaseURL())
	case status == http.StatusTooManyRequests:
		if !d.once("rate limit") {
			return "\n\nBigCommerce's rate limit refused it after every retry (explained once, above or below)."
		}
		return fmt.Sprintf("\n\nBigCommerce's rate limit (about 150 requests a minute per store, shared by every "+
			"integration of the store) still refused the request after %d attempts. Raise max_retries (%s), keep a larger "+
			"rate_limit_reserve (%s) for the other integrations, or run with less parallelism (terraform -parallelism=N).",
			max(apiErr.Attempts, 1), envMaxRetries, envRateLimitReserve)
	}
	return ""
}

func isCertificateError(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:"))
}

// createErrorDetail says what to do after a create that made no token it could find.
func (d *providerData) createErrorDetail(out b2b.CreateOutcome, password, storeHash string) string {
	return d.createAdvice(out.Err, storeHash) + d.createOutcomeDetail(out, password)
}

// Messages of POST /auth/backend that have a usual cause.
const (
	msgRoleForbidden = "role forbidden"
	msgBadLogin      = "The email or password you have entered is incorrect"
)

// createAdvice says what a create's refusal usually means, before the error itself.
func (d *providerData) createAdvice(err error, storeHash string) string {
	var apiErr *b2b.Error
	switch {
	case !errors.As(err, &apiErr) || !apiErr.Envelope:
		return ""
	case strings.Contains(apiErr.Message, msgRoleForbidden):
		return "BigCommerce lets only backend users with the pre-built Administrator or Store Owner role create " +
			"server tokens; custom roles are refused, whatever API permissions they have. Use the email and " +
			"password of such a user.\n\n"
	case strings.Contains(apiErr.Message, msgBadLogin):
		return fmt.Sprintf("BigCommerce gives this reply for a wrong store hash too, not only for a wrong email or "+
			"password: the store hash sent was %q (the resource's store_hash, else the provider's store_hash or %s). "+
			"Check all three.\n\n", storeHash, envStoreHash)
	}
	return ""
}

func (d *providerData) createOutcomeDetail(out b2b.CreateOutcome, password string) string {
	switch {
	case out.Kind == b2b.CreateUnknown && len(out.Candidates) > 0:
		return "The create request's reply was lost, and the store now holds new tokens with this name and email that " +
			"this run cannot tell apart (ids " + tokenIDs(out.Candidates) + "). It was not re-sent, so at most one of them " +
			"is this resource's. State keeps what is known; the next plan stops until this is settled: import the right " +
			"one (terraform state rm <address>, then terraform import <address> <id>) and delete the others.\n\n" +
			d.explain(out.Err, password)
	case out.Kind == b2b.CreateUnknown:
		return "The create request failed in a way that BigCommerce may still have created the token, and the token " +
			"list could not tell yet. It was not re-sent, so at most one token was created. State keeps what is known " +
			"(name, email, store, when, which tokens existed before), and the next plan finds out before it creates " +
			"anything.\n\n" + d.explain(out.Err, password)
	}
	return d.explain(out.Err, password)
}

func tokenIDs(tokens []b2b.ServerToken) string {
	ids := make([]string, len(tokens))
	for i, t := range tokens {
		ids[i] = fmt.Sprint(t.ID)
	}
	return strings.Join(ids, ", ")
}
