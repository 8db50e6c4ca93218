package emulator

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
)

// meta.message categories used by B2B Edition.
const (
	msgSuccess   = "SUCCESS"
	catParameter = "Parameter Error"
	catNotFound  = "Not Found Error"
	catLogic     = "API logic error"
)

// reply is a fully formed HTTP response, kept in memory until it is sent.
type reply struct {
	status      int
	header      http.Header
	contentType string
	body        []byte
}

type envelope struct {
	Code int  `json:"code"`
	Data any  `json:"data"`
	Meta meta `json:"meta"`
}

type meta struct {
	Message    string      `json:"message"`
	Pagination *pagination `json:"pagination,omitempty"`
}

type pagination struct {
	TotalCount int   `json:"totalCount"`
	Offset     int64 `json:"offset"`
	Limit      int64 `json:"limit"`
}

type errData struct {
	ErrMsg any `json:"errMsg"`
}

func jsonReply(status int, v any) reply {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are encoded
	}
	return reply{status: status, header: http.Header{}, contentType: "application/json", body: body}
}

func success(data any) reply {
	return jsonReply(http.StatusOK, envelope{Code: http.StatusOK, Data: data, Meta: meta{Message: msgSuccess}})
}

// failure is the documented error envelope: errMsg is a string, or an
// object of field -> messages.
func failure(status int, errMsg any, category string) reply {
	return jsonReply(status, envelope{Code: status, Data: errData{ErrMsg: errMsg}, Meta: meta{Message: category}})
}

func fieldError(field, msg string) map[string][]string {
	return map[string][]string{field: {msg}}
}

func detailReply(status int, detail string) reply {
	return jsonReply(status, map[string]string{"detail": detail})
}

func (r *reply) addHeaders(h http.Header) {
	if r.header == nil {
		r.header = http.Header{}
	}
	for k, v := range h {
		r.header[k] = append([]string(nil), v...)
	}
}

func (r *reply) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	h.Set("Content-Type", r.contentType)
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(r.status)
	w.Write(r.body)
}

// outcome is what a request gets: a reply, a reset connection, or nothing
// at all (the client went away first).
type outcome struct {
	rep   *reply
	reset bool
}

func (o outcome) status() int {
	if o.rep != nil {
		return o.rep.status
	}
	return 0
}

func (o outcome) write(w http.ResponseWriter) {
	switch {
	case o.reset:
		resetConnection(w)
	case o.rep != nil:
		o.rep.write(w)
	}
}

// resetConnection closes the client's connection without a reply; a zero
// linger turns the close into a TCP RST.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // best effort: a plain close is a reset's poorer cousin, still a failure
	}
	conn.Close()
}
