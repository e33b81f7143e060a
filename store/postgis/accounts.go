package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Accounts = (*Store)(nil)

// PutUploadRecord creates or replaces an upload record.
func (s *Store) PutUploadRecord(ctx context.Context, r store.UploadRecord) error {
	return putUpload(ctx, s.pool, r)
}

// putUpload writes an upload record on the pool (or in a transaction).
func putUpload(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, r store.UploadRecord) error {
	if r.ID == "" || r.OrganizationID == "" {
		return fmt.Errorf("postgis: put upload: %w", &aidmap.FieldError{Field: "id", Reason: "id and organization are required"})
	}
	var report *string
	if r.Report != nil {
		str := string(r.Report)
		report = &str
	}
	_, err := db.Exec(ctx, `INSERT INTO uploads (id, organization_id, token_id, status, mode,
		dry_run, filename, rollback_of, created_at, started_at, finished_at, created, updated, unchanged,
		retired, rejected, error, file_expired_at, report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, token_id = excluded.token_id,
		status = excluded.status, mode = excluded.mode, dry_run = excluded.dry_run, filename = excluded.filename,
		rollback_of = excluded.rollback_of, created_at = excluded.created_at, started_at = excluded.started_at,
		finished_at = excluded.finished_at, created = excluded.created, updated = excluded.updated,
		unchanged = excluded.unchanged, retired = excluded.retired, rejected = excluded.rejected,
		error = excluded.error, file_expired_at = excluded.file_expired_at, report = excluded.report`,
		r.ID, r.OrganizationID, r.TokenID, r.Status, r.Mode, r.DryRun, r.Filename, r.RollbackOf,
		timestamptz(r.CreatedAt), timestamptz(r.StartedAt), timestamptz(r.FinishedAt), r.Created, r.Updated,
		r.Unchanged, r.Retired, r.Rejected, r.Error, timestamptz(r.FileExpiredAt), report)
	if err != nil {
		return fmt.Errorf("postgis: put upload %s: %w", r.ID, unavailable(ctx, err))
	}
	return nil
}

// TouchUploads refreshes the heartbeat of running uploads.
func (s *Store) TouchUploads(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE uploads SET heartbeat_at = $1 WHERE id = ANY($2)`, timestamptz(at), ids); err != nil {
		return fmt.Errorf("postgis: touch uploads: %w", unavailable(ctx, err))
	}
	return nil
}

// sqlChangedLater is the upload's ChangedLater (upload.go): the shared query.
const sqlChangedLater = store.SQLChangedLater
