package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestSMSState(t *testing.T) {
	storetest.SMSState(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "aidmap.db"))
	})
}

// BenchmarkSMSState: storetest.BenchSMSState on SQLite.
func BenchmarkSMSState(b *testing.B) {
	storetest.BenchSMSState(b, open(b, filepath.Join(b.TempDir(), "aidmap.db")))
}

// BenchmarkSetCapacity: storetest.BenchSetCapacity on SQLite.
func BenchmarkSetCapacity(b *testing.B) {
	storetest.BenchSetCapacity(b, open(b, filepath.Join(b.TempDir(), "aidmap.db")))
}
