package b2b

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The B2B API has no redirects. One that is followed re-sends authToken, X-Auth-Token, the
// query (jwtToken) and, on a 307 or 308, the body with the user's password to whatever
// host it names. Every endpoint refuses them: nothing reaches the named host, the request
// is not retried, and the error names the status and the host, never the path or query.
func TestRedirectsAreRefused(t *testing.T) {
	elsewhere := newFake(t) // the host a redirect names
	host := strings.TrimPrefix(elsewhere.server.URL, "http://")
	location := "http://thief:pw-in-location@" + host + "/collect/stolen-path?jwtToken=leak-in-query"

	calls := []struct {
		name, method, path string
		call               func(*Client) error
	}{
		{"list (authToken)", http.MethodGet, pathBackendTokens, func(c *Client) error {
			_, err := c.ListServerTokens(context.Background())
			return err
		}},
		{"delete (authToken)", http.MethodDelete, pathBackendAuth, func(c *Client) error {
			_, err := c.DeleteServerToken(context.Background(), 1)
			return err
		}},
		{"create (password in the body)", http.MethodPost, pathBackendAuth, func(c *Client) error {
			_, err := c.CreateServerToken(context.Background(), provisionReq)
			return err
		}},
		{"storefront from JWT (jwtToken in the query)", http.MethodGet, pathStorefrontFromJWT, func(c *Client) error {
			_, err := c.StorefrontFromJWT(context.Background(), StorefrontFromJWTRequest{JWTToken: testCustomerJWT})
			return err
		}},
		{"customer storefront token (X-Auth-Token)", http.MethodPost, pathCustomerStorefrontToken, func(c *Client) error {
			_, err := c.CustomerStorefrontToken(context.Background(), CustomerStorefrontTokenRequest{CustomerID: 7})
			return err
		}},
		{"credentials token (password in the body)", http.MethodPost, pathCredentialsToken, func(c *Client) error {
			_, err := c.CredentialsToken(context.Background(), CredentialsTokenRequest{StoreHash: testStoreHash, Email: "c@example.com", Password: testPassword})
			return err
		}},
	}
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, cl := range calls {
			t.Run(strconv.Itoa(status)+" "+cl.name, func(t *testing.T) {
				sentBefore := len(elsewhere.requests())
				f := newFake(t)
				f.setAccessStatus(0)
				f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
					http.Redirect(w, r, location, status)
					return true
				})
				c := f.client(t, func(cfg *Config) {
					cfg.AuthToken, cfg.AccessToken, cfg.StoreHash = testAuthToken, testAccessToken, testStoreHash
					cfg.MaxRetries = 3
				})
				err := cl.call(c)
				if n := len(elsewhere.requests()) - sentBefore; n != 0 {
					t.Fatalf("the redirect was followed: %d requests reached %s", n, host)
				}
				apiErr := asAPIError(t, err)
				if apiErr.Method != cl.method || apiErr.Path != cl.path || apiErr.StatusCode != status {
					t.Errorf("err %+v, want %s %s with HTTP %d", apiErr, cl.method, cl.path, status)
				}
				msg := err.Error()
				for _, want := range []string{"HTTP " + strconv.Itoa(status), "http://" + host} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not name %q", msg, want)
					}
				}
				for _, leak := range []string{"stolen-path", "leak-in-query", "jwtToken", "thief", "pw-in-location"} {
					if strings.Contains(msg, leak) {
						t.Errorf("error %q shows the Location's %q", msg, leak)
					}
				}
				assertNoSecrets(t, msg)
				if got := f.count(cl.method, cl.path); got != 1 {
					t.Errorf("%d requests, want 1: a redirect is not retried", got)
				}
			})
		}
	}
}

// A redirect without a Location is refused too, and says so without a host.
func TestRedirectWithoutLocationIsRefusedToo(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		w.WriteHeader(http.StatusFound)
		return true
	})
	c := f.client(t, withAuthToken)
	_, err := c.ListServerTokensPage(context.Background(), 10, 0)
	if e := asAPIError(t, err); e.StatusCode != http.StatusFound || !strings.Contains(err.Error(), "an unnamed location") {
		t.Errorf("err = %v", err)
	}
}
