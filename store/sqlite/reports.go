package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Reports = (*Store)(nil)

// AddReport stores a new report (store.Reports).
func (s *Store) AddReport(ctx context.Context, r store.Report) error {
	r, err := store.NewReport(r)
	if err != nil {
		return fmt.Errorf("sqlite: add report: %w", err)
	}
	if _, err := s.Organization(ctx, r.OrganizationID); err != nil {
		return fmt.Errorf("sqlite: add report: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: add report %s: %w", r.ID, unavailable(ctx, err))
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO reports (id, organization_id, site_id, kind, note, status, created_at, reporter)
		VALUES (?, ?, ?, ?, ?, 'open', ?, ?)`, r.ID, r.OrganizationID, r.SiteID, r.Kind, r.Note, r.CreatedAt.UnixMicro(), r.Reporter)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("sqlite: add report %s: %w", r.ID, aidmap.ErrConflict)
		}
		return fmt.Errorf("sqlite: add report %s: %w", r.ID, unavailable(ctx, err))
	}
	if r.Reporter != "" {
		if err := refreshClosed(ctx, tx, r.SiteID); err != nil {
			return fmt.Errorf("sqlite: add report %s: %w", r.ID, unavailable(ctx, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add report %s: %w", r.ID, unavailable(ctx, err))
	}
	return nil
}

const sqlReportColumns = `id, organization_id, site_id, kind, note, status, created_at, handled_at, handled_by`

func scanReport(sc interface{ Scan(...any) error }) (store.Report, error) {
	var (
		r       store.Report
		created int64
		handled sql.NullInt64
	)
	if err := sc.Scan(&r.ID, &r.OrganizationID, &r.SiteID, &r.Kind, &r.Note, &r.Status, &created, &handled, &r.HandledBy); err != nil {
		return store.Report{}, err
	}
	r.CreatedAt = time.UnixMicro(created).UTC()
	r.HandledAt = fromMicros(handled)
	return r, nil
}

// Reports lists the organisation's reports, newest first (store.Reports).
func (s *Store) Reports(ctx context.Context, orgID, status string, limit int) ([]store.Report, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlite: reports: limit %d: %w", limit, aidmap.ErrInvalid)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+sqlReportColumns+` FROM reports
		WHERE organization_id = ? AND (? = '' OR status = ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
		orgID, status, status, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reports: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reports: %w", unavailable(ctx, err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reports: %w", unavailable(ctx, err))
	}
	return out, nil
}

// ResolveReport accepts or dismisses an open report (store.Reports).
func (s *Store) ResolveReport(ctx context.Context, orgID, id, status, by string, at time.Time) (store.Report, error) {
	if err := store.CheckResolution(status); err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, unavailable(ctx, err))
	}
	defer tx.Rollback()
	r, err := scanReport(tx.QueryRowContext(ctx, `SELECT `+sqlReportColumns+` FROM reports WHERE id = ? AND organization_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, aidmap.ErrNotFound)
	}
	if err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, unavailable(ctx, err))
	}
	if err := store.CheckOpen(r); err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, err)
	}
	var reporter string
	if err := tx.QueryRowContext(ctx, `SELECT reporter FROM reports WHERE id = ?`, id).Scan(&reporter); err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, unavailable(ctx, err))
	}
	// Handled, the report no longer counts, and who sent it is forgotten.
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET status = ?, handled_at = ?, handled_by = ?, reporter = '' WHERE id = ?`,
		status, at.UnixMicro(), by, id); err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, unavailable(ctx, err))
	}
	if reporter != "" {
		if err := refreshClosed(ctx, tx, r.SiteID); err != nil {
			return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, unavailable(ctx, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, unavailable(ctx, err))
	}
	r.Status, r.HandledAt, r.HandledBy = status, time.UnixMicro(at.UnixMicro()).UTC(), by
	return r, nil
}

// CountReports counts the site's reports since since (store.Reports).
func (s *Store) CountReports(ctx context.Context, siteID string, since time.Time) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE site_id = ? AND created_at >= ?`,
		siteID, since.UnixMicro()).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count reports: %w", unavailable(ctx, err))
	}
	return n, nil
}
