package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// The upload queue: an accepted upload's record (status queued) and its file (upload_files)
// are written in one transaction; a runner of any replica claims the oldest one with
// SELECT ... FOR UPDATE SKIP LOCKED, so two replicas never take the same upload and neither
// waits for the other.

// QueueUpload stores an accepted upload's record and file: see store.Accounts.
func (s *Store) QueueUpload(ctx context.Context, rec store.UploadRecord, file store.UploadFile, maxQueued int) error {
	if rec.Status != store.UploadQueued {
		return fmt.Errorf("postgis: queue upload %s: status %q: %w", rec.ID, rec.Status, aidmap.ErrInvalid)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if maxQueued > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM uploads WHERE status = 'queued'`).Scan(&n); err != nil {
				return fmt.Errorf("postgis: queue upload %s: %w", rec.ID, unavailable(ctx, err))
			}
			if n >= maxQueued {
				return fmt.Errorf("postgis: queue upload %s: %d queued: %w", rec.ID, n, store.ErrQueueFull)
			}
		}
		if err := putUpload(ctx, tx, rec); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO upload_files (upload_id, body, confirm_retire, verify) VALUES ($1, $2, $3, $4)
			ON CONFLICT (upload_id) DO UPDATE SET body = excluded.body, confirm_retire = excluded.confirm_retire, verify = excluded.verify`,
			rec.ID, file.Body, file.ConfirmRetire, file.Verify); err != nil {
			return fmt.Errorf("postgis: queue upload %s: %w", rec.ID, unavailable(ctx, err))
		}
		return nil
	})
}

// ClaimUpload takes the oldest queued upload with a stored file: see store.Accounts.
func (s *Store) ClaimUpload(ctx context.Context, now time.Time) (store.UploadRecord, store.UploadFile, error) {
	var (
		rec  store.UploadRecord
		file store.UploadFile
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT u.id FROM uploads u JOIN upload_files f ON f.upload_id = u.id
			WHERE u.status = 'queued' ORDER BY u.created_at, u.id LIMIT 1 FOR UPDATE OF u SKIP LOCKED`).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgis: claim upload: none queued: %w", aidmap.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgis: claim upload: %w", unavailable(ctx, err))
		}
		tag, err := tx.Exec(ctx, `UPDATE uploads SET status = 'running', started_at = $1, heartbeat_at = $1
			WHERE id = $2 AND status = 'queued'`, timestamptz(now), id)
		if err != nil {
			return fmt.Errorf("postgis: claim upload %s: %w", id, unavailable(ctx, err))
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("postgis: claim upload %s: taken by another: %w", id, aidmap.ErrNotFound)
		}
		if rec, err = store.ScanUpload(conn{tx}.QueryRow(ctx, `SELECT `+store.UploadColumns+`, report FROM uploads WHERE id = $1`, id), true); err != nil {
			return fmt.Errorf("postgis: claim upload %s: %w", id, err)
		}
		if err := tx.QueryRow(ctx, `SELECT body, confirm_retire, verify FROM upload_files WHERE upload_id = $1`, id).
			Scan(&file.Body, &file.ConfirmRetire, &file.Verify); err != nil {
			return fmt.Errorf("postgis: claim upload %s: %w", id, unavailable(ctx, err))
		}
		return nil
	})
	if err != nil {
		return store.UploadRecord{}, store.UploadFile{}, maybeUnavailable(ctx, "claim upload", err)
	}
	return rec, file, nil
}

// FinishUpload records an upload's end and deletes its file: see store.Accounts.
func (s *Store) FinishUpload(ctx context.Context, rec store.UploadRecord) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := putUpload(ctx, tx, rec); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM upload_files WHERE upload_id = $1`, rec.ID); err != nil {
			return fmt.Errorf("postgis: finish upload %s: %w", rec.ID, unavailable(ctx, err))
		}
		return nil
	})
	return maybeUnavailable(ctx, "finish upload "+rec.ID, err)
}

// RetryUpload puts an abandoned upload back in the queue: see store.Accounts.
func (s *Store) RetryUpload(ctx context.Context, orgID, id string) (store.UploadRecord, error) {
	return s.endAbandoned(ctx, "retry", orgID, id, func(tx pgx.Tx, hasFile bool, expiredAt time.Time) error {
		if !expiredAt.IsZero() {
			return fmt.Errorf("postgis: retry upload: %w", &store.FileExpiredError{ID: id, At: expiredAt})
		}
		if !hasFile {
			return fmt.Errorf("postgis: retry upload %s: its file is no longer kept; upload it again: %w", id, aidmap.ErrConflict)
		}
		_, err := tx.Exec(ctx, `UPDATE uploads SET status = 'queued', started_at = NULL, finished_at = NULL,
			heartbeat_at = NULL, error = '' WHERE id = $1`, id)
		return err
	})
}

