// Package upload runs the uploads of organisations' files: it accepts a file (checking that
// it can be read at all), queues it in the store with its file, claims queued uploads from the
// store and runs them through ingest to the end, records what became of them, and rolls back,
// retries and dismisses them. It knows no transport: web and cmd/aidmap adapt it.
//
// Work lives in the store, not in a process: any process sharing the store (every `serve`
// replica) claims queued uploads (store.Accounts.ClaimUpload), keeps a heartbeat on the ones
// it runs, and marks the ones left running by a process that died abandoned (Sweep). An
// abandoned upload wrote nothing; its file stays in the store until it is retried, dismissed,
// or kept FileTTL (ExpireFiles deletes it then and notes so on the record).
//
// It imports the domain, ingest and store.
package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/aidmap/aidmap/ingest/geojson"
	"github.com/aidmap/aidmap/ingest/table"
	"github.com/aidmap/aidmap/store"
)

// Store is the store as uploads need it: sites and organisations, upload records and history.
type Store interface {
	store.Store
	store.Accounts
}

// Config configures a Service.
type Config struct {
	Store Store
	// Geocoder places rows that have an address but no coordinates; nil rejects them.
	Geocoder ingest.Geocoder
	// MaxRows bounds the rows (features, locations) of one upload; 0 means DefaultMaxRows.
	MaxRows int
	// Workers is how many uploads this process runs at once; 0 means 2. Each holds its file
	// in memory while it runs.
	Workers int
	// MaxQueued is how many uploads the store may hold queued (of every replica) before new
	// ones are refused with store.ErrQueueFull; 0 means 4 × Workers.
	MaxQueued int
	// MaxRetireShare is the retire guard (store.UploadOptions.MaxRetireShare): 0 means
	// store.DefaultMaxRetireShare; below 0 turns the guard off.
	MaxRetireShare float64
	// StaleAfter is how long an upload may go without a heartbeat before Sweep marks it
	// abandoned; 0 means DefaultStaleAfter. Heartbeats are written every StaleAfter/6.
	StaleAfter time.Duration
	// FileTTL is how long the stored file of an upload that ended without running
	// (abandoned) is kept for a retry, from its end; then ExpireFiles deletes it. 0 means
	// DefaultFileTTL.
	FileTTL time.Duration
	// PollEvery is how often Run looks for queued uploads of other replicas; 0 means 1 s.
	PollEvery time.Duration
	Logger    *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultMaxRows    = 200_000
	DefaultStaleAfter = time.Minute
	DefaultFileTTL    = 7 * 24 * time.Hour
	maxJSONDepth      = 32
	// Timeout bounds one upload's run.
	Timeout = 30 * time.Minute
)

// AbandonedReason is the error of an upload whose process stopped before it finished.
const AbandonedReason = "the server running the upload stopped before it finished (killed, or shut down before it could end); nothing of it was written. Retry it (POST …/retry) or upload the file again"

// Service runs uploads. Its methods are safe for concurrent use.
type Service struct {
	cfg Config

	mu      sync.Mutex
	active  int  // worker goroutines
	pokes   int  // kicks so far: a worker that saw the queue empty exits only if none came since
	closing bool // Wait was called: claim nothing more
	running map[string]store.UploadRecord

	runCtx    context.Context // ends when Wait gives up: running uploads are cancelled
	cancelRun context.CancelFunc
}

// New returns a service; it starts nothing until an upload is submitted or Run is called.
func New(cfg Config) *Service {
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultMaxRows
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 4 * cfg.Workers
	}
	switch {
	case cfg.MaxRetireShare == 0:
		cfg.MaxRetireShare = store.DefaultMaxRetireShare
	case cfg.MaxRetireShare < 0:
		cfg.MaxRetireShare = 0
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.FileTTL <= 0 {
		cfg.FileTTL = DefaultFileTTL
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Second
	}
	if cfg.Geocoder == nil {
		cfg.Geocoder = ingest.NotFoundGeocoder{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, running: map[string]store.UploadRecord{}}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	return s
}

// Now returns the service's clock reading, in UTC.
func (s *Service) Now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now().UTC()
	}
	return time.Now().UTC()
}

