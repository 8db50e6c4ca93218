package emulator

import "net/http"

// refusal is a 401 or 403 for a missing, unknown or insufficient
// credential. BigCommerce documents every reply as the {code, data, meta}
// envelope with the message in data.errMsg, and also that "some errors come
// as {"detail": ...}": Options.UnauthorizedAsDetail picks the second reading.
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
