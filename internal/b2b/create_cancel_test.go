package b2b

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cancelWhileCreating returns a context that is cancelled while the fake holds the first
// create of a token named like provisionReq (not a borrowed credential); once it is
// cancelled, the fake answers that create with answer.
func cancelWhileCreating(t *testing.T, f *fakeB2B, answer func(f *fakeB2B, w http.ResponseWriter, req CreateServerTokenRequest)) context.Context {
	arrived, cancelled := make(chan struct{}, 1), make(chan struct{})
	var held atomic.Bool
	f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
		if req.Name != provisionReq.Name || held.Swap(true) {
			return false
		}
		arrived <- struct{}{}
		select {
		case <-cancelled:
		case <-time.After(5 * time.Second):
			t.Error("the test never cancelled")
		}
		answer(f, w, req)
		return true
	}))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		<-arrived
		cancel()
		close(cancelled)
	}()
	return ctx
}

// answerCreate makes the token and replies as the API does.
func answerCreate(f *fakeB2B, w http.ResponseWriter, req CreateServerTokenRequest) {
	writeCreated(w, f.addToken(req.Name, req.Email))
}

// Ctrl-C while BigCommerce makes the token: the create that was sent is finished, its
// reply read, and the token returned, so that it is never orphaned.
func TestCreateSentBeforeCancelIsFinishedAndReturnsTheToken(t *testing.T) {
	f := newFake(t)
	ctx := cancelWhileCreating(t, f, answerCreate)
	created, err := f.client(t).CreateServerToken(ctx, provisionReq)
	if err != nil {
		t.Fatalf("err = %v, want the created token", err)
	}
	if created.Token == "" || created.Token != f.lastToken().Token {
		t.Errorf("created %+v, want %q", created, f.lastToken().Token)
	}
}

// Retries stop once the caller has stopped: a create refused with a 429 after Ctrl-C is
// not sent again.
func TestCreateIsNotRetriedAfterCancel(t *testing.T) {
	f := newFake(t)
	ctx := cancelWhileCreating(t, f, func(_ *fakeB2B, w http.ResponseWriter, _ CreateServerTokenRequest) {
		writeStatus(w, http.StatusTooManyRequests)
	})
	_, err := f.client(t, func(cfg *Config) { cfg.MaxRetries = 3 }).CreateServerToken(ctx, provisionReq)
	if got := asAPIError(t, err).StatusCode; got != http.StatusTooManyRequests {
		t.Errorf("err = %v, want the 429", err)
	}
	if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
		t.Errorf("%d POSTs, want 1: no retry after the caller stopped", n)
	}
}

// Provision after Ctrl-C: the token comes back with its value, found or not.
func TestProvisionAfterCancelReturnsTheToken(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		ctx := cancelWhileCreating(t, f, answerCreate)
		out := f.client(t, credential).ProvisionServerToken(ctx, provisionReq)
		made := f.lastToken()
		if out.Kind != CreateMade || out.Token.Token != made.Token {
			t.Fatalf("returned %+v, want the token made, with its value", out)
		}
		// Found (a listing won the race with the cancellation) or not located.
		if !out.Located() && !errors.Is(out.Err, ErrTokenNotLocated) {
			t.Errorf("err = %v, want ErrTokenNotLocated", out.Err)
		}
		if out.Located() && out.Token != made {
			t.Errorf("returned %+v, want %+v", out.Token, made)
		}
	})
}

// Provision after Ctrl-C whose create reply is lost: the error says that a token may
// exist, names it and how to find it, and nothing else is created.
func TestProvisionAfterCancelWithTheReplyLostSaysATokenMayExist(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		ctx := cancelWhileCreating(t, f, func(f *fakeB2B, w http.ResponseWriter, req CreateServerTokenRequest) {
			f.addToken(req.Name, req.Email) // made, but the reply is lost
			resetConnection(t, w)
		})
		out := f.client(t, credential).ProvisionServerToken(ctx, provisionReq)
		err := out.Err
		if out.Kind != CreateUnknown || out.Token != (ServerToken{}) || out.Pending.Name != "ci" || !out.Pending.BeforeKnown {
			t.Errorf("returned %+v, want an unknown outcome whose pending create is kept", out)
		}
		if !errors.Is(err, ErrCreateOutcomeUnknown) {
			t.Fatalf("err = %v, want ErrCreateOutcomeUnknown", err)
		}
		for _, want := range []string{`"ci"`, "may exist"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err %q does not say %q", err, want)
			}
		}
		assertNoSecrets(t, err.Error())
		if n := f.countCreatesNamed("ci"); n != 1 {
			t.Errorf("%d creates of ci, want 1", n)
		}
	})
}
