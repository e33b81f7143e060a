package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// Queries answers the parts of the store contract that both engines answer with the same
// SQL: place decisions, tokens, upload records, history, reports, capacities and the rest of
// live data (capacity.go, reports.go), SMS state (sms.go). An engine embeds it (NewQueries)
// and so implements those methods without a line of its own; what the dialects write
// differently (upserts of upload records, arrays, COPY, the store's write lock and version)
// stays in the engine, behind DB, Tx and Engine.
type Queries struct {
	name             string // the engine, first word of every error
	writer, reader   DB
	write            func(ctx context.Context, fn func(Tx) error) error
	beginTracked     func(ctx context.Context, orgID string) (TrackedUpload, error)
	rowID, forUpdate string
}

// Queries answers these parts of the contract whole, and so every engine that embeds it.
var (
	_ PlaceDecisions = Queries{}
	_ Capacities     = Queries{}
	_ Reports        = Queries{}
	_ SMSState       = Queries{}
)

// NewQueries returns the shared queries of the engine e.
func NewQueries(e Engine) Queries {
	return Queries{name: e.Name, writer: e.Writer, reader: e.Reader, write: e.Write, beginTracked: e.BeginTracked,
		rowID: e.RowID, forUpdate: e.ForUpdate}
}

func (q Queries) fail(err error) error { return fmt.Errorf("%s: %w", q.name, err) }

// PutPlaceDecision records a steward's decision on two sites (PlaceDecisions).
func (q Queries) PutPlaceDecision(ctx context.Context, d PlaceDecision) error {
	d, err := CheckPlaceDecision(d)
	if err != nil {
		return q.fail(err)
	}
	orgs, err := siteOrganizations(ctx, q.writer, d.SiteA, d.SiteB)
	if err != nil {
		return q.fail(err)
	}
	if err := CheckPlaceOwners(d, orgs[0], orgs[1]); err != nil {
		return q.fail(err)
	}
	_, err = q.writer.Exec(ctx, `INSERT INTO place_decisions (site_a, site_b, decision, organization_id, token_id, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (site_a, site_b) DO UPDATE SET decision = excluded.decision,
			organization_id = excluded.organization_id, token_id = excluded.token_id, decided_at = excluded.decided_at`,
		d.SiteA, d.SiteB, d.Decision, d.OrganizationID, d.TokenID, d.DecidedAt)
	if err != nil {
		return q.fail(fmt.Errorf("place decision: %w", err))
	}
	return nil
}

// siteOrganizations returns the organisations of two sites; ErrNotFound names a missing one.
func siteOrganizations(ctx context.Context, db DB, a, b string) ([2]string, error) {
	var orgs [2]string
	for i, id := range []string{a, b} {
		err := db.QueryRow(ctx, `SELECT organization_id FROM sites WHERE id = $1`, id).Scan(&orgs[i])
		if errors.Is(err, aidmap.ErrNotFound) {
			return orgs, fmt.Errorf("place decision: site %s: %w", id, aidmap.ErrNotFound)
		}
		if err != nil {
			return orgs, fmt.Errorf("place decision: %w", err)
		}
	}
	return orgs, nil
}

// PlaceDecisions returns every decision (PlaceDecisions).
func (q Queries) PlaceDecisions(ctx context.Context) ([]PlaceDecision, error) {
	out, err := QueryAll(ctx, q.writer, func(r Row) (PlaceDecision, error) {
		var d PlaceDecision
		err := r.Scan(&d.SiteA, &d.SiteB, &d.Decision, &d.OrganizationID, &d.TokenID, &d.DecidedAt)
		return d, err
	}, `SELECT site_a, site_b, decision, organization_id, token_id, decided_at FROM place_decisions ORDER BY site_a, site_b`)
	if err != nil {
		return nil, q.fail(fmt.Errorf("place decisions: %w", err))
	}
	return out, nil
}

// DeletePlaceDecision withdraws a steward's decision (PlaceDecisions).
func (q Queries) DeletePlaceDecision(ctx context.Context, org, a, b string) error {
	a, b, err := CheckPlaceWithdrawal(org, a, b)
	if err != nil {
		return q.fail(err)
	}
	orgs, err := siteOrganizations(ctx, q.writer, a, b)
	if err != nil {
		return q.fail(err)
	}
	if org != orgs[0] && org != orgs[1] {
		return q.fail(fmt.Errorf("place decision: %s owns neither site: %w", org, aidmap.ErrForbidden))
	}
	n, err := q.writer.Exec(ctx, `DELETE FROM place_decisions WHERE site_a = $1 AND site_b = $2`, a, b)
	if err != nil {
		return q.fail(fmt.Errorf("place decision: %w", err))
	}
	if n == 0 {
		return q.fail(fmt.Errorf("place decision on %s and %s: %w", a, b, aidmap.ErrNotFound))
	}
	return nil
}

