// Package icarol reads 211 resource exports in iCarol's layout (the AIRS record levels) as
// the hierarchy they describe, not as one site per row. It wraps a table reader (ingest/table
// for CSV and TSV, ingest/xlsx for a workbook), whose header detection and column synonyms map
// the export's columns (PublicName, Physical*, Latitude, HoursOfOperation, …) to fields; this
// package adds what a flat table cannot know: which row is an agency, a site, a program or a
// program at a site, and how they link.
//
// # The levels
//
// Each row of an iCarol export is one record, and its TaxonomyLevelName column says which of
// four kinds: Agency (an organisation), Site (a physical location of an agency), Program (a
// service of an agency) and ProgramAtSite (a program offered at a site). Rows link by
// ResourceAgencyNum: ParentAgencyNum names a row's agency, and a ProgramAtSite row names its
// program in ConnectsToProgramNum and its site in ConnectsToSiteNum. This is how iCarol
// describes its record types (na1support.icarol.com, "Create, Edit or Delete Resource
// Records": Agency, Site, Program, ProgramAtSite, "the connection between a Program offered
// at a Site"), and how the CIOC software that imports iCarol exports joins them
// (github.com/OpenCIOC/onlineresources, python/sql/core/Stored Procedures/
// dbo.sp_CIC_iCarolImport_CreateSharing.sql: ProgramAtSite rows joined to TaxonomyLevelName
// 'Program' by ConnectsToProgramNum, to 'Site' by ConnectsToSiteNum and to 'Agency' by
// ParentAgencyNum). TaxonomyLevelName is therefore the record's level, never a category:
// categories come from the taxonomy terms (TaxonomyTerms) or the name.
//
// # What becomes a site
//
// aidmap represents several services at one place as several sites at one point, one per
// service, each with its own hours and eligibility (the precedent is ingest/hsds, one site
// per service_at_location); the place matcher (package place) then shows them as one place.
// So here:
//
//   - a ProgramAtSite row is one site: the program's service at the site's point and address,
//     with the program-at-site's own values first (hours, eligibility, languages, phone, …),
//     then the program's, then the site's (hours, contact) and the agency's (description,
//     contact). Its ID is the ProgramAtSite row's ResourceAgencyNum;
//   - a Site row at which no program is offered is a site of its own, under its own name;
//   - an Agency row is the organisation: its name is added to its services' names, and it is
//     a place only when it has no Site row. Then its programs are services at the agency's
//     address (or it is one site of its own when it has no program either);
//   - a Program with no ProgramAtSite row that names a site in its own ConnectsToSiteNum is a
//     service at that site, as if a ProgramAtSite row linked them (the column is on every
//     row of the export, as the importers above read it; ProgramAtSite rows, when a program
//     has any, say where it is offered and win);
//   - a Program with no ProgramAtSite row and no site of its own, of an agency that has sites,
//     is placed at its own address when it has one, else left out with a note (like a
//     helpline, it has no place).
//
// Rows with a broken link (a ParentAgencyNum, ConnectsToSiteNum or ConnectsToProgramNum
// naming no row of the right level, a missing or repeated ResourceAgencyNum, an unknown
// level) are rejected with a problem naming the row, the column and the value; rows that
// depend on a rejected row are rejected too, naming it. Nothing is guessed: the reader fails
// closed.
//
// The reader holds the whole file (its records without their cells), for a program's rows
// can come after the rows that name it; Options.MaxRows bounds it.
package icarol

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

// DefaultMaxRows bounds the rows one export may have: the reader keeps them all in memory
// (about 1 KB each; the largest 211 exports have tens of thousands).
const DefaultMaxRows = 1_000_000

// Options tune the reader. The zero value uses DefaultMaxRows.
type Options struct {
	MaxRows int
}

// Column keys (ingest.NormaliseKey form) of the columns that hold the hierarchy.
const (
	colNum       = "resourceagencynum"
	colLevel     = "taxonomylevelname"
	colParent    = "parentagencynum"
	colSite      = "connectstositenum"
	colProgram   = "connectstoprogramnum"
	colPublicNam = "publicname"
)