// Request is one file to upload.
type Request struct {
	Org     string
	TokenID string
	Mode    ingest.Mode // "" is merge
	DryRun  bool
	// ConfirmRetire is the number of sites the caller confirms a replace may retire (the
	// retire guard); 0 confirms none.
	ConfirmRetire int
	Name          string // the file's name, when known: it helps tell formats apart
	Body          []byte
	// Verify makes the upload a verification, by TokenID, of every site the file lists,
	// changed or not (verify=true).
	Verify bool
}

// Submit accepts an upload: the file's format is checked (an unreadable file, a zip bomb, a
// workbook without sheets is an *ingest.FileError and nothing is queued), the organisation
// must exist (ErrNotFound), and the record and file are queued in the store for any replica
// to run. It returns the queued record. store.ErrQueueFull says the queue is full.
func (s *Service) Submit(ctx context.Context, req Request) (store.UploadRecord, error) {
	if req.Mode == "" {
		req.Mode = ingest.ModeMerge
	}
	if _, _, err := s.open(req.Body, req.Name); err != nil {
		return store.UploadRecord{}, err
	}
	if _, err := s.cfg.Store.Organization(ctx, req.Org); err != nil {
		return store.UploadRecord{}, err
	}
	rec := store.UploadRecord{ID: store.NewID("up_"), OrganizationID: req.Org, TokenID: req.TokenID,
		Status: store.UploadQueued, Mode: string(req.Mode), DryRun: req.DryRun, Filename: req.Name, CreatedAt: s.Now()}
	if err := s.cfg.Store.QueueUpload(ctx, rec, store.UploadFile{Body: req.Body, ConfirmRetire: req.ConfirmRetire, Verify: req.Verify}, s.cfg.MaxQueued); err != nil {
		return store.UploadRecord{}, err
	}
	s.kick()
	return rec, nil
}

// MaxQueued is the bound on queued uploads in force.
func (s *Service) MaxQueued() int { return s.cfg.MaxQueued }

// Status returns one upload of the organisation, with its report (ErrNotFound when unknown).
func (s *Service) Status(ctx context.Context, org, id string) (store.UploadRecord, error) {
	return s.cfg.Store.UploadRecord(ctx, org, id)
}

// List returns the organisation's uploads, newest first, without their reports.
func (s *Service) List(ctx context.Context, org string, limit int) ([]store.UploadRecord, error) {
	return s.cfg.Store.UploadRecords(ctx, org, limit)
}

// Rollback undoes a finished upload of the organisation with a new one (store.Rollback) and
// returns the new one's record. It is ErrConflict when the upload did not finish (queued,
// running, abandoned, failed, a dry run) or later uploads changed the same sites.
func (s *Service) Rollback(ctx context.Context, org, id, tokenID string) (store.UploadRecord, error) {
	target, err := s.cfg.Store.UploadRecord(ctx, org, id)
	if err != nil {
		return store.UploadRecord{}, err
	}
	if target.Status == store.UploadAbandoned || target.Status == store.UploadDismissed {
		return store.UploadRecord{}, fmt.Errorf("upload %s was %s (%s): nothing of it was written, so there is nothing to roll back: %w",
			id, target.Status, target.Error, aidmap.ErrConflict)
	}
	if target.Status != store.UploadDone || target.DryRun {
		return store.UploadRecord{}, fmt.Errorf("upload %s is %s%s: only a finished, real upload can be rolled back: %w",
			id, target.Status, map[bool]string{true: " (a dry run)"}[target.DryRun], aidmap.ErrConflict)
	}
	// store.Rollback checks for later changes and restores in one transaction holding the
	// organisation's lock: an upload on another replica or aidmap ingest cannot come between.
	now := s.Now()
	rec := store.UploadRecord{ID: store.NewID("up_"), OrganizationID: org, TokenID: tokenID, Status: store.UploadRunning,
		Mode: "rollback", RollbackOf: id, CreatedAt: now, StartedAt: now}
	res, err := store.Rollback(ctx, s.cfg.Store, s.cfg.Store, org, id, rec.ID, tokenID)
	if err != nil {
		return store.UploadRecord{}, err
	}
	rec.Status, rec.FinishedAt = store.UploadDone, s.Now()
	rec.Created, rec.Updated, rec.Unchanged, rec.Retired = res.Created, res.Updated, res.Unchanged, res.Retired
	if err := s.cfg.Store.PutUploadRecord(ctx, rec); err != nil {
		return store.UploadRecord{}, err
	}
	return rec, nil
}

