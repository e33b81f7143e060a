package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Writer is the part of the store an upload needs. store.Store satisfies it.
type Writer interface {
	// Organization returns the organisation, or an error wrapping aidmap.ErrNotFound.
	Organization(ctx context.Context, id string) (aidmap.Organization, error)
	// UpsertOrganization creates the organisation (only used with Options.OrgName).
	UpsertOrganization(ctx context.Context, org aidmap.Organization) error
	// UpsertSites writes one organisation's sites in one transaction: all or nothing.
	UpsertSites(ctx context.Context, orgID string, sites []aidmap.Site) (store.UpsertResult, error)
	// EachSite streams every site of the store, retired ones included.
	EachSite(ctx context.Context, fn func(aidmap.Site) error) (int64, error)
}

// GeocodeResult is where a geocoder placed an address.
type GeocodeResult struct {
	Lat, Lon   float64          // WGS84 degrees
	Precision  aidmap.Precision // how exactly the point is known; never PrecisionExact
	Confidence float64          // 0 to 1, as the geocoder rates its match
	Label      string           // the place the geocoder matched, for people to check
}

// Geocoder places an address on the map. Geocode returns an error wrapping aidmap.ErrNotFound
// when it cannot locate the address; any other error means it could not look the address up
// at all (a provider down), and the row is rejected with that reason.
type Geocoder interface {
	Geocode(ctx context.Context, addr aidmap.Address) (GeocodeResult, error)
}

// NotFoundGeocoder locates nothing: the geocoder to use until one is configured. Rows without
// coordinates are then rejected with ReasonNotLocated, never placed somewhere invented.
type NotFoundGeocoder struct{}

// Geocode always returns aidmap.ErrNotFound.
func (NotFoundGeocoder) Geocode(ctx context.Context, addr aidmap.Address) (GeocodeResult, error) {
	return GeocodeResult{}, fmt.Errorf("geocode %q: %w", addr.String(), aidmap.ErrNotFound)
}

// Reasons the pipeline gives. They are fixed texts so the report can group rows by them.
const (
	ReasonNotLocated    = "address could not be located"
	ReasonHoursKept     = "hours kept as written: could not be read as opening hours"
	ReasonDuplicateID   = "the same site appears on an earlier row; this later row replaces it"
	ReasonDuplicateName = "has the same name and address as another row with a different ID; check the site is not listed twice"
	ReasonApproximate   = "placed on the map only approximately (the address matched at a coarse level); people are told the location is approximate"
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
	Phase string // "reading", "writing" or "done"
	Rows  int    // rows read so far
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
	// DryRun does everything but write: the report says what would be created, updated,
	// unchanged and retired.
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
}

// progressEvery is how many rows pass between Progress calls.
const progressEvery = 2048

// ErrNoOrganization is returned (wrapping aidmap.ErrNotFound) when Options.Org names no
// organisation and Options.OrgName is empty.
var ErrNoOrganization = errors.New("organisation does not exist")

// Run reads every record of src, turns the usable ones into sites of Options.Org (geocoding
// rows without coordinates and reading their opening hours), and writes them with one
// UpsertSites call, so the upload is all or nothing. In replace mode, the organisation's
// sites missing from the file are retired in that same call. Rows marked inactive or excluded
// from the website (Skipped) retire the site they name in either mode. A rejected row never
// retires its site: a typo in this upload does not take a site off the map.
//
// The report is returned even with an error, filled as far as the upload went. The error is a
// *FileError when the file could not be read (nothing was written), or the store's error when
// the write failed (nothing was written either: UpsertSites is all or nothing).
//
// Run holds the file's sites and the organisation's current sites in memory: uploads of
// millions of rows need a streaming transaction in the store, which it does not have yet.
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
	createOrg := false
	if _, err := w.Organization(ctx, opts.Org); err != nil {
		if !errors.Is(err, aidmap.ErrNotFound) {
			return rep, fmt.Errorf("ingest: look up organisation %q: %w", opts.Org, err)
		}
		if opts.OrgName == "" {
			return rep, fmt.Errorf("ingest: organisation %q: %w: %w", opts.Org, ErrNoOrganization, aidmap.ErrNotFound)
		}
		createOrg = true
		rep.OrganizationCreated = true
	}

	p := pipeline{ctx: ctx, opts: opts, geocoder: g, rep: rep, now: opts.Now().UTC(),
		byID: map[string]int{}, byNameAddr: map[string]int{}, kept: map[string]bool{}, skipped: map[string]bool{}}
	if err := p.read(src); err != nil {
		rep.File.setDialect(src.Dialect())
		return rep, err
	}
	rep.File.setDialect(src.Dialect())
	for i := range p.sites {
		rep.Summary.Precision[p.sites[i].Precision]++
	}

	// The organisation's current sites: to retire the missing ones and, in a dry run, to say
	// what would change.
	current := map[string]aidmap.Site{}
	if !createOrg {
		p.progress("comparing")
		if _, err := w.EachSite(ctx, func(s aidmap.Site) error {
			if s.OrganizationID == opts.Org {
				current[s.ID] = s
			}
			return nil
		}); err != nil {
			return rep, fmt.Errorf("ingest: read the organisation's current sites: %w", err)
		}
	}
	batch := p.sites
	var retired []aidmap.Site
	for id, s := range current {
		if s.Status == aidmap.StatusRetired {
			continue
		}
		if _, inFile := p.byID[id]; inFile {
			continue
		}
		if p.skipped[id] || (opts.Mode == ModeReplace && !p.kept[id]) {
			s.Status = aidmap.StatusRetired
			s.UpdatedAt = p.now
			retired = append(retired, s)
		}
	}
	slices.SortFunc(retired, func(a, b aidmap.Site) int { return strings.Compare(a.ID, b.ID) })
	batch = append(batch, retired...)
	rep.Summary.Retired = len(retired)

	if opts.DryRun {
		for _, s := range p.sites {
			old, ok := current[s.ID]
			switch {
			case !ok:
				rep.Summary.Created++
			case sameContent(&old, &s):
				rep.Summary.Unchanged++
			default:
				rep.Summary.Updated++
			}
		}
		p.progress("done")
		return rep, nil
	}

	if len(batch) == 0 && !createOrg {
		p.progress("done")
		return rep, nil
	}
	p.progress("writing")
	if createOrg {
		org := aidmap.Organization{ID: opts.Org, Name: opts.OrgName, CreatedAt: p.now}
		if err := w.UpsertOrganization(ctx, org); err != nil {
			return rep, fmt.Errorf("ingest: create organisation %q: %w", opts.Org, err)
		}
	}
	if len(batch) > 0 {
		res, err := w.UpsertSites(ctx, opts.Org, batch)
		if err != nil {
			rep.Summary.Retired = 0
			return rep, fmt.Errorf("ingest: write sites (nothing was changed): %w", err)
		}
		rep.Summary.Created = len(res.Created)
		rep.Summary.Updated = len(res.Updated) - len(retired)
		rep.Summary.Unchanged = len(res.Unchanged)
		rep.StoreVersion = res.Version
	}
	p.progress("done")
	return rep, nil
}

