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
// cannot be reached. When ctx ends, the error wraps ctx.Err().
//
// Times come back in UTC with at least microsecond precision (finer digits may be dropped); a
// zero time stays zero. Floats come back bit for bit. Nil and empty slices are the same
// content: a store may return either.
type Store interface {
	// UpsertOrganization creates the organisation or updates its name, website and demo flag.
	// The ID is required (else ErrInvalid). CreatedAt is set on creation (to now when zero) and
	// never changed by an update.
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
	//
	// A site's content is every field but UpdatedAt: a site that differs only in UpdatedAt is
	// unchanged and keeps its stored UpdatedAt; a changed one is stored with the UpdatedAt
	// given. Each changed site gets its own new version, so the versions of one batch are
	// distinct and all above the store's version before it; the result's Version is the
	// highest. A site appearing twice in a batch is ErrInvalid. A validation error names the
	// site by its index in the batch and its external ID, and still unwraps to the
	// *aidmap.FieldError (errors.As).
	//
	// It is an upload of one batch (BeginUpload, Add, Commit; store.UpsertSites), with the
	// upload's locks, and its errors are theirs.
	UpsertSites(ctx context.Context, orgID string, sites []aidmap.Site) (UpsertResult, error)

	// BeginUpload starts a streaming write of one organisation's sites: one transaction that
	// takes the sites batch by batch (Upload.Add), so an upload of millions of sites never
	// needs them in memory at once, and still changes nothing unless Upload.Commit succeeds.
	// Every rule of UpsertSites holds for the upload as a whole: each Add's sites are checked
	// as UpsertSites checks a batch (the index in an error is the index in that Add's batch),
	// unchanged sites keep their version and timestamps, each changed site gets its own
	// version, and versions follow the order of the Adds. A site added twice in one upload is
	// ErrInvalid (from that Add or from Commit).
	//
	// The organisation must exist (else ErrNotFound), unless opts.Organization creates it.
	// The change feed, EachSite and every other reader see nothing of the upload until Commit
	// returns, and readers are never blocked by it. Writers are: while an upload is open, other
	// writes to the store wait for it (SQLite) or for its Commit (PostGIS), up to their ctx.
	//
	// The caller must end every upload with Commit or Rollback (defer Rollback: it does nothing
	// after Commit). Once ctx (BeginUpload's) ends, the upload cannot commit: it is rolled back
	// and its calls fail with ctx's error. After any error from Add, Keep, Retire or Commit, the
	// upload is rolled back and only Rollback is useful.
	BeginUpload(ctx context.Context, orgID string, opts UploadOptions) (Upload, error)

	// Site returns the site with the given ID, retired ones included, or ErrNotFound.
	Site(ctx context.Context, id string) (aidmap.Site, error)
	// EachSite calls fn for every site (retired ones included) in ID order, streaming rather
	// than loading all of them at once. It stops at and returns the first error fn returns.
	// It returns the store version the iteration reflects: changes after it are visible via
	// ChangesSince(version).
	EachSite(ctx context.Context, fn func(aidmap.Site) error) (version int64, err error)
	// ChangesSince returns up to limit changes with a version greater than version, in
	// ascending version order. Each change carries the site's state as of the change; a site
	// changed several times may appear once with its latest version. Versions increase
	// strictly but need not be contiguous, and a change becomes visible only once every change
	// with a lower version is: a follower that asks again from the highest version it has seen
	// misses nothing. A limit below 1 is ErrInvalid.
	ChangesSince(ctx context.Context, version int64, limit int) ([]Change, error)
	// Version returns the version of the latest change, 0 for an empty store.
	Version(ctx context.Context) (int64, error)

	// DeploymentKey returns the deployment's secret key (aidmap.KeySize random bytes from
	// crypto/rand), generating and storing it on the first call: every process that shares the
	// store gets the same key, for as long as the store lives. It keys confidential sites'
	// public IDs and area pins (aidmap.Publisher) and must never be published.
	DeploymentKey(ctx context.Context) ([]byte, error)
	// SetDeploymentKey replaces the deployment key (an import of a dump carries its store's
	// key, so confidential sites keep their public IDs and pins in the new store). A key
	// shorter than aidmap.KeySize is ErrInvalid.
	SetDeploymentKey(ctx context.Context, key []byte) error

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

// The upload contract is the domain's (aidmap.UploadOptions, aidmap.Upload,
// aidmap.UploadResult), so that ingest, which writes uploads, need not import store; these
// names keep store's API.
type (
	UploadOptions = aidmap.UploadOptions
	Upload        = aidmap.Upload
	UploadResult  = aidmap.UploadResult
)
