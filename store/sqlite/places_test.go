package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestPlaceDecisions(t *testing.T) {
	storetest.PlaceDecisions(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "aidmap.db"))
	})
}