// Detect reports whether a table's columns are an iCarol export's: a ResourceAgencyNum and a
// TaxonomyLevelName column.
func Detect(d ingest.Dialect) bool {
	var num, level bool
	for _, c := range d.Columns {
		switch ingest.NormaliseKey(c.Header) {
		case colNum:
			num = true
		case colLevel:
			level = true
		}
	}
	return num && level
}

type level uint8

const (
	levelNone level = iota
	levelAgency
	levelSite
	levelProgram
	levelPAS
)

func (l level) String() string {
	switch l {
	case levelAgency:
		return "Agency"
	case levelSite:
		return "Site"
	case levelProgram:
		return "Program"
	case levelPAS:
		return "ProgramAtSite"
	}
	return "unknown"
}

// parseLevel reads a TaxonomyLevelName cell. AIRS calls a program a service, so "Service" and
// "SiteService" are read too.
func parseLevel(s string) level {
	switch ingest.NormaliseKey(s) {
	case "agency":
		return levelAgency
	case "site":
		return levelSite
	case "program", "programme", "service":
		return levelProgram
	case "programatsite", "programmeatsite", "siteservice", "serviceatsite":
		return levelPAS
	}
	return levelNone
}

// row is one record of the file with its place in the hierarchy.
type row struct {
	rec                        ingest.Record // Cells dropped
	level                      level
	num, parent, site, program string
	name                       string
	agency                     *row // resolved ParentAgencyNum
	bad                        bool // rejected: nothing that depends on it is used
	// shared: the row's own problems from the table reader went to an output already.
	shared bool
}

func (r *row) reject(field ingest.Field, column, value, reason string) {
	r.bad = true
	r.rec.Problems = append(r.rec.Problems, ingest.Problem{Severity: ingest.Rejected, Row: r.rec.Row,
		Line: r.rec.Line, Field: field.String(), Column: column, Value: ingest.Clip(value), Reason: reason})
}

func (r *row) warn(field ingest.Field, column, value, reason string) {
	r.rec.Problems = append(r.rec.Problems, ingest.Problem{Severity: ingest.Warning, Row: r.rec.Row,
		Line: r.rec.Line, Field: field.String(), Column: column, Value: ingest.Clip(value), Reason: reason})
}

// where names a row for problems of other rows: "row 7 (Site S2)".
func (r *row) where() string {
	return "row " + strconv.Itoa(r.rec.Row) + " (" + r.level.String() + " " + r.num + ")"
}

// Reader yields the sites of an iCarol export (see the package documentation). It implements
// ingest.Reader and ingest.HierarchyReader.
type Reader struct {
	out     []ingest.Record
	next    int
	dialect ingest.Dialect
	counts  ingest.Hierarchy
}

