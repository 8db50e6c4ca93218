package b2b

import (
	"context"
	"net/http"
	"sync"
	"testing"
)

// Concurrent deletes of the tokens that are themselves the store's credentials (a destroy
// without auth_token): each token authenticates its own delete, so no delete is sent with
// a token that another delete has just removed.
func TestConcurrentDeletesAvoidTokensBeingDeleted(t *testing.T) {
	f := newFake(t)
	tokens := f.seed(40, "tok", "o@example.com")
	c := f.client(t)
	store := c.Store(testStoreHash)
	for _, tok := range tokens {
		store.AddToken(tok.Token)
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, 10) // Terraform's parallelism
	for _, tok := range tokens {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := store.DeleteToken(context.Background(), tok.ID, tok.Token); err != nil {
				t.Errorf("delete %d: %v", tok.ID, err)
			}
		})
	}
	wg.Wait()
	if left := len(f.visible()); left != 0 {
		t.Errorf("%d tokens left", left)
	}
	if n := f.count(http.MethodDelete, "/auth/backend"); n != len(tokens) {
		t.Errorf("%d DELETE requests for %d tokens: want one each: deletes were sent with tokens already deleted", n, len(tokens))
	}
}
