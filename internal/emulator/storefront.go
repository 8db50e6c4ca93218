package emulator

import (
	"net/http"
	"time"
)

const defaultChannel = 1

// customerStorefrontToken is POST /auth/customers/storefront: X-Auth-Token
// with X-Store-Hash, or else authToken.
func (s *Server) customerStorefrontToken(req *request) reply {
	sent, rep := s.checkAccessToken(req.header)
	if rep != nil {
		return *rep
	}
	if !sent {
		if rep := s.requireAuthToken(req.header); rep != nil {
			return *rep
		}
	}
	f, rep := parseForm(req.body)
	if rep != nil {
		return *rep
	}
	customerID, _ := f.integer("customerId", true)
	channelID, ok := f.integer("channelId", false)
	if !ok {
		channelID = defaultChannel
	}
	// customerAccessToken {value, expires_at} (or expiresAt) is optional and
	// not needed for a token, as documented.
	f.object("customerAccessToken")
	if rep := f.err(); rep != nil {
		return *rep
	}
	c, ok := s.customerByID(customerID, channelID)
	if !ok {
		return failure(http.StatusNotFound, "Customer not found.", catNotFound)
	}
	return success(struct {
		Token []string `json:"token"`
	}{[]string{s.storefrontToken(c, channelID)}})
}

// credentialsToken is POST /auth/customers: a storefront token from a
// customer's email and password.
func (s *Server) credentialsToken(req *request) reply {
	if _, rep := s.checkAccessToken(req.header); rep != nil {
		return *rep
	}
	f, rep := parseForm(req.body)
	if rep != nil {
		return *rep
	}
	storeHash := f.str("storeHash")
	email := f.str("email")
	password := f.str("password")
	name := f.str("name")
	channelID, _ := f.integer("channelId", true)
	beginAt, hasBegin := f.integer("beginAt", false)
	endAt, hasEnd := f.integer("endAt", false)
	if rep := f.err(); rep != nil {
		return *rep
	}
	c, ok := s.customerByEmail(email, channelID)
	if storeHash != s.storeHash || !ok || c.Password != password {
		return failure(http.StatusBadRequest, msgBadLogin, catLogic)
	}
	now := s.now()
	if !hasBegin {
		beginAt = now.Unix()
	}
	if !hasEnd {
		endAt = now.Add(24 * time.Hour).Unix()
	}
	token := s.sign(credentialsClaims{
		Email:      c.Email,
		StoreHash:  s.storeHash,
		DB:         tokenDB,
		Name:       name,
		ChannelIDs: []int64{channelID},
		TokenType:  3,
		Nbf:        beginAt,
		Exp:        endAt,
	})
	return success(nameToken{Name: name, Token: token})
}

// storefrontFromJWT is GET /auth/storefront: the jwtToken query parameter,
// a BigCommerce customer login JWT, is the credential.
func (s *Server) storefrontFromJWT(req *request) reply {
	if _, rep := s.checkAccessToken(req.header); rep != nil {
		return *rep
	}
	jwt := req.query.Get("jwtToken")
	if jwt == "" {
		return failure(http.StatusBadRequest, fieldError("jwtToken", msgRequired), catParameter)
	}
	channelID, rep := intParam(req.query, "channelId", defaultChannel, 1, 0)
	if rep != nil {
		return *rep
	}
	id, storeHash, err := parseCustomerJWT(jwt)
	var c Customer
	ok := err == nil && (storeHash == "" || storeHash == s.storeHash)
	if ok {
		c, ok = s.customerByID(id, channelID)
	}
	if !ok {
		return failure(http.StatusBadRequest, "Invalid JWT token.", catLogic)
	}
	return success(struct {
		Token string `json:"token"`
	}{s.storefrontToken(c, channelID)})
}
