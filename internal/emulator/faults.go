package emulator

import (
	"context"
	"fmt"
	"net/http"
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
)

var faultNames = map[FaultKind]string{
	FaultNone:            "none",
	FaultStatus:          "status",
	FaultConnectionReset: "connection-reset",
	FaultSlow:            "slow",
	FaultHTMLPage:        "html-page",
	FaultMalformedJSON:   "malformed-json",
	FaultBodyCode:        "body-code",
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

// InjectFaults queues n copies of f for route.
func (s *Server) InjectFaults(route string, n int, f Fault) {
	key := routeKey(route)
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

func (s *Server) applyFault(ctx context.Context, req *request, f Fault, rl http.Header) outcome {
	if f.Kind == FaultSlow {
		if !f.AfterHandling && !sleep(ctx, f.Delay) {
			return outcome{}
		}
		rep := s.dispatch(req)
		if f.AfterHandling && !sleep(ctx, f.Delay) {
			return outcome{}
		}
		rep.addHeaders(rl)
		return outcome{rep: &rep}
	}
	if f.AfterHandling {
		s.dispatch(req)
	}
	if f.Kind == FaultConnectionReset {
		return outcome{reset: true}
	}
	rep := faultReply(f)
	rep.addHeaders(rl)
	if f.WindowResetsAfter != "" {
		rep.header.Set(hdrResetsAfter, f.WindowResetsAfter)
	}
	if f.RetryAfter != "" {
		rep.header.Set("Retry-After", f.RetryAfter)
	}
	return outcome{rep: &rep}
}

func faultReply(f Fault) reply {
	switch f.Kind {
	case FaultHTMLPage:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		text := fmt.Sprintf("%d %s", status, http.StatusText(status))
		body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		return reply{status: status, header: http.Header{}, contentType: "text/html", body: []byte(body)}
	case FaultMalformedJSON:
		return reply{status: http.StatusOK, header: http.Header{}, contentType: "application/json",
			body: []byte(`{"code": 200, "data": [{"name": "trunc`)}
	case FaultBodyCode:
		status := f.Status
		if status < 400 {
			status = http.StatusInternalServerError
		}
		rep := errorFor(status)
		rep.status = http.StatusOK
		return rep
	default:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		return errorFor(status)
	}
}

func errorFor(status int) reply {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	msg := text
	if status == http.StatusTooManyRequests {
		msg = "Too many requests"
	}
	return failure(status, msg, text)
}
