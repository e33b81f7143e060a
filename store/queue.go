package store

import (
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// FileExpiredError is returned by Accounts.RetryUpload (wrapping aidmap.ErrConflict) for an
// abandoned upload whose stored file was deleted by Accounts.ExpireUploadFiles: nothing can
// run it again; the file must be uploaded again.
type FileExpiredError struct {
	ID string    // the upload
	At time.Time // when its file was deleted
}

func (e *FileExpiredError) Error() string {
	return fmt.Sprintf("the file of upload %s expired on %s and was deleted; upload it again",
		e.ID, e.At.UTC().Format("2006-01-02 15:04 UTC"))
}

func (e *FileExpiredError) Unwrap() error { return aidmap.ErrConflict }
