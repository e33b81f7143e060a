package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/tz"
)

// Writer is the part of a store an upload needs. The store package's Store satisfies it.
type Writer interface {
	// Organization returns the organisation, or an error wrapping aidmap.ErrNotFound.
	Organization(ctx context.Context, id string) (aidmap.Organization, error)
	// BeginUpload starts one all-or-nothing, streaming write of an organisation's sites.
	BeginUpload(ctx context.Context, orgID string, opts aidmap.UploadOptions) (aidmap.Upload, error)
}

// Geocoder places an address on the map. Geocode returns where it placed it (the pipeline
// reads the point, precision and label; a precision of exact counts as address) or an error
// wrapping aidmap.ErrNotFound when it cannot locate the address; any other error means it
// could not look the address up at all (a provider down), and the row is rejected with that
// reason.
type Geocoder interface {
	Geocode(ctx context.Context, addr aidmap.Address) (geocode.Result, error)
}

// Checker is a geocoder that can also check the coordinates a file gives against the row's
// address: quickly, and without asking an outside service (a million rows must not mean a
// million requests). Check reports false when it cannot place the address at least on its
// street (geocode.Result.Placed). The pipeline uses it, when the geocoder has it, to warn of
// coordinates far from their address and to repair a lat/lon swap the address confirms.
type Checker interface {
	Check(ctx context.Context, addr aidmap.Address) (geocode.Result, bool)
}

// NotLocatedError is a Geocoder's explanation of why it placed no pin ("only the town could be
// located", "the address is ambiguous"), which the report shows as the row's detail. It
// unwraps to aidmap.ErrNotFound.
type NotLocatedError struct{ Detail string }

func (e *NotLocatedError) Error() string { return e.Detail }
func (e *NotLocatedError) Unwrap() error { return aidmap.ErrNotFound }

// NotFoundGeocoder locates nothing: the geocoder to use until one is configured. Rows without
// coordinates are then rejected with ReasonNotLocated, never placed somewhere invented.
type NotFoundGeocoder struct{}

// Geocode always returns aidmap.ErrNotFound.
func (NotFoundGeocoder) Geocode(ctx context.Context, addr aidmap.Address) (geocode.Result, error) {
	return geocode.Result{}, fmt.Errorf("geocode %q: %w", addr.String(), aidmap.ErrNotFound)
}

// Reasons the pipeline gives. They are fixed texts so the report can group rows by them.
const (
	ReasonNotLocated       = "address could not be located"
	ReasonHoursKept        = "hours kept as written: could not be read as opening hours"
	ReasonDuplicateID      = "the same site appears on an earlier row; this later row was not used"
	ReasonDuplicateName    = "has the same name and address as another row with a different ID; check the site is not listed twice"
	ReasonFarFromAddress   = "the coordinates are far from where the address is; check which is right"
	ReasonSwappedByAddress = "latitude and longitude were swapped (the address is where the swapped point is); they were swapped back"
	ReasonApproximate      = "placed on the map only approximately (the address matched at a coarse level); people are told the location is approximate"
)

// Mode says what happens to an organisation's sites that are not in the file.
type Mode string

// Modes.
const (
	// ModeMerge creates and updates the file's sites and leaves the others alone.
	ModeMerge Mode = "merge"
	// ModeReplace also retires the organisation's sites missing from the file: the file is the
	// whole list. Retired sites are kept in history, never shown.
	ModeReplace Mode = "replace"
)

// ParseMode reads "merge" or "replace"; empty is merge.
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(strings.TrimSpace(s))) {
	case "", ModeMerge:
		return ModeMerge, nil
	case ModeReplace:
		return ModeReplace, nil
	}
	return "", fmt.Errorf("ingest: mode %q: want merge or replace: %w", s, aidmap.ErrInvalid)
}

// Progress is a snapshot of an upload under way.
type Progress struct {
	// Phase is "reading" (rows are read, and written to the upload batch by batch), "writing"
	// (the upload commits: PostGIS merges the whole file then, and a replace retires) or
	// "done".
	Phase string
	Rows  int // rows read so far
}

