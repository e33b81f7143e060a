package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Accounts = (*Store)(nil)

// PutUploadRecord creates or replaces an upload record.
func (s *Store) PutUploadRecord(ctx context.Context, r store.UploadRecord) error {
	return putUpload(ctx, s.db, r)
}

// putUpload writes an upload record on the writer (or in its transaction).
func putUpload(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, r store.UploadRecord) error {
	if r.ID == "" || r.OrganizationID == "" {
		return fmt.Errorf("sqlite: put upload: %w", &aidmap.FieldError{Field: "id", Reason: "id and organization are required"})
	}
	var report sql.NullString
	if r.Report != nil {
		report = sql.NullString{String: string(r.Report), Valid: true}
	}
	_, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO uploads (id, organization_id, token_id, status, mode,
		dry_run, filename, rollback_of, created_at, started_at, finished_at, created, updated, unchanged,
		retired, rejected, error, file_expired_at, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrganizationID, r.TokenID, r.Status, r.Mode, r.DryRun, r.Filename, r.RollbackOf,
		r.CreatedAt.UnixMicro(), micros(r.StartedAt), micros(r.FinishedAt), r.Created, r.Updated,
		r.Unchanged, r.Retired, r.Rejected, r.Error, micros(r.FileExpiredAt), report)
	if err != nil {
		return fmt.Errorf("sqlite: put upload %s: %w", r.ID, unavailable(ctx, err))
	}
	return nil
}

// TouchUploads refreshes the heartbeat of running uploads.
func (s *Store) TouchUploads(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("sqlite: touch uploads: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE uploads SET heartbeat_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
		at.UnixMicro(), string(b)); err != nil {
		return fmt.Errorf("sqlite: touch uploads: %w", unavailable(ctx, err))
	}
	return nil
}

// sqlChangedLater is the upload's ChangedLater (upload.go): the shared query.
const sqlChangedLater = store.SQLChangedLater

func collectIDs(ctx context.Context, rows *sql.Rows) ([]string, error) {
	ids, err := store.Collect(&connRows{ctx: ctx, rows: rows}, store.ScanString)
	if err != nil {
		return nil, fmt.Errorf("sqlite: changed later: %w", err)
	}
	return ids, nil
}
