package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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

// Paths of the server-to-server token endpoints.
const (
	pathBackendAuth   = "/auth/backend"
	pathBackendTokens = "/backend/tokens"
)

// CreateServerToken sends POST /auth/backend once: without an idempotency key it is
// retried only when it cannot have reached the server. Use [Client.ProvisionServerToken]
// to also learn the new token's id.
func (c *Client) CreateServerToken(ctx context.Context, req CreateServerTokenRequest) (CreatedServerToken, error) {
	created, _, err := c.createServerToken(ctx, req, nil)
	return created, err
}

// createServerToken sends the create and tells whether it may have reached the server.
// ready, when set, is asked once the store's rate limit lets the create go: an error keeps
// it from being sent.
//
// A create that was sent is finished even when ctx is cancelled (Terraform's stop): its
// reply is read within the request timeout, so that a token BigCommerce made is never
// lost with it. Only its retries stop.
func (c *Client) createServerToken(ctx context.Context, req CreateServerTokenRequest, ready func() error) (CreatedServerToken, sent, error) {
	index := c.Store(req.StoreHash).index
	var reply createdServerTokenReply
	kind := createKind(req.Name, req.Email)
	index.beginCreate(kind)
	// Even a failed create may have created a token: its end is a change either way.
	defer index.endCreate(kind)
	s, err := c.doSent(context.WithoutCancel(ctx), call{
		method:  http.MethodPost,
		path:    pathBackendAuth,
		body:    req,
		header:  c.storeLevelHeader(req.StoreHash),
		store:   req.StoreHash,
		stop:    ctx,
		ready:   ready,
		secrets: []string{req.Password},
	}, &reply)
	if err == nil && reply.Token == "" {
		err = noTokenInReply(http.MethodPost, pathBackendAuth)
	}
	if err != nil {
		return CreatedServerToken{}, s, err
	}
	return reply.CreatedServerToken, s, nil
}

// DeleteServerToken deletes the token with id from the client's default store, with the
// first credential of that store the API accepts.
func (c *Client) DeleteServerToken(ctx context.Context, id int64) (DeleteOutcome, error) {
	return c.Store(c.cfg.StoreHash).Delete(ctx, id, "")
}

func (c *Client) deleteServerToken(ctx context.Context, header http.Header, store string, id int64) error {
	return c.do(ctx, call{
		method:     http.MethodDelete,
		path:       pathBackendAuth,
		body:       map[string]int64{"id": id},
		header:     header,
		store:      store,
		resendable: true,
	}, nil)
}

// TokenPage is one page of GET /backend/tokens.
type TokenPage struct {
	Tokens []ServerToken
	// TotalCount is the API's totalCount; without meta.pagination, offset plus the tokens
	// of this page.
	TotalCount int
	// Paginated is false when the reply had no meta.pagination.
	Paginated bool
	Offset    int
	Limit     int
}

type pageReply struct {
	data       json.RawMessage
	pagination *pagination
}

// ListServerTokensPage fetches one page of the default store's S2S tokens with the
// client's authToken.
func (c *Client) ListServerTokensPage(ctx context.Context, limit, offset int) (TokenPage, error) {
	if c.cfg.AuthToken == "" {
		return TokenPage{}, listingError(0, ErrNoCredential)
	}
	r := tokenReader{client: c, header: credential{value: c.cfg.AuthToken}.header(""), store: c.cfg.StoreHash}
	return r.readPage(ctx, limit, offset)
}

// page checks what a list reply holds: data must be a list, and a totalCount must be
// possible. A reply without pagination is taken for a last page only when it is short.
func (r pageReply) page(limit, offset int) (TokenPage, error) {
	fail := func(format string, args ...any) (TokenPage, error) {
		return TokenPage{}, listingError(http.StatusOK, fmt.Errorf("unexpected reply: "+format, args...))
	}
	trimmed := strings.TrimSpace(string(r.data))
	if !strings.HasPrefix(trimmed, "[") {
		return fail("data is not a list of tokens (%s)", jsonKind(trimmed))
	}
	page := TokenPage{Offset: offset, Limit: limit}
	if err := json.Unmarshal(r.data, &page.Tokens); err != nil {
		return fail("%v", err)
	}
	// Ids are what state, private state and deletes name a token by: one below 1 is no id
	// the API hands out (a missing id decodes as 0), and a page that shows one is malformed.
	for _, t := range page.Tokens {
		if t.ID < 1 {
			return fail("a token with an invalid id %d (ids are positive numbers)", t.ID)
		}
	}
	switch p := r.pagination; {
	case p != nil:
		if p.TotalCount < 0 || (len(page.Tokens) > 0 && p.TotalCount < offset+len(page.Tokens)) {
			return fail("totalCount %d cannot be true of a page of %d tokens at offset %d", p.TotalCount, len(page.Tokens), offset)
		}
		page.TotalCount, page.Paginated = p.TotalCount, true
	case len(page.Tokens) >= limit:
		return fail("a full page without meta.pagination: the number of tokens is unknown")
	default:
		page.TotalCount = offset + len(page.Tokens)
	}
	return page, nil
}

func jsonKind(raw string) string {
	switch {
	case raw == "" || raw == "null":
		return "null"
	case strings.HasPrefix(raw, "{"):
		return "an object"
	case strings.HasPrefix(raw, `"`):
		return "a string"
	}
	return "not a list"
}

// storeLevelHeader sends the store-level API account token when it belongs to storeHash.
func (c *Client) storeLevelHeader(storeHash string) http.Header {
	if c.cfg.AccessToken == "" || storeHash == "" || (c.cfg.StoreHash != "" && storeHash != c.cfg.StoreHash) {
		return nil
	}
	return credential{value: c.cfg.AccessToken, accessToken: true}.header(storeHash)
}

// noTokenInReply is the error of a successful reply that holds no token.
func noTokenInReply(method, path string) *Error {
	return &Error{Method: method, Path: path, StatusCode: http.StatusOK, Err: errors.New("the reply holds no token")}
}
