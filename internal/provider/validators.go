package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	storeHashPattern = regexp.MustCompile(`^[a-z0-9]+$`)
	// emailPattern is deliberately loose: one @, no spaces, a dot in the domain.
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// tokenIDPattern: server token ids are decimal numbers.
	tokenIDPattern = regexp.MustCompile(`^[0-9]+$`)
)

// channelIDValidators: BigCommerce channel ids start at 1.
var channelIDValidators = []validator.Int64{int64validator.AtLeast(1)}

func storeHashValidator() validator.String {
	return stringvalidator.RegexMatches(storeHashPattern, "must be a BigCommerce store hash: lowercase letters and digits")
}

func tokenIDValidator() validator.String {
	return stringvalidator.RegexMatches(tokenIDPattern, "must be the numeric token id")
}

func emailValidator() validator.String {
	return stringvalidator.RegexMatches(emailPattern, "must be an email address")
}

// httpsOrLoopbackURL accepts an absolute https URL, or http on a loopback host so that a
// local emulator can be used. No validator of terraform-plugin-framework-validators
// expresses this rule.
type httpsOrLoopbackURL struct{}

func (httpsOrLoopbackURL) Description(context.Context) string {
	return "must be an https URL, or an http URL on a loopback host"
}

func (v httpsOrLoopbackURL) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (httpsOrLoopbackURL) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := validateAPIURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid API URL", err.Error())
	}
}

func validateAPIURL(raw string) error {
	// The URL is echoed only once parsed, and then without userinfo: it may hold a password.
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("the value is not a valid URL")
	}
	if u.User != nil {
		return errors.New("the URL must not carry credentials (user:password@)")
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL", u.Redacted())
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q must use https; plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost)", u.Redacted())
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serverTokenValueValidator refuses a value that cannot be an S2S token (a JWT whose payload
// names a store and an email): for incident response, a typo must not look like "already
// revoked". The value is never echoed.
type serverTokenValueValidator struct{}

func (serverTokenValueValidator) Description(context.Context) string {
	return "must be a B2B Edition server-to-server token: a JWT whose payload has store_hash and email claims"
}

func (v serverTokenValueValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v serverTokenValueValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || b2b.LooksLikeServerToken(req.ConfigValue.ValueString()) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Not a server token",
		fmt.Sprintf("%s is not a B2B Edition server-to-server token: every such token is a JWT (three base64url parts "+
			"separated by dots) whose payload has store_hash and email claims, and this value is not. Check that the whole "+
			"token was pasted. (The value is not shown.)", req.Path))
}
