package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// PlaceDecisions is the optional part of a store that remembers stewards' decisions on place
// links (issue #19): two sites are one place (confirmed) or never one place (split). The
// places themselves are not stored: they are recomputed from the matcher (package place) and
// these decisions, so a split survives every re-upload of either site (site IDs are stable:
// aidmap.SiteID of organisation and external ID).
//
// Errors wrap the domain's sentinels as Store's do.
type PlaceDecisions interface {
	// PutPlaceDecision records d, replacing an earlier decision on the same pair (in either
	// order). Both sites must exist (else ErrNotFound) and belong to different
	// organisations, d.Decision must be DecisionConfirmed or DecisionSplit, and the sites
	// must differ (else ErrInvalid). d.OrganizationID must own one of the two sites (else
	// ErrForbidden): each organisation decides only about its own records' links.
	PutPlaceDecision(ctx context.Context, d PlaceDecision) error
	// PlaceDecisions returns every decision, ordered by SiteA then SiteB.
	PlaceDecisions(ctx context.Context) ([]PlaceDecision, error)
	// DeletePlaceDecision withdraws the decision on the pair (in either order): the matcher
	// alone decides again. org must own one of the two sites (else ErrForbidden, as for
	// PutPlaceDecision); ErrNotFound when a site does not exist or the pair has no decision.
	DeletePlaceDecision(ctx context.Context, org, siteA, siteB string) error
}

// CheckPlaceWithdrawal checks what an engine can check of a withdrawal without the database
// and returns the sites in order.
func CheckPlaceWithdrawal(org, a, b string) (string, string, error) {
	if a == "" || b == "" || a == b {
		return a, b, fmt.Errorf("place decision: two different sites needed: %w", aidmap.ErrInvalid)
	}
	if org == "" {
		return a, b, fmt.Errorf("place decision: organisation needed: %w", aidmap.ErrInvalid)
	}
	if b < a {
		a, b = b, a
	}
	return a, b, nil
}

// PlaceDecision is a steward's decision on a pair of sites. SiteA < SiteB once stored
// (PutPlaceDecision orders them).
type PlaceDecision struct {
	SiteA, SiteB   string
	Decision       string // DecisionConfirmed or DecisionSplit
	OrganizationID string // the organisation of the steward who decided
	TokenID        string // the token they used ("" for an operator's command)
	DecidedAt      time.Time
}

// The decisions a steward can take on a pair of sites.
const (
	DecisionConfirmed = "confirmed" // one place, even below the matcher's threshold
	DecisionSplit     = "split"     // never one place
)

// CheckPlaceDecision checks what an engine can check of d without the database and returns
// it with the sites in order.
func CheckPlaceDecision(d PlaceDecision) (PlaceDecision, error) {
	if d.SiteA == "" || d.SiteB == "" || d.SiteA == d.SiteB {
		return d, fmt.Errorf("place decision: two different sites needed: %w", aidmap.ErrInvalid)
	}
	if d.Decision != DecisionConfirmed && d.Decision != DecisionSplit {
		return d, fmt.Errorf("place decision %q: want %q or %q: %w", d.Decision, DecisionConfirmed, DecisionSplit, aidmap.ErrInvalid)
	}
	if d.OrganizationID == "" {
		return d, fmt.Errorf("place decision: organisation needed: %w", aidmap.ErrInvalid)
	}
	if d.SiteB < d.SiteA {
		d.SiteA, d.SiteB = d.SiteB, d.SiteA
	}
	return d, nil
}

// CheckPlaceOwners applies PutPlaceDecision's rules on the sites' organisations.
func CheckPlaceOwners(d PlaceDecision, orgA, orgB string) error {
	if orgA == orgB {
		return fmt.Errorf("place decision: both sites belong to %s: %w", orgA, aidmap.ErrInvalid)
	}
	if d.OrganizationID != orgA && d.OrganizationID != orgB {
		return fmt.Errorf("place decision: %s owns neither site: %w", d.OrganizationID, aidmap.ErrForbidden)
	}
	return nil
}
