package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// ServerToken is a server-to-server (S2S) token as the list endpoint shows it.
type ServerToken struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	StoreHash    string `json:"storeHash"`
	Token        string `json:"token"`
	EventChannel string `json:"eventChannel"`
}

// CreateServerTokenRequest is the body of POST /auth/backend: the credentials of a backend
// user with the Administrator or Store Owner role, and a name for the token.
type CreateServerTokenRequest struct {
	StoreHash string `json:"storeHash"`
	Email     string `json:"email"`
	Password  string `json:"password"`
	Name      string `json:"name"`
}

// CreatedServerToken is the reply to a create: the API does not return the new id.
type CreatedServerToken struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

// createdServerTokenReply accepts both documented shapes of data: an array of one object
// (the spec) or the object itself (what at least one public client reads).
type createdServerTokenReply struct{ CreatedServerToken }

func (r *createdServerTokenReply) UnmarshalJSON(raw []byte) error {
	var list []CreatedServerToken
	if err := json.Unmarshal(raw, &list); err == nil {
		if len(list) != 1 {
			return errors.New("expected one created token, got " + strconv.Itoa(len(list)))
		}
		r.CreatedServerToken = list[0]
		return nil
	}
	return json.Unmarshal(raw, &r.CreatedServerToken)
}

// CreateServerToken sends POST /auth/backend once: without an idempotency key it is
// retried only when it cannot have reached the server. Use [Client.ProvisionServerToken]
// to also learn the new token's id.
func (c *Client) CreateServerToken(ctx context.Context, req CreateServerTokenRequest) (CreatedServerToken, error) {
	var reply createdServerTokenReply
	c.index.beginCreate()
	// Even a failed create may have created a token: its end is a change either way.
	defer func() { c.index.endCreate(reply.Token) }()
	err := c.do(ctx, call{
		method: http.MethodPost,
		path:   "/auth/backend",
		body:   req,
		header: c.storeLevelHeader(req.StoreHash),
	}, &reply)
	if err != nil {
		return CreatedServerToken{}, err
	}
	if reply.Token == "" {
		return CreatedServerToken{}, &Error{Method: http.MethodPost, Path: "/auth/backend", StatusCode: http.StatusOK, Err: errors.New("the reply holds no token")}
	}
	return reply.CreatedServerToken, nil
}

// DeleteServerToken sends DELETE /auth/backend with the id in the JSON body, as the API
// requires, authenticated with the client's authToken.
func (c *Client) DeleteServerToken(ctx context.Context, id int64) error {
	if err := c.requireAuthToken(http.MethodDelete, "/auth/backend"); err != nil {
		return err
	}
	defer c.index.Changed()
	return c.do(ctx, call{
		method:     http.MethodDelete,
		path:       "/auth/backend",
		body:       map[string]int64{"id": id},
		header:     c.authTokenHeader(),
		resendable: true,
	}, nil)
}

// TokenPage is one page of GET /backend/tokens.
type TokenPage struct {
	Tokens     []ServerToken
	TotalCount int
	Offset     int
	Limit      int
}

type pageReply struct {
	data       []ServerToken
	pagination *pagination
}

// ListServerTokensPage fetches one page of the store's S2S tokens.
func (c *Client) ListServerTokensPage(ctx context.Context, limit, offset int) (TokenPage, error) {
	if err := c.requireAuthToken(http.MethodGet, "/backend/tokens"); err != nil {
		return TokenPage{}, err
	}
	var reply pageReply
	err := c.do(ctx, call{
		method:     http.MethodGet,
		path:       "/backend/tokens",
		query:      url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}},
		header:     c.authTokenHeader(),
		resendable: true,
	}, &reply)
	if err != nil {
		return TokenPage{}, err
	}
	page := TokenPage{Tokens: reply.data, Offset: offset, Limit: limit, TotalCount: len(reply.data) + offset}
	if p := reply.pagination; p != nil {
		page.TotalCount = p.TotalCount
	}
	return page, nil
}

// ErrNoAuthToken is returned by calls that need an authToken when the client has none.
var ErrNoAuthToken = errors.New("no authToken (server-to-server token) to authenticate with")

func (c *Client) requireAuthToken(method, path string) error {
	if c.cfg.AuthToken == "" {
		return &Error{Method: method, Path: path, Err: ErrNoAuthToken}
	}
	return nil
}

// authTokenHeader authenticates an S2S endpoint. X-Store-Hash is never sent with it:
// BigCommerce documents "unexpected results" for that pair.
func (c *Client) authTokenHeader() http.Header {
	return http.Header{"authToken": {c.cfg.AuthToken}} // sent as documented; header names are case-insensitive
}

// storeLevelHeader sends the store-level API account token when it belongs to storeHash.
func (c *Client) storeLevelHeader(storeHash string) http.Header {
	if c.cfg.AccessToken == "" || storeHash == "" || (c.cfg.StoreHash != "" && storeHash != c.cfg.StoreHash) {
		return nil
	}
	return http.Header{"X-Auth-Token": {c.cfg.AccessToken}, "X-Store-Hash": {storeHash}}
}