// Options configure one upload.
type Options struct {
	// Org is the ID of the organisation whose sites the file lists. It must exist unless
	// OrgName is given.
	Org string
	// OrgName creates the organisation with this name when it does not exist yet (on a real
	// upload, just before its sites are written; a dry run creates nothing).
	OrgName string
	Mode    Mode // ModeMerge when empty
	// DryRun runs the whole upload and rolls it back at the end: nothing changes, and the
	// report says exactly what would be created, updated, unchanged and retired. Other
	// writers wait for it as for a real upload.
	DryRun bool
	// Timezone is the IANA zone of the file's opening hours ("America/Toronto"); empty leaves
	// it unknown.
	Timezone string
	// File and Format describe the source for the report.
	File   string
	Format Format
	// Now stamps changed sites' UpdatedAt; time.Now when nil.
	Now func() time.Time
	// Progress, when set, is called every few thousand rows and at each phase change, on
	// the goroutine running Run.
	Progress func(Progress)
	// MaxRetireShare and ConfirmRetire are the store's retire guard (aidmap.UploadOptions): a
	// replace that would retire more than this share of the organisation's published sites,
	// or all of them, fails with a *aidmap.RetireError (nothing written) unless ConfirmRetire
	// is that number. A dry run says the number in Summary.RetireConfirm. 0 turns it off.
	MaxRetireShare float64
	ConfirmRetire  int
	// VerifiedBy, when set, makes the upload a verification of every site it lists, changed or
	// not: each gets VerifiedAt and VerifiedBy (a token ID, or aidmap.VerifiedByImport for a
	// file loaded on the command line). Without it, sites are written unverified.
	VerifiedBy string
	// VerifiedAt is the time of that verification (the file's date for an import); Now when
	// zero.
	VerifiedAt time.Time
}

// progressEvery is how many rows pass between Progress calls.
const progressEvery = 2048

// ErrNoOrganization is returned (wrapping aidmap.ErrNotFound) when Options.Org names no
// organisation and Options.OrgName is empty.
var ErrNoOrganization = errors.New("organisation does not exist")