// New reads the whole of src, a table reader over an iCarol export (Detect), and joins its
// rows. It returns src's *FileError when the file cannot be read, or one of its own when the
// export lacks a column the hierarchy needs or has more than Options.MaxRows rows.
func New(src ingest.Reader, opts Options) (*Reader, error) {
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultMaxRows
	}
	cols := map[string]int{}
	headers := map[string]string{}
	for _, c := range src.Dialect().Columns {
		k := ingest.NormaliseKey(c.Header)
		if _, dup := cols[k]; !dup && k != "" {
			cols[k], headers[k] = c.Index, c.Header
		}
	}
	for _, k := range []string{colNum, colLevel} {
		if _, ok := cols[k]; !ok {
			return nil, &ingest.FileError{Reason: "iCarol export: no " + map[string]string{colNum: "ResourceAgencyNum", colLevel: "TaxonomyLevelName"}[k] +
				" column; an export of agencies, sites and programs needs ResourceAgencyNum, TaxonomyLevelName and ParentAgencyNum", Err: aidmap.ErrInvalid}
		}
	}
	cell := func(rec *ingest.Record, k string) string {
		if i, ok := cols[k]; ok && i < len(rec.Cells) {
			return strings.TrimSpace(rec.Cells[i])
		}
		return ""
	}
	var rows []*row
	for {
		rec, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rows) >= opts.MaxRows {
			return nil, &ingest.FileError{Line: rec.Line, Reason: fmt.Sprintf("iCarol export: more than %d rows; split the export by agency", opts.MaxRows), Err: aidmap.ErrInvalid}
		}
		r := &row{num: cell(&rec, colNum), parent: cell(&rec, colParent), site: cell(&rec, colSite),
			program: cell(&rec, colProgram), name: cell(&rec, colPublicNam)}
		if r.name == "" {
			r.name = strings.TrimSpace(rec.Get(ingest.FieldName))
		}
		lv := cell(&rec, colLevel)
		r.level = parseLevel(lv)
		rec.Cells = nil
		r.rec = rec
		if r.parent == "0" { // iCarol writes 0 for "no parent" on agency rows
			r.parent = ""
		}
		if r.level == levelNone {
			reason := "is not a record level: write Agency, Site, Program or ProgramAtSite"
			if lv == "" {
				reason = "is required: it says whether the row is an Agency, a Site, a Program or a ProgramAtSite"
			}
			r.reject(ingest.FieldNone, headers[colLevel], lv, reason)
		}
		rows = append(rows, r)
	}
	d := src.Dialect()
	j := join{rows: rows, headers: headers}
	out, counts, notes := j.run()
	d.Notes = append(slices.Clone(d.Notes), notes...)
	return &Reader{out: out, dialect: d, counts: counts}, nil
}

// Next returns the next site's record, or io.EOF after the last. Records come in the order of
// the rows they stand for (a service by its ProgramAtSite row).
func (r *Reader) Next() (ingest.Record, error) {
	if r.next >= len(r.out) {
		return ingest.Record{}, io.EOF
	}
	rec := r.out[r.next]
	r.out[r.next] = ingest.Record{}
	r.next++
	return rec, nil
}

// Dialect describes the file as the table reader read it, with notes on what the hierarchy
// left out.
func (r *Reader) Dialect() ingest.Dialect {
	d := r.dialect
	d.Columns = slices.Clone(d.Columns)
	d.Notes = slices.Clone(d.Notes)
	return d
}

// Hierarchy counts the organisations, places and services the file describes.
func (r *Reader) Hierarchy() ingest.Hierarchy { return r.counts }

// join links the rows and builds the sites.
type join struct {
	rows     []*row
	headers  map[string]string
	agencies map[string]*row
	sites    map[string]*row
	programs map[string]*row
	all      map[string]*row // every numbered row, first of each number
	out      []ingest.Record
}

func (j *join) run() ([]ingest.Record, ingest.Hierarchy, []string) {
	var counts ingest.Hierarchy
	var notes []string
	j.index()
	j.parents()
	atSites := j.programsAtSites()
	hasSite := map[*row]bool{}
	for _, s := range j.sites {
		if !s.bad && s.agency != nil {
			hasSite[s.agency] = true
		}
	}
	placed := map[*row]bool{} // sites and agencies with a service
	for _, r := range j.rows {
		if r.level != levelPAS || r.bad {
			continue
		}
		s, p := j.sites[r.site], j.programs[r.program]
		j.emit(j.service(r, p, s, r.agency))
		placed[s] = true
		counts.Services++
	}
	var unplaced []string
	for _, r := range j.rows {
		if r.level != levelProgram || r.bad || atSites[r] {
			continue
		}
		a := r.agency
		if s := j.connectedSite(r); s != nil {
			j.emit(j.service(nil, r, s, a))
			placed[s] = true
			counts.Services++
			continue
		}
		if r.bad {
			continue // its ConnectsToSiteNum is broken: reported with the rejected rows
		}
		switch {
		case hasLocation(r):
			j.emit(j.service(nil, r, r, a))
			counts.Services++
			counts.Places++
		case a != nil && !a.bad && !hasSite[a]:
			j.emit(j.service(nil, r, a, a))
			placed[a] = true
			counts.Services++
		default:
			unplaced = append(unplaced, r.where()+" "+r.name)
		}
	}
	for _, r := range j.rows {
		switch {
		case r.bad:
			j.emit(j.rejected(r))
		case r.level == levelAgency:
			counts.Organizations++
			if hasSite[r] {
				continue
			}
			counts.Places++
			if !placed[r] {
				j.emit(j.alone(r))
			}
		case r.level == levelSite:
			counts.Places++
			if !placed[r] {
				j.emit(j.alone(r))
			}
		}
	}
	if len(unplaced) > 0 {
		what := fmt.Sprintf("%d programs are", len(unplaced))
		if len(unplaced) == 1 {
			what = "1 program is"
		}
		notes = append(notes, what+" offered at none of their agency's sites (no ProgramAtSite row) and have no address of their own, so they cannot be placed on the map: "+listSome(unplaced))
	}
	slices.SortStableFunc(j.out, func(a, b ingest.Record) int { return cmp.Compare(a.Row, b.Row) })
	return j.out, counts, notes
}

