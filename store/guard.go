package store

import (
	"fmt"

	"github.com/aidmap/aidmap"
)

// DefaultMaxRetireShare is the share of an organisation's published sites a replace may retire
// without being confirmed: more than half, or all of them, usually means the file is not the
// whole list (a cut-off export, the wrong sheet, a header-only file).
const DefaultMaxRetireShare = 0.5

// RetireError is returned by Upload.Commit (wrapping aidmap.ErrConflict) when an upload would
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

func (e *RetireError) Unwrap() error { return aidmap.ErrConflict }

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