// Retry puts an abandoned upload back in the queue, with the file it was accepted with; it
// runs as it would have (same mode, dry run, confirmation). ErrConflict when it is not
// abandoned or its file is gone: a *store.FileExpiredError when it was kept FileTTL and
// deleted (ExpireFiles).
func (s *Service) Retry(ctx context.Context, org, id string) (store.UploadRecord, error) {
	rec, err := s.cfg.Store.RetryUpload(ctx, org, id)
	if err != nil {
		return store.UploadRecord{}, err
	}
	s.kick()
	return rec, nil
}

// Dismiss marks an abandoned upload dismissed (it will not be retried) and drops its file.
func (s *Service) Dismiss(ctx context.Context, org, id string) (store.UploadRecord, error) {
	return s.cfg.Store.DismissUpload(ctx, org, id, s.Now())
}

// Sweep marks the uploads of every replica left running (or queued without a file) by a
// process that stopped, with no heartbeat for StaleAfter, as abandoned, and returns how many.
// Any replica may call it, since live ones keep beating; this process's own uploads beat
// first, so a heartbeat that could not be written while the store was busy does not count.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Now()
	if ids := s.runningIDs(); len(ids) > 0 {
		if err := s.cfg.Store.TouchUploads(ctx, ids, now); err != nil {
			return 0, err
		}
	}
	return s.cfg.Store.AbandonUploads(ctx, now.Add(-s.cfg.StaleAfter), now, AbandonedReason)
}

// ExpireFiles deletes the stored files of uploads that ended without running (abandoned)
// more than FileTTL ago, notes it on their records (store.UploadRecord.FileExpiredAt), and
// returns how many. Any replica may call it at any time (the store makes it safe to).
func (s *Service) ExpireFiles(ctx context.Context) (int, error) {
	now := s.Now()
	return s.cfg.Store.ExpireUploadFiles(ctx, now.Add(-s.cfg.FileTTL), now)
}

// Run claims queued uploads of every replica as workers come free, and sweeps abandoned ones
// and expired files (at once, then every StaleAfter/2), until ctx ends. Submit and Retry start work without it;
// Run is what takes work queued by other processes.
func (s *Service) Run(ctx context.Context) {
	poll := time.NewTicker(s.cfg.PollEvery)
	defer poll.Stop()
	sweep := time.NewTicker(s.cfg.StaleAfter / 2)
	defer sweep.Stop()
	s.sweep(ctx)
	for {
		s.kick()
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-sweep.C:
			s.sweep(ctx)
		}
	}
}

func (s *Service) sweep(ctx context.Context) {
	if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Warn("uploads: mark abandoned ones", "err", err)
	} else if n > 0 {
		s.cfg.Logger.Info("uploads left unfinished by a stopped server marked abandoned", "uploads", n)
	}
	if n, err := s.ExpireFiles(ctx); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Warn("uploads: expire the files of abandoned ones", "err", err)
	} else if n > 0 {
		s.cfg.Logger.Info("files of abandoned uploads kept longer than the upload file TTL deleted", "uploads", n, "ttl", s.cfg.FileTTL)
	}
}

// Wait waits until no upload is running or queued for this process's workers (the ones
// submitted here so far have run), up to ctx. It stops nothing: see Shutdown.
func (s *Service) Wait(ctx context.Context) error {
	if err := s.idle(ctx); err != nil {
		return fmt.Errorf("upload: wait: %w", err)
	}
	return nil
}

