package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Accounts = (*Store)(nil)

// CreateToken stores a new token.
func (s *Store) CreateToken(ctx context.Context, tok store.Token) error {
	if err := tok.Validate(); err != nil {
		return fmt.Errorf("postgis: create token: %w", err)
	}
	if tok.OrganizationID != "" {
		if _, err := s.Organization(ctx, tok.OrganizationID); err != nil {
			return fmt.Errorf("postgis: create token: %w", err)
		}
	}
	created := tok.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (id, organization_id, role, hash, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tok.ID, tok.OrganizationID, string(tok.Role), tok.Hash[:],
		timestamptz(created), timestamptz(tok.ExpiresAt), timestamptz(tok.RevokedAt))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return fmt.Errorf("postgis: create token %s: %w", tok.ID, aidmap.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("postgis: create token %s: %w", tok.ID, unavailable(ctx, err))
	}
	return nil
}

const sqlTokenColumns = `id, organization_id, role, hash, created_at, expires_at, revoked_at`

func scanToken(row pgx.Row) (store.Token, error) {
	var (
		t                         store.Token
		role                      string
		hash                      []byte
		created, expires, revoked pgtype.Timestamptz
	)
	if err := row.Scan(&t.ID, &t.OrganizationID, &role, &hash, &created, &expires, &revoked); err != nil {
		return store.Token{}, err
	}
	t.Role = store.Role(role)
	copy(t.Hash[:], hash)
	t.CreatedAt = fromTimestamptz(created)
	t.ExpiresAt = fromTimestamptz(expires)
	t.RevokedAt = fromTimestamptz(revoked)
	return t, nil
}

