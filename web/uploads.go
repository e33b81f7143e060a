package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/upload"
)

// AccountStore is the store as the organisations' API needs it: sites and organisations, and
// tokens, upload records and history.
type AccountStore = upload.Store

// Uploads configures the organisations' API (/api/v1/orgs/{org}/...) and the /manage page.
// A nil Store leaves them off: the server then only publishes. Uploads run in an
// upload.Service, which this server's handlers adapt to HTTP.
type Uploads struct {
	Store AccountStore
	// Geocoder places uploaded rows that have an address but no coordinates; nil rejects them.
	Geocoder ingest.Geocoder
	// MaxBodyBytes bounds an upload's body (the file, raw or in a multipart form); 0 means
	// DefaultMaxBodyBytes. The file is kept in the store until its upload has run.
	MaxBodyBytes int64
	// MaxRows bounds the rows (features, locations) of one upload; 0 means DefaultMaxRows.
	MaxRows int
	// Workers is how many uploads this process runs at once; 0 means 2. Each holds its file
	// in memory while it runs.
	Workers int
	// MaxPending is how many uploads the store may hold queued (of every replica) before new
	// ones are refused with 503; 0 means 4 × Workers.
	MaxPending int
	// PerTokenPerMinute bounds the uploads one token may start a minute; 0 means 10, -1 none.
	PerTokenPerMinute int
	// MaxRetireShare is the retire guard (store.UploadOptions.MaxRetireShare): a replace that
	// would retire more than this share of the organisation's sites, or all of them, fails
	// unless the request confirms the number (confirm_retire=N). 0 means
	// store.DefaultMaxRetireShare; below 0 turns the guard off.
	MaxRetireShare float64
	// StaleAfter is how long an upload may go without a heartbeat before a sweep marks it
	// abandoned; 0 means upload.DefaultStaleAfter.
	StaleAfter time.Duration
	// FileTTL is how long the file of an abandoned upload is kept for a retry, after which a
	// sweep deletes it (the record stays, noted); 0 means upload.DefaultFileTTL.
	FileTTL time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Defaults of Uploads.
const (
	DefaultMaxBodyBytes = 50 << 20
	DefaultMaxRows      = upload.DefaultMaxRows
	DefaultStaleAfter   = upload.DefaultStaleAfter
	DefaultFileTTL      = upload.DefaultFileTTL
	maxEditBytes        = 64 << 10 // one site's JSON
	maxJSONDepth        = 32
)

// uploads is the organisations' API's part of a server: the store (for edits, tokens and
// history) and the service that runs uploads.
type uploads struct {
	Uploads
	svc *upload.Service
}

func newUploads(cfg Uploads, logger *slog.Logger) *uploads {
	if cfg.Store == nil {
		return nil
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.PerTokenPerMinute == 0 {
		cfg.PerTokenPerMinute = 10
	}
	svc := upload.New(upload.Config{Store: cfg.Store, Geocoder: cfg.Geocoder, MaxRows: cfg.MaxRows,
		Workers: cfg.Workers, MaxQueued: cfg.MaxPending, MaxRetireShare: cfg.MaxRetireShare,
		StaleAfter: cfg.StaleAfter, FileTTL: cfg.FileTTL, Logger: logger, Now: cfg.Now})
	return &uploads{Uploads: cfg, svc: svc}
}

func (u *uploads) now() time.Time { return u.svc.Now() }

// RunUploads claims queued uploads of every replica and marks abandoned ones (see
// upload.Service.Run) until ctx ends: serve runs it. Uploads submitted here run without it.
func (s *Server) RunUploads(ctx context.Context) {
	if s.up != nil {
		s.up.svc.Run(ctx)
	}
}

// WaitUploads waits until the uploads submitted here so far have run, up to ctx (see
// upload.Service.Wait).
func (s *Server) WaitUploads(ctx context.Context) error {
	if s.up == nil {
		return nil
	}
	return s.up.svc.Wait(ctx)
}

// ShutdownUploads stops taking queued uploads and waits for the ones running here to finish,
// up to ctx; then puts them back in the queue (see upload.Service.Shutdown). Call it on
// shutdown after the HTTP server has stopped taking requests.
func (s *Server) ShutdownUploads(ctx context.Context) error {
	if s.up == nil {
		return nil
	}
	return s.up.svc.Shutdown(ctx)
}

// SweepUploads marks the uploads of every replica that were left running by a process that
// stopped as abandoned, and returns how many (see upload.Service.Sweep).
func (s *Server) SweepUploads(ctx context.Context) (int, error) {
	if s.up == nil {
		return 0, nil
	}
	return s.up.svc.Sweep(ctx)
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
	verify := false
	if v := q.Get("verify"); v != "" {
		if verify, err = strconv.ParseBool(v); err != nil {
			s.writeError(w, r, badParam("verify", "must be true or false"))
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
	rec, err := s.up.svc.Submit(r.Context(), upload.Request{Org: org, TokenID: tok.ID, Mode: mode, DryRun: dryRun,
		ConfirmRetire: confirm, Name: name, Body: data, Verify: verify})
	if errors.Is(err, store.ErrQueueFull) {
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, problem{Status: http.StatusServiceUnavailable,
			Detail: fmt.Sprintf("%d uploads are already queued; try again shortly", s.up.svc.MaxQueued())})
		return
	}
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
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
	data, err := readAll(body, r.ContentLength, limit, mt != "multipart/form-data")
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

// readAll reads r to the end. A raw body (whole) of a known length within limit is read into
// one buffer of that size: io.ReadAll grows its buffer by doubling, so a 62 MB file (a million
// rows) passed through buffers of 2 × 62 MB. Only the length is trusted, never the size.
func readAll(r io.Reader, length, limit int64, whole bool) ([]byte, error) {
	if !whole || length <= 0 || length > limit {
		return io.ReadAll(r)
	}
	// MinRead spare: ReadFrom asks for that much room before each read, the one that sees EOF too.
	buf := bytes.NewBuffer(make([]byte, 0, length+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
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

// handleUploadStatus answers GET .../uploads/{id}: the record with its full report.
func (s *Server) handleUploadStatus(w http.ResponseWriter, r *http.Request) {
	rec, err := s.up.svc.Status(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
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
	recs, err := s.up.svc.List(r.Context(), org, limit)
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
	rec, err := s.up.svc.Rollback(r.Context(), org, id, tokenFrom(r.Context()).ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+org+"/uploads/"+rec.ID)
	writeJSON(w, http.StatusOK, rec)
}

// handleRetry answers POST .../uploads/{id}/retry: an abandoned upload goes back in the queue
// with the file it was accepted with (202, as when it was first sent); 409 when it is not
// abandoned or has no file, 410 when its file was kept the deployment's upload file TTL and
// deleted (the detail says when; the file must be uploaded again).
func (s *Server) handleRetry(w http.ResponseWriter, r *http.Request) {
	org, id := chi.URLParam(r, "org"), chi.URLParam(r, "id")
	rec, err := s.up.svc.Retry(r.Context(), org, id)
	var fe *store.FileExpiredError
	if errors.As(err, &fe) {
		writeProblem(w, r, problem{Status: http.StatusGone, Detail: fe.Error()})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	loc := "/api/v1/orgs/" + org + "/uploads/" + rec.ID
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusAccepted, map[string]any{"id": rec.ID, "status": rec.Status, "url": loc})
}

// handleDismiss answers POST .../uploads/{id}/dismiss: an abandoned upload is marked dismissed
// (it will not be retried) and its file dropped; 409 when it is not abandoned.
func (s *Server) handleDismiss(w http.ResponseWriter, r *http.Request) {
	rec, err := s.up.svc.Dismiss(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
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
