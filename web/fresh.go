package web

import (
	"slices"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// Freshness is the deployment's policy on listings nobody has checked for a while (serve
// --stale-after, --hide-after). A site's age counts from aidmap.Site.CheckedAt: when it was
// last verified, or last updated when it never was.
type Freshness struct {
	// StaleAfter marks a site stale in the public outputs ("stale": true and "checked_at")
	// once it has gone this long unchecked; 0 never marks one.
	StaleAfter time.Duration
	// HideAfter is how long unchecked a site may be before it leaves the public outputs
	// altogether; 0 never hides one. The index does the hiding (feed.Follower.SetHideAfter):
	// the server only reports the policy. The organisation's own view never hides a site.
	HideAfter time.Duration
	// CapacityTTL is how long a site's capacity ("3 beds available") is published after it was
	// set (serve --capacity-ttl): older counts are left out of every public output, so an
	// old number never passes for today's. 0 publishes none.
	CapacityTTL time.Duration
	// ClosedThreshold is how many distinct people must have reported a site closed (open
	// reports, within ClosedWindow, after its last verification) for the public outputs to mark
	// it "possibly_closed" (serve --closed-report-threshold); 0 turns the marker off, and then
	// nothing about reporters is kept (Reports).
	ClosedThreshold int
	// ClosedWindow is how recent those reports must be (serve --closed-report-window).
	ClosedWindow time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// staleChecked returns checked, when a site last checked then is stale at now; else the zero
// time. A site with no date at all is not called stale: nothing says how old it is.
func (f *Freshness) staleChecked(checked time.Time, now time.Time) time.Time {
	if f.StaleAfter <= 0 || checked.IsZero() || now.Sub(checked) <= f.StaleAfter {
		return time.Time{}
	}
	return checked
}

func (f *Freshness) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// freshMark is what time says of a site in a response: whether it is stale (checked: when it
// was last checked, zero when fresh) and its live data (capacity.go).
type freshMark struct {
	checked time.Time
	live    liveView
}

// staleOf returns the site's stale mark (see staleChecked) and its live data for a response.
func (s *Server) staleOf(site *aidmap.Site) freshMark {
	var m freshMark
	if site.Capacity != nil || site.ClosedReports != nil {
		m.live = s.fresh.liveOf(site, s.fresh.now())
	}
	if s.fresh.StaleAfter <= 0 {
		return m
	}
	m.checked = s.fresh.staleChecked(site.CheckedAt(), s.fresh.now())
	return m
}

// appendStale appends "stale": true and the date the site was last checked, for a stale site
// (checked not zero); nothing for a fresh one.
func appendStale(b []byte, checked time.Time) []byte {
	if checked.IsZero() {
		return b
	}
	b = append(b, `,"stale":true`...)
	return appendTimeField(b, "checked_at", checked)
}

// fresherFirstOnTies reorders each run of hits at exactly the same distance so that the most
// recently checked site comes first (stable, so equally fresh ones keep their order). Distance
// order itself never changes. Runs of ties are rare (sites in one building), so their sites
// are decoded only then.
func fresherFirstOnTies(hits []geo.Hit) {
	for i := 0; i < len(hits); {
		j := i + 1
		for j < len(hits) && hits[j].DistanceM == hits[i].DistanceM {
			j++
		}
		if j-i > 1 {
			run := hits[i:j]
			checked := make(map[string]time.Time, len(run))
			for _, h := range run {
				checked[h.ID()] = h.Site().CheckedAt()
			}
			slices.SortStableFunc(run, func(a, b geo.Hit) int {
				return checked[b.ID()].Compare(checked[a.ID()])
			})
		}
		i = j
	}
}
