package b2b

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// holdCreate holds the first create until the test has cancelled the caller's context,
// then answers it with answer. It tells the test through arrived that the create is held.
func holdCreate(t *testing.T, arrived chan<- struct{}, cancelled <-chan struct{}, answer func(f *fakeB2B, w http.ResponseWriter, r *http.Request, body []byte)) fakeHook {
	return func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool {
		if r.Method != http.MethodPost || n != 1 {
			return false
		}
		arrived <- struct{}{}
		select {
		case <-cancelled:
		case <-time.After(5 * time.Second):
			t.Error("the test never cancelled")
		}
		answer(f, w, r, req.Body)
		return true
	}
}

// cancelWhenHeld cancels the caller's context once the create is held, then lets the fake
// answer it.
func cancelWhenHeld(arrived <-chan struct{}, cancel context.CancelFunc, cancelled chan<- struct{}) {
	go func() {
		<-arrived
		cancel()
		close(cancelled)
	}()
}

func answerCreate(t *testing.T) func(f *fakeB2B, w http.ResponseWriter, r *http.Request, body []byte) {
	return func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, body []byte) {
		cr := decodeCreate(t, body)
		writeCreated(w, f.addToken(cr.Name, cr.Email))
	}
}

// Ctrl-C while BigCommerce makes the token: the create that was sent is finished, its
// reply read, and the token returned, so that it is never orphaned.
func TestCreateServerTokenFinishesAfterCancel(t *testing.T) {
	f := newFake(t)
	arrived, cancelled := make(chan struct{}, 1), make(chan struct{})
	f.setHook(holdCreate(t, arrived, cancelled, answerCreate(t)))
	c := f.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancelWhenHeld(arrived, cancel, cancelled)
	created, err := c.CreateServerToken(ctx, provisionReq)
	if err != nil {
		t.Fatalf("err = %v, want the created token", err)
	}
	if created.Token == "" || created.Token != f.lastToken().Token {
		t.Errorf("created %+v, want %q", created, f.lastToken().Token)
	}
}

// Retries stop once the caller has stopped: a create refused with a 429 after Ctrl-C is
// not sent again.
func TestCreateNotRetriedAfterCancel(t *testing.T) {
	f := newFake(t)
	arrived, cancelled := make(chan struct{}, 1), make(chan struct{})
	f.setHook(holdCreate(t, arrived, cancelled, func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeStatus(w, http.StatusTooManyRequests)
	}))
	c := f.client(t, func(cfg *Config) { cfg.MaxRetries = 3 })
	ctx, cancel := context.WithCancel(context.Background())
	cancelWhenHeld(arrived, cancel, cancelled)
	_, err := c.CreateServerToken(ctx, provisionReq)
	if got := asAPIError(t, err).StatusCode; got != http.StatusTooManyRequests {
		t.Errorf("err = %v, want the 429", err)
	}
	if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
		t.Errorf("%d POSTs, want 1: no retry after the caller stopped", n)
	}
}

// Provision after Ctrl-C: the token comes back with its value, found or not.
func TestProvisionAfterCancelReturnsTheToken(t *testing.T) {
	for _, auth := range []bool{true, false} {
		t.Run(map[bool]string{true: "with auth_token", false: "without credential"}[auth], func(t *testing.T) {
			f := newFake(t)
			arrived, cancelled := make(chan struct{}, 1), make(chan struct{})
			f.setHook(holdCreate(t, arrived, cancelled, answerCreate(t)))
			c := f.client(t, func(cfg *Config) {
				if auth {
					withAuthToken(cfg)
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			cancelWhenHeld(arrived, cancel, cancelled)
			got, err := c.ProvisionServerToken(ctx, provisionReq)
			made := f.lastToken()
			if got.Token != made.Token {
				t.Fatalf("returned %+v (%v), want the token's value", got, err)
			}
			// Found (a listing won the race with the cancellation) or not located.
			if err != nil && !errors.Is(err, ErrTokenNotLocated) {
				t.Errorf("err = %v, want ErrTokenNotLocated", err)
			}
			if err == nil && got != made {
				t.Errorf("returned %+v, want %+v", got, made)
			}
		})
	}
}

// Provision after Ctrl-C whose create reply is lost: the error says that a token may
// exist, names it and how to find it, and nothing else is created.
func TestProvisionAfterCancelReplyLost(t *testing.T) {
	for _, auth := range []bool{true, false} {
		t.Run(map[bool]string{true: "with auth_token", false: "without credential"}[auth], func(t *testing.T) {
			f := newFake(t)
			arrived, cancelled := make(chan struct{}, 1), make(chan struct{})
			f.setHook(holdCreate(t, arrived, cancelled, func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, body []byte) {
				cr := decodeCreate(t, body)
				f.addToken(cr.Name, cr.Email) // made, but the reply is lost
				resetConnection(t, w)
			}))
			c := f.client(t, func(cfg *Config) {
				if auth {
					withAuthToken(cfg)
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			cancelWhenHeld(arrived, cancel, cancelled)
			got, err := c.ProvisionServerToken(ctx, provisionReq)
			if got != (ServerToken{}) {
				t.Errorf("returned %+v", got)
			}
			if !errors.Is(err, ErrCreateOutcomeUnknown) {
				t.Fatalf("err = %v, want ErrCreateOutcomeUnknown", err)
			}
			for _, want := range []string{`"ci"`, "may exist", "import"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err %q does not say %q", err, want)
				}
			}
			assertNoSecrets(t, err.Error())
			if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
				t.Errorf("%d POSTs, want 1 (no borrowed token after a stop)", n)
			}
		})
	}
}