func (j *join) emit(rec ingest.Record) { j.out = append(j.out, rec) }

// index files the rows by ResourceAgencyNum and level; a missing or repeated number rejects
// the row.
func (j *join) index() {
	j.agencies, j.sites, j.programs = map[string]*row{}, map[string]*row{}, map[string]*row{}
	seen := map[string]*row{}
	j.all = seen
	for _, r := range j.rows {
		if r.bad {
			if _, ok := seen[r.num]; !ok && r.num != "" {
				seen[r.num] = r
			}
			continue
		}
		if r.num == "" {
			r.reject(ingest.FieldID, j.headers[colNum], "", "is required: other rows name an agency, site or program by its ResourceAgencyNum")
			continue
		}
		if first, dup := seen[r.num]; dup {
			r.reject(ingest.FieldID, j.headers[colNum], r.num, "is also the number of "+first.where()+"; each record needs its own ResourceAgencyNum")
			continue
		}
		seen[r.num] = r
		switch r.level {
		case levelAgency:
			j.agencies[r.num] = r
		case levelSite:
			j.sites[r.num] = r
		case levelProgram:
			j.programs[r.num] = r
		}
	}
}

// byNum finds any row by number, for saying what a broken link names instead.
func (j *join) byNum(num string) *row { return j.all[num] }

// parents resolves every site's, program's and program at site's ParentAgencyNum.
func (j *join) parents() {
	for _, r := range j.rows {
		if r.bad || r.level == levelAgency {
			continue
		}
		col := j.headers[colParent]
		if col == "" {
			col = "ParentAgencyNum"
		}
		if r.parent == "" {
			r.reject(ingest.FieldNone, col, "", "is required: every "+r.level.String()+" row belongs to an agency, named by the agency row's ResourceAgencyNum")
			continue
		}
		a, ok := j.agencies[r.parent]
		switch {
		case !ok:
			r.reject(ingest.FieldNone, col, r.parent, j.notFound(r.parent, "agency"))
		case a.bad:
			r.reject(ingest.FieldNone, col, r.parent, "names the agency on "+a.where()+", which was rejected; fix that row first")
		default:
			r.agency = a
		}
	}
}

// notFound says why a link names no row of the level it needs.
func (j *join) notFound(num, want string) string {
	if o := j.byNum(num); o != nil && o.level != levelNone {
		return "names " + o.where() + ", which is not " + article(want) + " " + want + " row"
	}
	return "names no " + want + " row of the file (no row has this ResourceAgencyNum)"
}

func article(s string) string {
	if strings.IndexByte("aeiou", s[0]) >= 0 {
		return "an"
	}
	return "a"
}

