package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/store"
)

// AccountStore is the store as the organisations' API needs it: sites and organisations, and
// tokens, upload records and history.
type AccountStore interface {
	store.Store
	store.Accounts
}

// Uploads configures the organisations' API (/api/v1/orgs/{org}/...) and the /manage page.
// A nil Store leaves them off: the server then only publishes.
type Uploads struct {
	Store AccountStore
	// Geocoder places uploaded rows that have an address but no coordinates; nil rejects them.
	Geocoder ingest.Geocoder
	// MaxBodyBytes bounds an upload's body (the file, raw or in a multipart form); 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxRows bounds the rows (features, locations) of one upload; 0 means DefaultMaxRows.
	MaxRows int
	// Workers is how many uploads run at once; 0 means 2. Each holds its file in memory.
	Workers int
	// MaxPending is how many uploads may be queued or running at once before new ones are
	// refused with 503; 0 means 4 × Workers.
	MaxPending int
	// PerTokenPerMinute bounds the uploads one token may start a minute; 0 means 10, -1 none.
	PerTokenPerMinute int
	// MaxRetireShare is the retire guard (store.UploadOptions.MaxRetireShare): a replace that
	// would retire more than this share of the organisation's sites, or all of them, fails
	// unless the request confirms the number (confirm_retire=N). 0 means
	// store.DefaultMaxRetireShare; below 0 turns the guard off.
	MaxRetireShare float64
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Defaults of Uploads.
const (
	DefaultMaxBodyBytes = 50 << 20
	DefaultMaxRows      = 200_000
	maxEditBytes        = 64 << 10 // one site's JSON
	maxJSONDepth        = 32
	uploadTimeout       = 30 * time.Minute
)

// uploads runs uploads in the background, a few at a time, and remembers the ones not yet
// finished (their records reach the store when they start and when they end; until then
// GET .../uploads/{id} answers from here).
type uploads struct {
	Uploads
	sem     chan struct{}
	mu      sync.Mutex
	pending map[string]store.UploadRecord // queued or running, by ID
	wg      sync.WaitGroup
}

func newUploads(cfg Uploads) *uploads {
	if cfg.Store == nil {
		return nil
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultMaxRows
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 4 * cfg.Workers
	}
	if cfg.PerTokenPerMinute == 0 {
		cfg.PerTokenPerMinute = 10
	}
	switch {
	case cfg.MaxRetireShare == 0:
		cfg.MaxRetireShare = store.DefaultMaxRetireShare
	case cfg.MaxRetireShare < 0:
		cfg.MaxRetireShare = 0
	}
	if cfg.Geocoder == nil {
		cfg.Geocoder = ingest.NotFoundGeocoder{}
	}
	return &uploads{Uploads: cfg, sem: make(chan struct{}, cfg.Workers),
		pending: map[string]store.UploadRecord{}}
}

func (u *uploads) now() time.Time {
	if u.Now != nil {
		return u.Now().UTC()
	}
	return time.Now().UTC()
}

// WaitUploads waits for the uploads started so far to finish, up to ctx: call it on shutdown
// after the HTTP server has stopped taking requests.
func (s *Server) WaitUploads(ctx context.Context) error {
	if s.up == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { s.up.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Their transactions end with the process, rolled back: say so now rather than
		// leave them running until a sweep notices.
		s.up.mu.Lock()
		var left []store.UploadRecord
		for _, rec := range s.up.pending {
			left = append(left, rec)
		}
		s.up.mu.Unlock()
		for _, rec := range left {
			rec.Status, rec.FinishedAt, rec.Error = store.UploadAbandoned, s.up.now(), abandonedReason
			s.up.Store.PutUploadRecord(context.WithoutCancel(ctx), rec)
		}
		return fmt.Errorf("web: wait for uploads: %d abandoned: %w", len(left), ctx.Err())
	}
}

// actorWriter opens uploads that record their changes in the history under the token and
// upload record they belong to.
type actorWriter struct {
	AccountStore
	actor, uploadID string
}

func (a actorWriter) BeginUpload(ctx context.Context, orgID string, opts store.UploadOptions) (store.Upload, error) {
	opts.Actor, opts.UploadID = a.actor, a.uploadID
	return a.AccountStore.BeginUpload(ctx, orgID, opts)
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

// handleUpload accepts a file (the raw body, or the first file of a multipart form) and starts
// its upload in the background: 202 with the upload's ID and Location. The file is read and
// its format checked before answering, so an unreadable file, a zip bomb or a body over the
// limit is refused at once (400/413) and never queued.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	org := chi.URLParam(r, "org")
	tok := tokenFrom(r.Context())
	q := r.URL.Query()
	mode, err := ingest.ParseMode(q.Get("mode"))
	if q.Get("mode") == "" {
		mode, err = ingest.ModeMerge, nil
	}
	if err != nil {
		s.writeError(w, r, badParam("mode", "must be merge (add and update sites) or replace (the file is the whole list: others are retired)"))
		return
	}
	dryRun := false
	if v := q.Get("dry_run"); v != "" {
		if dryRun, err = strconv.ParseBool(v); err != nil {
			s.writeError(w, r, badParam("dry_run", "must be true or false"))
			return
		}
	}
	confirm, err := intParam(r, "confirm_retire", 0, 1, 1<<31-1)
	if err != nil {
		s.writeError(w, r, badParam("confirm_retire", "must be the number of sites the upload retires, as a dry run or a refused upload reported it"))
		return
	}
	data, name, err := s.readUploadBody(w, r)
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
	src, format, err := s.openUpload(data, name)
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
	if _, err := s.up.Store.Organization(r.Context(), org); err != nil {
		s.writeError(w, r, err)
		return
	}

	rec := store.UploadRecord{ID: store.NewID("up_"), OrganizationID: org, TokenID: tok.ID,
		Status: store.UploadQueued, Mode: string(mode), DryRun: dryRun, Filename: name, CreatedAt: s.up.now()}
	// The record is in the store from the start, so every replica can answer its status; the
	// file itself stays with this process, which runs it (see Uploads).
	if err := s.up.Store.PutUploadRecord(r.Context(), rec); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.up.mu.Lock()
	full := len(s.up.pending) >= s.up.MaxPending
	if !full {
		s.up.pending[rec.ID] = rec
	}
	s.up.mu.Unlock()
	if full {
		rec.Status, rec.FinishedAt = store.UploadFailed, s.up.now()
		rec.Error = "refused: too many uploads were queued or running; nothing was changed"
		s.up.Store.PutUploadRecord(context.WithoutCancel(r.Context()), rec)
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, problem{Status: http.StatusServiceUnavailable,
			Detail: fmt.Sprintf("%d uploads are already queued or running; try again shortly", s.up.MaxPending)})
		return
	}
	s.up.wg.Add(1)
	go s.runUpload(rec, src, format, confirm)

	loc := "/api/v1/orgs/" + org + "/uploads/" + rec.ID
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusAccepted, map[string]any{"id": rec.ID, "status": rec.Status, "url": loc})
}