// idle waits until no worker of this process is at work.
func (s *Service) idle(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		n := s.active
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Shutdown stops claiming uploads and waits for the ones running here to finish, up to ctx.
// When ctx ends first they are cancelled (their transactions roll back, nothing is written)
// and put back in the queue, files and all, for another replica or the next start to run; one
// that cannot be put back within a few seconds is marked abandoned. Call it on shutdown.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	if s.idle(ctx) == nil {
		return nil
	}
	n := len(s.runningIDs())
	s.cancelRun()
	grace, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.idle(grace) == nil {
		return fmt.Errorf("upload: shutdown: %d uploads put back in the queue: %w", n, ctx.Err())
	}
	left := s.runningRecords()
	for _, rec := range left {
		rec.Status, rec.FinishedAt, rec.Error = store.UploadAbandoned, s.Now(), AbandonedReason
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.cfg.Store.PutUploadRecord(wctx, rec)
		cancel()
	}
	return fmt.Errorf("upload: shutdown: %d uploads put back in the queue, %d abandoned: %w", n-len(left), len(left), ctx.Err())
}

// kick makes sure a worker will look at the queue.
func (s *Service) kick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.pokes++
	if s.active < s.cfg.Workers {
		s.active++
		go s.work()
	}
}

// work claims and runs uploads until the queue is empty and nobody kicked since it looked.
func (s *Service) work() {
	for {
		s.mu.Lock()
		seen, closing := s.pokes, s.closing
		if closing {
			s.active--
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		rec, file, err := s.cfg.Store.ClaimUpload(s.runCtx, s.Now())
		if err == nil {
			s.run(rec, file)
			continue
		}
		if !errors.Is(err, aidmap.ErrNotFound) && s.runCtx.Err() == nil {
			s.cfg.Logger.Warn("uploads: claim", "err", err)
		}
		s.mu.Lock()
		if s.pokes == seen || s.closing || !errors.Is(err, aidmap.ErrNotFound) {
			s.active--
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

func (s *Service) runningIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.running))
	for id := range s.running {
		ids = append(ids, id)
	}
	return ids
}

func (s *Service) runningRecords() []store.UploadRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := make([]store.UploadRecord, 0, len(s.running))
	for _, r := range s.running {
		recs = append(recs, r)
	}
	return recs
}

// actorWriter opens uploads that record their changes in the history under the token and
// upload record they belong to.
type actorWriter struct {
	Store
	actor, uploadID string
}

func (a actorWriter) BeginUpload(ctx context.Context, orgID string, opts store.UploadOptions) (store.Upload, error) {
	opts.Actor, opts.UploadID = a.actor, a.uploadID
	return a.Store.BeginUpload(ctx, orgID, opts)
}

// rowLimit stops a reader after max records, so no format's reader (HSDS and workbooks have no
// row limit of their own) can make an upload larger than the limit says.
type rowLimit struct {
	ingest.Reader
	n, max int
}

func (l *rowLimit) Next() (ingest.Record, error) {
	rec, err := l.Reader.Next()
	if err == nil {
		l.n++
		if l.n > l.max {
			return ingest.Record{}, &ingest.FileError{Reason: fmt.Sprintf(
				"the file has more than %d rows, the most one upload may have (the rows limit); split it", l.max), Err: aidmap.ErrInvalid}
		}
	}
	return rec, err
}

// open checks the file's format and opens its reader, with the row limit.
func (s *Service) open(data []byte, name string) (ingest.Reader, ingest.Format, error) {
	ro := formats.Options{Name: name, At: bytes.NewReader(data), Size: int64(len(data)),
		Table:   table.Options{MaxRows: s.cfg.MaxRows},
		GeoJSON: geojson.Options{MaxFeatures: s.cfg.MaxRows, MaxDepth: maxJSONDepth}}
	src, format, err := formats.NewReader(bytes.NewReader(data), ro)
	if err != nil {
		return nil, format, fmt.Errorf("upload: %w", err)
	}
	return &rowLimit{Reader: src, max: s.cfg.MaxRows}, format, nil
}