// programsAtSites checks each ProgramAtSite row's program and site, and returns the programs
// offered at a site.
func (j *join) programsAtSites() (atSites map[*row]bool) {
	atSites = map[*row]bool{}
	for _, r := range j.rows {
		if r.bad || r.level != levelPAS {
			continue
		}
		p, s := j.link(r, colProgram, "ConnectsToProgramNum", r.program, j.programs, "program"), j.link(r, colSite, "ConnectsToSiteNum", r.site, j.sites, "site")
		if p == nil || s == nil {
			continue
		}
		for _, other := range []*row{p, s} {
			if other.agency != nil && r.agency != nil && other.agency != r.agency {
				r.warn(ingest.FieldNone, j.headers[colParent], r.parent, "the program at site belongs to agency "+r.agency.num+" but "+other.where()+" to agency "+other.agency.num+"; check ParentAgencyNum")
			}
		}
		atSites[p] = true
	}
	return atSites
}

// connectedSite returns the site a Program row names in its own ConnectsToSiteNum: a program
// offered at one site, linked without a ProgramAtSite row. It is nil when the row names none
// (empty, or iCarol's 0 for "no link"), and the row is rejected when the link is broken, as a
// ProgramAtSite row's would be. Only programs with no ProgramAtSite row get here: those rows
// say where a program is offered, each with its own values, and win.
func (j *join) connectedSite(r *row) *row {
	if r.site == "" || r.site == "0" {
		return nil
	}
	s := j.link(r, colSite, "ConnectsToSiteNum", r.site, j.sites, "site")
	if s != nil && s.agency != nil && r.agency != nil && s.agency != r.agency {
		r.warn(ingest.FieldNone, j.headers[colParent], r.parent, "the program belongs to agency "+r.agency.num+" but "+s.where()+" to agency "+s.agency.num+"; check ParentAgencyNum")
	}
	return s
}

// link resolves one of a ProgramAtSite row's links, rejecting the row when it is broken.
func (j *join) link(r *row, key, name, num string, m map[string]*row, want string) *row {
	if r.bad {
		return nil
	}
	col := j.headers[key]
	if col == "" {
		col = name
	}
	o, ok := m[num]
	switch {
	case num == "":
		r.reject(ingest.FieldNone, col, "", "is required: a ProgramAtSite row names the "+want+" it connects")
	case !ok:
		r.reject(ingest.FieldNone, col, num, j.notFound(num, want))
	case o.bad:
		r.reject(ingest.FieldNone, col, num, "names the "+want+" on "+o.where()+", which was rejected; fix that row first")
	default:
		return o
	}
	return nil
}

// hasLocation reports whether a row gives a point or a street address of its own.
func hasLocation(r *row) bool {
	v := &r.rec.Values
	return !ingest.Missing(v[ingest.FieldLat]) && !ingest.Missing(v[ingest.FieldLon]) ||
		!ingest.Missing(v[ingest.FieldCoordinates]) || !ingest.Missing(v[ingest.FieldAddress])
}

// Field groups, by which rows give them.
var (
	locationFields = []ingest.Field{ingest.FieldAddress, ingest.FieldUnit, ingest.FieldCity, ingest.FieldRegion,
		ingest.FieldPostalCode, ingest.FieldCountry, ingest.FieldLat, ingest.FieldLon, ingest.FieldCoordinates}
)

// builder collects one output record's values, each from the first row giving it.
type builder struct {
	rec  ingest.Record
	cols [ingest.NumFields]string
}

func (b *builder) take(f ingest.Field, rows ...*row) {
	for _, r := range rows {
		if r == nil || b.rec.Values[f] != "" {
			continue
		}
		if v := r.rec.Values[f]; !ingest.Missing(v) {
			b.rec.Values[f] = v
			b.cols[f] = columnOf(r, f)
			return
		}
	}
}

// columnOf names the column of field f on row r for the report: "Latitude (row 3, Site S1)".
func columnOf(r *row, f ingest.Field) string {
	name := f.String()
	if r.rec.Columns != nil && r.rec.Columns[f] != "" {
		name = r.rec.Columns[f]
	}
	return name + " (" + r.where() + ")"
}

// problems gives the output the table reader's problems of the rows it is made of, once each.
func (b *builder) problems(rows ...*row) {
	for _, r := range rows {
		if r == nil || r.shared {
			continue
		}
		r.shared = true
		b.rec.Problems = append(b.rec.Problems, r.rec.Problems...) // each still names its own row
	}
}

