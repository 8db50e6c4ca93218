package emulator

import (
	"fmt"
	"strings"
	"time"
)

// FaultKind says how an injected fault spoils a request.
type FaultKind int

const (
	// FaultNone marks a call that met no fault.
	FaultNone FaultKind = iota - 1
	// FaultStatus replies Status (default 500) with a JSON error envelope.
	FaultStatus
	// FaultConnectionReset closes the connection without a reply. Go's
	// http.Transport silently retries a GET or DELETE-without-body whose
	// reused keep-alive connection dies this way, so the client may never see it.
	FaultConnectionReset
	// FaultSlow waits Delay, then handles the request normally. With
	// AfterHandling it handles first and waits before replying, so a client
	// that gives up in between loses a reply whose effect happened.
	FaultSlow
	// FaultHTMLPage replies Status (default 502) with an HTML error page.
	FaultHTMLPage
	// FaultMalformedJSON replies 200 with a truncated JSON body.
	FaultMalformedJSON
	// FaultBodyCode replies HTTP 200 whose envelope code is Status (>= 400,
	// default 500).
	FaultBodyCode
	// FaultRedirect replies Status (301, 302, 303, 307 or 308; default 302)
	// with a Location header of Location (default DefaultRedirectLocation).
	FaultRedirect

	// The reply-shape faults handle the request for real and reshape its
	// 200 JSON reply; any other reply passes unchanged. AfterHandling does
	// not matter to them.

	// FaultNoPagination drops meta.pagination.
	FaultNoPagination
	// FaultNullData replaces data with null.
	FaultNullData
	// FaultNotAList replaces an array in data with an object keyed by index
	// ({"0": ..., "1": ...}), as a PHP-style encoder would.
	FaultNotAList
	// FaultTotalCount replaces meta.pagination.totalCount with TotalCount.
	FaultTotalCount
	// FaultEmptyListing replaces data with [] and meta.pagination.totalCount
	// with 0, keeping offset and limit: the well-formed page of a stale or
	// empty replica behind the API.
	FaultEmptyListing
)

// DefaultRedirectLocation is where FaultRedirect points by default: a host
// that never resolves, standing for one that would steal credentials.
const DefaultRedirectLocation = "http://attacker.invalid/steal?x=1"

var faultNames = map[FaultKind]string{
	FaultNone:            "none",
	FaultStatus:          "status",
	FaultConnectionReset: "connection-reset",
	FaultSlow:            "slow",
	FaultHTMLPage:        "html-page",
	FaultMalformedJSON:   "malformed-json",
	FaultBodyCode:        "body-code",
	FaultRedirect:        "redirect",
	FaultNoPagination:    "no-pagination",
	FaultNullData:        "null-data",
	FaultNotAList:        "not-a-list",
	FaultTotalCount:      "total-count",
	FaultEmptyListing:    "empty-listing",
}

// ParseFaultKind reads a kind by its String name, e.g. "html-page".
func ParseFaultKind(name string) (FaultKind, error) {
	for k, n := range faultNames {
		if n == name && k != FaultNone {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q", name)
}

func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is one injected failure, consumed by one matching request.
type Fault struct {
	Kind   FaultKind
	Status int
	// RetryAfter is sent as Retry-After when non-empty.
	RetryAfter string
	// WindowResetsAfter replaces X-Request-Window-Resets-After when non-empty.
	WindowResetsAfter string
	Delay             time.Duration
	// AfterHandling handles the request for real first (a token IS created),
	// then sends the fault instead of the real reply.
	AfterHandling bool
	// Location is FaultRedirect's Location header.
	Location string
	// TotalCount is FaultTotalCount's meta.pagination.totalCount.
	TotalCount int
}

// routeKey normalises "post /api/io/auth/backend" to "POST /auth/backend".
func routeKey(route string) string {
	parts := strings.Fields(route)
	if len(parts) != 2 {
		panic(fmt.Sprintf("emulator: route %q is not \"METHOD /path\"", route))
	}
	path, _ := apiPath(parts[1])
	return strings.ToUpper(parts[0]) + " " + path
}

// InjectFault queues f for route, e.g. "POST /auth/backend". Faults of one
// route are consumed first in, first out, one per request.
func (s *Server) InjectFault(route string, f Fault) {
	s.InjectFaults(route, 1, f)
}

// InjectFaults queues n copies of f for route. It panics when route is not
// "METHOD /path" or f.Validate fails.
func (s *Server) InjectFaults(route string, n int, f Fault) {
	key := routeKey(route)
	if err := f.Validate(); err != nil {
		panic("emulator: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[key] = append(s.faults[key], f)
	}
}

// PendingFaults returns how many faults queued for route are unconsumed.
func (s *Server) PendingFaults(route string) int {
	key := routeKey(route)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults[key])
}

func (s *Server) popFault(key string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[key]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.faults, key)
	} else {
		s.faults[key] = q[1:]
	}
	return f, true
}
