package store

import (
	"context"
	"time"
)

// Verification is who last confirmed a site is current, and when (aidmap.Site.VerifiedBy and
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
