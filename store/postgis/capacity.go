package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.Capacities = (*Store)(nil)

// changeLive reads the site's live data in tx, lets change edit it, and writes it back with a
// new store version, as one of the store's writers (the write lock, store_version, NOTIFY at
// commit), so every follower's change feed carries the site. org, when not empty, must own the
// site (else ErrNotFound). Content, UpdatedAt and history are untouched.
func (s *Store) changeLive(ctx context.Context, tx pgx.Tx, org, siteID string, change store.LiveChange) ([]aidmap.Capacity, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, s.lockKey); err != nil {
		return nil, err
	}
	var (
		owner string
		live  []byte
	)
	err := tx.QueryRow(ctx, `SELECT organization_id, live FROM sites WHERE id = $1`, siteID).Scan(&owner, &live)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && org != "" && owner != org {
		return nil, fmt.Errorf("site %q: %w", siteID, aidmap.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	caps, live, err := store.ChangeLive(live, change)
	if err != nil {
		return nil, err
	}
	var v int64
	if err := tx.QueryRow(ctx, sqlVersion).Scan(&v); err != nil {
		return nil, err
	}
	v++
	if _, err := tx.Exec(ctx, `UPDATE sites SET live = $1, version = $2 WHERE id = $3`, live, v, siteID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE store_version SET version = $1`, v); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.channel, strconv.FormatInt(v, 10)); err != nil {
		return nil, err
	}
	return caps, nil
}

// SetCapacity sets one unit of a site's capacity (store.Capacities).
func (s *Store) SetCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, by string) ([]aidmap.Capacity, error) {
	c, err := store.CheckSetCapacity(c)
	if err != nil {
		return nil, fmt.Errorf("postgis: set capacity: %w", err)
	}
	caps, err := s.writeCapacity(ctx, orgID, siteID, c, false, by)
	if err != nil {
		return nil, fmt.Errorf("postgis: set capacity of %s: %w", siteID, err)
	}
	return caps, nil
}

// RemoveCapacity takes one unit off a site's capacity (store.Capacities).
func (s *Store) RemoveCapacity(ctx context.Context, orgID, siteID, unit, by string, at time.Time) ([]aidmap.Capacity, error) {
	c, err := store.CheckRemoveCapacity(unit, at)
	if err != nil {
		return nil, fmt.Errorf("postgis: remove capacity: %w", err)
	}
	caps, err := s.writeCapacity(ctx, orgID, siteID, c, true, by)
	if err != nil {
		return nil, fmt.Errorf("postgis: remove capacity of %s: %w", siteID, err)
	}
	return caps, nil
}

func (s *Store) writeCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, remove bool, by string) ([]aidmap.Capacity, error) {
	if orgID == "" {
		return nil, fmt.Errorf("site %q: no organisation: %w", siteID, aidmap.ErrNotFound)
	}
	var caps []aidmap.Capacity
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		caps, err = s.changeLive(ctx, tx, orgID, siteID, store.MergeLive(c, remove))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO capacity_log (site_id, unit, available, maximum, at, by) VALUES ($1, $2, $3, $4, $5, $6)`,
			siteID, c.Unit, c.Available, c.Maximum, timestamptz(c.Updated), by)
		return err
	})
	if err != nil {
		return nil, liveError(ctx, err)
	}
	return caps, nil
}

// liveError passes the domain's errors through and makes the rest ErrUnavailable.
func liveError(ctx context.Context, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) && (errors.Is(err, aidmap.ErrNotFound) || errors.Is(err, aidmap.ErrInvalid)) {
		return err
	}
	return unavailable(ctx, err)
}

// PruneCapacityLog deletes the log's entries from before before (store.Capacities), a batch
// per statement so no transaction holds many rows. The scan is by at alone, without an index:
// the table holds only what the retention keeps, and this runs rarely.
func (s *Store) PruneCapacityLog(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM capacity_log WHERE ctid IN
			(SELECT ctid FROM capacity_log WHERE at < $1 LIMIT $2)`, before, store.PruneBatch)
		if err != nil {
			return total, fmt.Errorf("postgis: prune capacity log: %w", unavailable(ctx, err))
		}
		n := int(tag.RowsAffected())
		total += n
		if n < store.PruneBatch {
			return total, nil
		}
	}
}

// CapacityLog lists a site's capacity changes, newest first (store.Capacities).
func (s *Store) CapacityLog(ctx context.Context, orgID, siteID string, limit int) ([]store.CapacityChange, error) {
	if limit < 1 {
		return nil, fmt.Errorf("postgis: capacity log: limit %d: %w", limit, aidmap.ErrInvalid)
	}
	var owner string
	err := s.pool.QueryRow(ctx, `SELECT organization_id FROM sites WHERE id = $1`, siteID).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && owner != orgID {
		return nil, fmt.Errorf("postgis: capacity log of %s: %w", siteID, aidmap.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgis: capacity log of %s: %w", siteID, unavailable(ctx, err))
	}
	rows, err := s.pool.Query(ctx, `SELECT unit, available, maximum, at, by FROM capacity_log
		WHERE site_id = $1 ORDER BY at DESC, ctid DESC LIMIT $2`, siteID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: capacity log of %s: %w", siteID, unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.CapacityChange
	for rows.Next() {
		c := store.CapacityChange{SiteID: siteID}
		var at time.Time
		if err := rows.Scan(&c.Unit, &c.Available, &c.Maximum, &at, &c.By); err != nil {
			return nil, fmt.Errorf("postgis: capacity log of %s: %w", siteID, unavailable(ctx, err))
		}
		c.At = at.UTC()
		out = append(out, store.LoggedChange(c))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: capacity log of %s: %w", siteID, unavailable(ctx, err))
	}
	return out, nil
}

// refreshClosed recomputes the site's ClosedReports from its open "closed" reports, in tx.
func (s *Store) refreshClosed(ctx context.Context, tx pgx.Tx, siteID string) error {
	rows, err := tx.Query(ctx, `SELECT reporter, max(created_at) FROM reports
		WHERE site_id = $1 AND kind = 'closed' AND status = 'open' AND reporter <> '' GROUP BY reporter`, siteID)
	if err != nil {
		return err
	}
	var open []store.Report
	for rows.Next() {
		r := store.Report{Kind: "closed", Status: store.ReportOpen}
		if err := rows.Scan(&r.Reporter, &r.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		open = append(open, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = s.changeLive(ctx, tx, "", siteID, store.ClosedLive(open))
	if errors.Is(err, aidmap.ErrNotFound) {
		return nil // a report about a site the store does not have changes no site
	}
	return err
}
