// Package store defines the contract of aidmap's system of record: the organisations, their
// sites and a change feed that the in-memory index follows. Implementations live in
// store/sqlite (the embedded default) and store/postgis; store/storetest is the conformance
// suite every implementation must pass.
//
// It imports only the domain.
package store

import (
	"context"

	"github.com/aidmap/aidmap"
)

// Store is the system of record. Every method is safe for concurrent use.
//
// Errors wrap the domain's sentinels: aidmap.ErrNotFound for a missing record,
// aidmap.ErrInvalid for a site that fails validation, aidmap.ErrUnavailable when the database
// cannot be reached.
type Store interface {
	// UpsertOrganization creates the organisation or updates its name, website and demo flag.
	UpsertOrganization(ctx context.Context, org aidmap.Organization) error
	// Organization returns the organisation with the given ID, or ErrNotFound.
	Organization(ctx context.Context, id string) (aidmap.Organization, error)
	// Organizations returns every organisation, ordered by ID.
	Organizations(ctx context.Context) ([]aidmap.Organization, error)

	// UpsertSites writes a batch of sites of one organisation in one transaction: all or
	// nothing. Every site must belong to orgID (else ErrForbidden) and pass Validate (else
	// ErrInvalid, naming the site); the organisation must exist (else ErrNotFound). A site whose
	// content is unchanged keeps its version and timestamps, so re-uploading the same data
	// changes nothing. Sites of the organisation that are not in the batch are left alone.
	UpsertSites(ctx context.Context, orgID string, sites []aidmap.Site) (UpsertResult, error)

	// Site returns the site with the given ID, retired ones included, or ErrNotFound.
	Site(ctx context.Context, id string) (aidmap.Site, error)
	// EachSite calls fn for every site (retired ones included) in ID order, streaming rather
	// than loading all of them at once. It stops at and returns the first error fn returns.
	// It returns the store version the iteration reflects: changes after it are visible via
	// ChangesSince(version).
	EachSite(ctx context.Context, fn func(aidmap.Site) error) (version int64, err error)
	// ChangesSince returns up to limit changes with a version greater than version, in
	// ascending version order. Each change carries the site's state as of the change; a site
	// changed several times may appear once with its latest version.
	ChangesSince(ctx context.Context, version int64, limit int) ([]Change, error)
	// Version returns the version of the latest change, 0 for an empty store.
	Version(ctx context.Context) (int64, error)

	// Ping checks that the store can be reached.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// Change is one entry of the change feed: the full state of a site after a write.
type Change struct {
	Version int64
	Site    aidmap.Site
}

// UpsertResult says what an UpsertSites call did, site by site.
type UpsertResult struct {
	Created   []string // IDs of new sites
	Updated   []string // IDs of changed sites
	Unchanged []string // IDs of sites whose content was identical
	Version   int64    // store version after the write (unchanged if nothing changed)
}
