package b2b

import "time"

// Clock tells the time. The client reads it for every window it judges evidence by (how old
// a listing is, whether the list has had time to show a new token); tests give it a clock
// they advance. Waits are real time either way, rate-limit windows included: their lengths
// are configured (Config.RetryWaitMin, LocateWait) or told by the server.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
