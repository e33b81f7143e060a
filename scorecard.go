package aidmap

import "time"

// ScorecardRecent is how recent a verification must be for a scorecard to count the site as
// recently verified.
const ScorecardRecent = 90 * 24 * time.Hour

// Scorecard is the quality of one organisation's feed, in counts over its published (not
// retired) sites: how many were verified in the last 90 days, have hours a machine can read,
// a phone, a position on the street or better (Precision.AtLeast(PrecisionStreet)), and a live
// capacity still fresh. It holds counts only: no site, ID or position, so it may be published
// for confidential sites too (docs/confidential.md says why). Add sites with Add; Share gives
// the shares.
type Scorecard struct {
	OrganizationID string
	// Sites is how many published sites the organisation has: every share's denominator.
	Sites int
	// Verified is how many were verified (VerifiedAt) within ScorecardRecent of the time
	// the scorecard was made; an update alone does not count.
	Verified int
	// HoursKnown is how many have opening hours that were read (Hours.Known): hours kept
	// only as written text do not count.
	HoursKnown int
	Phone      int
	// StreetOrBetter is how many are placed on their street or better, by their stored
	// precision (a confidential site's public form is always "locality"; its stored one
	// counts).
	StreetOrBetter int
	// Capacity is how many publish a live capacity, and CapacityFresh how many of those have
	// one younger than the deployment's limit (what the public sees now).
	Capacity      int
	CapacityFresh int
}

// Add counts s (a stored site of the organisation) as it stands at now, with capacities
// fresh for ttl. Retired sites are not counted.
func (c *Scorecard) Add(s *Site, now time.Time, ttl time.Duration) {
	if !s.Visible() {
		return
	}
	c.Sites++
	if !s.VerifiedAt.IsZero() && now.Sub(s.VerifiedAt) <= ScorecardRecent {
		c.Verified++
	}
	if s.Hours.Known() {
		c.HoursKnown++
	}
	if s.Phone != "" {
		c.Phone++
	}
	if s.Precision.AtLeast(PrecisionStreet) {
		c.StreetOrBetter++
	}
	if len(s.Capacity) > 0 {
		c.Capacity++
		if len(s.FreshCapacity(now, ttl)) > 0 {
			c.CapacityFresh++
		}
	}
}

// Share returns n as a share of the scorecard's sites, rounded down to three decimals (so 999 of 1,000 is not shown as all); 0 when it
// has none.
func (c *Scorecard) Share(n int) float64 {
	if c.Sites == 0 {
		return 0
	}
	return float64(n*1000/c.Sites) / 1000
}