const sqlTokenColumns = `id, organization_id, role, hash, created_at, expires_at, revoked_at`

func scanToken(r Row) (Token, error) {
	var (
		t    Token
		role string
		hash []byte
	)
	if err := r.Scan(&t.ID, &t.OrganizationID, &role, &hash, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
		return Token{}, err
	}
	t.Role = Role(role)
	copy(t.Hash[:], hash)
	return t, nil
}

// TokenByHash returns the token with the given hash (Accounts).
func (q Queries) TokenByHash(ctx context.Context, hash [32]byte) (Token, error) {
	t, err := scanToken(q.reader.QueryRow(ctx, `SELECT `+sqlTokenColumns+` FROM tokens WHERE hash = $1`, hash[:]))
	if err != nil {
		return Token{}, q.fail(fmt.Errorf("token: %w", err))
	}
	return t, nil
}

// Tokens lists the organisation's tokens, or every token for "" (Accounts).
func (q Queries) Tokens(ctx context.Context, orgID string) ([]Token, error) {
	out, err := QueryAll(ctx, q.reader, scanToken, `SELECT `+sqlTokenColumns+` FROM tokens
		WHERE $1 = '' OR organization_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, q.fail(fmt.Errorf("tokens: %w", err))
	}
	return out, nil
}

// RevokeToken revokes a token; revoking it again keeps the first time (Accounts).
func (q Queries) RevokeToken(ctx context.Context, id string, at time.Time) error {
	n, err := q.writer.Exec(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, at, id)
	if err != nil {
		return q.fail(fmt.Errorf("revoke token %s: %w", id, err))
	}
	if n == 0 {
		return q.fail(fmt.Errorf("revoke token %s: %w", id, aidmap.ErrNotFound))
	}
	return nil
}

// UploadColumns are the columns of an upload record ScanUpload reads, all but its report.
const UploadColumns = `id, organization_id, token_id, status, mode, dry_run, filename, rollback_of,
	created_at, started_at, finished_at, created, updated, unchanged, retired, rejected, error, file_expired_at`

// ScanUpload reads a row of UploadColumns, and the report after them if withReport.
func ScanUpload(row Row, withReport bool) (UploadRecord, error) {
	var (
		r      UploadRecord
		report []byte
	)
	dest := []any{&r.ID, &r.OrganizationID, &r.TokenID, &r.Status, &r.Mode, &r.DryRun, &r.Filename,
		&r.RollbackOf, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.Created, &r.Updated, &r.Unchanged,
		&r.Retired, &r.Rejected, &r.Error, &r.FileExpiredAt}
	if withReport {
		dest = append(dest, &report)
	}
	if err := row.Scan(dest...); err != nil {
		return UploadRecord{}, err
	}
	r.Report = report
	return r, nil
}

// UploadRecord returns one upload record of the organisation, with its report (Accounts).
func (q Queries) UploadRecord(ctx context.Context, orgID, id string) (UploadRecord, error) {
	r, err := ScanUpload(q.reader.QueryRow(ctx, `SELECT `+UploadColumns+`, report FROM uploads
		WHERE id = $1 AND organization_id = $2`, id, orgID), true)
	if err != nil {
		return UploadRecord{}, q.fail(fmt.Errorf("upload %s: %w", id, err))
	}
	return r, nil
}

// UploadRecords lists the organisation's uploads, newest first, without their reports
// (Accounts).
func (q Queries) UploadRecords(ctx context.Context, orgID string, limit int) ([]UploadRecord, error) {
	if limit < 1 {
		return nil, q.fail(fmt.Errorf("uploads: limit %d: %w", limit, aidmap.ErrInvalid))
	}
	out, err := QueryAll(ctx, q.reader, func(r Row) (UploadRecord, error) { return ScanUpload(r, false) },
		`SELECT `+UploadColumns+` FROM uploads WHERE organization_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, q.fail(fmt.Errorf("uploads: %w", err))
	}
	return out, nil
}

