package aidmap

import (
	"context"
	"fmt"
	"time"
)

// The upload contract: how a file's sites are written to a store in one all-or-nothing
// upload. The store package's Store opens an Upload (BeginUpload); ingest writes one. They are
// here, in the domain, so that ingest does not import store.

// UploadOptions configure a store's BeginUpload (the store package's Store).
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
	Organization *Organization
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
	// refuses (a *RetireError wrapping ErrConflict, after rolling back) an upload that
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
	Add(ctx context.Context, sites []Site) error
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

// RetireError is returned by Upload.Commit (wrapping ErrConflict) when an upload would
// retire more of the organisation's sites than UploadOptions.MaxRetireShare allows and
// UploadOptions.ConfirmRetire does not confirm that number. Nothing was changed.
type RetireError struct {
	Retire    int // sites the upload would retire
	Published int // the organisation's published (not retired) sites before the upload
	Confirmed int // the number the caller confirmed, 0 for none
}

func (e *RetireError) Error() string {
	what := fmt.Sprintf("the upload would retire %d of the organisation's %d sites", e.Retire, e.Published)
	if e.Retire == e.Published {
		what = fmt.Sprintf("the upload would retire all %d of the organisation's sites", e.Published)
	}
	if e.Confirmed > 0 {
		return fmt.Sprintf("%s, not the %d confirmed; nothing was changed. Check the file, then confirm %d to go ahead", what, e.Confirmed, e.Retire)
	}
	return fmt.Sprintf("%s; nothing was changed. Is the file the whole list? Confirm %d to go ahead", what, e.Retire)
}

func (e *RetireError) Unwrap() error { return ErrConflict }

// CheckRetire applies the retire guard of o to an upload that retires retire sites of an
// organisation that had published sites before it: nil when the guard is off (MaxRetireShare
// 0), when the upload retires no more than the share and not every site, or when ConfirmRetire
// is exactly retire; else a *RetireError. Stores call it in Commit, inside the upload's
// transaction, where the number is known for sure.
func (o UploadOptions) CheckRetire(retire, published int) error {
	if o.MaxRetireShare <= 0 || retire == 0 || o.ConfirmRetire == retire {
		return nil
	}
	if retire < published && float64(retire) <= o.MaxRetireShare*float64(published) {
		return nil
	}
	return &RetireError{Retire: retire, Published: published, Confirmed: o.ConfirmRetire}
}

// Verification is who last confirmed a site is current, and when (Site.VerifiedBy and
// VerifiedAt).
type Verification struct {
	At time.Time
	By string
}

// VerificationReader is implemented by the Upload of a store that can say, inside the upload,
// how its sites were last verified. A file says nothing about verification, so an upload that
// is not itself a verification (ingest.Options.VerifiedBy) asks it for the sites it writes and
// keeps what is stored: re-uploading a list does not make checked sites look unchecked.
type VerificationReader interface {
	// Verifications returns the stored verification of those of ids that are sites of the
	// upload's organisation and have been verified; other IDs are left out.
	Verifications(ctx context.Context, ids []string) (map[string]Verification, error)
}