// run runs one claimed upload to the end and records what became of it.
func (s *Service) run(rec store.UploadRecord, file store.UploadFile) {
	s.mu.Lock()
	s.running[rec.ID] = rec
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, rec.ID)
		s.mu.Unlock()
	}()
	stopBeat := s.heartbeat(rec.ID)
	defer stopBeat()

	ctx, cancel := context.WithTimeout(s.runCtx, Timeout)
	defer cancel()
	log := s.cfg.Logger.With(slog.String("upload", rec.ID), slog.String("org", rec.OrganizationID))
	src, format, err := s.open(file.Body, rec.Filename)
	var rep *ingest.Report
	if err == nil {
		// The store serialises the writes of one organisation (its upload takes the
		// organisation's lock in its transaction), across every process sharing it.
		w := actorWriter{Store: s.cfg.Store, actor: rec.TokenID, uploadID: rec.ID}
		var verifiedBy string
		if file.Verify {
			verifiedBy = rec.TokenID
		}
		rep, err = ingest.Run(ctx, src, w, s.cfg.Geocoder, ingest.Options{Org: rec.OrganizationID, VerifiedBy: verifiedBy,
			Mode: ingest.Mode(rec.Mode), DryRun: rec.DryRun, File: rec.Filename, Format: format,
			Now: s.Now, MaxRetireShare: s.cfg.MaxRetireShare, ConfirmRetire: file.ConfirmRetire})
	}
	if err != nil && s.runCtx.Err() != nil {
		// Shut down before it could finish: its transaction was rolled back. Back in the
		// queue, with its file, for another replica or the next start.
		rec.Status, rec.StartedAt = store.UploadQueued, time.Time{}
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Store.PutUploadRecord(wctx, rec); err != nil {
			log.Error("upload: put back in the queue", "err", err)
		}
		return
	}
	rec.FinishedAt = s.Now()
	rec.Status = store.UploadDone
	if err != nil {
		rec.Status = store.UploadFailed
		rec.Error = Explain(err)
		if rep != nil {
			rep.Error = rec.Error
		}
		if !Expected(err) {
			log.Error("upload failed", "err", err)
		}
	}
	if rep != nil {
		rec.Created, rec.Updated, rec.Unchanged = rep.Summary.Created, rep.Summary.Updated, rep.Summary.Unchanged
		rec.Retired, rec.Rejected = rep.Summary.Retired, rep.Summary.Rejected
		if b, err := json.Marshal(rep); err == nil {
			rec.Report = b
		}
	}
	wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
	defer wcancel()
	if err := s.cfg.Store.FinishUpload(wctx, rec); err != nil {
		log.Error("upload: record end", "err", err)
	}
}

// heartbeat keeps the upload's heartbeat fresh in the store until the returned func is called.
func (s *Service) heartbeat(id string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.cfg.StaleAfter / 6)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.cfg.Store.TouchUploads(ctx, []string{id}, s.Now()); err != nil && ctx.Err() == nil {
					s.cfg.Logger.Warn("upload: heartbeat", "upload", id, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Expected reports whether err is the file's or the request's fault (a reader's FileError,
// the retire guard, invalid data), not the system's: such failures are not logged as errors.
func Expected(err error) bool {
	var (
		fe *ingest.FileError
		re *store.RetireError
	)
	return errors.As(err, &fe) || errors.As(err, &re) || errors.Is(err, aidmap.ErrInvalid)
}

// Explain says why an upload failed, for the steward: the file's problem as the reader put
// it, or that the store failed (details go to the log only).
func Explain(err error) string {
	var (
		fe *ingest.FileError
		re *store.RetireError
	)
	switch {
	case errors.As(err, &fe):
		return fe.Error()
	case errors.As(err, &re):
		return fmt.Sprintf("%s with confirm_retire=%d", re.Error(), re.Retire)
	case errors.Is(err, aidmap.ErrInvalid), errors.Is(err, aidmap.ErrNotFound):
		return ClientDetail(err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the upload took longer than %s and was abandoned; nothing was changed", Timeout)
	}
	return "the store could not write the upload; nothing was changed. Try again shortly"
}

// driverOps matches a store driver's name and the operations it wrapped an error with
// ("sqlite: upload: commit: "): which database runs behind the API is none of a client's
// business, and the operations mean nothing to it. What follows (the site, the field, the
// reason) is what the caller needs.
var driverOps = regexp.MustCompile(`\b(?:sqlite|postgis|pgx|pq): (?:[a-z][a-z ]*: )*`)

// ClientDetail is an expected error's message as a client sees it: without the store driver's
// name and operations.
func ClientDetail(err error) string {
	return driverOps.ReplaceAllString(err.Error(), "")
}
