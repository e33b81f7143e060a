package store

import (
	"context"
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
