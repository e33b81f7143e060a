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

var _ store.Capacities = (*Store)(nil)

// changeLive reads the site's live data in tx, lets change edit it, and writes it back with a
// new store version (so the change feed carries the site to every follower). org, when not
// empty, must own the site (else ErrNotFound). Content, UpdatedAt and history are untouched.
func changeLive(ctx context.Context, tx *sql.Tx, org, siteID string, change store.LiveChange) ([]aidmap.Capacity, error) {
	var (
		owner string
		live  []byte
	)
	err := tx.QueryRowContext(ctx, `SELECT organization_id, live FROM sites WHERE id = ?`, siteID).Scan(&owner, &live)
	if errors.Is(err, sql.ErrNoRows) || err == nil && org != "" && owner != org {
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
	if err := tx.QueryRowContext(ctx, sqlVersion).Scan(&v); err != nil {
		return nil, err
	}
	v++
	if _, err := tx.ExecContext(ctx, `UPDATE sites SET live = ?, version = ? WHERE id = ?`, live, v, siteID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'version'`, v); err != nil {
		return nil, err
	}
	return caps, nil
}

// SetCapacity sets one unit of a site's capacity (store.Capacities).
func (s *Store) SetCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, by string) ([]aidmap.Capacity, error) {
	c, err := store.CheckSetCapacity(c)
	if err != nil {
		return nil, fmt.Errorf("sqlite: set capacity: %w", err)
	}
	caps, err := s.writeCapacity(ctx, orgID, siteID, c, false, by)
	if err != nil {
		return nil, fmt.Errorf("sqlite: set capacity of %s: %w", siteID, err)
	}
	return caps, nil
}

// RemoveCapacity takes one unit off a site's capacity (store.Capacities).
func (s *Store) RemoveCapacity(ctx context.Context, orgID, siteID, unit, by string, at time.Time) ([]aidmap.Capacity, error) {
	c, err := store.CheckRemoveCapacity(unit, at)
	if err != nil {
		return nil, fmt.Errorf("sqlite: remove capacity: %w", err)
	}
	caps, err := s.writeCapacity(ctx, orgID, siteID, c, true, by)
	if err != nil {
		return nil, fmt.Errorf("sqlite: remove capacity of %s: %w", siteID, err)
	}
	return caps, nil
}

func (s *Store) writeCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, remove bool, by string) ([]aidmap.Capacity, error) {
	if orgID == "" {
		return nil, fmt.Errorf("site %q: no organisation: %w", siteID, aidmap.ErrNotFound)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	defer tx.Rollback()
	caps, err := changeLive(ctx, tx, orgID, siteID, store.MergeLive(c, remove))
	if err != nil {
		return nil, liveError(ctx, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_log (site_id, unit, available, maximum, at, by) VALUES (?, ?, ?, ?, ?, ?)`,
		siteID, c.Unit, c.Available, c.Maximum, c.Updated.UnixMicro(), by); err != nil {
		return nil, unavailable(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, unavailable(ctx, err)
	}
	return caps, nil
}

// PruneCapacityLog deletes the log's entries from before before (store.Capacities), a batch
// per statement so the write lock is held briefly. The scan is by at alone, without an index:
// the table holds only what the retention keeps, and this runs rarely.
func (s *Store) PruneCapacityLog(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM capacity_log WHERE rowid IN
			(SELECT rowid FROM capacity_log WHERE at < ? LIMIT ?)`, before.UnixMicro(), store.PruneBatch)
		if err != nil {
			return total, fmt.Errorf("sqlite: prune capacity log: %w", unavailable(ctx, err))
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < store.PruneBatch {
			return total, nil
		}
	}
}

// liveError passes the domain's errors through and makes the rest ErrUnavailable.
func liveError(ctx context.Context, err error) error {
	if errors.Is(err, aidmap.ErrNotFound) || errors.Is(err, aidmap.ErrInvalid) {
		return err
	}
	return unavailable(ctx, err)
}

// CapacityLog lists a site's capacity changes, newest first (store.Capacities).
func (s *Store) CapacityLog(ctx context.Context, orgID, siteID string, limit int) ([]store.CapacityChange, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlite: capacity log: limit %d: %w", limit, aidmap.ErrInvalid)
	}
	var owner string
	err := s.rdb.QueryRowContext(ctx, `SELECT organization_id FROM sites WHERE id = ?`, siteID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || err == nil && owner != orgID {
		return nil, fmt.Errorf("sqlite: capacity log of %s: %w", siteID, aidmap.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: capacity log of %s: %w", siteID, unavailable(ctx, err))
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT unit, available, maximum, at, by FROM capacity_log
		WHERE site_id = ? ORDER BY at DESC, rowid DESC LIMIT ?`, siteID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: capacity log of %s: %w", siteID, unavailable(ctx, err))
	}
	defer rows.Close()
	var out []store.CapacityChange
	for rows.Next() {
		c := store.CapacityChange{SiteID: siteID}
		var at int64
		if err := rows.Scan(&c.Unit, &c.Available, &c.Maximum, &at, &c.By); err != nil {
			return nil, fmt.Errorf("sqlite: capacity log of %s: %w", siteID, unavailable(ctx, err))
		}
		c.At = time.UnixMicro(at).UTC()
		out = append(out, store.LoggedChange(c))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: capacity log of %s: %w", siteID, unavailable(ctx, err))
	}
	return out, nil
}

// refreshClosed recomputes the site's ClosedReports from its open "closed" reports, in tx.
func refreshClosed(ctx context.Context, tx *sql.Tx, siteID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT reporter, max(created_at) FROM reports
		WHERE site_id = ? AND kind = 'closed' AND status = 'open' AND reporter <> '' GROUP BY reporter`, siteID)
	if err != nil {
		return err
	}
	var open []store.Report
	for rows.Next() {
		r := store.Report{Kind: "closed", Status: store.ReportOpen}
		var at int64
		if err := rows.Scan(&r.Reporter, &at); err != nil {
			rows.Close()
			return err
		}
		r.CreatedAt = time.UnixMicro(at).UTC()
		open = append(open, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = changeLive(ctx, tx, "", siteID, store.ClosedLive(open))
	if errors.Is(err, aidmap.ErrNotFound) {
		return nil // a report about a site the store does not have changes no site
	}
	return err
}
