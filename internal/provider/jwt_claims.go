package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// notJWTError says why a string is not a JWT. It never holds the string itself: tokens
// are secrets.
type notJWTError struct{ reason string }

func (e *notJWTError) Error() string { return "the value is not a JWT: " + e.reason }

// jwtClaims decodes the payload of a JWT (header.payload.signature, each base64url) into
// its claims, with numbers as json.Number. The signature is not checked: BigCommerce signs
// its tokens with a key only it holds.
func jwtClaims(token string) (map[string]any, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return nil, &notJWTError{fmt.Sprintf("it has %d dot-separated part(s), a JWT has 3 (header.payload.signature)", len(parts))}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, &notJWTError{"its payload (the second part) is not base64url-encoded"}
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, &notJWTError{"its payload (the second part) is not a JSON object"}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &notJWTError{"its payload (the second part) has data after the JSON object"}
	}
	return claims, nil
}

// jwtExpiresAt is the token's exp claim as RFC 3339 (UTC), or null when the token has no
// numeric exp claim or is not a JWT at all: S2S tokens, for one, do not expire.
func jwtExpiresAt(token string) types.String {
	claims, err := jwtClaims(token)
	if err != nil {
		return types.StringNull()
	}
	exp, ok := claims["exp"].(json.Number)
	if !ok {
		return types.StringNull()
	}
	seconds, err := exp.Float64()
	if err != nil || math.IsInf(seconds, 0) || math.Abs(seconds) > 1e15 {
		return types.StringNull()
	}
	return types.StringValue(time.Unix(int64(math.Floor(seconds)), 0).UTC().Format(time.RFC3339))
}