// Run reads every record of src, turns the usable ones into sites of Options.Org (geocoding
// rows without coordinates and reading their opening hours), and writes them as it reads,
// uploadBatch sites at a time, into one store upload (aidmap.Upload), so the upload is all or
// nothing and memory stays bounded however long the file. In replace mode, the organisation's
// sites missing from the file are retired by that same upload. Rows marked inactive or
// excluded from the website (Skipped) retire the site they name in either mode. A rejected row
// never retires its site: a typo in this upload does not take a site off the map.
//
// A row whose site ID an earlier row already had is not used (ReasonDuplicateID): the earlier
// row has been written by then, and keeping the first makes the result independent of where
// batches end. The report names both rows.
//
// A dry run is the same upload, rolled back at the end: its counts are exactly what a real
// upload would have done.
//
// The report is returned even with an error, filled as far as the upload went. The error is a
// *FileError when the file could not be read, or the store's error when the write failed;
// either way the upload is rolled back and nothing was written.
//
// Memory: besides two batches of sites (one being read, one being written), Run keeps two
// sets to find duplicate rows: a 16-byte digest and a row number per site ID, and an 8-byte
// digest and a row number per name and address. With the maps' overhead that is about 40 to
// 60 bytes a row: tens of MB for a million rows, never the rows themselves.
func Run(ctx context.Context, src Reader, w Writer, g Geocoder, opts Options) (*Report, error) {
	if opts.Mode == "" {
		opts.Mode = ModeMerge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if g == nil {
		g = NotFoundGeocoder{}
	}
	start := time.Now()
	rep := newReport(opts)
	defer func() { rep.DurationMS = time.Since(start).Milliseconds() }()

	if opts.Mode != ModeMerge && opts.Mode != ModeReplace {
		return rep, fmt.Errorf("ingest: mode %q: want merge or replace: %w", opts.Mode, aidmap.ErrInvalid)
	}
	if opts.Org == "" {
		return rep, fmt.Errorf("ingest: no organisation given: %w", aidmap.ErrInvalid)
	}
	now := opts.Now().UTC()
	up := aidmap.UploadOptions{RetireMissing: opts.Mode == ModeReplace, DryRun: opts.DryRun, Now: now,
		MaxRetireShare: opts.MaxRetireShare, ConfirmRetire: opts.ConfirmRetire}
	if _, err := w.Organization(ctx, opts.Org); err != nil {
		if !errors.Is(err, aidmap.ErrNotFound) {
			return rep, fmt.Errorf("ingest: look up organisation %q: %w", opts.Org, err)
		}
		if opts.OrgName == "" {
			return rep, fmt.Errorf("ingest: organisation %q: %w: %w", opts.Org, ErrNoOrganization, aidmap.ErrNotFound)
		}
		// Created by the upload itself: with its sites, or not at all.
		up.Organization = &aidmap.Organization{ID: opts.Org, Name: opts.OrgName, CreatedAt: now}
		rep.OrganizationCreated = true
	}

	u, err := w.BeginUpload(ctx, opts.Org, up)
	if err != nil {
		return rep, fmt.Errorf("ingest: start the upload: %w", err)
	}
	defer u.Rollback(context.WithoutCancel(ctx)) // nothing to do after Commit

	p := pipeline{ctx: ctx, opts: opts, geocoder: g, rep: rep, now: now, upload: u,
		seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		byID: map[idKey]int32{}, byNameAddr: map[uint64]int32{}}
	p.startWriter()
	err = p.read(src)
	rep.File.setDialect(src.Dialect())
	if h, ok := src.(HierarchyReader); ok {
		counts := h.Hierarchy()
		rep.File.Hierarchy = &counts
	}
	if err == nil {
		err = p.flush()
	}
	if werr := p.stopWriter(); err == nil || errors.Is(err, errWriterFailed) {
		err = werr
	}
	if err != nil {
		return rep, err
	}

	p.progress("writing")
	res, err := u.Commit(ctx)
	if err != nil {
		var re *aidmap.RetireError
		if errors.As(err, &re) {
			rep.Summary.RetireConfirm, rep.Summary.Published = re.Retire, re.Published
			return rep, re
		}
		return rep, fmt.Errorf("ingest: write sites (nothing was changed): %w", err)
	}
	rep.Summary.RetireConfirm, rep.Summary.Published = res.RetireConfirm, res.Published
	rep.Summary.Created = res.Created
	rep.Summary.Updated = res.Updated
	rep.Summary.Unchanged = res.Unchanged
	rep.Summary.Retired = res.Retired
	rep.StoreVersion = res.Version
	p.progress("done")
	return rep, nil
}

// uploadBatch is how many sites Run hands the store at a time: enough that per-call costs
// (a COPY, a sort) vanish, few enough that a batch is a few MB.
const uploadBatch = 5000

// pipeline is the state of one Run while it reads.
type pipeline struct {
	ctx      context.Context
	opts     Options
	geocoder Geocoder
	rep      *Report
	now      time.Time
	upload   aidmap.Upload

	batch      *batch           // being filled
	toWrite    chan *batch      // to the writer goroutine
	free       chan *batch      // back from it, emptied
	written    chan error       // the writer's result, once toWrite is closed
	failed     atomic.Bool      // the writer has failed: stop reading
	seed       [2]maphash.Seed  // of the digests below
	byID       map[idKey]int32  // site ID digest → the row that gave it
	byNameAddr map[uint64]int32 // normalised name+address digest → its first row (*)
	rowsRead   int
	hoursCache map[string]hoursResult
}

// batch is what Run hands the upload at a time: sites to add, IDs of rejected rows to keep
// and of skipped rows to retire.
type batch struct {
	sites        []aidmap.Site
	keep, retire []string
}

func (b *batch) full() bool {
	return len(b.sites) >= uploadBatch || len(b.keep)+len(b.retire) >= uploadBatch
}

// idKey is a 128-bit digest of a site ID: a set of a million IDs costs 16 bytes an entry
// instead of the ID's 36, and two different IDs share a digest with a probability of about
// 2^-128 a pair.
type idKey [2]uint64

func (p *pipeline) idKey(id string) idKey {
	return idKey{maphash.String(p.seed[0], id), maphash.String(p.seed[1], id)}
}

// errWriterFailed stops reading when the writer goroutine has failed; stopWriter returns
// why.
var errWriterFailed = errors.New("ingest: the write failed")

// startWriter starts the goroutine that hands batches to the upload while the next batch is
// read: on two cores, parsing and the store's work overlap. Two batches circulate, so memory
// stays at two batches.
func (p *pipeline) startWriter() {
	p.batch = &batch{}
	p.toWrite = make(chan *batch, 1)
	p.free = make(chan *batch, 1)
	p.free <- &batch{}
	p.written = make(chan error, 1)
	go func() {
		var err error
		for b := range p.toWrite {
			if err == nil {
				if err = p.write(b); err != nil {
					p.failed.Store(true)
				}
			}
			clear(b.sites) // drop the strings before the batch is filled again
			b.sites, b.keep, b.retire = b.sites[:0], b.keep[:0], b.retire[:0]
			p.free <- b
		}
		p.written <- err
	}()
}

// stopWriter waits for the writer goroutine to finish the batches sent and returns its
// error. Only then may the upload be used again (committed or rolled back).
func (p *pipeline) stopWriter() error {
	close(p.toWrite)
	return <-p.written
}

// flush sends the batch being filled to the writer and takes an empty one.
func (p *pipeline) flush() error {
	if p.failed.Load() {
		return errWriterFailed
	}
	if len(p.batch.sites)+len(p.batch.keep)+len(p.batch.retire) == 0 {
		return nil
	}
	p.toWrite <- p.batch
	p.batch = <-p.free
	return nil
}

// write hands one batch to the upload, on the writer goroutine.
func (p *pipeline) write(b *batch) error {
	if len(b.sites) > 0 {
		if err := p.keepVerification(b.sites); err != nil {
			return fmt.Errorf("ingest: write sites (nothing was changed): %w", err)
		}
		if err := p.upload.Add(p.ctx, b.sites); err != nil {
			return fmt.Errorf("ingest: write sites (nothing was changed): %w", err)
		}
	}
	if len(b.keep) > 0 {
		if err := p.upload.Keep(p.ctx, b.keep); err != nil {
			return fmt.Errorf("ingest: write sites (nothing was changed): %w", err)
		}
	}
	if len(b.retire) > 0 {
		if err := p.upload.Retire(p.ctx, b.retire); err != nil {
			return fmt.Errorf("ingest: write sites (nothing was changed): %w", err)
		}
	}
	return nil
}

// keepVerification gives the batch's sites the verification stored for them, when the upload
// is not itself a verification (Options.VerifiedBy): a file does not say when its sites were
// last checked, so writing it must not make checked sites look unchecked. A store whose upload
// cannot tell (not a aidmap.VerificationReader) writes the sites unverified.
func (p *pipeline) keepVerification(sites []aidmap.Site) error {
	vr, ok := p.upload.(aidmap.VerificationReader)
	if p.opts.VerifiedBy != "" || !ok {
		return nil
	}
	ids := make([]string, len(sites))
	for i := range sites {
		ids[i] = sites[i].ID
	}
	known, err := vr.Verifications(p.ctx, ids)
	if err != nil {
		return err
	}
	for i := range sites {
		if v, ok := known[sites[i].ID]; ok {
			sites[i].VerifiedAt, sites[i].VerifiedBy = v.At, v.By
		}
	}
	return nil
}

func (p *pipeline) progress(phase string) {
	if p.opts.Progress != nil {
		p.opts.Progress(Progress{Phase: phase, Rows: p.rowsRead})
	}
}

// read consumes src, adding its sites to the upload batch by batch and the report's problems.
func (p *pipeline) read(src Reader) error {
	p.progress("reading")
	for {
		rec, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p.rowsRead++
		p.rep.Summary.RowsRead++
		if p.rowsRead%progressEvery == 0 {
			if err := p.ctx.Err(); err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			p.progress("reading")
		}
		if err := p.record(&rec); err != nil {
			return err
		}
		if p.batch.full() {
			if err := p.flush(); err != nil {
				return err
			}
		}
	}
}

// record handles one row: convert, geocode, hours, duplicates.
func (p *pipeline) record(rec *Record) error {
	s, problems := rec.Site(p.opts.Org)
	severity := worst(problems)
	if severity == Warning && s.Precision == "" {
		var err error
		if problems, err = p.geocode(rec, &s, problems); err != nil {
			return err
		}
		severity = worst(problems)
	}
	if severity == Warning && s.Precision == aidmap.PrecisionExact && s.Address.Street != "" {
		if c, ok := p.geocoder.(Checker); ok {
			problems = p.check(c, rec, &s, problems)
		}
	}
	switch severity {
	case Rejected:
		p.rep.Summary.Rejected++
		if s.ID != "" && p.opts.Mode == ModeReplace {
			p.batch.keep = append(p.batch.keep, s.ID)
		}
		p.rep.add(problems)
		return nil
	case Skipped:
		p.rep.Summary.Skipped++
		if s.ID != "" {
			p.batch.retire = append(p.batch.retire, s.ID)
		}
		p.rep.add(problems)
		return nil
	}
	problems = p.hours(rec, &s, problems)
	if s.Hours.Known() && s.Hours.Timezone == "" {
		// Hours mean nothing without a zone; most files name none, so find it from the point:
		// for a confidential site, from its area, for the zone is published and a cell that
		// straddles a zone boundary must not say which side the site is on.
		lat, lon := s.Lat, s.Lon
		if s.Confidential {
			a := aidmap.AreaOf(lat, lon)
			lat, lon = a.CentreLat(), a.CentreLon()
		}
		s.Hours.Timezone = tz.Find(lat, lon)
	}
	s.UpdatedAt = p.now
	if p.opts.VerifiedBy != "" {
		s.VerifiedAt, s.VerifiedBy = p.opts.VerifiedAt, p.opts.VerifiedBy
		if s.VerifiedAt.IsZero() {
			s.VerifiedAt = p.now
		}
	}

	id := p.idKey(s.ID)
	if earlier, dup := p.byID[id]; dup {
		problems = append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "id",
			Value: s.ExternalID, Reason: ReasonDuplicateID, Detail: fmt.Sprintf("row %d and row %d are the same site; row %d is used", earlier, rec.Row, earlier)})
		p.rep.Summary.Duplicates++
		p.rep.add(problems)
		return nil
	}
	if key := nameAddressKey(&s); key != "" {
		// (*) A 64-bit digest: two different places share one with odds of about 1 in 36
		// million over a million rows, and that costs one needless warning, never a site.
		h := maphash.String(p.seed[0], key)
		if first, dup := p.byNameAddr[h]; dup {
			problems = append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "name",
				Value: s.Name, Reason: ReasonDuplicateName, Detail: fmt.Sprintf("same as row %d; this row has ID %s", first, s.ExternalID)})
		} else {
			p.byNameAddr[h] = int32(rec.Row)
		}
	}
	p.byID[id] = int32(rec.Row)
	p.rep.Summary.Precision[s.Precision]++
	p.batch.sites = append(p.batch.sites, s)

	p.rep.add(problems)
	return nil
}