// DismissUpload marks an abandoned upload dismissed and deletes its file: see store.Accounts.
func (s *Store) DismissUpload(ctx context.Context, orgID, id string, now time.Time) (store.UploadRecord, error) {
	return s.endAbandoned(ctx, "dismiss", orgID, id, func(tx pgx.Tx, _ bool, _ time.Time) error {
		if _, err := tx.Exec(ctx, `UPDATE uploads SET status = 'dismissed', finished_at = $1 WHERE id = $2`, timestamptz(now), id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM upload_files WHERE upload_id = $1`, id)
		return err
	})
}

// endAbandoned runs change on an abandoned upload of the organisation (its row locked) in one
// transaction and returns the upload as it then is. change is told whether its file is stored
// and, when ExpireUploadFiles deleted it, when.
func (s *Store) endAbandoned(ctx context.Context, op, orgID, id string, change func(tx pgx.Tx, hasFile bool, expiredAt time.Time) error) (store.UploadRecord, error) {
	var rec store.UploadRecord
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			status  string
			hasFile bool
			expired pgtype.Timestamptz
		)
		// The row lock first, then the file in a statement of its own: waiting for the lock
		// of a concurrent ExpireUploadFiles, the locking statement sees the row as that left
		// it, but other tables as they were when it began.
		err := tx.QueryRow(ctx, `SELECT status, file_expired_at FROM uploads
			WHERE id = $1 AND organization_id = $2 FOR UPDATE`, id, orgID).Scan(&status, &expired)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgis: %s upload %s: %w", op, id, aidmap.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgis: %s upload %s: %w", op, id, unavailable(ctx, err))
		}
		if status != store.UploadAbandoned {
			return fmt.Errorf("postgis: %s upload %s: it is %s; only an abandoned upload can be retried or dismissed: %w",
				op, id, status, aidmap.ErrConflict)
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM upload_files WHERE upload_id = $1)`, id).Scan(&hasFile); err != nil {
			return fmt.Errorf("postgis: %s upload %s: %w", op, id, unavailable(ctx, err))
		}
		if err := change(tx, hasFile, fromTimestamptz(expired)); err != nil {
			if errors.Is(err, aidmap.ErrConflict) {
				return err
			}
			return fmt.Errorf("postgis: %s upload %s: %w", op, id, unavailable(ctx, err))
		}
		if rec, err = store.ScanUpload(conn{tx}.QueryRow(ctx, `SELECT `+store.UploadColumns+`, report FROM uploads WHERE id = $1`, id), true); err != nil {
			return fmt.Errorf("postgis: %s upload %s: %w", op, id, err)
		}
		return nil
	})
	if err != nil {
		return store.UploadRecord{}, maybeUnavailable(ctx, op+" upload "+id, err)
	}
	return rec, nil
}

// ExpireUploadFiles deletes the files of uploads that ended long enough ago: see
// store.Accounts. It locks the records it expires, skipping those another transaction holds
// (a RetryUpload, another replica's sweep: the next sweep takes them), and rechecks the rest
// once locked, so an upload retried meanwhile (queued again) keeps its file.
func (s *Store) ExpireUploadFiles(ctx context.Context, endedBefore, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `WITH expired AS (
			SELECT u.id FROM uploads u JOIN upload_files f ON f.upload_id = u.id
			WHERE u.status NOT IN ('queued', 'running') AND coalesce(u.finished_at, u.created_at) < $1
			FOR UPDATE OF u SKIP LOCKED
		), deleted AS (
			DELETE FROM upload_files f USING expired e WHERE f.upload_id = e.id RETURNING f.upload_id
		)
		UPDATE uploads u SET file_expired_at = $2 FROM deleted d WHERE u.id = d.upload_id`,
		timestamptz(endedBefore), timestamptz(now))
	if err != nil {
		return 0, fmt.Errorf("postgis: expire upload files: %w", unavailable(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

// maybeUnavailable wraps an error of BeginFunc's own (begin, commit) with the operation and
// its class; errors already wrapped by the transaction's body pass as they are.
func maybeUnavailable(ctx context.Context, op string, err error) error {
	if err == nil || errors.Is(err, aidmap.ErrNotFound) || errors.Is(err, aidmap.ErrConflict) ||
		errors.Is(err, aidmap.ErrInvalid) || errors.Is(err, aidmap.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("postgis: %s: %w", op, unavailable(ctx, err))
}
