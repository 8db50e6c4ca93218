package emulator

import "net/http"

// refusal is a 401 or 403 for a missing, unknown or insufficient
// credential. BigCommerce's reference shows every reply as the {code, data,
// meta} envelope, the message in data.errMsg; some errors are seen as
// {"detail": ...} instead, which Options.UnauthorizedAsDetail picks. The
// meta.message here ("Unauthorized", "Forbidden") is the emulator's own.
func (s *Server) refusal(status int, msg string) *reply {
	s.mu.Lock()
	asDetail := s.unauthorizedAsDetail
	s.mu.Unlock()
	r := failure(status, msg, http.StatusText(status))
	if asDetail {
		r = detailReply(status, msg)
	}
	return &r
}

// SetUnauthorizedAsDetail sets Options.UnauthorizedAsDetail from the next
// request on.
func (s *Server) SetUnauthorizedAsDetail(on bool) {
	s.mu.Lock()
	s.unauthorizedAsDetail = on
	s.mu.Unlock()
}
