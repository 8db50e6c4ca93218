package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

const helpWidth = 92

const helpIntro = `b2b-emulator serves an in-memory emulator of BigCommerce B2B Edition's authentication
API (the /api/io endpoints that create, list and delete server-to-server tokens and issue
storefront tokens), built from BigCommerce's published reference, so that
terraform-provider-b2b can be tried, tested and demonstrated without a store. Nothing is
kept: every start is a new, empty store.

It prints the api_url to give the provider (api_url, or B2B_API_URL), logs each request's
method, path and status (never a header or a body), and stops on Ctrl-C or SIGTERM.

Usage:
  b2b-emulator [flags]

Every flag can also be set with the environment variable shown with it; a flag given on
the command line wins. A repeatable flag takes one value per line from its variable.

Flags:
`

const helpFaults = `
Faults: -fault "METHOD /path=kind[:arg]", e.g. -fault "POST /auth/backend=status:500".
The path is without /api/io. Each -fault spoils one request to that route, in the order given:
  status[:code]       a JSON error envelope with that status (default 500; 429 for a rate limit)
  connection-reset    close the connection without a reply
  slow:duration       wait that long (e.g. slow:2s), then handle the request
  html-page[:code]    a gateway's HTML error page (default 502; html-page:404 works on any path)
  malformed-json      HTTP 200 with a truncated JSON body
  body-code[:code]    HTTP 200 whose envelope code is an error (default 500)
  redirect[:code]     301, 302 (default), 303, 307 or 308 to http://attacker.invalid/steal?x=1
  no-pagination       the real reply without meta.pagination
  null-data           the real reply with "data": null
  not-a-list          the real reply with its data array turned into an object keyed by index
  total-count:n       the real reply with meta.pagination.totalCount set to n
  empty-listing       the real reply with "data": [] and totalCount 0, as from a stale replica
The last five handle the request for real: a create with null-data does create a token.

HTTPS: -tls serves https with a self-signed ECDSA certificate made at start, valid for a
year for 127.0.0.1, ::1, localhost and the -listen host, and writes it (PEM) to -cert-file;
its path is printed. Go programs, the provider among them, trust it with
SSL_CERT_FILE=<certificate path> on Linux and other Unix systems (it then replaces the
system's roots for that process); on macOS and Windows add it to the system's trust store.

Examples:
  b2b-emulator
  b2b-emulator -user ci@example.com:s3cret:administrator -seed-tokens 300 -list-order oldest
  b2b-emulator -rate-limit 150 -rate-window 60s -fault "GET /backend/tokens=status:503"
  b2b-emulator -tls -cert-file ./emulator.pem    # then: SSL_CERT_FILE=./emulator.pem terraform plan
`

func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, helpText(fs))
}

func helpText(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString(helpIntro)
	for _, d := range flagDocs {
		f := fs.Lookup(d.name)
		fmt.Fprintf(&b, "  -%s", d.name)
		if d.arg != "" {
			fmt.Fprintf(&b, " %s", d.arg)
		}
		b.WriteString("\n")
		wrap(&b, d.usage)
		fmt.Fprintf(&b, "      env %s%s\n", envName(d.name), defaultText(f))
	}
	b.WriteString(helpFaults)
	return b.String()
}

// wrap writes text indented, in lines of at most helpWidth columns.
func wrap(b *strings.Builder, text string) {
	const indent, width = "      ", helpWidth
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
}

func defaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "0s":
		return ""
	}
	return ", default " + f.DefValue
}
