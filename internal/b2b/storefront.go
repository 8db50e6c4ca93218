package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// The three storefront token endpoints only mint short-lived tokens: sending one twice
// creates nothing that lasts, so they are resent like reads.
const (
	pathCustomerStorefrontToken = "/auth/customers/storefront"
	pathCredentialsToken        = "/auth/customers"
	pathStorefrontFromJWT       = "/auth/storefront"
)

// ErrNoStorefrontCredential is returned by [Client.CustomerStorefrontToken] when the client
// has neither a store-level access token with its store hash nor an authToken.
var ErrNoStorefrontCredential = errors.New("no credential: a store-level access token with its store hash, or an authToken, is required")

// CustomerAccessToken is a BigCommerce Customer Access Token (CAT), as the Storefront
// GraphQL API's login mutation returns it.
type CustomerAccessToken struct {
	Value string `json:"value"`
	// ExpiresAt is sent as the spec names it, expires_at.
	ExpiresAt string `json:"expires_at,omitempty"`
}

// CustomerStorefrontTokenRequest is the body of POST /auth/customers/storefront.
type CustomerStorefrontTokenRequest struct {
	CustomerID int64 `json:"customerId"`
	// ChannelID is omitted when zero; the API then uses channel 1.
	ChannelID           int64                `json:"channelId,omitempty"`
	CustomerAccessToken *CustomerAccessToken `json:"customerAccessToken,omitempty"`
}

// CredentialsTokenRequest is the body of POST /auth/customers: a storefront customer's
// email and password.
type CredentialsTokenRequest struct {
	StoreHash string `json:"storeHash"`
	Email     string `json:"email"`
	Password  string `json:"password"`
	ChannelID int64  `json:"channelId"`
	Name      string `json:"name"`
	// BeginAt and EndAt are unix seconds; nil leaves them to the API.
	BeginAt *int64 `json:"beginAt,omitempty"`
	EndAt   *int64 `json:"endAt,omitempty"`
}

// StorefrontFromJWTRequest is the query of GET /auth/storefront.
type StorefrontFromJWTRequest struct {
	// JWTToken is a BigCommerce customer login JWT; it is the request's credential.
	JWTToken string
	// ChannelID is omitted when zero, as the API asks of stores without multi-storefront.
	ChannelID int64
}

// StorefrontToken is a storefront token the API minted.
type StorefrontToken struct {
	// Name is empty for endpoints that do not name their tokens.
	Name  string `json:"name"`
	Token string `json:"token"`
}

// oneToken accepts data.token as the spec documents it for POST
// /auth/customers/storefront, an array of one JWT, or as a plain string.
type oneToken string

func (t *oneToken) UnmarshalJSON(raw []byte) error {
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		if len(list) != 1 {
			return errors.New("expected one token, got " + strconv.Itoa(len(list)))
		}
		*t = oneToken(list[0])
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return errors.New("token is neither a string nor an array of one string")
	}
	*t = oneToken(s)
	return nil
}

// CustomerStorefrontToken sends POST /auth/customers/storefront: a storefront token for a
// customer id, authenticated with X-Auth-Token and X-Store-Hash when the client has a
// store-level access token and its store hash, else with authToken.
func (c *Client) CustomerStorefrontToken(ctx context.Context, req CustomerStorefrontTokenRequest) (StorefrontToken, error) {
	header := c.storeLevelHeader(c.cfg.StoreHash)
	if header == nil && c.cfg.AuthToken != "" {
		header = credential{value: c.cfg.AuthToken}.header("")
	}
	if header == nil {
		return StorefrontToken{}, &Error{Method: http.MethodPost, Path: pathCustomerStorefrontToken, Err: ErrNoStorefrontCredential}
	}
	var reply struct {
		Token oneToken `json:"token"`
	}
	err := c.do(ctx, call{
		method:     http.MethodPost,
		path:       pathCustomerStorefrontToken,
		body:       req,
		header:     header,
		resendable: true,
	}, &reply)
	if err != nil {
		return StorefrontToken{}, err
	}
	return nonEmpty(http.MethodPost, pathCustomerStorefrontToken, StorefrontToken{Token: string(reply.Token)})
}

// CredentialsToken sends POST /auth/customers: a storefront token for a customer's email
// and password. It sends X-Auth-Token and X-Store-Hash when the client has a store-level
// access token for req.StoreHash, and no credential otherwise, as older specs did.
func (c *Client) CredentialsToken(ctx context.Context, req CredentialsTokenRequest) (StorefrontToken, error) {
	var reply StorefrontToken
	err := c.do(ctx, call{
		method:     http.MethodPost,
		path:       pathCredentialsToken,
		body:       req,
		header:     c.storeLevelHeader(req.StoreHash),
		resendable: true,
	}, &reply)
	if err != nil {
		return StorefrontToken{}, err
	}
	if reply.Name == "" {
		reply.Name = req.Name
	}
	return nonEmpty(http.MethodPost, pathCredentialsToken, reply)
}

// StorefrontFromJWT sends GET /auth/storefront: a storefront token for a BigCommerce
// customer login JWT, which is the credential, sent in the query. The client's store hash,
// when known, goes in X-Store-Hash; authToken is never sent.
func (c *Client) StorefrontFromJWT(ctx context.Context, req StorefrontFromJWTRequest) (StorefrontToken, error) {
	query := url.Values{"jwtToken": {req.JWTToken}}
	if req.ChannelID != 0 {
		query.Set("channelId", strconv.FormatInt(req.ChannelID, 10))
	}
	var header http.Header
	if c.cfg.StoreHash != "" {
		header = http.Header{"X-Store-Hash": {c.cfg.StoreHash}}
	}
	var reply StorefrontToken
	err := c.do(ctx, call{
		method:     http.MethodGet,
		path:       pathStorefrontFromJWT,
		query:      query,
		header:     header,
		resendable: true,
	}, &reply)
	if err != nil {
		return StorefrontToken{}, err
	}
	return nonEmpty(http.MethodGet, pathStorefrontFromJWT, reply)
}

func nonEmpty(method, path string, t StorefrontToken) (StorefrontToken, error) {
	if t.Token == "" {
		return StorefrontToken{}, noTokenInReply(method, path)
	}
	return t, nil
}
