package sqlite

import (
	"context"
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
	r, err := store.ScanReport(conn{tx}.QueryRow(ctx, `SELECT `+store.ReportColumns+` FROM reports WHERE id = $1 AND organization_id = $2`, id, orgID))
	if err != nil {
		return store.Report{}, fmt.Errorf("sqlite: resolve report %s: %w", id, err)
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