// History returns the organisation's history entries matching hq, newest first (Accounts).
func (q Queries) History(ctx context.Context, orgID string, hq HistoryQuery) ([]HistoryEntry, error) {
	limit, before := hq.Bounds()
	out, err := QueryAll(ctx, q.reader, func(r Row) (HistoryEntry, error) {
		var (
			h             HistoryEntry
			before, after []byte
		)
		err := r.Scan(&h.ID, &h.OrganizationID, &h.SiteID, &h.UploadID, &h.Actor, &h.At, &before, &after, &h.RollbackOf)
		h.Before, h.After = before, after
		if h.After == nil {
			h.After = []byte{}
		}
		return h, err
	}, `SELECT id, organization_id, site_id, upload_id, actor, at, before, after, rollback_of
		FROM history WHERE organization_id = $1 AND id < $2 AND ($3 = '' OR site_id = $3) AND ($4 = '' OR upload_id = $4)
		ORDER BY id DESC LIMIT $5`, orgID, before, hq.SiteID, hq.UploadID, limit)
	if err != nil {
		return nil, q.fail(fmt.Errorf("history: %w", err))
	}
	return out, nil
}

// ChangedLater returns the sites the upload changed that a later upload changed again
// (Accounts).
func (q Queries) ChangedLater(ctx context.Context, orgID, uploadID string) ([]string, error) {
	ids, err := QueryAll(ctx, q.reader, ScanString, SQLChangedLater, uploadID, orgID)
	if err != nil {
		return nil, q.fail(fmt.Errorf("changed later: %w", err))
	}
	return ids, nil
}

// SQLChangedLater lists the sites upload $1 of organisation $2 changed that a later upload
// (not undone, and not a rollback of another upload) changed again. A later entry of a site
// always has a before image (only a site's first entry can be its creation: migration 0018),
// so "l.before IS NOT NULL" changes no answer; it lets the look-up use history_site, which
// indexes only such entries.
const SQLChangedLater = `SELECT DISTINCT h.site_id FROM history h
		JOIN history l ON l.site_id = h.site_id AND l.id > h.id AND l.before IS NOT NULL AND l.upload_id <> h.upload_id
			AND (l.rollback_of = '' OR l.rollback_of = h.upload_id)
			AND NOT EXISTS (SELECT 1 FROM history r WHERE r.rollback_of = l.upload_id)
		WHERE h.upload_id = $1 AND h.organization_id = $2 ORDER BY h.site_id`

// ReportColumns are the columns ScanReport reads.
const ReportColumns = `id, organization_id, site_id, kind, note, status, created_at, handled_at, handled_by`

// ScanReport reads a row of ReportColumns.
func ScanReport(r Row) (Report, error) {
	var rep Report
	err := r.Scan(&rep.ID, &rep.OrganizationID, &rep.SiteID, &rep.Kind, &rep.Note, &rep.Status, &rep.CreatedAt, &rep.HandledAt, &rep.HandledBy)
	return rep, err
}

// Reports lists the organisation's reports with the status ("" for all), newest first
// (Reports).
func (q Queries) Reports(ctx context.Context, orgID, status string, limit int) ([]Report, error) {
	if limit < 1 {
		return nil, q.fail(fmt.Errorf("reports: limit %d: %w", limit, aidmap.ErrInvalid))
	}
	out, err := QueryAll(ctx, q.reader, ScanReport, `SELECT `+ReportColumns+` FROM reports
		WHERE organization_id = $1 AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3`,
		orgID, status, limit)
	if err != nil {
		return nil, q.fail(fmt.Errorf("reports: %w", err))
	}
	return out, nil
}

// CountReports counts the site's reports since since (Reports).
func (q Queries) CountReports(ctx context.Context, siteID string, since time.Time) (int, error) {
	var n int
	if err := q.reader.QueryRow(ctx, `SELECT count(*) FROM reports WHERE site_id = $1 AND created_at >= $2`,
		siteID, since).Scan(&n); err != nil {
		return 0, q.fail(fmt.Errorf("count reports: %w", err))
	}
	return n, nil
}

const sqlOrgColumns = `id, name, website, demo, created_at`

func scanOrg(r Row) (aidmap.Organization, error) {
	var org aidmap.Organization
	err := r.Scan(&org.ID, &org.Name, &org.Website, &org.Demo, &org.CreatedAt)
	return org, err
}

// Organization returns one organisation or ErrNotFound (Store).
func (q Queries) Organization(ctx context.Context, id string) (aidmap.Organization, error) {
	org, err := scanOrg(q.reader.QueryRow(ctx, `SELECT `+sqlOrgColumns+` FROM organizations WHERE id = $1`, id))
	if err != nil {
		return aidmap.Organization{}, q.fail(fmt.Errorf("organization %q: %w", id, err))
	}
	return org, nil
}

// Organizations returns every organisation ordered by ID (Store).
func (q Queries) Organizations(ctx context.Context) ([]aidmap.Organization, error) {
	out, err := QueryAll(ctx, q.reader, scanOrg, `SELECT `+sqlOrgColumns+` FROM organizations ORDER BY id`)
	if err != nil {
		return nil, q.fail(fmt.Errorf("organizations: %w", err))
	}
	return out, nil
}

