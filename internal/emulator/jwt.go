package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))

const tokenDB = "default"

// sign makes an HS256 JWT with the emulator's private secret; like
// BigCommerce's, clients can decode it but not verify it.
func (s *Server) sign(claims any) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// s2sClaims is the documented S2S payload {email, store_hash, db}.
type s2sClaims struct {
	Email     string `json:"email"`
	StoreHash string `json:"store_hash"`
	DB        string `json:"db"`
}

// uniqueS2SClaims adds jti and iat, the emulator's own, so that two tokens
// of one user differ (UniqueValues).
type uniqueS2SClaims struct {
	s2sClaims
	JTI string `json:"jti"`
	IAT int64  `json:"iat"`
}

type storefrontClaims struct {
	Email        string `json:"email"`
	BCCustomerID int64  `json:"bc_customer_id"`
	StoreHash    string `json:"store_hash"`
	DB           string `json:"db"`
	BCChannelID  int64  `json:"bc_channel_id"`
	Exp          int64  `json:"exp"`
}

type credentialsClaims struct {
	Email      string  `json:"email"`
	StoreHash  string  `json:"store_hash"`
	DB         string  `json:"db"`
	Name       string  `json:"name"`
	ChannelIDs []int64 `json:"channel_ids"`
	TokenType  int     `json:"token_type"`
	Nbf        int64   `json:"nbf"`
	Exp        int64   `json:"exp"`
}

// s2sTokenLocked signs a new S2S token value as s.tokenValues says.
func (s *Server) s2sTokenLocked(email string, now time.Time) string {
	claims := s2sClaims{Email: email, StoreHash: s.storeHash, DB: tokenDB}
	if s.tokenValues == DocumentedClaims {
		return s.sign(claims)
	}
	jti := make([]byte, 16)
	rand.Read(jti)
	return s.sign(uniqueS2SClaims{s2sClaims: claims, JTI: hex.EncodeToString(jti), IAT: now.Unix()})
}

// storefrontToken is valid for one day, as documented.
func (s *Server) storefrontToken(c Customer, channelID int64) string {
	return s.sign(storefrontClaims{
		Email:        c.Email,
		BCCustomerID: c.ID,
		StoreHash:    s.storeHash,
		DB:           tokenDB,
		BCChannelID:  channelID,
		Exp:          s.now().Add(24 * time.Hour).Unix(),
	})
}

func decodeSegment(seg string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
}

var errBadJWT = errors.New("invalid JWT")

// parseCustomerJWT reads a BigCommerce "current customer" JWT:
// {"customer":{"id":1,...},"store_hash":"...","operation":"current_customer"}.
// Its signature (made with the app's client secret) is not checked.
func parseCustomerJWT(tok string) (customerID int64, storeHash string, err error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return 0, "", errBadJWT
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return 0, "", errBadJWT
	}
	var claims struct {
		Customer *struct {
			ID json.RawMessage `json:"id"`
		} `json:"customer"`
		StoreHash string `json:"store_hash"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Customer == nil {
		return 0, "", errBadJWT
	}
	id, err := strconv.ParseInt(string(claims.Customer.ID), 10, 64)
	if err != nil {
		return 0, "", errBadJWT
	}
	return id, claims.StoreHash, nil
}
