package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

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

// durationBetween refuses a Go duration outside bounds, at validate time, with the
// attribute's path; resolveSettings applies the same bounds to the environment variable.
// An unparsable value is left to the attribute's type, timetypes.GoDurationType.
func durationBetween(bounds durationBounds) validator.String { return durationBetweenValidator{bounds} }

type durationBetweenValidator struct{ bounds durationBounds }

func (v durationBetweenValidator) Description(context.Context) string {
	return "must be a Go duration " + v.bounds.String()
}

func (v durationBetweenValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v durationBetweenValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err == nil && !v.bounds.allows(d) {
		resp.Diagnostics.AddAttributeError(req.Path, "Duration out of range",
			fmt.Sprintf("%s must be a Go duration %s; got %q.", req.Path, v.bounds, req.ConfigValue.ValueString()))
	}
}

// Server token names, checked at plan time to what the API keeps. The provider finds a token
// by the name the list shows, byte for byte (a lost create is settled by name and email), and
// the API may trim a name or collapse its whitespace: a name it changes would settle a lost
// create as "made nothing" and duplicate it on the next run. So a name holds no whitespace but
// single spaces between other characters, and no control character. Every broken rule is an
// error of its own, with the attribute's path, that says what the API may do and why it matters.
//
// The length is counted in characters (Unicode code points, not bytes), as a person counts
// them and as a text column of the API most likely does; 255 is the usual limit of such a
// column. The API documents no limit; a name it cuts shorter still is found by the name its
// create's reply gives, or as a listed name that begins it (b2b.NameKeptAs), and state keeps
// the configured one.
const serverTokenNameMaxLength = 255

// serverTokenNamePrefixMaxLength leaves room for the ephemeral b2b_server_token's random
// suffix of 8 hex digits (randomSuffix).
const serverTokenNamePrefixMaxLength = serverTokenNameMaxLength - 8

const (
	findsByName   = "the provider finds a token by the name the list shows"
	whitespaceWhy = ": the API may trim or collapse whitespace, and " + findsByName
	// otherWhitespace is every whitespace character but the space: Unicode's White_Space
	// (what trim functions strip), and U+FEFF, which JavaScript's trim strips too.
	otherWhitespace  = `\t\n\v\f\r\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`
	nameLengthFormat = "must be at most %d characters (Unicode code points)%s: the API may cut a longer name short, and " +
		findsByName
)

var (
	// nameCharsPattern: no control character (tab and newline included) and no whitespace
	// other than the space.
	nameCharsPattern = regexp.MustCompile(`^[^\p{Cc}` + otherWhitespace + `]*$`)
	// nameEdgesPattern: no space first or last (the empty name is LengthAtLeast's).
	nameEdgesPattern = regexp.MustCompile(`(?s)^(?:[^ ](?:.*[^ ])?)?$`)
	// nameStartPattern: no space first.
	nameStartPattern = regexp.MustCompile(`(?s)^(?:[^ ].*)?$`)
	// nameRunsPattern: never two spaces in a row (runs of other whitespace are nameCharsPattern's).
	nameRunsPattern = regexp.MustCompile(`^ ?(?:[^ ]+ )*[^ ]*$`)
)

// lengthAtMost counts code points: with (?s), "." is any one of them.
func lengthAtMost(most int, message string) validator.String {
	return stringvalidator.RegexMatches(regexp.MustCompile(fmt.Sprintf(`(?s)^.{0,%d}$`, most)), message)
}

// serverTokenNameValidators are the name rules of b2b_server_token: not empty, at most 255
// characters, no space first or last, no two spaces in a row, and no control character or
// whitespace other than the space.
func serverTokenNameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthAtLeast(1),
		lengthAtMost(serverTokenNameMaxLength, fmt.Sprintf(nameLengthFormat, serverTokenNameMaxLength, "")),
		nameCharsValidator(),
		stringvalidator.RegexMatches(nameEdgesPattern, "must not begin or end with a space"+whitespaceWhy),
		nameRunsValidator(),
	}
}

// serverTokenNamePrefixValidators are the rules of the ephemeral b2b_server_token's
// name_prefix, which the random suffix follows: the name's rules, with 8 characters less of
// length, and one difference. A single space at the end is allowed: the suffix comes right
// after it (`"ci run "` makes `"ci run 3f9a0c1e"`), so it is a single space inside the name,
// which the API keeps. Two spaces at the end are a run inside the name, and refused as one.
func serverTokenNamePrefixValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthAtLeast(1),
		lengthAtMost(serverTokenNamePrefixMaxLength, fmt.Sprintf(nameLengthFormat, serverTokenNamePrefixMaxLength,
			fmt.Sprintf(" (the name is name_prefix and an 8-character random suffix, at most %d characters)",
				serverTokenNameMaxLength))),
		nameCharsValidator(),
		stringvalidator.RegexMatches(nameStartPattern, "must not begin with a space"+whitespaceWhy+
			" (one space at the end is kept: the random suffix follows it)"),
		nameRunsValidator(),
	}
}

func nameCharsValidator() validator.String {
	return stringvalidator.RegexMatches(nameCharsPattern, "must not contain a control character (such as a tab, or "+
		"the newline that a heredoc or file() leaves at the end) or whitespace other than the space: the API may trim "+
		"or collapse whitespace and drop or replace control characters, and "+findsByName)
}

func nameRunsValidator() validator.String {
	return stringvalidator.RegexMatches(nameRunsPattern, "must not contain two or more spaces in a row"+whitespaceWhy)
}

// checkCreatedName applies the name rules to the name of a token that a plan creates. The
// schema cannot: a token that exists (an import, the configuration Terraform generates for
// it) keeps whatever name it has, and only a create must use one the API keeps as sent.
func checkCreatedName(ctx context.Context, name types.String) diag.Diagnostics {
	var diags diag.Diagnostics
	if name.IsNull() || name.IsUnknown() {
		return diags
	}
	req := validator.StringRequest{Path: path.Root("name"), PathExpression: path.MatchRoot("name"), ConfigValue: name}
	for _, v := range serverTokenNameValidators() {
		resp := &validator.StringResponse{}
		v.ValidateString(ctx, req, resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}
