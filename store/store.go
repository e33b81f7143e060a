// Package store defines the contract of aidmap's system of record: the organisations, their
// sites and a change feed that the in-memory index follows. Implementations live in
// store/sqlite (the embedded default) and store/postgis; store/storetest is the conformance
// suite every implementation must pass.
//
// It imports only the domain.
package store

import (
	"context"
	"time"

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

// UploadOptions configure BeginUpload.
type UploadOptions struct {
	// RetireMissing retires, at Commit, every site of the organisation that the upload neither
	// added nor kept (Upload.Keep) and that is not retired already: the upload is the whole
	// list. Retiring sets Status to retired and UpdatedAt to Now, keeps the rest of the site
	// (history, never deleted) and gives it a new version like any other change.
	RetireMissing bool
	// DryRun makes Commit work out and return exactly what the upload would do, then roll it
	// back instead of committing: nothing changes and Version in the result is 0.
	DryRun bool
	// Now is the UpdatedAt of the sites the upload retires; time.Now when zero.
	Now time.Time
	// Organization, when set, is created in the upload's transaction if no organisation with
	// orgID exists yet (its ID must be orgID), so a new organisation and its first sites appear
	// together or not at all. An existing organisation is left as it is.
	Organization *aidmap.Organization
	// Actor, when set, makes the upload record its changes in the history of a store that
	// implements Accounts (store.Accounts): one entry per site created, updated or retired,
	// with the site before and after, written in the upload's own transaction. It is the ID of
	// the token the change is made with. Entries are written as the upload goes, batch by
	// batch, so memory stays one batch however many sites change. A dry run records nothing:
	// it is rolled back. Without it (the command line), nothing is recorded and a
	// million-site ingest pays nothing for history.
	Actor string
	// UploadID is the upload record the history entries belong to (see Accounts); rollback
	// undoes by it.
	UploadID string
	// RollbackOf is the upload this one undoes (set by Rollback), recorded with its history.
	RollbackOf string
	// MaxRetireShare guards against a file that is not the whole list: when above 0, Commit
	// refuses (a *RetireError wrapping aidmap.ErrConflict, after rolling back) an upload that
	// would retire more than this share of the organisation's published sites, or every one
	// of them, unless ConfirmRetire is that number. A dry run is not refused: its result says
	// how many sites a real upload would need confirmed (UploadResult.RetireConfirm). 0 turns
	// the guard off (the command line's --force).
	MaxRetireShare float64
	// ConfirmRetire is how many sites the caller expects the upload to retire (the count a dry
	// run or a refused upload reported): with exactly that many, the guard lets it through.
	ConfirmRetire int
}

// Upload is a streaming write opened by Store.BeginUpload. Its methods must not be called
// concurrently. Each call's ctx bounds that call.
type Upload interface {
	// Add writes a batch of sites into the upload (see Store.BeginUpload for the rules).
	Add(ctx context.Context, sites []aidmap.Site) error
	// Keep names sites of the organisation that RetireMissing must leave alone although they
	// are not added: a row the uploader meant but that could not be used this time (rejected)
	// does not take its site off the map. IDs naming no site are ignored.
	Keep(ctx context.Context, ids []string) error
	// Retire names sites of the organisation to retire at Commit even without RetireMissing
	// (rows marked as withdrawn). A site that is also added is not retired (the added state
	// wins), and Retire wins over Keep. IDs naming no site, or a retired one, are ignored.
	Retire(ctx context.Context, ids []string) error
	// Commit makes the whole upload visible at once (or, with DryRun, rolls it back) and says
	// what it did.
	Commit(ctx context.Context) (UploadResult, error)
	// Rollback abandons the upload: nothing it did is kept. It does nothing after Commit or an
	// earlier Rollback, so it can always be deferred.
	Rollback(ctx context.Context) error
}

// UploadResult says what an upload did, in counts: per-site IDs of a million-site upload would
// cost as much memory as the sites, and the uploader wants the sites it could not use, which
// are never added. Created + Updated + Unchanged is the number of sites added.
type UploadResult struct {
	Created   int
	Updated   int
	Unchanged int
	Retired   int   // sites retired by RetireMissing or Retire
	Version   int64 // store version after the commit (unchanged if nothing changed; 0 for DryRun)
	// Published is the organisation's published (not retired) sites before the upload, when
	// the retire guard (UploadOptions.MaxRetireShare) is on.
	Published int
	// RetireConfirm, on a dry run, is the number of retired sites a real upload with the same
	// options would have to confirm (UploadOptions.ConfirmRetire); 0 when it needs none.
	RetireConfirm int
}
