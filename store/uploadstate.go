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

// UploadTx is an engine's own work in an upload, on its transaction: what UploadCalls cannot
// do for it. B is the engine's encoded form of a batch of sites.
type UploadTx[B any] interface {
	// EncodeBatch checks and encodes a batch for WriteBatch (validation, binary form, content
	// hash), on the caller's goroutine, touching no transaction.
	EncodeBatch(sites []aidmap.Site) (B, error)
	// WriteBatch writes an encoded batch (behind the caller, see UploadState.AddBatch).
	WriteBatch(ctx context.Context, batch B) error
	// MarkIDs records IDs given to Keep (retire false) or Retire (true). It fails the upload
	// (UploadState.Fail) itself when what it did to the transaction cannot be undone.
	MarkIDs(ctx context.Context, ids []string, retire bool) error
	// QueryChangedLater and ReadVerifications are LaterChanger's and VerificationReader's
	// queries, run in the transaction; an error of theirs fails the upload.
	QueryChangedLater(ctx context.Context, uploadID string) ([]string, error)
	ReadVerifications(ctx context.Context, ids []string) (map[string]Verification, error)
	// NoneStored says the organisation had no sites when the upload began, so no site the
	// upload adds can be stored already; NoneVerified that none of them was verified.
	NoneStored() bool
	NoneVerified() bool
	// Unavailable classifies an error the way the engine's errors are (ErrUnavailable).
	Unavailable(ctx context.Context, err error) error
}

// UploadCalls is the part of Upload (and of LaterChanger and VerificationReader) that both
// engines answer the same way around their own work (UploadTx): each call checks the
// upload's state first, fails the upload on the engine's error and words the error as
// "<engine>: upload: <call>: ...". An engine's upload embeds it, sets it up with Init and
// adds only Commit and Rollback, which end its transaction.
type UploadCalls[B any] struct {
	UploadState
	Seen  *IDSet // the IDs added, which also finds a site added twice
	Track bool   // UpsertSites's upload: each batch is written before Add returns
	// Kinds is each added site's outcome (KindUnchanged, KindUpdated or KindCreated), which
	// the engine records when Track is set, for Outcomes.
	Kinds []int8

	engine string
	tx     UploadTx[B]
}

// Init sets the calls up for an upload of the named engine, begun under ctx, whose own work
// is tx (see UploadState.Init for abort and over). track is UploadCalls.Track.
func (c *UploadCalls[B]) Init(engine string, tx UploadTx[B], track bool, ctx context.Context, abort func(), over error) {
	*c = UploadCalls[B]{Seen: NewIDSet(), Track: track, engine: engine, tx: tx}
	c.UploadState.Init(ctx, abort, over)
}

// The outcomes of UploadCalls.Kinds.
const (
	KindUnchanged int8 = iota
	KindUpdated
	KindCreated
)

// Outcomes says what the upload did to each site added, when begun to track them
// (TrackedUpload).
func (c *UploadCalls[B]) Outcomes() []Outcome {
	return TrackedOutcomes(c.Kinds, KindUpdated, KindCreated)
}

// errorf words err as the engine's error of the named call.
func (c *UploadCalls[B]) errorf(call string, err error) error {
	return fmt.Errorf("%s: upload: %s: %w", c.engine, call, err)
}

// Add checks, encodes and writes a batch of sites (Upload): see UploadState.AddBatch.
func (c *UploadCalls[B]) Add(ctx context.Context, sites []aidmap.Site) error {
	var batch B
	encode := func() (err error) {
		if batch, err = c.tx.EncodeBatch(sites); err != nil {
			return err
		}
		return c.Seen.AddBatch(sites)
	}
	if err := c.AddBatch(ctx, encode, func() error { return c.tx.WriteBatch(ctx, batch) }, c.Track); err != nil {
		return c.errorf("add", c.tx.Unavailable(ctx, err))
	}
	return nil
}

// Keep names sites RetireMissing must leave alone (Upload).
func (c *UploadCalls[B]) Keep(ctx context.Context, ids []string) error {
	return c.mark(ctx, "keep", ids, false)
}

// Retire names sites to retire at Commit (Upload).
func (c *UploadCalls[B]) Retire(ctx context.Context, ids []string) error {
	return c.mark(ctx, "retire", ids, true)
}

func (c *UploadCalls[B]) mark(ctx context.Context, call string, ids []string, retire bool) error {
	err := c.Usable()
	if err == nil && len(ids) > 0 {
		err = c.tx.MarkIDs(ctx, ids, retire)
	}
	if err != nil {
		return c.errorf(call, c.tx.Unavailable(ctx, err))
	}
	return nil
}

// ChangedLater answers Accounts' ChangedLater inside the upload's transaction, which holds
// the organisation's write lock, so what it finds cannot change before the upload commits
// (LaterChanger).
func (c *UploadCalls[B]) ChangedLater(ctx context.Context, uploadID string) ([]string, error) {
	if err := c.Usable(); err != nil {
		return nil, c.errorf("changed later", err)
	}
	ids, err := c.tx.QueryChangedLater(ctx, uploadID)
	if err != nil {
		return nil, c.errorf("changed later", c.tx.Unavailable(ctx, c.Fail(err)))
	}
	return ids, nil
}

// Verifications reads, in the upload's transaction, the stored verification of the given
// sites of the organisation (VerificationReader).
func (c *UploadCalls[B]) Verifications(ctx context.Context, ids []string) (map[string]Verification, error) {
	// Before Usable, which waits for the batch being written behind Add: nothing verified
	// can be stored, so an organisation's first upload, and any of an organisation that
	// never verified a site, need not wait or read to know it.
	if c.tx.NoneStored() || c.tx.NoneVerified() {
		return nil, nil
	}
	if err := c.Usable(); err != nil {
		return nil, c.errorf("verifications", err)
	}
	out, err := c.tx.ReadVerifications(ctx, ids)
	if err != nil {
		return nil, c.errorf("verifications", c.tx.Unavailable(ctx, c.Fail(err)))
	}
	return out, nil
}
