package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// seedFile is the -seed-file JSON.
type seedFile struct {
	Users  []seedUser  `json:"users"`
	Tokens []seedToken `json:"tokens"`
}

type seedUser struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

type seedToken struct {
	ID    int64  `json:"id"` // 0 or absent: the next free id
	Name  string `json:"name"`
	Email string `json:"email"`
}

// loadSeedFile reads path; unknown fields are refused, to catch typos. An
// empty path is an empty seed.
func loadSeedFile(path string) ([]emulator.User, []emulator.SeedToken, error) {
	if path == "" {
		return nil, nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("-seed-file: %w", err)
	}
	defer f.Close()
	var sf seedFile
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return nil, nil, fmt.Errorf("-seed-file %s: %w", path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("-seed-file %s: more than one JSON value", path)
	}
	return sf.convert(path)
}

func (sf seedFile) convert(path string) ([]emulator.User, []emulator.SeedToken, error) {
	users := make([]emulator.User, len(sf.Users))
	for i, u := range sf.Users {
		users[i] = emulator.User{Email: u.Email, Password: u.Password, Role: u.Role}
		if err := checkUser(users[i]); err != nil {
			return nil, nil, fmt.Errorf("-seed-file %s: user #%d: %w", path, i+1, err)
		}
	}
	tokens := make([]emulator.SeedToken, len(sf.Tokens))
	for i, t := range sf.Tokens {
		tokens[i] = emulator.SeedToken{ID: t.ID, Name: t.Name, Email: t.Email}
	}
	if err := (emulator.Options{Tokens: tokens}).Validate(); err != nil {
		return nil, nil, fmt.Errorf("-seed-file %s: %w", path, err)
	}
	return users, tokens, nil
}
