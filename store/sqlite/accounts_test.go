package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

// TestAccounts runs the accounts part of the conformance suite on its own (TestConformance
// runs it too), so `go test -run Accounts` covers tokens, uploads and history.
func TestAccounts(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "aidmap.db"))
	})
}
