package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
)

// testDeploymentKey checks the deployment key: generated once, the same for every caller
// (concurrent ones included, as replicas starting together are), replaced only by
// SetDeploymentKey, and that no store keeps a site's public form (which would publish a
// confidential site's area as its true point, or the other way round).
func testDeploymentKey(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := st.DeploymentKey(ctx)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) < aidmap.KeySize || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys %x and %x: want one key of at least %d bytes", k, keys[0], aidmap.KeySize)
		}
	}
	if bytes.Equal(keys[0], make([]byte, len(keys[0]))) {
		t.Error("the key is all zeros")
	}
	if other := open(t); other != nil {
		k, err := other.DeploymentKey(ctx)
		if err != nil || bytes.Equal(k, keys[0]) {
			t.Errorf("a second store's key: %x, %v; want its own", k, err)
		}
	}
	if err := st.SetDeploymentKey(ctx, []byte("short")); !errors.Is(err, aidmap.ErrInvalid) {
		t.Errorf("a short key: got %v, want ErrInvalid", err)
	}
	next := bytes.Repeat([]byte{7}, aidmap.KeySize)
	if err := st.SetDeploymentKey(ctx, next); err != nil {
		t.Fatal(err)
	}
	if k, err := st.DeploymentKey(ctx); err != nil || !bytes.Equal(k, next) {
		t.Errorf("after SetDeploymentKey: %x, %v; want %x", k, err, next)
	}

	orgID := "keyorg"
	if err := st.UpsertOrganization(ctx, aidmap.Organization{ID: orgID, Name: "Key Org"}); err != nil {
		t.Fatal(err)
	}
	pub, err := aidmap.NewPublisher(next)
	if err != nil {
		t.Fatal(err)
	}
	site := Sites(orgID, "key", 1)[0]
	site.Confidential = true
	public := pub.Public(&site)
	public.ID = site.ID // even under the stored ID
	if _, err := st.UpsertSites(ctx, orgID, []aidmap.Site{public}); !errors.Is(err, aidmap.ErrInvalid) {
		t.Errorf("storing a public form: got %v, want ErrInvalid", err)
	}
}
