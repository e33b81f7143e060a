package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Accounts = (*Store)(nil)

// CreateToken stores a new token.
func (s *Store) CreateToken(ctx context.Context, tok store.Token) error {
	if err := tok.Validate(); err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	if tok.OrganizationID != "" {
		if _, err := s.Organization(ctx, tok.OrganizationID); err != nil {
			return fmt.Errorf("sqlite: create token: %w", err)
		}
	}
	created := tok.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens (id, organization_id, role, hash, created_at, expires_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, tok.ID, tok.OrganizationID, string(tok.Role), tok.Hash[:],
		created.UnixMicro(), micros(tok.ExpiresAt), micros(tok.RevokedAt))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("sqlite: create token %s: %w", tok.ID, aidmap.ErrConflict)
		}
		return fmt.Errorf("sqlite: create token %s: %w", tok.ID, unavailable(ctx, err))
	}
	return nil
}

const sqlTokenColumns = `id, organization_id, role, hash, created_at, expires_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var (
		t                store.Token
		role             string
		hash             []byte
		created          int64
		expires, revoked sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.OrganizationID, &role, &hash, &created, &expires, &revoked); err != nil {
		return store.Token{}, err
	}
	t.Role = store.Role(role)
	copy(t.Hash[:], hash)
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.ExpiresAt = fromMicros(expires)
	t.RevokedAt = fromMicros(revoked)
	return t, nil
}

// TokenByHash returns the token with the given hash.
func (s *Store) TokenByHash(ctx context.Context, hash [32]byte) (store.Token, error) {
	t, err := scanToken(s.rdb.QueryRowContext(ctx, `SELECT `+sqlTokenColumns+` FROM tokens WHERE hash = ?`, hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, fmt.Errorf("sqlite: token: %w", aidmap.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("sqlite: token: %w", unavailable(ctx, err))
	}
	return t, nil
}

// Tokens lists tokens.
func (s *Store) Tokens(ctx context.Context, orgID string) ([]store.Token, error) {
	q := `SELECT ` + sqlTokenColumns + ` FROM tokens WHERE ? = '' OR organization_id = ? ORDER BY created_at, id`
	rows, err := s.rdb.QueryContext(ctx, q, orgID, orgID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tokens: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tokens: %w", unavailable(ctx, err))
	}
	return out, nil
}

// RevokeToken revokes a token.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, at.UnixMicro(), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke token %s: %w", id, unavailable(ctx, err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: revoke token %s: %w", id, aidmap.ErrNotFound)
	}
	return nil
}

// PutUploadRecord creates or replaces an upload record.
func (s *Store) PutUploadRecord(ctx context.Context, r store.UploadRecord) error {
	if r.ID == "" || r.OrganizationID == "" {
		return fmt.Errorf("sqlite: put upload: %w", &aidmap.FieldError{Field: "id", Reason: "id and organization are required"})
	}
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

const sqlUploadColumns = `id, organization_id, token_id, status, mode, dry_run, filename, rollback_of,
	created_at, started_at, finished_at, created, updated, unchanged, retired, rejected, error, file_expired_at`

func scanUpload(sc interface{ Scan(...any) error }, report *sql.NullString) (store.UploadRecord, error) {
	var (
		r                          store.UploadRecord
		created                    int64
		started, finished, expired sql.NullInt64
	)
	dest := []any{&r.ID, &r.OrganizationID, &r.TokenID, &r.Status, &r.Mode, &r.DryRun, &r.Filename,
		&r.RollbackOf, &created, &started, &finished, &r.Created, &r.Updated, &r.Unchanged,
		&r.Retired, &r.Rejected, &r.Error, &expired}
	if report != nil {
		dest = append(dest, report)
	}
	if err := sc.Scan(dest...); err != nil {
		return store.UploadRecord{}, err
	}
	r.CreatedAt = time.UnixMicro(created).UTC()
	r.StartedAt = fromMicros(started)
	r.FinishedAt = fromMicros(finished)
	r.FileExpiredAt = fromMicros(expired)
	if report != nil && report.Valid {
		r.Report = []byte(report.String)
	}
	return r, nil
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

// AbandonUploads marks uploads whose process stopped as abandoned.
func (s *Store) AbandonUploads(ctx context.Context, staleBefore, now time.Time, reason string) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE uploads SET status = 'abandoned', finished_at = ?, error = ?
		WHERE (status = 'running' OR status = 'queued' AND id NOT IN (SELECT upload_id FROM upload_files))
		AND coalesce(heartbeat_at, started_at, created_at) < ?`,
		now.UnixMicro(), reason, staleBefore.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("sqlite: abandon uploads: %w", unavailable(ctx, err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// UploadRecord returns one upload record of the organisation.
func (s *Store) UploadRecord(ctx context.Context, orgID, id string) (store.UploadRecord, error) {
	var report sql.NullString
	r, err := scanUpload(s.rdb.QueryRowContext(ctx, `SELECT `+sqlUploadColumns+`, report FROM uploads
		WHERE id = ? AND organization_id = ?`, id, orgID), &report)
	if errors.Is(err, sql.ErrNoRows) {
		return store.UploadRecord{}, fmt.Errorf("sqlite: upload %s: %w", id, aidmap.ErrNotFound)
	}
	if err != nil {
		return store.UploadRecord{}, fmt.Errorf("sqlite: upload %s: %w", id, unavailable(ctx, err))
	}
	return r, nil
}

// UploadRecords lists the organisation's uploads, newest first.
func (s *Store) UploadRecords(ctx context.Context, orgID string, limit int) ([]store.UploadRecord, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlite: uploads: limit %d: %w", limit, aidmap.ErrInvalid)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+sqlUploadColumns+` FROM uploads WHERE organization_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: uploads: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.UploadRecord
	for rows.Next() {
		r, err := scanUpload(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("sqlite: uploads: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: uploads: %w", unavailable(ctx, err))
	}
	return out, nil
}

// History returns the organisation's history entries matching q, newest first.
func (s *Store) History(ctx context.Context, orgID string, q store.HistoryQuery) ([]store.HistoryEntry, error) {
	limit, before := q.Bounds()
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, organization_id, site_id, upload_id, actor, at, before, after, rollback_of
		FROM history WHERE organization_id = ? AND id < ? AND (? = '' OR site_id = ?) AND (? = '' OR upload_id = ?)
		ORDER BY id DESC LIMIT ?`, orgID, before, q.SiteID, q.SiteID, q.UploadID, q.UploadID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.HistoryEntry
	for rows.Next() {
		var (
			h     store.HistoryEntry
			at    int64
			b     sql.NullString
			after string
		)
		if err := rows.Scan(&h.ID, &h.OrganizationID, &h.SiteID, &h.UploadID, &h.Actor, &at, &b, &after, &h.RollbackOf); err != nil {
			return nil, fmt.Errorf("sqlite: history: %w", err)
		}
		h.At = time.UnixMicro(at).UTC()
		if b.Valid {
			h.Before = []byte(b.String)
		}
		h.After = []byte(after)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", unavailable(ctx, err))
	}
	return out, nil
}

// ChangedLater returns the sites the upload changed that a later upload changed again.
func (s *Store) ChangedLater(ctx context.Context, orgID, uploadID string) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, sqlChangedLater, uploadID, orgID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: changed later: %w", unavailable(ctx, err))
	}
	return collectIDs(ctx, rows)
}

// sqlChangedLater lists the sites upload ?1 of organisation ?2 changed that a later upload
// (not undone, and not a rollback of another upload) changed again. A later entry of a site
// always has a before image (only a site's first entry can be its creation: migration 0018),
// so "l.before IS NOT NULL" changes no answer; it lets the look-up use history_site, which
// indexes only such entries.
const sqlChangedLater = `SELECT DISTINCT h.site_id FROM history h
		JOIN history l ON l.site_id = h.site_id AND l.id > h.id AND l.before IS NOT NULL AND l.upload_id <> h.upload_id
			AND (l.rollback_of = '' OR l.rollback_of = h.upload_id)
			AND NOT EXISTS (SELECT 1 FROM history r WHERE r.rollback_of = l.upload_id)
		WHERE h.upload_id = ? AND h.organization_id = ? ORDER BY h.site_id`

func collectIDs(ctx context.Context, rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: changed later: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: changed later: %w", unavailable(ctx, err))
	}
	return out, nil
}
