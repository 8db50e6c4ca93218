package emulator

import (
	"errors"
	"fmt"
	"net/http"
)

var redirectStatuses = map[int]bool{
	http.StatusMovedPermanently:  true,
	http.StatusFound:             true,
	http.StatusSeeOther:          true,
	http.StatusTemporaryRedirect: true,
	http.StatusPermanentRedirect: true,
}

// Validate reports a fault InjectFault would refuse: an unknown kind, a
// status outside 100..599, a redirect status other than 301, 302, 303, 307
// and 308, a body-code status under 400, or a negative delay.
func (f Fault) Validate() error {
	if _, ok := faultNames[f.Kind]; !ok || f.Kind == FaultNone {
		return fmt.Errorf("fault kind %v cannot be injected", f.Kind)
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return fmt.Errorf("%v fault: status %d is not an HTTP status", f.Kind, f.Status)
	}
	switch {
	case f.Kind == FaultRedirect && f.Status != 0 && !redirectStatuses[f.Status]:
		return fmt.Errorf("redirect fault: status %d is not 301, 302, 303, 307 or 308", f.Status)
	case f.Kind == FaultBodyCode && f.Status != 0 && f.Status < 400:
		return fmt.Errorf("body-code fault: status %d is not an error (>= 400)", f.Status)
	case f.Delay < 0:
		return errors.New("fault delay is negative")
	}
	return nil
}
