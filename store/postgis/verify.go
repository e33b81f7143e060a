package postgis

import (
	"context"

	"github.com/aidmap/aidmap/store"
)

var _ store.VerificationReader = (*upload)(nil)

// ReadVerifications reads, in the upload's transaction, the stored verification of the given
// sites of the organisation (store.UploadTx, for store.VerificationReader).
func (u *upload) ReadVerifications(ctx context.Context, ids []string) (map[string]store.Verification, error) {
	rows, err := u.tx.Query(ctx, `SELECT `+sqlSiteColumns+` FROM sites
		WHERE id = ANY($1) AND organization_id = $2 AND verified_at IS NOT NULL`, ids, u.orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]store.Verification{}
	for rows.Next() {
		var r rawSite
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, err
		}
		s, err := r.decode()
		if err != nil {
			return nil, err
		}
		out[s.ID] = store.Verification{At: s.VerifiedAt, By: s.VerifiedBy}
	}
	return out, rows.Err()
}
