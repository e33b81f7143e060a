package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// Capacities is the optional part of a store that keeps sites' live availability
// (aidmap.Capacity: "3 beds free"), set by an intake desk many times a day.
//
// A capacity is live data beside the site, not its content: setting one gives the site a new
// version in the change feed (so every follower's index, on every replica, has it) with its
// content, UpdatedAt and history untouched, and no upload record. Each change is kept in a
// small audit log instead (who, when, what). Uploads, edits and rollbacks leave capacities
// alone; a retired site keeps its capacity but is not published.
//
// Errors wrap the domain's sentinels as Store's do.
type Capacities interface {
	// SetCapacity sets one unit of the site's capacity (replacing that unit's entry, or adding
	// it) by the token by, and returns the site's capacities after it, by unit. c.Updated is
	// when (now when zero). ErrNotFound when the organisation has no such site (also when
	// another organisation has it); ErrInvalid (a *aidmap.FieldError) for a capacity that
	// fails aidmap.ValidateCapacity, or a new unit beyond aidmap.MaxCapacityUnits.
	SetCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, by string) ([]aidmap.Capacity, error)
	// RemoveCapacity removes one unit of the site's capacity (nothing when it has none) and
	// returns what is left; errors as SetCapacity's.
	RemoveCapacity(ctx context.Context, orgID, siteID, unit, by string, at time.Time) ([]aidmap.Capacity, error)
	// CapacityLog returns the site's capacity changes, newest first, at most limit (below 1 is
	// ErrInvalid). ErrNotFound as SetCapacity's.
	CapacityLog(ctx context.Context, orgID, siteID string, limit int) ([]CapacityChange, error)
	// PruneCapacityLog deletes the log's entries of every site from before before (their At)
	// and returns how many. Sites' current capacities are untouched: they live with the sites,
	// not in the log. It deletes in small batches, so taps and uploads are not held up, and any
	// number of processes may call it at once (serve's --capacity-log-keep).
	PruneCapacityLog(ctx context.Context, before time.Time) (int, error)
}

// PruneBatch is how many capacity log entries PruneCapacityLog deletes per statement.
const PruneBatch = 5000

// CapacityChange is one entry of a site's capacity audit log.
type CapacityChange struct {
	SiteID    string    `json:"site_id"`
	Unit      string    `json:"unit"`
	Available int       `json:"available"`         // -1 when the unit was removed
	Maximum   int       `json:"maximum,omitempty"` // 0 when not given
	At        time.Time `json:"at"`                // UTC
	By        string    `json:"by"`                // the token's ID
	Removed   bool      `json:"removed,omitempty"` // the unit was taken off
}

