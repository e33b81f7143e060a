package store

import (
	"context"
	"fmt"

	"github.com/aidmap/aidmap"
)

// UpsertSites is written as an upload: there is one way sites are written. An engine's
// UpsertSites begins its upload (the one BeginUpload gives, with the same per-organisation lock
// and version rules) in a mode that remembers what it did to each site, and hands it to the
// helper UpsertSites below.

// Outcome is what an upload did to one site it was given.
type Outcome int8

// Outcomes of a site added to an upload.
const (
	Unchanged Outcome = iota // stored with the same content
	Updated                  // stored with other content
	Created                  // not stored before
)

// TrackedUpload is an Upload that can say, after Commit, what it did to each site added, in
// the order added (across every Add).
type TrackedUpload interface {
	Upload
	Outcomes() []Outcome
}

// UpsertSites writes a batch of one organisation's sites as an upload of one batch
// (Store.UpsertSites, the helper UpsertSites): its errors are those of BeginUpload, Add and
// Commit.
func (q Queries) UpsertSites(ctx context.Context, orgID string, sites []aidmap.Site) (UpsertResult, error) {
	return UpsertSites(ctx, sites, func(ctx context.Context) (TrackedUpload, error) {
		u, err := q.beginTracked(ctx, orgID)
		if err != nil {
			return nil, q.fail(fmt.Errorf("begin upload: %w", err))
		}
		return u, nil
	})
}

// TrackedBegin is Engine.BeginTracked of an engine whose begin(ctx, orgID, opts, track)
// begins its uploads, with track for UpsertSites, and whose classify makes a driver's error
// the domain's.
func TrackedBegin[U TrackedUpload](begin func(context.Context, string, UploadOptions, bool) (U, error),
	classify func(context.Context, error) error) func(context.Context, string) (TrackedUpload, error) {
	return func(ctx context.Context, orgID string) (TrackedUpload, error) {
		u, err := begin(ctx, orgID, UploadOptions{}, true)
		if err != nil {
			return nil, classify(ctx, err)
		}
		return u, nil
	}
}

// TrackedOutcomes is TrackedUpload.Outcomes of an engine's upload that records each site's
// outcome as a kind of its own: updated, created, and anything else unchanged.
func TrackedOutcomes[K comparable](kinds []K, updated, created K) []Outcome {
	out := make([]Outcome, len(kinds))
	for i, k := range kinds {
		switch k {
		case updated:
			out[i] = Updated
		case created:
			out[i] = Created
		default:
			out[i] = Unchanged
		}
	}
	return out
}

// UpsertSites writes sites as one upload (see Store.UpsertSites): begin opens the engine's
// upload, the batch is added and committed, and the result lists the sites by outcome. Its
// errors are the upload's (begin's, Add's, Commit's), unwrapped: an invalid batch fails in Add,
// which names the site by its index in the batch and its external ID.
func UpsertSites(ctx context.Context, sites []aidmap.Site, begin func(context.Context) (TrackedUpload, error)) (UpsertResult, error) {
	u, err := begin(ctx)
	if err != nil {
		return UpsertResult{}, err
	}
	defer u.Rollback(ctx)
	if err := u.Add(ctx, sites); err != nil {
		return UpsertResult{}, err
	}
	up, err := u.Commit(ctx)
	if err != nil {
		return UpsertResult{}, err
	}
	res := UpsertResult{Version: up.Version}
	for i, o := range u.Outcomes() {
		id := sites[i].ID
		switch o {
		case Unchanged:
			res.Unchanged = append(res.Unchanged, id)
		case Updated:
			res.Updated = append(res.Updated, id)
		case Created:
			res.Created = append(res.Created, id)
		}
	}
	return res, nil
}
