package postgis

import (
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

// TestAccounts runs the accounts part of the conformance suite on its own (TestConformance
// runs it too), so `go test -run Accounts` covers tokens, uploads and history.
func TestAccounts(t *testing.T) {
	testURL(t)
	storetest.RunAccounts(t, func(t *testing.T) store.Store { return openStore(t) })
}
