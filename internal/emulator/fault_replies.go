package emulator

import (
	"context"
	"fmt"
	"net/http"
)

func (s *Server) applyFault(ctx context.Context, req *request, f Fault, rl http.Header) outcome {
	switch {
	case f.Kind == FaultSlow:
		return s.slowFault(ctx, req, f, rl)
	case f.Kind.reshapes():
		rep := reshape(s.dispatch(req), f)
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

// slowFault waits f.Delay before handling the request, or after it with
// AfterHandling; a client that leaves during the wait gets nothing.
func (s *Server) slowFault(ctx context.Context, req *request, f Fault, rl http.Header) outcome {
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

func faultReply(f Fault) reply {
	switch f.Kind {
	case FaultHTMLPage:
		return htmlPage(statusOr(f.Status, http.StatusBadGateway))
	case FaultRedirect:
		rep := htmlPage(statusOr(f.Status, http.StatusFound))
		location := f.Location
		if location == "" {
			location = DefaultRedirectLocation
		}
		rep.header.Set("Location", location)
		return rep
	case FaultMalformedJSON:
		return reply{status: http.StatusOK, header: http.Header{}, contentType: "application/json",
			body: []byte(`{"code": 200, "data": [{"name": "trunc`)}
	case FaultBodyCode:
		rep := errorFor(statusOr(f.Status, http.StatusInternalServerError))
		rep.status = http.StatusOK
		return rep
	default:
		return errorFor(statusOr(f.Status, http.StatusInternalServerError))
	}
}

func statusOr(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}

// htmlPage is the page a gateway (nginx) sends in front of the API.
func htmlPage(status int) reply {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	return reply{status: status, header: http.Header{}, contentType: "text/html", body: []byte(body)}
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
