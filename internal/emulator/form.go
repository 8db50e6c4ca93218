package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

const (
	msgRequired   = "This field is required."
	msgNull       = "This field may not be null."
	msgBlank      = "This field may not be blank."
	msgNotString  = "Not a valid string."
	msgNotInteger = "A valid integer is required."
	msgNotObject  = "Must be an object."
)

// form validates a JSON object body field by field, collecting messages
// per field the way B2B Edition reports them in errMsg.
type form struct {
	fields map[string]json.RawMessage
	errs   map[string][]string
}

func parseForm(body []byte) (*form, *reply) {
	f := &form{fields: map[string]json.RawMessage{}, errs: map[string][]string{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return f, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&f.fields); err != nil || dec.More() {
		msg := "JSON parse error"
		if err != nil {
			msg += " - " + err.Error()
		}
		rep := failure(http.StatusBadRequest, msg, catParameter)
		return nil, &rep
	}
	if f.fields == nil { // the body was "null"
		f.fields = map[string]json.RawMessage{}
	}
	return f, nil
}

func (f *form) fail(field, msg string) { f.errs[field] = append(f.errs[field], msg) }

func (f *form) raw(field string) (json.RawMessage, bool) {
	raw, ok := f.fields[field]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// str reads a required, non-blank string.
func (f *form) str(field string) string {
	raw, ok := f.fields[field]
	if !ok {
		f.fail(field, msgRequired)
		return ""
	}
	if string(raw) == "null" {
		f.fail(field, msgNull)
		return ""
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		f.fail(field, msgNotString)
		return ""
	}
	if strings.TrimSpace(v) == "" {
		f.fail(field, msgBlank)
	}
	return v
}

// integer reads a JSON integer (not a string, not a fraction). present is
// false when the field is absent or null.
func (f *form) integer(field string, required bool) (v int64, present bool) {
	raw, ok := f.raw(field)
	if !ok {
		if required {
			f.fail(field, msgRequired)
		}
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		f.fail(field, msgNotInteger)
		return 0, false
	}
	return n, true
}

// object checks that an optional field, when present, is a JSON object.
func (f *form) object(field string) {
	raw, ok := f.raw(field)
	if !ok {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		f.fail(field, msgNotObject)
	}
}

// loginFields are what both logins send, POST /auth/backend for a backend user and POST
// /auth/customers for a storefront customer: the store, the user's email and password, and
// a name for the new token.
type loginFields struct {
	storeHash, email, password, name string
}

func (f *form) login() loginFields {
	return loginFields{storeHash: f.str("storeHash"), email: f.str("email"), password: f.str("password"), name: f.str("name")}
}

func (f *form) err() *reply {
	if len(f.errs) == 0 {
		return nil
	}
	rep := failure(http.StatusBadRequest, f.errs, catParameter)
	return &rep
}
