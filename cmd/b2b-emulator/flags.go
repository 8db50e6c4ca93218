package main

import (
	"flag"
	"time"
)

// flagDoc is one flag: its name, the word for its value in the help (empty
// for a switch), what it does, and how it is defined.
type flagDoc struct {
	name, arg, usage string
	def              func(fs *flag.FlagSet, c *config, name, usage string)
}

func (d flagDoc) define(fs *flag.FlagSet, c *config) { d.def(fs, c, d.name, d.usage) }

// flagDocs lists every flag, in the order the help shows them.
var flagDocs = []flagDoc{
	{"listen", "host:port", "address to listen on; port 0 picks a free port",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.listen, n, "127.0.0.1:0", u) }},
	{"allow-non-loopback", "", "allow a -listen address other than 127.0.0.0/8, ::1 or localhost " +
		"(the emulator accepts any credentials it was given and hands out tokens: keep it off other machines' reach)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.BoolVar(&c.allowNonLoopback, n, false, u) }},
	{"tls", "", "serve https with a self-signed certificate made at start (see HTTPS below)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.BoolVar(&c.tls, n, false, u) }},
	{"cert-file", "path", "with -tls, write the certificate (PEM) here; default: a file in a new temporary directory; removed at exit",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.certFile, n, "", u) }},
	{"store-hash", "hash", "the store's hash (X-Store-Hash, storeHash)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.storeHash, n, "abc123", u) }},
	{"user", "email:password:role", "a backend user that may log in to POST /auth/backend; repeatable; role administrator " +
		"or store_owner may create tokens, any other is refused (\"role forbidden\"); " +
		"default admin@example.com:demo-password:administrator when no user is given",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.Var(&c.users, n, u) }},
	{"user-email", "email", "older form of -user: an administrator with this email (with -user-password)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.userEmail, n, "admin@example.com", u) }},
	{"user-password", "password", "older form of -user: that administrator's password",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.userPassword, n, "demo-password", u) }},
	{"access-token", "token", "a store-level API account token accepted in X-Auth-Token (with X-Store-Hash)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.accessToken, n, "", u) }},
	{"access-token-lists-tokens", "", "also accept that X-Auth-Token on GET /backend/tokens and DELETE /auth/backend " +
		"(BigCommerce documents only authToken there; without this flag such a request gets 403)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.BoolVar(&c.accessTokenListsTokens, n, false, u) }},
	{"unauthorized-as-detail", "", `reply {"detail": "..."} to a missing or unknown credential (401) and to X-Auth-Token ` +
		`on the token endpoints (403), instead of the documented {"code", "data": {"errMsg"}, "meta"} envelope ` +
		`(BigCommerce documents both)`,
		func(fs *flag.FlagSet, c *config, n, u string) { fs.BoolVar(&c.unauthorizedAsDetail, n, false, u) }},
	{"seed-file", "path", `JSON of users and tokens to create at start: {"users": [{"email", "password", "role"}], ` +
		`"tokens": [{"id" (optional), "name", "email"}]}`,
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.seedFile, n, "", u) }},
	{"seed-tokens", "n", "create n tokens named seed-token-1... for the first user at start",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.IntVar(&c.seedTokens, n, 0, u) }},
	{"list-order", "newest|oldest", "order of GET /backend/tokens, by id",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.listOrder, n, "newest", u) }},
	{"token-values", "unique|documented", "unique: token values carry jti and iat claims, so none repeat; documented: " +
		`exactly BigCommerce's documented payload {"email", "store_hash", "db"}, so every token of one user has the ` +
		"same value (whether real values repeat is unverified)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.tokenValues, n, "unique", u) }},
	{"list-lag", "n", "hide each token created through the API from the next n listings (-1: forever)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.IntVar(&c.listLag, n, 0, u) }},
	{"list-lag-for", "duration", "hide each token created through the API from listings until this long after its " +
		"creation (e.g. 5s); with -list-lag too, until both have run out",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.DurationVar(&c.listLagFor, n, 0, u) }},
	{"replica-behind", "duration", "list the store as it was this long before each listing, as a read replica behind it " +
		"would: tokens made since are not listed, tokens deleted since still are (creates, deletes and credentials are current)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.DurationVar(&c.replicaBehind, n, 0, u) }},
	{"names", "kept|trim,collapse,max=N", "what POST /auth/backend keeps of a token's name: kept byte for byte, or trimmed, " +
		"whitespace collapsed, cut to N code points (any of them, comma-separated); the reply and the list show what it kept",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.names, n, "kept", u) }},
	{"latency", "duration", "wait this long before handling each request (e.g. 200ms)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.DurationVar(&c.latency, n, 0, u) }},
	{"rate-limit", "n", "allow n requests per -rate-window and refuse the others with 429; 0: off " +
		"(the rate headers are sent either way)",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.IntVar(&c.rateLimit, n, 0, u) }},
	{"rate-window", "duration", "length of a rate-limit window",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.DurationVar(&c.rateWindow, n, 60*time.Second, u) }},
	{"fault", "\"METHOD /path=kind[:arg]\"", "spoil the next matching request (see Faults below); repeatable, used in order",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.Var(&c.faults, n, u) }},
	{"url-file", "path", "write the api_url to this file once listening; removed at exit",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.urlFile, n, "", u) }},
	{"auth-token-file", "path", "create a token named bootstrap for the first user and write its value here " +
		"(for B2B_AUTH_TOKEN); removed at exit",
		func(fs *flag.FlagSet, c *config, n, u string) { fs.StringVar(&c.authTokenFile, n, "", u) }},
}
