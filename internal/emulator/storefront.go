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
	f, rep := s.formAfterAccessToken(req)
	if rep != nil {
		return *rep
	}
	login := f.login()
	channelID, _ := f.integer("channelId", true)
	window := f.validity()
	if rep := f.err(); rep != nil {
		return *rep
	}
	c, ok := s.customerByEmail(login.email, channelID)
	if login.storeHash != s.storeHash || !ok || c.Password != login.password {
		return failure(http.StatusBadRequest, msgBadLogin, catLogic)
	}
	nbf, exp := window.at(s.now())
	token := s.sign(credentialsClaims{
		Email:      c.Email,
		StoreHash:  s.storeHash,
		DB:         tokenDB,
		Name:       login.name,
		ChannelIDs: []int64{channelID},
		TokenType:  3,
		Nbf:        nbf,
		Exp:        exp,
	})
	return success(nameToken{Name: login.name, Token: token})
}

// validity is the optional beginAt and endAt of POST /auth/customers, in unix seconds.
type validity struct {
	beginAt, endAt   int64
	hasBegin, hasEnd bool
}

func (f *form) validity() validity {
	var v validity
	v.beginAt, v.hasBegin = f.integer("beginAt", false)
	v.endAt, v.hasEnd = f.integer("endAt", false)
	return v
}

// at is the token's validity for a request at now: from now, for one day, unless the
// request says otherwise.
func (v validity) at(now time.Time) (begin, end int64) {
	begin, end = v.beginAt, v.endAt
	if !v.hasBegin {
		begin = now.Unix()
	}
	if !v.hasEnd {
		end = now.Add(24 * time.Hour).Unix()
	}
	return begin, end
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