// MergeCapacity returns list with c in place of the entry of its unit, or added (sorted by
// unit); with remove, without that unit. list is not changed. It is how both engines apply a
// change, so they agree on order and limits: ErrInvalid for a new unit beyond
// aidmap.MaxCapacityUnits.
func MergeCapacity(list []aidmap.Capacity, c aidmap.Capacity, remove bool) ([]aidmap.Capacity, error) {
	out := make([]aidmap.Capacity, 0, len(list)+1)
	placed := false
	for _, e := range list {
		switch {
		case e.Unit == c.Unit:
			placed = true
			if !remove {
				out = append(out, c)
			}
			continue
		case !placed && !remove && c.Unit < e.Unit:
			out = append(out, c)
			placed = true
		}
		out = append(out, e)
	}
	if !placed && !remove {
		out = append(out, c)
	}
	if len(out) > aidmap.MaxCapacityUnits && len(out) > len(list) {
		return nil, &aidmap.FieldError{Field: "unit", Value: c.Unit, Reason: "is one unit too many: a site publishes at most 8"}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ClosedReporters returns the live data of a site's "closed" reports (aidmap.Site.ClosedReports)
// from its open ones: for each distinct reporter, the time of their latest report, newest
// first, at most aidmap.MaxClosedReports. Reports without a reporter are not counted.
func ClosedReporters(open []Report) []time.Time {
	latest := map[string]time.Time{}
	for _, r := range open {
		if r.Kind != "closed" || r.Status != ReportOpen || r.Reporter == "" {
			continue
		}
		if t, ok := latest[r.Reporter]; !ok || r.CreatedAt.After(t) {
			latest[r.Reporter] = r.CreatedAt
		}
	}
	if len(latest) == 0 {
		return nil
	}
	out := make([]time.Time, 0, len(latest))
	for _, t := range latest {
		out = append(out, t.UTC())
	}
	sortTimesDesc(out)
	if len(out) > aidmap.MaxClosedReports {
		out = out[:aidmap.MaxClosedReports]
	}
	return out
}

func sortTimesDesc(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].After(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// CheckSetCapacity checks a capacity given to SetCapacity (aidmap.ValidateCapacity) and returns
// it as the store keeps it: Updated now when zero, in whole microseconds, UTC.
func CheckSetCapacity(c aidmap.Capacity) (aidmap.Capacity, error) {
	if err := aidmap.ValidateCapacity(c); err != nil {
		return aidmap.Capacity{}, err
	}
	if c.Updated.IsZero() {
		c.Updated = time.Now()
	}
	c.Updated = time.UnixMicro(c.Updated.UnixMicro()).UTC()
	return c, nil
}

// CheckRemoveCapacity checks the unit given to RemoveCapacity and returns the change as the log
// keeps it: Available -1, Updated at (now when zero).
func CheckRemoveCapacity(unit string, at time.Time) (aidmap.Capacity, error) {
	if !aidmap.ValidUnit(unit) {
		return aidmap.Capacity{}, aidmap.ValidateCapacity(aidmap.Capacity{Unit: unit})
	}
	if at.IsZero() {
		at = time.Now()
	}
	return aidmap.Capacity{Unit: unit, Available: -1, Updated: at}, nil
}

// LoggedChange returns an entry of the capacity log as CapacityLog gives it: a removal (stored
// with Available -1) says Removed.
func LoggedChange(c CapacityChange) CapacityChange {
	if c.Available < 0 {
		c.Available, c.Removed = 0, true
	}
	return c
}

// LiveChange edits a site's live data: its capacities and its "closed" reports.
type LiveChange func(caps []aidmap.Capacity, closed []time.Time) ([]aidmap.Capacity, []time.Time, error)

// MergeLive is the LiveChange of a capacity change (MergeCapacity).
func MergeLive(c aidmap.Capacity, remove bool) LiveChange {
	return func(caps []aidmap.Capacity, closed []time.Time) ([]aidmap.Capacity, []time.Time, error) {
		caps, err := MergeCapacity(caps, c, remove)
		return caps, closed, err
	}
}

// ClosedLive is the LiveChange that sets the "closed" reports from the site's open reports
// (ClosedReporters).
func ClosedLive(open []Report) LiveChange {
	return func(caps []aidmap.Capacity, _ []time.Time) ([]aidmap.Capacity, []time.Time, error) {
		return caps, ClosedReporters(open), nil
	}
}

// ChangeLive applies change to a site's live column (nil for NULL) and returns the capacities
// after it and the column's new value. Engines read the column and write the new value with a
// new store version in one transaction; content, UpdatedAt and history are untouched.
func ChangeLive(live []byte, change LiveChange) ([]aidmap.Capacity, []byte, error) {
	var cur aidmap.Site
	if err := DecodeLive(live, &cur); err != nil {
		return nil, nil, err
	}
	caps, closed, err := change(cur.Capacity, cur.ClosedReports)
	if err != nil {
		return nil, nil, err
	}
	return caps, EncodeLive(caps, closed), nil
}

// SetCapacity sets one unit of a site's capacity (Capacities).
func (q Queries) SetCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, by string) ([]aidmap.Capacity, error) {
	c, err := CheckSetCapacity(c)
	if err != nil {
		return nil, q.fail(fmt.Errorf("set capacity: %w", err))
	}
	caps, err := q.writeCapacity(ctx, orgID, siteID, c, false, by)
	if err != nil {
		return nil, q.fail(fmt.Errorf("set capacity of %s: %w", siteID, err))
	}
	return caps, nil
}

// RemoveCapacity takes one unit off a site's capacity (Capacities).
func (q Queries) RemoveCapacity(ctx context.Context, orgID, siteID, unit, by string, at time.Time) ([]aidmap.Capacity, error) {
	c, err := CheckRemoveCapacity(unit, at)
	if err != nil {
		return nil, q.fail(fmt.Errorf("remove capacity: %w", err))
	}
	caps, err := q.writeCapacity(ctx, orgID, siteID, c, true, by)
	if err != nil {
		return nil, q.fail(fmt.Errorf("remove capacity of %s: %w", siteID, err))
	}
	return caps, nil
}

// writeCapacity applies a capacity change to the site's live data and logs it, in one
// transaction.
func (q Queries) writeCapacity(ctx context.Context, orgID, siteID string, c aidmap.Capacity, remove bool, by string) ([]aidmap.Capacity, error) {
	if orgID == "" {
		return nil, fmt.Errorf("site %q: no organisation: %w", siteID, aidmap.ErrNotFound)
	}
	var caps []aidmap.Capacity
	err := q.write(ctx, func(tx Tx) error {
		var err error
		caps, err = changeLive(ctx, tx, orgID, siteID, MergeLive(c, remove))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO capacity_log (site_id, unit, available, maximum, at, by) VALUES ($1, $2, $3, $4, $5, $6)`,
			siteID, c.Unit, c.Available, c.Maximum, c.Updated, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	return caps, nil
}

// changeLive reads the site's live data in tx, lets change edit it, and writes it back with a
// new store version (Tx.NextVersion, taken first: on PostGIS it is the write lock, which must
// be held before the live data is read), so the change feed carries the site to every
// follower. org, when not empty, must own the site (else ErrNotFound). Content, UpdatedAt and
// history are untouched.
func changeLive(ctx context.Context, tx Tx, org, siteID string, change LiveChange) ([]aidmap.Capacity, error) {
	v, err := tx.NextVersion(ctx)
	if err != nil {
		return nil, err
	}
	var (
		owner string
		live  []byte
	)
	err = tx.QueryRow(ctx, `SELECT organization_id, live FROM sites WHERE id = $1`, siteID).Scan(&owner, &live)
	if errors.Is(err, aidmap.ErrNotFound) || err == nil && org != "" && owner != org {
		return nil, fmt.Errorf("site %q: %w", siteID, aidmap.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	caps, live, err := ChangeLive(live, change)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE sites SET live = $1, version = $2 WHERE id = $3`, live, v, siteID); err != nil {
		return nil, err
	}
	if err := tx.SetVersion(ctx, v); err != nil {
		return nil, err
	}
	return caps, nil
}

// PruneCapacityLog deletes the log's entries from before before (Capacities), a batch per
// statement so the write lock is held briefly and no transaction holds many rows. The scan is
// by at alone, without an index: the table holds only what the retention keeps, and this runs
// rarely.
func (q Queries) PruneCapacityLog(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		n, err := q.writer.Exec(ctx, `DELETE FROM capacity_log WHERE `+q.rowID+` IN
			(SELECT `+q.rowID+` FROM capacity_log WHERE at < $1 LIMIT $2)`, before, PruneBatch)
		if err != nil {
			return total, q.fail(fmt.Errorf("prune capacity log: %w", err))
		}
		total += int(n)
		if n < PruneBatch {
			return total, nil
		}
	}
}

// CapacityLog lists a site's capacity changes, newest first (Capacities).
func (q Queries) CapacityLog(ctx context.Context, orgID, siteID string, limit int) ([]CapacityChange, error) {
	if limit < 1 {
		return nil, q.fail(fmt.Errorf("capacity log: limit %d: %w", limit, aidmap.ErrInvalid))
	}
	var owner string
	err := q.reader.QueryRow(ctx, `SELECT organization_id FROM sites WHERE id = $1`, siteID).Scan(&owner)
	if errors.Is(err, aidmap.ErrNotFound) || err == nil && owner != orgID {
		return nil, q.fail(fmt.Errorf("capacity log of %s: %w", siteID, aidmap.ErrNotFound))
	}
	if err != nil {
		return nil, q.fail(fmt.Errorf("capacity log of %s: %w", siteID, err))
	}
	out, err := QueryAll(ctx, q.reader, func(r Row) (CapacityChange, error) {
		c := CapacityChange{SiteID: siteID}
		err := r.Scan(&c.Unit, &c.Available, &c.Maximum, &c.At, &c.By)
		return LoggedChange(c), err
	}, `SELECT unit, available, maximum, at, by FROM capacity_log
		WHERE site_id = $1 ORDER BY at DESC, `+q.rowID+` DESC LIMIT $2`, siteID, limit)
	if err != nil {
		return nil, q.fail(fmt.Errorf("capacity log of %s: %w", siteID, err))
	}
	return out, nil
}

// refreshClosed recomputes the site's ClosedReports from its open "closed" reports, in tx.
func refreshClosed(ctx context.Context, tx Tx, siteID string) error {
	open, err := QueryAll(ctx, tx, func(r Row) (Report, error) {
		rep := Report{Kind: "closed", Status: ReportOpen}
		err := r.Scan(&rep.Reporter, &rep.CreatedAt)
		return rep, err
	}, `SELECT reporter, max(created_at) FROM reports
		WHERE site_id = $1 AND kind = 'closed' AND status = 'open' AND reporter <> '' GROUP BY reporter`, siteID)
	if err != nil {
		return err
	}
	_, err = changeLive(ctx, tx, "", siteID, ClosedLive(open))
	if errors.Is(err, aidmap.ErrNotFound) {
		return nil // a report about a site the store does not have changes no site
	}
	return err
}