func (b *builder) record() ingest.Record {
	cols := b.cols
	b.rec.Columns = &cols
	return b.rec
}

// service builds the site of program p at location loc (a site, the agency, or the program
// itself): pas is the ProgramAtSite row (nil for a program placed at its agency or at its own
// address), a the agency. Its name is the program's and the agency's: a program at several
// sites has one name at each, and its address tells them apart.
func (j *join) service(pas, p, loc, a *row) ingest.Record {
	main := pas
	if main == nil {
		main = p
	}
	var b builder
	b.rec.Row, b.rec.Line = main.rec.Row, main.rec.Line
	b.rec.Values[ingest.FieldID], b.cols[ingest.FieldID] = main.num, columnOf(main, ingest.FieldID)
	name := p.name
	if name == "" && pas != nil {
		name = pas.name
	}
	b.rec.Values[ingest.FieldName], b.cols[ingest.FieldName] = withAgency(name, a), columnOf(p, ingest.FieldName)
	for _, f := range locationFields {
		b.take(f, loc)
	}
	b.take(ingest.FieldAccessibility, loc, pas, p)
	b.take(ingest.FieldDescription, pas, p, a)
	b.take(ingest.FieldHours, pas, p, loc)
	b.take(ingest.FieldEligibility, pas, p)
	b.take(ingest.FieldFees, pas, p)
	b.take(ingest.FieldLanguages, pas, p, loc)
	b.take(ingest.FieldPhone, pas, p, loc, a)
	b.take(ingest.FieldWebsite, pas, p, a, loc)
	b.take(ingest.FieldEmail, pas, p, loc, a)
	b.flags(loc, pas, p, a)
	b.problems(main, p, loc, a)
	b.categories(name, pas, p)
	return b.record()
}

// alone builds the site of a Site row no program is offered at, or of an agency with no site
// and no program: a place of its own, under its own name.
func (j *join) alone(r *row) ingest.Record {
	var b builder
	b.rec.Row, b.rec.Line = r.rec.Row, r.rec.Line
	b.rec.Values[ingest.FieldID], b.cols[ingest.FieldID] = r.num, columnOf(r, ingest.FieldID)
	a := r.agency
	name := r.name
	if r.level == levelAgency {
		a = nil
	}
	b.rec.Values[ingest.FieldName], b.cols[ingest.FieldName] = withAgency(name, a), columnOf(r, ingest.FieldName)
	for _, f := range []ingest.Field{ingest.FieldAddress, ingest.FieldUnit, ingest.FieldCity, ingest.FieldRegion,
		ingest.FieldPostalCode, ingest.FieldCountry, ingest.FieldLat, ingest.FieldLon, ingest.FieldCoordinates,
		ingest.FieldAccessibility, ingest.FieldHours, ingest.FieldEligibility, ingest.FieldFees, ingest.FieldLanguages} {
		b.take(f, r)
	}
	b.take(ingest.FieldDescription, r, a)
	b.take(ingest.FieldPhone, r, a)
	b.take(ingest.FieldWebsite, r, a)
	b.take(ingest.FieldEmail, r, a)
	b.flags(r, nil, nil, a)
	b.problems(r, a)
	b.categories(name, r)
	return b.record()
}

// rejected is the record of a row the hierarchy rejected: its own values (so the report can
// name it) and its problems.
func (j *join) rejected(r *row) ingest.Record {
	rec := r.rec
	rec.Values[ingest.FieldID] = r.num
	if r.name != "" {
		rec.Values[ingest.FieldName] = r.name
	}
	cols := [ingest.NumFields]string{}
	if r.rec.Columns != nil {
		cols = *r.rec.Columns
	}
	rec.Columns = &cols
	rec.Final = true
	return rec
}