// readUploadBody reads the file of an upload request, within MaxBodyBytes: the raw body, or
// the first file part of a multipart/form-data body. It returns the file's name when the
// request gives one (?name=, the part's filename), which helps tell formats apart.
func (s *Server) readUploadBody(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	limit := s.up.MaxBodyBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	name := path.Base(strings.ReplaceAll(r.URL.Query().Get("name"), `\`, "/"))
	var body io.Reader = r.Body
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, "", badParam("body", "the multipart form cannot be read: "+err.Error())
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return nil, "", badParam("body", "the form has no file: send it in a field named file")
				}
				return nil, "", s.bodyError(err, limit)
			}
			if part.FileName() != "" || part.FormName() == "file" {
				if fn := part.FileName(); fn != "" {
					name = path.Base(strings.ReplaceAll(fn, `\`, "/"))
				}
				body = part
				break
			}
		}
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, "", s.bodyError(err, limit)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", badParam("body", "the file is empty: send a CSV, GeoJSON or HSDS file as the body")
	}
	if name == "." || name == "/" {
		name = ""
	}
	return data, name, nil
}

// tooLarge is a body over the size limit: 413.
type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("the upload is larger than the limit of %s (the body size limit, --max-upload-bytes); split the file", byteCount(e.limit))
}

func (s *Server) bodyError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &tooLarge{limit}
	}
	return badParam("body", "the request body could not be read: "+err.Error())
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// openUpload checks the file's format and opens its reader, with the row limit.
func (s *Server) openUpload(data []byte, name string) (ingest.Reader, ingest.Format, error) {
	ro := ingest.ReadOptions{Name: name, At: bytes.NewReader(data), Size: int64(len(data)),
		Table:   ingest.TableOptions{MaxRows: s.up.MaxRows},
		GeoJSON: ingest.GeoJSONOptions{MaxFeatures: s.up.MaxRows, MaxDepth: maxJSONDepth}}
	src, format, err := ingest.NewReader(bytes.NewReader(data), ro)
	if err != nil {
		return nil, format, fmt.Errorf("web: upload: %w", err)
	}
	return &rowLimit{Reader: src, max: s.up.MaxRows}, format, nil
}

// runUpload runs one upload to the end, in the background, and records what became of it.
func (s *Server) runUpload(rec store.UploadRecord, src ingest.Reader, format ingest.Format, confirmRetire int) {
	defer s.up.wg.Done()
	defer func() {
		s.up.mu.Lock()
		delete(s.up.pending, rec.ID)
		s.up.mu.Unlock()
	}()
	stopBeat := s.heartbeat(rec.ID)
	defer stopBeat()
	s.up.sem <- struct{}{}
	defer func() { <-s.up.sem }()
	// The store serialises the writes of one organisation (its upload takes the
	// organisation's lock in its transaction), across every process sharing it.

	ctx, cancel := context.WithTimeout(context.Background(), uploadTimeout)
	defer cancel()
	rec.Status, rec.StartedAt = store.UploadRunning, s.up.now()
	s.setPending(rec)
	if err := s.up.Store.PutUploadRecord(ctx, rec); err != nil {
		s.logger.LogAttrs(ctx, slog.LevelError, "upload: record start", slog.String("upload", rec.ID), slog.Any("err", err))
	}
	w := actorWriter{AccountStore: s.up.Store, actor: rec.TokenID, uploadID: rec.ID}
	rep, err := ingest.Run(ctx, src, w, s.up.Geocoder, ingest.Options{Org: rec.OrganizationID,
		Mode: ingest.Mode(rec.Mode), DryRun: rec.DryRun, File: rec.Filename, Format: format,
		Now: func() time.Time { return s.up.now() }, MaxRetireShare: s.up.MaxRetireShare, ConfirmRetire: confirmRetire})
	rec.FinishedAt = s.up.now()
	rec.Status = store.UploadDone
	if err != nil {
		rec.Status = store.UploadFailed
		rec.Error = uploadError(err)
		if rep != nil {
			rep.Error = rec.Error
		}
		var (
			fe *ingest.FileError
			re *store.RetireError
		)
		if !errors.As(err, &fe) && !errors.As(err, &re) && !errors.Is(err, aidmap.ErrInvalid) {
			s.logger.LogAttrs(ctx, slog.LevelError, "upload failed", slog.String("upload", rec.ID),
				slog.String("org", rec.OrganizationID), slog.Any("err", err))
		}
	}
	if rep != nil {
		rec.Created, rec.Updated, rec.Unchanged = rep.Summary.Created, rep.Summary.Updated, rep.Summary.Unchanged
		rec.Retired, rec.Rejected = rep.Summary.Retired, rep.Summary.Rejected
		if b, err := json.Marshal(rep); err == nil {
			rec.Report = b
		}
	}
	if err := s.up.Store.PutUploadRecord(context.WithoutCancel(ctx), rec); err != nil {
		s.logger.LogAttrs(ctx, slog.LevelError, "upload: record end", slog.String("upload", rec.ID), slog.Any("err", err))
	}
}

// Heartbeats: the process running an upload refreshes its record's heartbeat every
// heartbeatEvery; an upload left queued or running without one for abandonAfter was left by a
// process that died, and SweepUploads marks it abandoned.
const (
	heartbeatEvery = 10 * time.Second
	abandonAfter   = time.Minute
)

// heartbeat keeps the upload's heartbeat fresh in the store until the returned func is called.
func (s *Server) heartbeat(id string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.up.Store.TouchUploads(ctx, []string{id}, s.up.now()); err != nil && ctx.Err() == nil {
					s.logger.LogAttrs(ctx, slog.LevelWarn, "upload: heartbeat", slog.String("upload", id), slog.Any("err", err))
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// abandonedReason is the error of an upload whose process stopped before it finished.
const abandonedReason = "the server running the upload stopped before it finished (killed, or shut down before it could end); nothing of it was written. Upload the file again"

// SweepUploads marks the uploads of every replica that were left queued or running by a
// process that stopped (no heartbeat for a minute) as abandoned, and returns how many. serve
// calls it at start and then every so often: any replica may, since live ones keep beating.
func (s *Server) SweepUploads(ctx context.Context) (int, error) {
	if s.up == nil {
		return 0, nil
	}
	now := s.up.now()
	return s.up.Store.AbandonUploads(ctx, now.Add(-abandonAfter), now, abandonedReason)
}

// uploadError says why an upload failed, for the steward: the file's problem as the reader
// put it, or that the store failed (details go to the log only).
func uploadError(err error) string {
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
		return clientDetail(err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the upload took longer than %s and was abandoned; nothing was changed", uploadTimeout)
	}
	return "the store could not write the upload; nothing was changed. Try again shortly"
}

func (s *Server) setPending(rec store.UploadRecord) {
	s.up.mu.Lock()
	s.up.pending[rec.ID] = rec
	s.up.mu.Unlock()
}

// handleUploadStatus answers GET .../uploads/{id}: the record with its full report.
func (s *Server) handleUploadStatus(w http.ResponseWriter, r *http.Request) {
	org, id := chi.URLParam(r, "org"), chi.URLParam(r, "id")
	s.up.mu.Lock()
	rec, ok := s.up.pending[id]
	s.up.mu.Unlock()
	if !ok || rec.OrganizationID != org {
		var err error
		if rec, err = s.up.Store.UploadRecord(r.Context(), org, id); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, rec)
}

// handleUploads answers GET .../uploads: the organisation's uploads, newest first, without
// their reports.
func (s *Server) handleUploads(w http.ResponseWriter, r *http.Request) {
	org := chi.URLParam(r, "org")
	limit, err := intParam(r, "limit", 50, 1, 500)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	recs, err := s.up.Store.UploadRecords(r.Context(), org, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if recs == nil {
		recs = []store.UploadRecord{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"uploads": recs})
}

// handleRollback answers POST .../uploads/{id}/rollback: a new upload restoring every site the
// upload changed, or 409 when later uploads changed the same sites.
func (s *Server) handleRollback(w http.ResponseWriter, r *http.Request) {
	org, id := chi.URLParam(r, "org"), chi.URLParam(r, "id")
	tok := tokenFrom(r.Context())
	target, err := s.up.Store.UploadRecord(r.Context(), org, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if target.Status == store.UploadAbandoned {
		s.writeError(w, r, fmt.Errorf("upload %s was abandoned (%s): nothing of it was written, so there is nothing to roll back: %w",
			id, target.Error, aidmap.ErrConflict))
		return
	}
	if target.Status != store.UploadDone || target.DryRun {
		s.writeError(w, r, fmt.Errorf("upload %s is %s%s: only a finished, real upload can be rolled back: %w",
			id, target.Status, map[bool]string{true: " (a dry run)"}[target.DryRun], aidmap.ErrConflict))
		return
	}
	// store.Rollback checks for later changes and restores in one transaction holding the
	// organisation's lock: an upload on another replica or aidmap ingest cannot come between.
	rec := store.UploadRecord{ID: store.NewID("up_"), OrganizationID: org, TokenID: tok.ID, Status: store.UploadRunning,
		Mode: "rollback", RollbackOf: id, CreatedAt: s.up.now(), StartedAt: s.up.now()}
	res, err := store.Rollback(r.Context(), s.up.Store, s.up.Store, org, id, rec.ID, tok.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec.Status, rec.FinishedAt = store.UploadDone, s.up.now()
	rec.Created, rec.Updated, rec.Unchanged, rec.Retired = res.Created, res.Updated, res.Unchanged, res.Retired
	if err := s.up.Store.PutUploadRecord(r.Context(), rec); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+org+"/uploads/"+rec.ID)
	writeJSON(w, http.StatusOK, rec)
}

// intParam reads an optional whole-number query parameter within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, badParam(name, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
	}
	return n, nil
}

// writeUploadError answers a refused upload body: 413 over the size limit, 400 naming the
// file's problem (format, zip limits, depth), else as writeError does.
func (s *Server) writeUploadError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		tl *tooLarge
		fe *ingest.FileError
	)
	switch {
	case errors.As(err, &tl):
		writeProblem(w, r, problem{Status: http.StatusRequestEntityTooLarge, Detail: tl.Error()})
	case errors.As(err, &fe):
		writeProblem(w, r, problem{Status: http.StatusBadRequest, Detail: fe.Error()})
	default:
		s.writeError(w, r, err)
	}
}
