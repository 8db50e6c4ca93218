package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// parseUser reads "email:password:role". The password may hold colons; the
// role is what follows the last one. Errors never repeat the password.
func parseUser(raw string) (emulator.User, error) {
	email, rest, ok := strings.Cut(raw, ":")
	i := strings.LastIndex(rest, ":")
	if !ok || i < 0 {
		return emulator.User{}, errors.New("want email:password:role")
	}
	u := emulator.User{Email: email, Password: rest[:i], Role: rest[i+1:]}
	return u, checkUser(u)
}

func checkUser(u emulator.User) error {
	switch {
	case !strings.Contains(u.Email, "@") || strings.ContainsAny(u.Email, " \t"):
		return fmt.Errorf("email %q is not an email address", u.Email)
	case u.Password == "":
		return fmt.Errorf("user %s: the password is empty", u.Email)
	case u.Role == "" || strings.ContainsAny(u.Role, " \t"):
		return fmt.Errorf("user %s: the role %q is empty or has spaces (administrator, store_owner or a custom role)", u.Email, u.Role)
	}
	return nil
}

// collectUsers gathers the -user values, the -user-email/-user-password
// administrator when given, and the seed file's users; with none of them,
// the default administrator. An email may appear once.
func collectUsers(cfg *config, seeded []emulator.User) ([]emulator.User, error) {
	var users []emulator.User
	for i, raw := range cfg.users {
		u, err := parseUser(raw)
		if err != nil {
			return nil, fmt.Errorf("-user #%d: %w", i+1, err)
		}
		users = append(users, u)
	}
	legacy := emulator.User{Email: cfg.userEmail, Password: cfg.userPassword, Role: "administrator"}
	if cfg.legacyUser {
		if err := checkUser(legacy); err != nil {
			return nil, fmt.Errorf("-user-email/-user-password: %w", err)
		}
		users = append(users, legacy)
	}
	users = append(users, seeded...)
	if len(users) == 0 {
		users = append(users, legacy)
	}
	seen := map[string]bool{}
	for _, u := range users {
		key := strings.ToLower(u.Email)
		if seen[key] {
			return nil, fmt.Errorf("user %s is given twice", u.Email)
		}
		seen[key] = true
	}
	return users, nil
}