// flags sets confidentiality, status and exclusion from every row a site is made of, failing
// closed: a private address on the location or the program keeps the site confidential, and
// an inactive or excluded agency, site or program takes its services off the map.
func (b *builder) flags(loc, pas, p, a *row) {
	for _, r := range []*row{loc, pas, p} {
		if r != nil && yes(r.rec.Values[ingest.FieldConfidential]) {
			b.rec.Values[ingest.FieldConfidential], b.cols[ingest.FieldConfidential] = r.rec.Values[ingest.FieldConfidential], columnOf(r, ingest.FieldConfidential)
			break
		}
	}
	b.take(ingest.FieldConfidential, loc)
	all := []*row{pas, p, loc, a}
	for _, r := range all {
		if r != nil && inactive(r.rec.Values[ingest.FieldStatus]) {
			b.rec.Values[ingest.FieldStatus], b.cols[ingest.FieldStatus] = r.rec.Values[ingest.FieldStatus], columnOf(r, ingest.FieldStatus)
			break
		}
	}
	b.take(ingest.FieldStatus, all...)
	for _, r := range all {
		if r != nil && yes(r.rec.Values[ingest.FieldExclude]) {
			b.rec.Values[ingest.FieldExclude], b.cols[ingest.FieldExclude] = r.rec.Values[ingest.FieldExclude], columnOf(r, ingest.FieldExclude)
			break
		}
	}
}

// categories files the site under the categories its taxonomy terms name; unknown terms are
// not a warning each (a 211 record carries many AIRS terms we have no category for), but a
// record none of whose terms is known gets one. Without terms the name decides.
func (b *builder) categories(name string, rows ...*row) {
	var terms []string
	var from *row
	for _, r := range rows {
		if r != nil && !ingest.Missing(r.rec.Values[ingest.FieldCategory]) {
			terms, from = splitTerms(r.rec.Values[ingest.FieldCategory]), r
			break
		}
	}
	var cats []string
	seen := map[aidmap.Category]bool{}
	for _, t := range terms {
		if c, ok := ingest.CategoryOf(t); ok && !seen[c] && len(cats) < aidmap.MaxCategories {
			seen[c] = true
			cats = append(cats, string(c))
		}
	}
	if len(cats) == 0 {
		if c, ok := ingest.CategoryOf(name); ok && c != aidmap.CategoryOther {
			cats = append(cats, string(c))
		}
	}
	if len(cats) == 0 {
		cats = []string{string(aidmap.CategoryOther)}
		if from != nil {
			b.rec.Problems = append(b.rec.Problems, ingest.Problem{Severity: ingest.Warning, Row: b.rec.Row, Line: b.rec.Line,
				Field: ingest.FieldCategory.String(), Column: columnOf(from, ingest.FieldCategory), Value: ingest.Clip(strings.Join(terms, "; ")),
				Reason: "none of the record's taxonomy terms is a kind of service we know; filed as other"})
		}
	}
	col := ""
	if from != nil {
		col = columnOf(from, ingest.FieldCategory)
	}
	b.rec.Values[ingest.FieldCategory], b.cols[ingest.FieldCategory] = strings.Join(cats, "; "), col
}

func splitTerms(v string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' || r == '\n' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// withAgency adds the agency's name to a service's or site's name, unless the name has it: a
// program is called "Food Bank" in its agency's record, and people must see whose it is.
func withAgency(name string, a *row) string {
	if a == nil || a.name == "" {
		return name
	}
	if name == "" {
		return a.name
	}
	if containsFold(name, a.name) {
		return name
	}
	return name + " – " + a.name
}

func containsFold(s, sub string) bool {
	return strings.Contains(ingest.NormaliseKey(s), ingest.NormaliseKey(sub))
}

func yes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "y", "true", "t", "1", "x", "oui", "o", "vrai", "si", "sí":
		return true
	}
	return false
}

func inactive(v string) bool {
	switch ingest.NormaliseKey(v) {
	case "inactive", "deleted", "inactif", "retired", "archived":
		return true
	}
	return false
}

func listSome(s []string) string {
	const most = 5
	if len(s) <= most {
		return strings.Join(s, "; ")
	}
	return strings.Join(s[:most], "; ") + fmt.Sprintf(" and %d more", len(s)-most)
}
