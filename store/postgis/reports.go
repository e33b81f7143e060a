package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Reports = (*Store)(nil)

// AddReport stores a new report (store.Reports).
func (s *Store) AddReport(ctx context.Context, r store.Report) error {
	r, err := store.NewReport(r)
	if err != nil {
		return fmt.Errorf("postgis: add report: %w", err)
	}
	if _, err := s.Organization(ctx, r.OrganizationID); err != nil {
		return fmt.Errorf("postgis: add report: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO reports (id, organization_id, site_id, kind, note, status, created_at, reporter)
			VALUES ($1, $2, $3, $4, $5, 'open', $6, $7)`, r.ID, r.OrganizationID, r.SiteID, r.Kind, r.Note, timestamptz(r.CreatedAt), r.Reporter); err != nil {
			return err
		}
		if r.Reporter != "" {
			return s.refreshClosed(ctx, tx, r.SiteID)
		}
		return nil
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return fmt.Errorf("postgis: add report %s: %w", r.ID, aidmap.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("postgis: add report %s: %w", r.ID, unavailable(ctx, err))
	}
	return nil
}

// ResolveReport accepts or dismisses an open report (store.Reports).
func (s *Store) ResolveReport(ctx context.Context, orgID, id, status, by string, at time.Time) (store.Report, error) {
	if err := store.CheckResolution(status); err != nil {
		return store.Report{}, fmt.Errorf("postgis: resolve report %s: %w", id, err)
	}
	var r store.Report
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		r, err = store.ScanReport(conn{tx}.QueryRow(ctx, `SELECT `+store.ReportColumns+` FROM reports
			WHERE id = $1 AND organization_id = $2 FOR UPDATE`, id, orgID))
		if err != nil {
			return fmt.Errorf("postgis: resolve report %s: %w", id, err)
		}
		if err := store.CheckOpen(r); err != nil {
			return fmt.Errorf("postgis: resolve report %s: %w", id, err)
		}
		var reporter string
		if err := tx.QueryRow(ctx, `SELECT reporter FROM reports WHERE id = $1`, id).Scan(&reporter); err != nil {
			return fmt.Errorf("postgis: resolve report %s: %w", id, unavailable(ctx, err))
		}
		// Handled, the report no longer counts, and who sent it is forgotten.
		if _, err := tx.Exec(ctx, `UPDATE reports SET status = $1, handled_at = $2, handled_by = $3, reporter = '' WHERE id = $4`,
			status, timestamptz(at), by, id); err != nil {
			return fmt.Errorf("postgis: resolve report %s: %w", id, unavailable(ctx, err))
		}
		if reporter != "" {
			if err := s.refreshClosed(ctx, tx, r.SiteID); err != nil {
				return fmt.Errorf("postgis: resolve report %s: %w", id, unavailable(ctx, err))
			}
		}
		return nil
	})
	if err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) && (errors.Is(err, aidmap.ErrNotFound) || errors.Is(err, aidmap.ErrConflict) || errors.Is(err, aidmap.ErrUnavailable)) {
			return store.Report{}, err
		}
		return store.Report{}, fmt.Errorf("postgis: resolve report %s: %w", id, unavailable(ctx, err))
	}
	r.Status, r.HandledAt, r.HandledBy = status, time.UnixMicro(at.UnixMicro()).UTC(), by
	return r, nil
}
