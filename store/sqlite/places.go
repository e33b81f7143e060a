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

var _ store.PlaceDecisions = (*Store)(nil)

// PutPlaceDecision records a steward's decision on two sites (store.PlaceDecisions).
func (s *Store) PutPlaceDecision(ctx context.Context, d store.PlaceDecision) error {
	d, err := store.CheckPlaceDecision(d)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	var orgs [2]string
	for i, id := range []string{d.SiteA, d.SiteB} {
		err := s.db.QueryRowContext(ctx, `SELECT organization_id FROM sites WHERE id = ?`, id).Scan(&orgs[i])
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: place decision: site %s: %w", id, aidmap.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: place decision: %w", unavailable(ctx, err))
		}
	}
	if err := store.CheckPlaceOwners(d, orgs[0], orgs[1]); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO place_decisions (site_a, site_b, decision, organization_id, token_id, decided_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (site_a, site_b) DO UPDATE SET decision = excluded.decision,
			organization_id = excluded.organization_id, token_id = excluded.token_id, decided_at = excluded.decided_at`,
		d.SiteA, d.SiteB, d.Decision, d.OrganizationID, d.TokenID, d.DecidedAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlite: place decision: %w", unavailable(ctx, err))
	}
	return nil
}

// PlaceDecisions returns every decision (store.PlaceDecisions).
func (s *Store) PlaceDecisions(ctx context.Context) ([]store.PlaceDecision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT site_a, site_b, decision, organization_id, token_id, decided_at
		FROM place_decisions ORDER BY site_a, site_b`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: place decisions: %w", unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.PlaceDecision
	for rows.Next() {
		var d store.PlaceDecision
		var at int64
		if err := rows.Scan(&d.SiteA, &d.SiteB, &d.Decision, &d.OrganizationID, &d.TokenID, &at); err != nil {
			return nil, fmt.Errorf("sqlite: place decisions: %w", unavailable(ctx, err))
		}
		d.DecidedAt = time.UnixMicro(at).UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: place decisions: %w", unavailable(ctx, err))
	}
	return out, nil
}

// DeletePlaceDecision withdraws a steward's decision (store.PlaceDecisions).
func (s *Store) DeletePlaceDecision(ctx context.Context, org, a, b string) error {
	a, b, err := store.CheckPlaceWithdrawal(org, a, b)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	var orgs [2]string
	for i, id := range []string{a, b} {
		err := s.db.QueryRowContext(ctx, `SELECT organization_id FROM sites WHERE id = ?`, id).Scan(&orgs[i])
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: place decision: site %s: %w", id, aidmap.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: place decision: %w", unavailable(ctx, err))
		}
	}
	if org != orgs[0] && org != orgs[1] {
		return fmt.Errorf("sqlite: place decision: %s owns neither site: %w", org, aidmap.ErrForbidden)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM place_decisions WHERE site_a = ? AND site_b = ?`, a, b)
	if err != nil {
		return fmt.Errorf("sqlite: place decision: %w", unavailable(ctx, err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: place decision on %s and %s: %w", a, b, aidmap.ErrNotFound)
	}
	return nil
}
