package main

import (
	"context"
	"path/filepath"

	"github.com/aidmap/aidmap/store/sqlite"
)

func openSQLite(ctx context.Context, dir string) (*sqlite.Store, error) {
	return sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
}
