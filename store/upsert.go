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

// CheckBatch checks a batch written for orgID as UpsertSites and Upload.Add do (CheckSite,
// then CheckUnique): the error names the first failing site by its index and external ID.
func CheckBatch(orgID string, sites []aidmap.Site) error {
	for i := range sites {
		if err := CheckSite(orgID, i, &sites[i]); err != nil {
			return err
		}
	}
	return CheckUnique(sites)
}

// UpsertSites writes sites as one upload of orgID (see Store.UpsertSites): the batch is
// checked first, so an invalid one is refused before any transaction begins, then begin opens
// the engine's upload, the batch is added and committed, and the result lists the sites by
// outcome. Errors are not wrapped with the engine's name: the caller adds it.
func UpsertSites(ctx context.Context, orgID string, sites []aidmap.Site, begin func(context.Context) (TrackedUpload, error)) (UpsertResult, error) {
	if err := CheckBatch(orgID, sites); err != nil {
		return UpsertResult{}, err
	}
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