// geocode places a site that has an address but no coordinates.
func (p *pipeline) geocode(rec *Record, s *aidmap.Site, problems []Problem) ([]Problem, error) {
	addr := s.Address.String()
	reject := func(reason, detail string) []Problem {
		return append(problems, Problem{Severity: Rejected, Row: rec.Row, Line: rec.Line, Field: "address",
			Column: columnOf(rec, FieldAddress), Value: addr, Reason: reason, Detail: detail})
	}
	res, err := p.geocoder.Geocode(p.ctx, s.Address)
	switch {
	case err == nil:
	case p.ctx.Err() != nil:
		return problems, fmt.Errorf("ingest: %w", p.ctx.Err())
	case errors.Is(err, aidmap.ErrNotFound):
		detail := "give latitude and longitude, or a fuller address"
		var nl *NotLocatedError
		if errors.As(err, &nl) {
			detail = nl.Detail
		}
		return reject(ReasonNotLocated, detail), nil
	default:
		return reject("the address could not be looked up; upload the file again later", err.Error()), nil
	}
	s.Lat, s.Lon, s.Precision = res.Lat, res.Lon, res.Precision
	if s.Precision == "" || s.Precision == aidmap.PrecisionExact {
		s.Precision = aidmap.PrecisionAddress // a geocoded point is never the provider's own
	}
	if err := s.Validate(); err != nil {
		var fe *aidmap.FieldError
		pr := Problem{Severity: Rejected, Row: rec.Row, Line: rec.Line, Reason: err.Error()}
		if errors.As(err, &fe) {
			pr.Field, pr.Value, pr.Reason = fe.Field, fe.Value, fe.Reason
		}
		return append(problems, pr), nil
	}
	if s.Precision.Approximate() {
		problems = append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "address",
			Column: columnOf(rec, FieldAddress), Value: addr, Reason: ReasonApproximate,
			Detail: fmt.Sprintf("matched %q at %s level", res.Label, strings.ReplaceAll(string(s.Precision), "_", " "))})
	}
	return problems, nil
}

