package provider

import "time"

// clockFunc tells the time. The provider reads it from the system, tests from a clock of
// their own (WithClock), so that a kept token expires without waiting for it.
type clockFunc func() time.Time

// Now makes a clockFunc the client's b2b.Clock.
func (c clockFunc) Now() time.Time { return c() }

// WithClock makes the provider read the time from now instead of the system clock.
func WithClock(now func() time.Time) Option {
	return func(p *b2bProvider) { p.clock = now }
}

// now is the provider's time: the injected clock's, else the system's; also before the
// provider is configured.
func (d *providerData) now() time.Time {
	if d == nil || d.clock == nil {
		return time.Now()
	}
	return d.clock()
}
