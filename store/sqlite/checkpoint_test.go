package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

// TestLargeUploadCheckpoint checks that an upload of checkpointAfter sites or more, with
// history, leaves its checkpoint to the checkpointer: the writer connection gets SQLite's
// automatic checkpoint back, the checkpointer copies the WAL into the database file, and every
// site and history entry is there after a reopen.
func TestLargeUploadCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "aidmap.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	sites := storetest.Sites("org", "s", checkpointAfter)
	up, err := s.BeginUpload(ctx, "org", store.UploadOptions{Actor: "tok_1", UploadID: "up_1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(sites); i += 1000 {
		if err := up.Add(ctx, sites[i:min(i+1000, len(sites))]); err != nil {
			t.Fatal(err)
		}
	}
	res, err := up.Commit(ctx)
	if err != nil || res.Created != len(sites) {
		t.Fatalf("Commit: got %+v, %v, want %d created", res, err, len(sites))
	}
	var auto int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 1000 {
		t.Errorf("writer's wal_autocheckpoint after the upload: got %d, %v, want 1000", auto, err)
	}
	s.ckpt.wg.Wait()
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// The sites' rows and history's, about 1 KB a site, are in the file now, not only the WAL.
	if grown := after.Size() - before.Size(); grown < int64(len(sites))*500 {
		t.Errorf("database file grew by %d bytes after the checkpoint, want the upload's pages (≥ %d)", grown, len(sites)*500)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var n, h int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE organization_id = 'org'`).Scan(&n); err != nil || n != len(sites) {
		t.Errorf("sites after reopen: got %d, %v, want %d", n, err, len(sites))
	}
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM history WHERE upload_id = 'up_1' AND before IS NULL`).Scan(&h); err != nil || h != len(sites) {
		t.Errorf("history entries after reopen: got %d, %v, want %d creations", h, err, len(sites))
	}
}