// farM is how far given coordinates may be from where their address is before the row gets
// a warning: address points and interpolations are rarely off by more than a block, but a
// street can run for kilometres.
func farM(p aidmap.Precision) float64 {
	if p == aidmap.PrecisionStreet {
		return 5000
	}
	return 1000
}

// check compares the row's coordinates with its geocoded address.
func (p *pipeline) check(c Checker, rec *Record, s *aidmap.Site, problems []Problem) []Problem {
	res, ok := c.Check(p.ctx, s.Address)
	if !ok {
		return problems
	}
	far := farM(res.Precision)
	d := aidmap.DistanceM(s.Lat, s.Lon, res.Lat, res.Lon)
	if d <= far {
		return problems
	}
	coords := strconv.FormatFloat(s.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(s.Lon, 'f', -1, 64)
	if math.Abs(s.Lon) <= 90 && aidmap.DistanceM(s.Lon, s.Lat, res.Lat, res.Lon) <= far {
		s.Lat, s.Lon = s.Lon, s.Lat
		return append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "lat",
			Column: columnOf(rec, FieldLat), Value: coords, Reason: ReasonSwappedByAddress,
			Detail: fmt.Sprintf("the address matched %q", res.Label)})
	}
	return append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "lat",
		Column: columnOf(rec, FieldLat), Value: coords, Reason: ReasonFarFromAddress,
		Detail: fmt.Sprintf("%.1f km from %q (matched at %s level); the coordinates were kept", d/1000, res.Label, strings.ReplaceAll(string(res.Precision), "_", " "))})
}

func columnOf(rec *Record, f Field) string {
	if rec.Columns != nil {
		return rec.Columns[f]
	}
	return ""
}

// worst returns the most severe problem's severity (Warning when none).
func worst(ps []Problem) Severity {
	sev := Warning
	for _, p := range ps {
		if p.Severity == Rejected {
			return Rejected
		}
		if p.Severity == Skipped {
			sev = Skipped
		}
	}
	return sev
}

// nameAddressKey identifies a place by its name and address, insensitive to case, spacing and
// punctuation; "" when the site has no address (coordinates alone say too little).
func nameAddressKey(s *aidmap.Site) string {
	where := NormaliseKey(s.Address.Street + s.Address.Unit + s.Address.Locality + s.Address.PostalCode)
	if where == "" {
		return ""
	}
	return NormaliseKey(s.Name) + "\x00" + where
}
