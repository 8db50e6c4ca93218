package b2b

import (
	"errors"
	"fmt"
)

// The host rule: a token is a credential, and can be found present, absent or deleted, only
// at the API host where it was made. At any other host nothing about it can be learned or
// done: its value is never sent there, a listing there says nothing about it, and a delete
// there deletes nothing. This file is the one place that decides it ([Client.MadeHere]);
// callers that hold a token made elsewhere get an [OtherHostError].

// ErrOtherHost is matched (errors.Is) by every [OtherHostError].
var ErrOtherHost = errors.New("the token was made at another API host")

// OtherHostError says that a token made at MadeAt cannot be read, used or deleted through
// this client, whose API host is Current.
type OtherHostError struct {
	MadeAt, Current string
}

func (e *OtherHostError) Error() string {
	return fmt.Sprintf("the token was made at %s, and this client's API host is %s: a token is read, used and deleted "+
		"only at the API host where it was made", e.MadeAt, e.Current)
}

func (e *OtherHostError) Is(target error) bool { return target == ErrOtherHost }

// MadeHere returns nil when a token made at madeAt ([Client.Host] then; "" when not
// recorded, which older states are, taken for this client's) may be read, used or deleted
// through this client, else an *OtherHostError.
func (c *Client) MadeHere(madeAt string) error {
	if madeAt == "" || madeAt == c.Host() {
		return nil
	}
	return &OtherHostError{MadeAt: madeAt, Current: c.Host()}
}
