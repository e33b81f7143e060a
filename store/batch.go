package store

import (
	"fmt"
	"hash/maphash"

	"github.com/aidmap/aidmap"
)

// These helpers hold the batch rules of UpsertSites that every implementation shares, so the
// stores word their errors the same way and agree on what "the same content" means.

// CheckSite checks site i of a batch written for orgID: it must belong to orgID
// (aidmap.ErrForbidden) and pass Validate (aidmap.ErrInvalid, keeping the *aidmap.FieldError).
// The error names the site by its index in the batch and its external ID.
func CheckSite(orgID string, i int, s *aidmap.Site) error {
	if s.OrganizationID != orgID {
		return fmt.Errorf("site %d (external ID %q) belongs to organization %q, not %q: %w",
			i, s.ExternalID, s.OrganizationID, orgID, aidmap.ErrForbidden)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("site %d (external ID %q): %w", i, s.ExternalID, err)
	}
	return nil
}

// CheckUnique returns an aidmap.ErrInvalid error naming the first site of a batch whose ID
// appears earlier in it: a batch says one thing about each site.
func CheckUnique(sites []aidmap.Site) error {
	seen := make(map[string]int, len(sites))
	for i := range sites {
		s := &sites[i]
		if j, ok := seen[s.ID]; ok {
			return fmt.Errorf("site %d (external ID %q): %w", i, s.ExternalID, &aidmap.FieldError{
				Field: "external_id", Value: s.ExternalID, Reason: fmt.Sprintf("appears twice in the batch (sites %d and %d)", j, i),
			})
		}
		seen[s.ID] = i
	}
	return nil
}

// Canonical returns a copy of s in which empty slices are nil. Nil and empty are the same
// content (see UpsertSites), so a store that hashes or encodes a site must do it on this form.
// Live data (Capacity, ClosedReports) is not content: it is left out, so an upload neither
// stores nor compares it. s itself is never changed.
func Canonical(s *aidmap.Site) aidmap.Site {
	d := *s
	d.Capacity, d.ClosedReports = nil, nil
	if len(d.Categories) == 0 {
		d.Categories = nil
	}
	if len(d.Languages) == 0 {
		d.Languages = nil
	}
	if len(d.Hours.Weekly) == 0 {
		d.Hours.Weekly = nil
	}
	if len(d.Hours.Exceptions) == 0 {
		d.Hours.Exceptions = nil
	}
	copied := false
	for i, x := range d.Hours.Exceptions {
		if x.Periods != nil && len(x.Periods) == 0 {
			if !copied {
				d.Hours.Exceptions = append([]aidmap.Exception(nil), d.Hours.Exceptions...)
				copied = true
			}
			d.Hours.Exceptions[i].Periods = nil
		}
	}
	return d
}

// IDSet is the set of site IDs an upload has added, kept as 128-bit digests: 16 bytes a site
// (about 30 MB for a million with the map's overhead) instead of the IDs themselves. Two
// different IDs share a digest with a probability of about 2^-128 a pair. The seeds are
// random per set, so no input can be crafted to collide. The zero IDSet is not usable: call
// NewIDSet.
type IDSet struct {
	seed [2]maphash.Seed
	m    map[[2]uint64]struct{}
}

// NewIDSet returns an empty set.
func NewIDSet() *IDSet {
	return &IDSet{seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, m: map[[2]uint64]struct{}{}}
}

func (s *IDSet) key(id string) [2]uint64 {
	return [2]uint64{maphash.String(s.seed[0], id), maphash.String(s.seed[1], id)}
}

// Has reports whether id is in the set.
func (s *IDSet) Has(id string) bool {
	_, ok := s.m[s.key(id)]
	return ok
}

// AddBatch adds the IDs of a batch of sites, or returns an aidmap.ErrInvalid error naming the
// first site (by its index in the batch and its external ID) whose ID an earlier batch, or
// an earlier site of this one, already had. On error the set is left holding part of the
// batch: an upload fails as a whole then.
func (s *IDSet) AddBatch(sites []aidmap.Site) error {
	for i := range sites {
		k := s.key(sites[i].ID)
		if _, dup := s.m[k]; dup {
			return fmt.Errorf("site %d (external ID %q): %w", i, sites[i].ExternalID, &aidmap.FieldError{
				Field: "external_id", Value: sites[i].ExternalID, Reason: "was already added in this upload"})
		}
		s.m[k] = struct{}{}
	}
	return nil
}