// pipeline is the state of one Run while it reads.
type pipeline struct {
	ctx      context.Context
	opts     Options
	geocoder Geocoder
	rep      *Report
	now      time.Time

	sites      []aidmap.Site
	rows       []int          // file row of each site
	byID       map[string]int // site ID → index in sites
	byNameAddr map[string]int // normalised name+address → index in sites
	kept       map[string]bool
	skipped    map[string]bool
	rowsRead   int
	hoursCache map[string]hoursResult
}

func (p *pipeline) progress(phase string) {
	if p.opts.Progress != nil {
		p.opts.Progress(Progress{Phase: phase, Rows: p.rowsRead})
	}
}

// read consumes src, filling p.sites and the report's problems.
func (p *pipeline) read(src Reader) error {
	p.progress("reading")
	for {
		rec, err := src.Next()
		if err == io.EOF {
			break
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
	}
	return nil
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
	switch severity {
	case Rejected:
		p.rep.Summary.Rejected++
		p.kept[s.ID] = true
		p.rep.add(problems)
		return nil
	case Skipped:
		p.rep.Summary.Skipped++
		p.skipped[s.ID] = true
		p.rep.add(problems)
		return nil
	}
	problems = p.hours(rec, &s, problems)
	s.UpdatedAt = p.now

	if i, dup := p.byID[s.ID]; dup {
		earlier := p.rows[i]
		problems = append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "id",
			Value: s.ExternalID, Reason: ReasonDuplicateID, Detail: fmt.Sprintf("row %d and row %d are the same site; row %d is used", earlier, rec.Row, rec.Row)})
		p.rep.Summary.Duplicates++
		p.sites[i], p.rows[i] = s, rec.Row
		p.rep.add(problems)
		return nil
	}
	if key := nameAddressKey(&s); key != "" {
		if i, dup := p.byNameAddr[key]; dup {
			problems = append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "name",
				Value: s.Name, Reason: ReasonDuplicateName, Detail: fmt.Sprintf("same as row %d (ID %s); this row has ID %s", p.rows[i], p.sites[i].ExternalID, s.ExternalID)})
		} else {
			p.byNameAddr[key] = len(p.sites)
		}
	}
	p.byID[s.ID] = len(p.sites)
	p.sites = append(p.sites, s)
	p.rows = append(p.rows, rec.Row)
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
		return reject(ReasonNotLocated, "give latitude and longitude, or a fuller address"), nil
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

func columnOf(rec *Record, f Field) string {
	if rec.columns != nil {
		return rec.columns[f]
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
	where := normaliseKey(s.Address.Street + s.Address.Unit + s.Address.Locality + s.Address.PostalCode)
	if where == "" {
		return ""
	}
	return normaliseKey(s.Name) + "\x00" + where
}

// sameContent reports whether two sites say the same thing, UpdatedAt aside, as the store
// decides it: nil and empty lists are equal, times are compared to the microsecond.
func sameContent(a, b *aidmap.Site) bool {
	ca, cb := canonical(*a), canonical(*b)
	ba, _ := ca.AppendBinary(nil)
	bb, _ := cb.AppendBinary(nil)
	return bytes.Equal(ba, bb)
}

func canonical(s aidmap.Site) aidmap.Site {
	s = store.Canonical(&s)
	s.UpdatedAt = time.Time{}
	if !s.VerifiedAt.IsZero() {
		s.VerifiedAt = s.VerifiedAt.UTC().Truncate(time.Microsecond)
	}
	return s
}
