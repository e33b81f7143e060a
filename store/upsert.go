package store

import (
	"context"

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