// TokenByHash returns the token with the given hash.
func (s *Store) TokenByHash(ctx context.Context, hash [32]byte) (store.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+sqlTokenColumns+` FROM tokens WHERE hash = $1`, hash[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fmt.Errorf("postgis: token: %w", aidmap.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("postgis: token: %w", unavailable(ctx, err))
	}
	return t, nil
}

// Tokens lists tokens.
func (s *Store) Tokens(ctx context.Context, orgID string) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlTokenColumns+` FROM tokens
		WHERE $1 = '' OR organization_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("postgis: tokens: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("postgis: tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: tokens: %w", unavailable(ctx, err))
	}
	return out, nil
}

// RevokeToken revokes a token.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, timestamptz(at), id)
	if err != nil {
		return fmt.Errorf("postgis: revoke token %s: %w", id, unavailable(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgis: revoke token %s: %w", id, aidmap.ErrNotFound)
	}
	return nil
}

// PutUploadRecord creates or replaces an upload record.
func (s *Store) PutUploadRecord(ctx context.Context, r store.UploadRecord) error {
	if r.ID == "" || r.OrganizationID == "" {
		return fmt.Errorf("postgis: put upload: %w", &aidmap.FieldError{Field: "id", Reason: "id and organization are required"})
	}
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

const sqlUploadColumns = `id, organization_id, token_id, status, mode, dry_run, filename, rollback_of,
	created_at, started_at, finished_at, created, updated, unchanged, retired, rejected, error, file_expired_at`

func scanUpload(row pgx.Row, withReport bool) (store.UploadRecord, error) {
	var (
		r                                   store.UploadRecord
		created, started, finished, expired pgtype.Timestamptz
		report                              *string
	)
	dest := []any{&r.ID, &r.OrganizationID, &r.TokenID, &r.Status, &r.Mode, &r.DryRun, &r.Filename,
		&r.RollbackOf, &created, &started, &finished, &r.Created, &r.Updated, &r.Unchanged,
		&r.Retired, &r.Rejected, &r.Error, &expired}
	if withReport {
		dest = append(dest, &report)
	}
	if err := row.Scan(dest...); err != nil {
		return store.UploadRecord{}, err
	}
	r.CreatedAt = fromTimestamptz(created)
	r.StartedAt = fromTimestamptz(started)
	r.FinishedAt = fromTimestamptz(finished)
	r.FileExpiredAt = fromTimestamptz(expired)
	if report != nil {
		r.Report = []byte(*report)
	}
	return r, nil
}

// UploadRecord returns one upload record of the organisation.
func (s *Store) UploadRecord(ctx context.Context, orgID, id string) (store.UploadRecord, error) {
	r, err := scanUpload(s.pool.QueryRow(ctx, `SELECT `+sqlUploadColumns+`, report FROM uploads
		WHERE id = $1 AND organization_id = $2`, id, orgID), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.UploadRecord{}, fmt.Errorf("postgis: upload %s: %w", id, aidmap.ErrNotFound)
	}
	if err != nil {
		return store.UploadRecord{}, fmt.Errorf("postgis: upload %s: %w", id, unavailable(ctx, err))
	}
	return r, nil
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

// AbandonUploads marks uploads whose process stopped as abandoned.
func (s *Store) AbandonUploads(ctx context.Context, staleBefore, now time.Time, reason string) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE uploads SET status = 'abandoned', finished_at = $1, error = $2
		WHERE (status = 'running' OR status = 'queued' AND NOT EXISTS (SELECT 1 FROM upload_files WHERE upload_id = uploads.id))
		AND coalesce(heartbeat_at, started_at, created_at) < $3`,
		timestamptz(now), reason, timestamptz(staleBefore))
	if err != nil {
		return 0, fmt.Errorf("postgis: abandon uploads: %w", unavailable(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

// UploadRecords lists the organisation's uploads, newest first.
func (s *Store) UploadRecords(ctx context.Context, orgID string, limit int) ([]store.UploadRecord, error) {
	if limit < 1 {
		return nil, fmt.Errorf("postgis: uploads: limit %d: %w", limit, aidmap.ErrInvalid)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+sqlUploadColumns+` FROM uploads WHERE organization_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: uploads: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.UploadRecord
	for rows.Next() {
		r, err := scanUpload(rows, false)
		if err != nil {
			return nil, fmt.Errorf("postgis: uploads: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: uploads: %w", unavailable(ctx, err))
	}
	return out, nil
}

// History returns the organisation's history entries matching q, newest first.
func (s *Store) History(ctx context.Context, orgID string, q store.HistoryQuery) ([]store.HistoryEntry, error) {
	limit, before := q.Bounds()
	rows, err := s.pool.Query(ctx, `SELECT id, organization_id, site_id, upload_id, actor, at, before, after, rollback_of
		FROM history WHERE organization_id = $1 AND id < $2 AND ($3 = '' OR site_id = $3) AND ($4 = '' OR upload_id = $4)
		ORDER BY id DESC LIMIT $5`, orgID, before, q.SiteID, q.UploadID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: history: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.HistoryEntry
	for rows.Next() {
		var (
			h     store.HistoryEntry
			at    pgtype.Timestamptz
			b     *string
			after string
		)
		if err := rows.Scan(&h.ID, &h.OrganizationID, &h.SiteID, &h.UploadID, &h.Actor, &at, &b, &after, &h.RollbackOf); err != nil {
			return nil, fmt.Errorf("postgis: history: %w", err)
		}
		h.At = fromTimestamptz(at)
		if b != nil {
			h.Before = []byte(*b)
		}
		h.After = []byte(after)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: history: %w", unavailable(ctx, err))
	}
	return out, nil
}

// ChangedLater returns the sites the upload changed that a later upload changed again.
// sqlChangedLater lists the sites upload $1 of organisation $2 changed that a later upload
// (not undone, and not a rollback of another upload) changed again. A later entry of a site
// always has a before image (only a site's first entry can be its creation: migration 0018),
// so "l.before IS NOT NULL" changes no answer; it lets the look-up use history_site, which
// indexes only such entries.
const sqlChangedLater = `SELECT DISTINCT h.site_id FROM history h
		JOIN history l ON l.site_id = h.site_id AND l.id > h.id AND l.before IS NOT NULL AND l.upload_id <> h.upload_id
			AND (l.rollback_of = '' OR l.rollback_of = h.upload_id)
			AND NOT EXISTS (SELECT 1 FROM history r WHERE r.rollback_of = l.upload_id)
		WHERE h.upload_id = $1 AND h.organization_id = $2 ORDER BY h.site_id`

func (s *Store) ChangedLater(ctx context.Context, orgID, uploadID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, sqlChangedLater, uploadID, orgID)
	if err != nil {
		return nil, fmt.Errorf("postgis: changed later: %w", unavailable(ctx, err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgis: changed later: %w", unavailable(ctx, err))
	}
	return ids, nil
}
