package provider

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Create, read, refresh, a data source lookup, the token_claims function, a failing create
// and destroy, all logged at TRACE, leave no secret in the log: no password (stored,
// write-only, or refused), no provider credential, no token value. TF_ACC_LOG_PATH sends the
// provider's lines and the CLI's to the one file scanned; the test sets it, so it cannot
// run in parallel.
func TestAccLogs_neverShowSecrets(t *testing.T) {
	const (
		accessToken   = "access-S3cret-for-logs-7Q"
		wrongPassword = "Wr0ng-S3cret-Password-4Z"
	)
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG_PATH_MASK", "")
	t.Setenv("TF_LOG_PATH", "")
	env := newAccEnv(t, func(o *emulator.Options) { o.AccessTokens = []string{accessToken} })
	bootstrap := env.emu.AddToken("bootstrap", testEmail)
	// No secret is written into the configuration: terraform-plugin-testing logs every
	// configuration it runs, literally. The provider's credentials come from its environment
	// variables, the passwords from sensitive variables set through TF_VAR_ (the CLI gets the
	// test process's environment).
	env.env[envAccessToken] = accessToken
	env.env[envAuthToken] = bootstrap.Token
	t.Setenv("TF_VAR_password", testPassword)
	t.Setenv("TF_VAR_wrong_password", wrongPassword)

	var mu sync.Mutex
	tokenValues := map[string]bool{}
	collectTokens := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, tok := range env.emu.Tokens() {
			tokenValues[tok.Token] = true
		}
	}
	config := env.provider() + `
variable "password" {
  type      = string
  sensitive = true
}

variable "wrong_password" {
  type      = string
  sensitive = true
}

resource "b2b_server_token" "stored" {
  name     = "logs-stored"
  email    = "` + testEmail + `"
  password = var.password
}

resource "b2b_server_token" "write_only" {
  name        = "logs-write-only"
  email       = "` + testEmail + `"
  password_wo = var.password
}

data "b2b_server_token" "by_name" {
  name = b2b_server_token.stored.name
}

data "b2b_server_tokens" "all" {
  email      = "` + testEmail + `"
  depends_on = [b2b_server_token.stored, b2b_server_token.write_only]
}

output "claims_email" {
  value     = provider::b2b::token_claims(b2b_server_token.write_only.token).email
  sensitive = true
}
`
	refused := `
resource "b2b_server_token" "refused" {
  name        = "logs-refused"
  email       = "` + testEmail + `"
  password_wo = var.wrong_password
}
`
	env.testTokens(t, []string{"logs-stored", "logs-write-only", "logs-refused"}, []resource.TestStep{
		{Config: config},
		{
			// An error path: BigCommerce refuses the wrong password; the error must not
			// echo the request body.
			PreConfig:   collectTokens,
			Config:      config + refused,
			ExpectError: regexp.MustCompile(`POST /auth/backend: HTTP 400 Bad Request`),
		},
		{
			// A refresh that fails on the list, then recovers on the next run.
			PreConfig: func() {
				env.emu.InjectFaults(routeListTokens, 5, statusFault(503))
			},
			Config:      config,
			ExpectError: regexp.MustCompile(`GET /backend/tokens: HTTP 503`),
		},
		{Config: config},
	})

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("reading the log: %v", err)
	}
	logText := string(raw)

	// The log must hold the provider's own lines, or the scan proves nothing.
	for _, want := range []string{
		`B2B API request`, `B2B API reply`,
		`path=/auth/backend`, `path=/backend/tokens`, `method=DELETE`,
		`b2b: B2B API request`, // tflog lines of the provider under test
		`tf_rpc=ReadDataSource`,
	} {
		if !strings.Contains(logText, want) {
			t.Errorf("the log (%d bytes) has no %q: provider logs were not captured", len(raw), want)
		}
	}
	// The CLI's own lines, from Terraform or OpenTofu.
	if !strings.Contains(logText, "Terraform version:") && !strings.Contains(logText, "OpenTofu version:") {
		t.Errorf("the log (%d bytes) has no line of the CLI itself", len(raw))
	}

	secrets := map[string]string{
		"password":                      testPassword,
		"wrong password":                wrongPassword,
		"access_token":                  accessToken,
		"auth_token":                    bootstrap.Token,
		"auth_token signature":          jwtSignature(bootstrap.Token),
		"refused password, JSON-quoted": fmt.Sprintf("%q", wrongPassword),
	}
	mu.Lock()
	if len(tokenValues) < 3 {
		t.Errorf("collected %d token values, want the bootstrap token and the two created ones", len(tokenValues))
	}
	for value := range tokenValues {
		secrets["token "+value[:8]+"…"] = value
		secrets["signature of token "+value[:8]+"…"] = jwtSignature(value)
	}
	mu.Unlock()
	for _, what := range slices.Sorted(maps.Keys(secrets)) {
		secret := secrets[what]
		if secret == "" {
			t.Errorf("%s: empty secret", what)
			continue
		}
		if i := strings.Index(logText, secret); i >= 0 {
			t.Errorf("the log shows the %s, e.g. in: %s", what, logLine(logText, i, secret))
		}
	}
}

// jwtSignature is the last dot-separated part of a token: the part that is secret even when
// the claims are not.
func jwtSignature(token string) string {
	return token[strings.LastIndex(token, ".")+1:]
}

// logLine is the line of text around index i, where secret starts, with the secret
// redacted and the line shortened.
func logLine(text string, i int, secret string) string {
	start := strings.LastIndex(text[:i], "\n") + 1
	end := strings.IndexByte(text[i:], '\n')
	if end < 0 {
		end = len(text) - i
	}
	line := strings.ReplaceAll(text[start:i+end], secret, "<SECRET>")
	if len(line) > 300 {
		line = line[:300] + "…"
	}
	return line
}
