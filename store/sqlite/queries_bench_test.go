package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/store/storetest"
)

// BenchmarkTokenByHash and BenchmarkTokens: storetest's, on SQLite (#15: store.Queries over
// store.DB).
func BenchmarkTokenByHash(b *testing.B) {
	storetest.BenchTokenByHash(b, open(b, filepath.Join(b.TempDir(), "aidmap.db")))
}

func BenchmarkTokens(b *testing.B) {
	storetest.BenchTokens(b, open(b, filepath.Join(b.TempDir(), "aidmap.db")))
}