// CreateToken stores a new token (Accounts).
func (q Queries) CreateToken(ctx context.Context, tok Token) error {
	if err := tok.Validate(); err != nil {
		return q.fail(fmt.Errorf("create token: %w", err))
	}
	if tok.OrganizationID != "" {
		if _, err := q.Organization(ctx, tok.OrganizationID); err != nil {
			return fmt.Errorf("%s: create token: %w", q.name, errors.Unwrap(err))
		}
	}
	created := tok.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := q.writer.Exec(ctx, `INSERT INTO tokens (id, organization_id, role, hash, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tok.ID, tok.OrganizationID, string(tok.Role), tok.Hash[:],
		created, tok.ExpiresAt, tok.RevokedAt)
	if err != nil {
		return q.fail(fmt.Errorf("create token %s: %w", tok.ID, err))
	}
	return nil
}

// SMSSession returns a number's last search unless it expired (SMSState).
func (q Queries) SMSSession(ctx context.Context, key []byte, now time.Time) ([]byte, error) {
	if err := CheckSMS(key, nil); err != nil {
		return nil, q.fail(fmt.Errorf("sms session: %w", err))
	}
	var data []byte
	err := q.reader.QueryRow(ctx, `SELECT session FROM sms_state WHERE key = $1 AND session IS NOT NULL AND session_expires > $2`,
		key, now).Scan(&data)
	if err != nil {
		return nil, q.fail(fmt.Errorf("sms session: %w", err))
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// SweepSMS deletes the expired rows (SMSState).
func (q Queries) SweepSMS(ctx context.Context, now time.Time) (int64, error) {
	n, err := q.writer.Exec(ctx, `DELETE FROM sms_state WHERE expires <= $1`, now)
	if err != nil {
		return 0, q.fail(fmt.Errorf("sweep sms: %w", err))
	}
	return n, nil
}

// DeploymentKey returns the deployment's secret key, generating it on the first call (Store).
// Two processes starting at once both try to insert; ON CONFLICT keeps the first, and each
// reads back the one stored in a statement of its own (on PostgreSQL its snapshot is taken
// after the insert, so it sees the key of a replica whose insert won).
func (q Queries) DeploymentKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := q.reader.QueryRow(ctx, `SELECT key FROM deployment_key WHERE id = 1`).Scan(&key)
	if err == nil && len(key) >= aidmap.KeySize {
		return key, nil
	}
	if err != nil && !errors.Is(err, aidmap.ErrNotFound) {
		return nil, q.fail(fmt.Errorf("deployment key: %w", err))
	}
	fresh := make([]byte, aidmap.KeySize)
	rand.Read(fresh) // never fails (crypto/rand)
	if _, err := q.writer.Exec(ctx, `INSERT INTO deployment_key (id, key, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`,
		fresh, time.Now()); err != nil {
		return nil, q.fail(fmt.Errorf("deployment key: %w", err))
	}
	if err := q.writer.QueryRow(ctx, `SELECT key FROM deployment_key WHERE id = 1`).Scan(&key); err != nil {
		return nil, q.fail(fmt.Errorf("deployment key: %w", err))
	}
	return key, nil
}

// SetDeploymentKey replaces the deployment key (Store).
func (q Queries) SetDeploymentKey(ctx context.Context, key []byte) error {
	if len(key) < aidmap.KeySize {
		return q.fail(fmt.Errorf("set deployment key: %w", aidmap.ErrNoKey))
	}
	if _, err := q.writer.Exec(ctx, `INSERT INTO deployment_key (id, key, created_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET key = excluded.key, created_at = excluded.created_at`, key, time.Now()); err != nil {
		return q.fail(fmt.Errorf("set deployment key: %w", err))
	}
	return nil
}

// AbandonUploads marks as abandoned the uploads whose process stopped: running, or queued
// without their file, and not heard of since staleBefore (Accounts).
func (q Queries) AbandonUploads(ctx context.Context, staleBefore, now time.Time, reason string) (int, error) {
	n, err := q.writer.Exec(ctx, `UPDATE uploads SET status = 'abandoned', finished_at = $1, error = $2
		WHERE (status = 'running' OR status = 'queued' AND NOT EXISTS (SELECT 1 FROM upload_files WHERE upload_id = uploads.id))
		AND coalesce(heartbeat_at, started_at, created_at) < $3`, now, reason, staleBefore)
	if err != nil {
		return 0, q.fail(fmt.Errorf("abandon uploads: %w", err))
	}
	return int(n), nil
}
