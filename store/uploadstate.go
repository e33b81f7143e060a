package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// UploadState is what both engines' uploads keep the same way: the context the upload began
// under, its first error, whether it is over, and the batch being written behind Add. Its
// methods are the rules every call of an engine's upload follows before it touches the
// transaction; an engine embeds it and sets it up with Init. Like WriteBehind it is not safe
// for concurrent use: an upload has one caller at a time.
type UploadState struct {
	Ctx    context.Context // BeginUpload's: once it ends, the upload cannot commit
	Err    error           // the first error: the upload is rolled back
	Done   bool            // committed or rolled back
	Behind WriteBehind     // writes Add's batches behind the caller (see AddBatch)

	abort func() // rolls the engine's transaction back
	over  error  // the driver's "transaction is over" error, for calls after the end
}

// Init sets the state up for an upload begun under ctx: abort rolls its transaction back
// (without ctx, which may have ended), over is the driver's error for a finished transaction.
func (s *UploadState) Init(ctx context.Context, abort func(), over error) {
	*s = UploadState{Ctx: ctx, abort: abort, over: over}
}

// Usable waits for the batch being written behind Add, if any, and returns why the upload
// cannot take another call, if it cannot. Every method calls it before it uses the
// transaction, so the connection has one user at a time.
func (s *UploadState) Usable() error {
	if err := s.Wait(); err != nil {
		return err
	}
	return s.Open()
}

// Wait waits for the batch being written behind Add, if any; when its write failed, the
// upload fails with that error, which is returned.
func (s *UploadState) Wait() error {
	err := s.Behind.Wait()
	if err == nil {
		return nil
	}
	if cerr := s.Ctx.Err(); cerr != nil {
		// BeginUpload's ctx ended under the write, which failed for it (the drivers roll
		// the transaction back then): say so, as a call would have.
		err = fmt.Errorf("upload abandoned: %w", cerr)
	}
	return s.Fail(err)
}

// Open returns why the upload cannot take another call, if it cannot. An ended ctx fails the
// upload, which rolls it back, so only Usable calls it while a batch may be being written.
func (s *UploadState) Open() error {
	switch {
	case s.Err != nil:
		return fmt.Errorf("upload failed earlier: %w", s.Err)
	case s.Done:
		return fmt.Errorf("upload is over: %w", s.over)
	case s.Ctx.Err() != nil:
		return s.Fail(fmt.Errorf("upload abandoned: %w", s.Ctx.Err()))
	}
	return nil
}

// Fail rolls the upload back and remembers err as the reason; it returns err. Callers
// classify it (unavailable) once, at the method's edge.
func (s *UploadState) Fail(err error) error {
	if s.Err == nil && !s.Done {
		s.Err = err
		s.Done = true
		s.abort()
	}
	return err
}

// End waits for the batch being written behind Add and marks the upload over. It says
// whether the upload was still open, in which case the caller ends its transaction.
func (s *UploadState) End() bool {
	s.Behind.Wait()
	if s.Done {
		return false
	}
	s.Done = true
	return true
}

// AddBatch is every engine's Add: encode checks and encodes the batch (validation, binary
// form, content hash, the set of IDs) on the caller's goroutine; write writes what it
// encoded, behind the caller, after the previous batch's write, so that the server is not
// idle while the client encodes. now writes before AddBatch returns instead, for uploads
// whose outcomes are asked for at once (UpsertSites). A write's error fails the upload and
// is what the next call returns.
func (s *UploadState) AddBatch(ctx context.Context, encode, write func() error, now bool) error {
	if s.Err != nil || s.Done {
		return s.Open()
	}
	err := encode()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		s.Wait() // the transaction is the write's until it ends
		return s.Fail(err)
	}
	if err := s.Usable(); err != nil {
		return err
	}
	if now {
		if err := write(); err != nil {
			return s.Fail(err)
		}
		return nil
	}
	s.Behind.Go(write)
	return nil
}

// BeginOptions checks the options of an engine's BeginUpload for orgID and fills in their
// defaults (Now).
func BeginOptions(orgID string, opts UploadOptions) (UploadOptions, error) {
	if org := opts.Organization; org != nil && org.ID != orgID {
		return opts, fmt.Errorf("organization to create is %q, not %q: %w", org.ID, orgID, aidmap.ErrInvalid)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	return opts, nil
}
