package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// The upload queue: an accepted upload's record (status queued) and its file (upload_files)
// are written together; a runner claims the oldest one with a conditional UPDATE on the one
// writer connection, which SQLite serialises with every other write (in this process and,
// through its write lock, in others).

// QueueUpload stores an accepted upload's record and file: see store.Accounts.
func (s *Store) QueueUpload(ctx context.Context, rec store.UploadRecord, file store.UploadFile, maxQueued int) error {
	if rec.Status != store.UploadQueued {
		return fmt.Errorf("sqlite: queue upload %s: status %q: %w", rec.ID, rec.Status, aidmap.ErrInvalid)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: queue upload %s: %w", rec.ID, unavailable(ctx, err))
	}
	defer tx.Rollback()
	if maxQueued > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM uploads WHERE status = 'queued'`).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: queue upload %s: %w", rec.ID, unavailable(ctx, err))
		}
		if n >= maxQueued {
			return fmt.Errorf("sqlite: queue upload %s: %d queued: %w", rec.ID, n, store.ErrQueueFull)
		}
	}
	if err := putUpload(ctx, tx, rec); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO upload_files (upload_id, body, confirm_retire, verify) VALUES (?, ?, ?, ?)`,
		rec.ID, file.Body, file.ConfirmRetire, file.Verify); err != nil {
		return fmt.Errorf("sqlite: queue upload %s: %w", rec.ID, unavailable(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: queue upload %s: %w", rec.ID, unavailable(ctx, err))
	}
	return nil
}

// ClaimUpload takes the oldest queued upload with a stored file: see store.Accounts.
func (s *Store) ClaimUpload(ctx context.Context, now time.Time) (store.UploadRecord, store.UploadFile, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload: %w", unavailable(ctx, err))
	}
	defer tx.Rollback()
	var id string
	err = tx.QueryRowContext(ctx, `SELECT u.id FROM uploads u JOIN upload_files f ON f.upload_id = u.id
		WHERE u.status = 'queued' ORDER BY u.created_at, u.id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload: none queued: %w", aidmap.ErrNotFound)
	}
	if err != nil {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload: %w", unavailable(ctx, err))
	}
	res, err := tx.ExecContext(ctx, `UPDATE uploads SET status = 'running', started_at = ?, heartbeat_at = ?
		WHERE id = ? AND status = 'queued'`, now.UnixMicro(), now.UnixMicro(), id)
	if err != nil {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload %s: %w", id, unavailable(ctx, err))
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// Not possible while this transaction holds the write lock; said rather than assumed.
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload %s: taken by another: %w", id, aidmap.ErrNotFound)
	}
	rec, err := store.ScanUpload(conn{tx}.QueryRow(ctx, `SELECT `+store.UploadColumns+`, report FROM uploads WHERE id = $1`, id), true)
	if err != nil {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload %s: %w", id, err)
	}
	var file store.UploadFile
	if err := tx.QueryRowContext(ctx, `SELECT body, confirm_retire, verify FROM upload_files WHERE upload_id = ?`, id).
		Scan(&file.Body, &file.ConfirmRetire, &file.Verify); err != nil {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload %s: %w", id, unavailable(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		return store.UploadRecord{}, store.UploadFile{}, fmt.Errorf("sqlite: claim upload %s: %w", id, unavailable(ctx, err))
	}
	return rec, file, nil
}

// FinishUpload records an upload's end and deletes its file: see store.Accounts.
func (s *Store) FinishUpload(ctx context.Context, rec store.UploadRecord) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: finish upload %s: %w", rec.ID, unavailable(ctx, err))
	}
	defer tx.Rollback()
	if err := putUpload(ctx, tx, rec); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM upload_files WHERE upload_id = ?`, rec.ID); err != nil {
		return fmt.Errorf("sqlite: finish upload %s: %w", rec.ID, unavailable(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: finish upload %s: %w", rec.ID, unavailable(ctx, err))
	}
	return nil
}

// RetryUpload puts an abandoned upload back in the queue: see store.Accounts.
func (s *Store) RetryUpload(ctx context.Context, orgID, id string) (store.UploadRecord, error) {
	return s.endAbandoned(ctx, "retry", orgID, id, func(tx *sql.Tx, hasFile bool, expiredAt time.Time) error {
		if !expiredAt.IsZero() {
			return fmt.Errorf("sqlite: retry upload: %w", &store.FileExpiredError{ID: id, At: expiredAt})
		}
		if !hasFile {
			return fmt.Errorf("sqlite: retry upload %s: its file is no longer kept; upload it again: %w", id, aidmap.ErrConflict)
		}
		_, err := tx.ExecContext(ctx, `UPDATE uploads SET status = 'queued', started_at = NULL, finished_at = NULL,
			heartbeat_at = NULL, error = '' WHERE id = ?`, id)
		return err
	})
}

// DismissUpload marks an abandoned upload dismissed and deletes its file: see store.Accounts.
func (s *Store) DismissUpload(ctx context.Context, orgID, id string, now time.Time) (store.UploadRecord, error) {
	return s.endAbandoned(ctx, "dismiss", orgID, id, func(tx *sql.Tx, _ bool, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, `UPDATE uploads SET status = 'dismissed', finished_at = ? WHERE id = ?`, now.UnixMicro(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM upload_files WHERE upload_id = ?`, id)
		return err
	})
}

// endAbandoned runs change on an abandoned upload of the organisation in one transaction and
// returns the upload as it then is. change is told whether its file is stored and, when
// ExpireUploadFiles deleted it, when.
func (s *Store) endAbandoned(ctx context.Context, op, orgID, id string, change func(tx *sql.Tx, hasFile bool, expiredAt time.Time) error) (store.UploadRecord, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: %w", op, id, unavailable(ctx, err))
	}
	defer tx.Rollback()
	var (
		status  string
		hasFile bool
		expired sql.NullInt64
	)
	err = tx.QueryRowContext(ctx, `SELECT status, EXISTS (SELECT 1 FROM upload_files WHERE upload_id = uploads.id), file_expired_at
		FROM uploads WHERE id = ? AND organization_id = ?`, id, orgID).Scan(&status, &hasFile, &expired)
	if errors.Is(err, sql.ErrNoRows) {
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: %w", op, id, aidmap.ErrNotFound)
	}
	if err != nil {
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: %w", op, id, unavailable(ctx, err))
	}
	if status != store.UploadAbandoned {
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: it is %s; only an abandoned upload can be retried or dismissed: %w",
			op, id, status, aidmap.ErrConflict)
	}
	if err := change(tx, hasFile, fromMicros(expired)); err != nil {
		if errors.Is(err, aidmap.ErrConflict) {
			return store.UploadRecord{}, err
		}
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: %w", op, id, unavailable(ctx, err))
	}
	rec, err := store.ScanUpload(conn{tx}.QueryRow(ctx, `SELECT `+store.UploadColumns+`, report FROM uploads WHERE id = $1`, id), true)
	if err != nil {
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: %w", op, id, err)
	}
	if err := tx.Commit(); err != nil {
		return store.UploadRecord{}, fmt.Errorf("sqlite: %s upload %s: %w", op, id, unavailable(ctx, err))
	}
	return rec, nil
}

// ExpireUploadFiles deletes the files of uploads that ended long enough ago: see
// store.Accounts. The update and the delete are one transaction on the one writer, which
// SQLite serialises with RetryUpload (in this process and others).
func (s *Store) ExpireUploadFiles(ctx context.Context, endedBefore, now time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: expire upload files: %w", unavailable(ctx, err))
	}
	defer tx.Rollback()
	// Both statements start from upload_files (a few rows: files of queued and abandoned
	// uploads) and look records up by ID; the uploads table keeps every upload ever made.
	const ended = `status NOT IN ('queued', 'running') AND coalesce(finished_at, created_at) < ?`
	res, err := tx.ExecContext(ctx, `UPDATE uploads SET file_expired_at = ?
		WHERE id IN (SELECT upload_id FROM upload_files) AND `+ended, now.UnixMicro(), endedBefore.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("sqlite: expire upload files: %w", unavailable(ctx, err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: expire upload files: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM upload_files WHERE EXISTS (SELECT 1 FROM uploads
		WHERE uploads.id = upload_files.upload_id AND `+ended+`)`, endedBefore.UnixMicro()); err != nil {
		return 0, fmt.Errorf("sqlite: expire upload files: %w", unavailable(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: expire upload files: %w", unavailable(ctx, err))
	}
	return int(n), nil
}
