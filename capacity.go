package aidmap

import (
	"fmt"
	"time"
)

// Capacity is how much of a service a site has free right now, as its staff last said: "3 of
// 20 beds" (Open Referral HSDS 3.1 service_capacity: unit, available, maximum, updated). It is
// live data, not part of a listing's content: stores keep it apart from what uploads write
// (an upload neither changes nor clears it), and the public outputs show it only while it is
// younger than the deployment's limit, so an old count never passes for a current one.
type Capacity struct {
	// Unit is what is counted: a short lowercase word such as "beds", "meals",
	// "appointments" (CapacityUnits are the ones the map translates).
	Unit string `json:"unit"`
	// Available is how many are free now, 0 to MaxCapacity.
	Available int `json:"available"`
	// Maximum is how many there are in all, 0 when not given; never below Available.
	Maximum int `json:"maximum,omitempty"`
	// Updated is when Available was last set (UTC, microseconds).
	Updated time.Time `json:"updated"`
}

// Limits of capacities, so a site's live data stays a few bytes.
const (
	MaxCapacity      = 100_000 // largest Available or Maximum
	MaxCapacityUnits = 8       // units one site may publish
	MaxUnitLen       = 32      // bytes of a Unit
	// MaxClosedReports bounds Site.ClosedReports: more distinct reporters than any
	// deployment's threshold needs.
	MaxClosedReports = 32
)

// CapacityUnits are the units the map has words for in every page language; any other
// valid unit is shown as written.
var CapacityUnits = []string{"beds", "meals", "appointments", "places"}

// ValidateCapacity checks one capacity as an organisation sends it: a *FieldError naming
// unit, available or maximum.
func ValidateCapacity(c Capacity) error {
	if err := validUnit(c.Unit); err != nil {
		return err
	}
	switch {
	case c.Available < 0 || c.Available > MaxCapacity:
		return &FieldError{Field: "available", Value: fmt.Sprint(c.Available), Reason: fmt.Sprintf("must be between 0 and %d", MaxCapacity)}
	case c.Maximum < 0 || c.Maximum > MaxCapacity:
		return &FieldError{Field: "maximum", Value: fmt.Sprint(c.Maximum), Reason: fmt.Sprintf("must be between 0 and %d (0: not given)", MaxCapacity)}
	case c.Maximum > 0 && c.Available > c.Maximum:
		return &FieldError{Field: "available", Value: fmt.Sprint(c.Available), Reason: fmt.Sprintf("is more than maximum (%d)", c.Maximum)}
	}
	return nil
}

// validUnit checks a unit: 1 to MaxUnitLen bytes of a-z, 0-9 and _, starting with a letter.
func validUnit(u string) error {
	if u == "" || len(u) > MaxUnitLen {
		return &FieldError{Field: "unit", Value: truncateValue(u), Reason: fmt.Sprintf("must be 1 to %d characters", MaxUnitLen)}
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return &FieldError{Field: "unit", Value: truncateValue(u), Reason: "must be a lowercase word (a-z, then a-z, 0-9 or _), such as beds, meals or appointments"}
		}
	}
	return nil
}

// ValidUnit reports whether u can name a capacity unit.
func ValidUnit(u string) bool { return validUnit(u) == nil }

func truncateValue(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// FreshCapacity returns the capacities of s updated within ttl before now, newest first not
// guaranteed (stored order, by unit); nil when none is. A ttl of 0 or less keeps none: a count
// nobody promised to keep current is not shown.
func (s *Site) FreshCapacity(now time.Time, ttl time.Duration) []Capacity {
	var out []Capacity
	for _, c := range s.Capacity {
		if ttl > 0 && !c.Updated.IsZero() && now.Sub(c.Updated) <= ttl && !c.Updated.After(now.Add(time.Minute)) {
			out = append(out, c)
		}
	}
	return out
}

// ReportedClosed reports whether at least threshold distinct people reported s closed within
// window before now and after it was last verified (a verification answers them). A threshold
// below 1 is off.
func (s *Site) ReportedClosed(now time.Time, threshold int, window time.Duration) bool {
	if threshold < 1 || len(s.ClosedReports) < threshold {
		return false
	}
	n := 0
	for _, t := range s.ClosedReports {
		if now.Sub(t) <= window && t.After(s.VerifiedAt) {
			n++
		}
	}
	return n >= threshold
}
