package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func (k FaultKind) reshapes() bool {
	switch k {
	case FaultNoPagination, FaultNullData, FaultNotAList, FaultTotalCount, FaultEmptyListing:
		return true
	}
	return false
}

// rawEnvelope is a success envelope taken apart for reshaping.
type rawEnvelope struct {
	Code int             `json:"code"`
	Data json.RawMessage `json:"data"`
	Meta meta            `json:"meta"`
}

// reshape spoils a 200 JSON reply as f says; other replies pass unchanged.
func reshape(rep reply, f Fault) reply {
	var env rawEnvelope
	if rep.status != http.StatusOK || rep.contentType != "application/json" || json.Unmarshal(rep.body, &env) != nil {
		return rep
	}
	switch f.Kind {
	case FaultNoPagination:
		env.Meta.Pagination = nil
	case FaultNullData:
		env.Data = json.RawMessage("null")
	case FaultNotAList:
		env.Data = keyedByIndex(env.Data)
	case FaultTotalCount:
		if env.Meta.Pagination != nil {
			env.Meta.Pagination.TotalCount = f.TotalCount
		}
	case FaultEmptyListing:
		env.Data = json.RawMessage("[]")
		if env.Meta.Pagination != nil {
			env.Meta.Pagination.TotalCount = 0
		}
	}
	out := jsonReply(rep.status, env)
	out.addHeaders(rep.header)
	return out
}

// keyedByIndex turns a JSON array into an object {"0": ..., "1": ...};
// anything else is already not a list and is left as it is.
func keyedByIndex(data json.RawMessage) json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(data, &list) != nil || list == nil {
		return data
	}
	obj := make(map[string]json.RawMessage, len(list))
	for i, v := range list {
		obj[strconv.Itoa(i)] = v
	}
	out, err := json.Marshal(obj)
	if err != nil {
		panic(err) // valid JSON values only
	}
	return out
}
