package main

import (
	"strings"
	"testing"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

func TestParseUser(t *testing.T) {
	u, err := parseUser("ops@example.com:pa:ss:word:store_owner")
	if err != nil || u != (emulator.User{Email: "ops@example.com", Password: "pa:ss:word", Role: "store_owner"}) {
		t.Fatalf("%+v %v", u, err)
	}
	bad := map[string]string{
		"hunter2secret":                        "want email:password:role",
		"ops@example.com:hunter2secret":        "want email:password:role",
		"ops@example.com::administrator":       "password is empty",
		"ops.example.com:hunter2secret:admin":  "not an email",
		"ops@example.com:hunter2secret:":       "role",
		"ops@example.com:hunter2secret:a role": "role",
	}
	for raw, want := range bad {
		_, err := parseUser(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", raw, err, want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("%q: the error repeats the password: %v", raw, err)
		}
	}
}

func TestCollectUsers(t *testing.T) {
	def := emulator.User{Email: "admin@example.com", Password: "demo-password", Role: "administrator"}
	cases := []struct {
		name  string
		cfg   config
		seed  []emulator.User
		want  []string
		error string
	}{
		{name: "default", want: []string{"admin@example.com"}},
		{name: "-user replaces the default", cfg: config{users: multiFlag{"a@x.io:p:administrator", "b@x.io:p:custom"}},
			want: []string{"a@x.io", "b@x.io"}},
		{name: "legacy flags with -user", cfg: config{users: multiFlag{"a@x.io:p:administrator"}, legacyUser: true},
			want: []string{"a@x.io", "admin@example.com"}},
		{name: "seed file users replace the default", seed: []emulator.User{{Email: "s@x.io", Password: "p", Role: "store_owner"}},
			want: []string{"s@x.io"}},
		{name: "twice", cfg: config{users: multiFlag{"a@x.io:p:administrator", "A@x.io:q:administrator"}}, error: "twice"},
		{name: "bad -user", cfg: config{users: multiFlag{"a@x.io:p:administrator", "broken"}}, error: "-user #2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.userEmail, c.cfg.userPassword = def.Email, def.Password
			users, err := collectUsers(&c.cfg, c.seed)
			if c.error != "" {
				if err == nil || !strings.Contains(err.Error(), c.error) {
					t.Fatalf("err %v, want %q", err, c.error)
				}
				return
			}
			var got []string
			for _, u := range users {
				got = append(got, u.Email)
			}
			if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("users %v, err %v", got, err)
			}
		})
	}
}
