// Package hsds reads Open Referral HSDS into ingest.Records, one per service at a location:
// 1.x/2.x CSV datapackages (a folder or a zip) and HSDS 3.0 JSON (objects, arrays, API pages).
// HSDS 3.0 JSON is read into the objects of package hsds (imported as h3), the ones aidmap
// writes, with hsds.Decode's tolerance for how files in the wild write them.
package hsds

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/hours"
	h3 "github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/table"
)

// HSDS limits. Reaching one stops reading with a *FileError that says which.
const (
	DefaultMaxBytes       = 1 << 30 // everything read: CSV tables uncompressed, or the JSON
	DefaultMaxZipEntries  = 10_000
	DefaultMaxZipRatio    = 200 // uncompressed / compressed size of one zip entry
	hsdsMaxSitesPerReport = 5   // names listed in a dialect note before "and N more"
)

// Options tunes the HSDS readers. The zero value uses the default limits and keeps
// schedules whatever their validity dates.
type Options struct {
	// Today is the local date against which HSDS 3.0 schedules' valid_from/valid_to are
	// checked; zero ignores them.
	Today      time.Time
	MaxBytes   int64 // 0 means DefaultMaxBytes
	MaxEntries int   // zip entries; 0 means DefaultMaxZipEntries
	MaxRatio   int   // 0 means DefaultMaxZipRatio
}

func (o *Options) defaults() {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxZipEntries
	}
	if o.MaxRatio <= 0 {
		o.MaxRatio = DefaultMaxZipRatio
	}
}

// Reader returns the sites of an Open Referral HSDS file as records, one per service at a
// location. Unlike a table, HSDS is several tables (or nested objects) that must be joined
// before the first site is known, so the readers load the whole dataset (within
// Options.MaxBytes) and Next then walks the joined sites.
//
// The mapping keeps every service findable: each service_at_location (a service offered at a
// location) is one site, named after the service, with that service's categories, hours,
// phone and description, at that location's coordinates and address. A service offered at
// three locations is three sites; a location with three services is three sites at one point
// (the map clusters them). Merging a location's services into one site would have to merge
// their hours, which are often different (a food bank on Tuesdays, a clinic on weekdays), and
// "open now" would be wrong. A location with no service is still a site (named after the
// location, with a warning); a service with no location (a helpline, an online service) cannot
// be placed and is listed in a dialect note instead.
//
// A site's external ID is "SERVICE_ID@LOCATION_ID" ("location:ID" for a location without
// services), so re-uploading the same export updates the same sites; in aidmap's own
// datapackage exports an attribute of the "aidmap:external_id" term on the
// service_at_location gives the site's original key instead, so the sites keep their IDs. Record.Row is the site's
// number in the reader's order; each problem's Column names the table, its row and its column
// ("locations.csv row 3 latitude"), since a site's fields come from several tables.
type Reader struct {
	sites   []hsdsSite
	next    int
	dialect ingest.Dialect
}

// Next returns the next site's record, or io.EOF after the last.
func (h *Reader) Next() (ingest.Record, error) {
	if h.next >= len(h.sites) {
		return ingest.Record{}, io.EOF
	}
	s := &h.sites[h.next]
	h.next++
	rec := s.record(h.next)
	h.sites[h.next-1] = hsdsSite{} // let it go
	return rec, nil
}

// Dialect describes the dataset: the tables read (as Columns: "locations.csv", …) and notes.
func (h *Reader) Dialect() ingest.Dialect {
	d := h.dialect
	d.Columns = append([]ingest.Column(nil), d.Columns...)
	d.Notes = append([]string(nil), d.Notes...)
	return d
}

// Len returns how many sites the dataset holds.
func (h *Reader) Len() int { return len(h.sites) }

// hsdsSite is one joined site before conversion: every value as written, with where it came
// from.
type hsdsSite struct {
	Values   [ingest.NumFields]string
	Columns  [ingest.NumFields]string
	Hours    *aidmap.Hours
	problems []ingest.Problem
}

func (s *hsdsSite) set(f ingest.Field, value, where string) {
	if strings.TrimSpace(value) == "" || s.Values[f] != "" {
		return
	}
	s.Values[f], s.Columns[f] = value, where
}

func (s *hsdsSite) warn(f ingest.Field, where, value, reason string) {
	s.problems = append(s.problems, ingest.Problem{Severity: ingest.Warning, Field: f.String(), Column: where, Value: value, Reason: reason})
}

func (s *hsdsSite) record(row int) ingest.Record {
	cols := s.Columns
	rec := ingest.Record{Row: row, Values: s.Values, Columns: &cols, Hours: s.Hours, Problems: s.problems}
	for i := range rec.Problems {
		rec.Problems[i].Row = row
	}
	return rec
}

// hsdsCategories files a service under our categories from its taxonomy terms and its name;
// unknown terms are not a warning each (211 services carry many AIRS terms we have no category
// for), but a site none of whose terms is known gets one.
func (s *hsdsSite) categories(terms []string, name, where string) {
	var cats []string
	seen := map[aidmap.Category]bool{}
	// A term that names "other" is kept (aidmap's own exports write it beside other
	// categories); a name that only suggests it is not.
	add := func(ts []string, other bool) {
		for _, t := range ts {
			if c, ok := ingest.CategoryOf(t); ok && !seen[c] && (other || c != aidmap.CategoryOther) && len(cats) < aidmap.MaxCategories {
				seen[c] = true
				cats = append(cats, string(c))
			}
		}
	}
	add(terms, true)
	if len(cats) == 0 { // the name only when no term says: "Legal Clinic" is legal aid, not a clinic
		add([]string{name}, false)
	}
	if len(cats) == 0 {
		cats = []string{string(aidmap.CategoryOther)}
		if len(terms) > 0 {
			s.warn(ingest.FieldCategory, where, ingest.Clip(strings.Join(terms, "; ")), "none of the service's taxonomy terms is a kind of service we know; filed as other")
		}
	}
	s.Values[ingest.FieldCategory], s.Columns[ingest.FieldCategory] = strings.Join(cats, "; "), where
}

// coordinates sets lat and lon, unless the location's row looks shifted by a column (a
// latitude beyond ±90 or a longitude missing while the column before latitude holds a
// latitude-like number), which is the classic column-shift of hand-edited exports: then the
// numbers cannot be trusted, so the site is located by its address, or rejected without one.
func (s *hsdsSite) coordinates(lat, lon, before, beforeName, where string) {
	la, _, okLat := ingest.ParseDegrees(lat)
	_, _, okLon := ingest.ParseDegrees(lon)
	b, _, okBefore := ingest.ParseDegrees(before)
	shifted := okLat && okBefore && math.Abs(b) <= 90 && (ingest.Missing(lon) || math.Abs(la) > 90 && !okLon)
	if shifted {
		hasAddress := !ingest.Missing(s.Values[ingest.FieldAddress]) || !ingest.Missing(s.Values[ingest.FieldPostalCode]) || !ingest.Missing(s.Values[ingest.FieldCity])
		p := ingest.Problem{Severity: ingest.Rejected, Field: "lat", Column: where, Value: fmt.Sprintf("%s=%s, latitude=%s, longitude=%s", beforeName, before, lat, lon),
			Reason: "the location's columns look shifted by one (a latitude-like number sits in " + beforeName + "); its coordinates cannot be trusted. Fix the row and upload again"}
		if hasAddress {
			p.Severity = ingest.Warning
			p.Reason = "the location's columns look shifted by one (a latitude-like number sits in " + beforeName + "); its coordinates were not used and the site will be located by its address"
		}
		s.problems = append(s.problems, p)
		return
	}
	s.set(ingest.FieldLat, lat, where+" latitude")
	s.set(ingest.FieldLon, lon, where+" longitude")
}

// hsdsText undoes the literal "\n" escapes some 211 exports write in long text.
func hsdsText(s string) string {
	if strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(strings.ReplaceAll(s, `\r\n`, "\n"), `\n`, "\n")
	}
	return s
}

// hsdsStatus maps HSDS service statuses to the ones Record.Site reads.
func hsdsStatus(s string) string {
	switch ingest.NormaliseKey(s) {
	case "defunct":
		return "inactive"
	}
	return s
}

// ---- CSV datapackages (HSDS 1.x/2.x, and 3.0 tabular) ----

// hsdsTable is one CSV table of a datapackage, rows as written.
type hsdsTable struct {
	file string
	cols map[string]int // normalised header → index
	head []string
	rows [][]string
}

func (t *hsdsTable) has(col string) bool {
	if t == nil {
		return false
	}
	_, ok := t.cols[ingest.NormaliseKey(col)]
	return ok
}

// get returns the cell of row i in the first of cols the table has.
func (t *hsdsTable) get(i int, cols ...string) string {
	if t == nil {
		return ""
	}
	for _, c := range cols {
		if j, ok := t.cols[ingest.NormaliseKey(c)]; ok && j < len(t.rows[i]) {
			return strings.TrimSpace(t.rows[i][j])
		}
	}
	return ""
}

// where names a cell for reports: "locations.csv row 3" (row as a spreadsheet shows it).
func (t *hsdsTable) where(i int) string { return t.file + " row " + strconv.Itoa(i+2) }

// before returns the name and cell of the column just left of col, for shift detection.
func (t *hsdsTable) before(i int, col string) (name, value string) {
	j, ok := t.cols[ingest.NormaliseKey(col)]
	if !ok || j == 0 {
		return "", ""
	}
	if j-1 < len(t.rows[i]) {
		value = t.rows[i][j-1]
	}
	return t.head[j-1], value
}

// index maps the values of column col to the rows holding them.
func (t *hsdsTable) index(cols ...string) map[string][]int {
	m := map[string][]int{}
	if t == nil {
		return m
	}
	for i := range t.rows {
		if v := t.get(i, cols...); v != "" {
			m[v] = append(m[v], i)
		}
	}
	return m
}

// hsdsTableNames gives, per table we read, the file names exporters use (1.x, 2.x, 3.0, Ohana).
var hsdsTableNames = map[string][]string{
	"organizations":       {"organizations", "organization"},
	"services":            {"services", "service"},
	"locations":           {"locations", "location"},
	"service_at_location": {"services_at_location", "service_at_location", "services_at_locations", "service_at_locations"},
	"phones":              {"phones", "phone"},
	"addresses":           {"physical_addresses", "physical_address", "addresses", "address"},
	"regular_schedules":   {"regular_schedules", "regular_schedule"},
	"schedules":           {"schedules", "schedule"},
	"holiday_schedules":   {"holiday_schedules", "holiday_schedule"},
	"languages":           {"languages", "language"},
	"eligibility":         {"eligibility"},
	"services_taxonomy":   {"services_taxonomy", "service_taxonomy"},
	"taxonomy":            {"taxonomy", "taxonomy_terms", "taxonomy_term"},
	"attributes":          {"attributes", "attribute"},
	"accessibility":       {"accessibility_for_disabilities", "accessibility"},
}

// byteBudget counts bytes read against Options.MaxBytes.
type byteBudget struct {
	left int64
}

type budgetReader struct {
	r io.Reader
	b *byteBudget
}

var errHSDSTooLarge = errors.New("too large")

func (br budgetReader) Read(p []byte) (int, error) {
	if br.b.left <= 0 {
		return 0, errHSDSTooLarge
	}
	if int64(len(p)) > br.b.left+1 {
		p = p[:br.b.left+1]
	}
	n, err := br.r.Read(p)
	br.b.left -= int64(n)
	if br.b.left < 0 {
		return n, errHSDSTooLarge
	}
	return n, err
}

func hsdsError(format string, args ...any) error {
	return &ingest.FileError{Reason: "HSDS: " + fmt.Sprintf(format, args...), Err: aidmap.ErrInvalid}
}

// Open reads the HSDS dataset at path: a datapackage folder (datapackage.json and CSV
// tables, at its top or in a data/ folder), a zip of one, or an HSDS 3.0 JSON file.
func Open(name string, opts Options) (*Reader, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, &ingest.FileError{Reason: "open " + name, Err: err}
	}
	if fi.IsDir() {
		return ReadPackage(os.DirFS(name), opts)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, &ingest.FileError{Reason: "open " + name, Err: err}
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if n == 4 && string(magic[:]) == "PK\x03\x04" {
		return ReadZip(f, fi.Size(), opts)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, &ingest.FileError{Reason: "read " + name, Err: err}
	}
	return ReadJSON(f, opts)
}

// ReadZip reads a zipped datapackage. The archive is checked before anything is
// extracted: at most MaxEntries entries, only local names (no "../", no absolute paths), and
// each entry's declared size within MaxBytes and MaxRatio times its compressed size; reading
// then stops at the declared size, so an archive lying about its sizes cannot get past them
// either.
func ReadZip(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	opts.defaults()
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, hsdsError("the file is not a readable zip archive: %v", err)
	}
	if len(zr.File) > opts.MaxEntries {
		return nil, hsdsError("the zip archive has %d entries; at most %d are read", len(zr.File), opts.MaxEntries)
	}
	var total uint64
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, `\`, "/")
		if !filepath.IsLocal(name) || strings.HasPrefix(name, "/") {
			return nil, hsdsError("the zip archive has an entry named %q, outside the archive's folder; it is refused", f.Name)
		}
		if f.FileInfo().IsDir() {
			continue
		}
		total += f.UncompressedSize64
		if f.UncompressedSize64 > uint64(opts.MaxBytes) || total > uint64(opts.MaxBytes) {
			return nil, hsdsError("the zip archive unpacks to more than %s; split the export", ingest.ByteSize(int(min(opts.MaxBytes, math.MaxInt32))))
		}
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(opts.MaxRatio) && f.UncompressedSize64 > 1<<20 {
			return nil, hsdsError("the zip entry %q is compressed %d times, more than the %d a real export is; it is refused as a possible zip bomb", f.Name, f.UncompressedSize64/f.CompressedSize64, opts.MaxRatio)
		}
	}
	return ReadPackage(zipFS{zr}, opts)
}

// zipFS opens zip entries limited to their declared size.
type zipFS struct{ zr *zip.Reader }

func (z zipFS) Open(name string) (fs.File, error) {
	for _, f := range z.zr.File {
		if strings.ReplaceAll(f.Name, `\`, "/") == name {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			return limitedFile{rc, io.LimitReader(rc, int64(f.UncompressedSize64)), f}, nil
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (z zipFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(z.zr, name) }

type limitedFile struct {
	rc io.ReadCloser
	r  io.Reader
	f  *zip.File
}

func (l limitedFile) Read(p []byte) (int, error) { return l.r.Read(p) }
func (l limitedFile) Close() error               { return l.rc.Close() }
func (l limitedFile) Stat() (fs.FileInfo, error) { return l.f.FileInfo(), nil }

// ReadPackage reads a datapackage held in fsys: CSV tables named as HSDS names them
// (organizations.csv, services.csv, locations.csv, services_at_location.csv, phones.csv,
// physical_addresses.csv or addresses.csv, regular_schedules.csv or 3.0 schedules.csv,
// languages.csv, eligibility.csv, services_taxonomy.csv with taxonomy.csv, or 3.0
// attributes.csv with taxonomy_terms.csv, accessibility_for_disabilities.csv), at the top or
// one folder down (data/). locations.csv is required.
func ReadPackage(fsys fs.FS, opts Options) (*Reader, error) {
	opts.defaults()
	files := map[string]string{} // lower-case base name without .csv → path
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := path.Join(dir, e.Name())
			switch {
			case e.IsDir() && depth < 2 && !strings.HasPrefix(e.Name(), "__MACOSX"):
				if err := walk(p, depth+1); err != nil {
					return err
				}
			case strings.EqualFold(path.Ext(e.Name()), ".csv"):
				k := strings.ToLower(strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
				if _, dup := files[k]; !dup {
					files[k] = p
				}
			}
		}
		return nil
	}
	if err := walk(".", 0); err != nil {
		return nil, &ingest.FileError{Reason: "HSDS: list the datapackage's files", Err: err}
	}
	budget := &byteBudget{left: opts.MaxBytes}
	tables := map[string]*hsdsTable{}
	h := &Reader{dialect: ingest.Dialect{Encoding: ingest.EncodingUTF8, Delimiter: ',', Header: true}}
	for _, table := range sortedKeys(hsdsTableNames) {
		for _, name := range hsdsTableNames[table] {
			p, ok := files[name]
			if !ok {
				continue
			}
			t, err := readHSDSTable(fsys, p, budget)
			if err != nil {
				return nil, err
			}
			tables[table] = t
			h.dialect.Columns = append(h.dialect.Columns, ingest.Column{Index: len(h.dialect.Columns), Letter: ingest.ColumnLetter(len(h.dialect.Columns)), Header: path.Base(p), By: ingest.ByHeader})
			break
		}
	}
	if tables["locations"] == nil {
		if len(files) == 0 {
			return nil, hsdsError("no CSV tables found; an HSDS datapackage holds locations.csv, services.csv, …")
		}
		return nil, hsdsError("the datapackage has no locations.csv, so no site can be placed (tables found: %s)", strings.Join(sortedKeys(files), ", "))
	}
	j := hsdsJoin{tables: tables, opts: opts}
	h.sites, h.dialect.Notes = j.sites()
	return h, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readHSDSTable reads one CSV table with the table reader's decoder and parser (table.CSV) (encodings,
// line endings, quotes), within the budget.
func readHSDSTable(fsys fs.FS, name string, budget *byteBudget) (*hsdsTable, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &ingest.FileError{Reason: "HSDS: open " + name, Err: err}
	}
	defer f.Close()
	p := table.NewCSV(budgetReader{f, budget})
	t := &hsdsTable{file: path.Base(name), cols: map[string]int{}}
	for {
		cells, err := p.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *table.RowError
			switch {
			case errors.Is(err, errHSDSTooLarge):
				return nil, hsdsError("the datapackage's tables are larger than %s in all; split the export", ingest.ByteSize(int(min(budget.left+1, math.MaxInt32))))
			case errors.As(err, &re):
				return nil, &ingest.FileError{Line: re.Line, Reason: "HSDS: " + t.file + ": " + re.Reason, Err: aidmap.ErrInvalid}
			}
			return nil, &ingest.FileError{Reason: "HSDS: read " + t.file, Err: err}
		}
		if table.BlankRow(cells) {
			continue
		}
		if t.head != nil && p.Unterminated() && len(cells) < len(t.head) {
			fe := table.CutRowError(p.StartLine(), len(cells), len(t.head))
			fe.Reason = "HSDS: " + t.file + ": " + fe.Reason
			return nil, fe
		}
		if t.head == nil {
			t.head = cells
			for i, c := range cells {
				k := ingest.NormaliseKey(c)
				if _, dup := t.cols[k]; !dup && k != "" {
					t.cols[k] = i
				}
			}
			continue
		}
		t.rows = append(t.rows, cells)
	}
	return t, nil
}

// hsdsJoin joins a datapackage's tables into sites.
type hsdsJoin struct {
	tables map[string]*hsdsTable
	opts   Options
}

// hsdsLink is one service at one location: a services_at_location row, or a location_id
// column on services (Ohana).
type hsdsLink struct {
	salRow       int // -1 when implied by services.location_id
	service, loc int // row indexes
	salID        string
}

// sites joins the tables into sites: one per service at a location, then one per location
// no service is at. notes say what was left out.
func (j *hsdsJoin) sites() ([]hsdsSite, []string) {
	var notes []string
	links, linked, svcPlaced, missingRefs := j.links()
	if len(missingRefs) > 0 {
		notes = append(notes, "services_at_location rows name a service or location the tables do not have, and were left out: "+strings.Join(missingRefs, "; "))
	}
	b := j.newSiteBuilder(links)
	var out []hsdsSite
	for _, l := range links {
		out = append(out, b.site(l, true))
	}
	for i := range b.loc.rows {
		if !linked[i] {
			out = append(out, b.site(hsdsLink{salRow: -1, loc: i}, false))
		}
	}
	return out, append(notes, j.leftOut(svcPlaced, b.elig)...)
}

// links finds the services at locations. linked holds the location rows with a service,
// svcPlaced the service rows with a location; missing names (a few of) the links to a
// service or location the tables do not have.
func (j *hsdsJoin) links() (links []hsdsLink, linked, svcPlaced map[int]bool, missing []string) {
	loc, svc, sal := j.tables["locations"], j.tables["services"], j.tables["service_at_location"]
	locByID, svcByID := loc.index("id"), svc.index("id")
	linked, svcPlaced = map[int]bool{}, map[int]bool{}
	add := func(l hsdsLink, svcID, locID string) {
		si, ok1 := svcByID[svcID]
		li, ok2 := locByID[locID]
		if !ok1 || !ok2 {
			if len(missing) < hsdsMaxSitesPerReport {
				missing = append(missing, fmt.Sprintf("service %q at location %q", svcID, locID))
			}
			return
		}
		l.service, l.loc = si[0], li[0]
		links = append(links, l)
		linked[l.loc], svcPlaced[l.service] = true, true
	}
	if sal != nil {
		for i := range sal.rows {
			add(hsdsLink{salRow: i, salID: sal.get(i, "id")}, sal.get(i, "service_id"), sal.get(i, "location_id"))
		}
	}
	if svc.has("location_id") {
		for i := range svc.rows {
			if id := svc.get(i, "location_id"); id != "" && !svcPlaced[i] {
				add(hsdsLink{salRow: -1}, svc.get(i, "id"), id)
			}
		}
	}
	return links, linked, svcPlaced, missing
}

// leftOut notes the services no location was found for, and an eligibility table that
// cannot be matched to services.
func (j *hsdsJoin) leftOut(svcPlaced map[int]bool, elig map[string][]int) []string {
	var notes, unplaced []string
	if svc := j.tables["services"]; svc != nil {
		for i := range svc.rows {
			if !svcPlaced[i] {
				unplaced = append(unplaced, svc.get(i, "name"))
			}
		}
	}
	if len(unplaced) > 0 {
		notes = append(notes, fmt.Sprintf("%d services have no location (helplines, online services) and cannot be placed on the map: %s", len(unplaced), listSome(unplaced)))
	}
	if e := j.tables["eligibility"]; e != nil && len(elig) == 0 && len(e.rows) > 0 {
		notes = append(notes, "eligibility.csv gives no service_id in any row, so its eligibility texts cannot be matched to services")
	}
	return notes
}

// siteBuilder makes the site of one link from the tables and their indexes by ID.
type siteBuilder struct {
	today                            time.Time
	loc, svc, org, addrs, eligT, acc *hsdsTable
	orgByID, addrByLoc, elig, access map[string][]int
	perService                       map[int]int // links per service row
	phones                           map[string]hsdsPhone
	sched                            map[string]*hsdsSchedule
	holidays                         map[string]*hsdsHolidays
	langs, terms                     map[string][]string
	extIDs                           map[string]string
}

func (j *hsdsJoin) newSiteBuilder(links []hsdsLink) *siteBuilder {
	T := j.tables
	b := &siteBuilder{today: j.opts.Today,
		loc: T["locations"], svc: T["services"], org: T["organizations"], addrs: T["addresses"],
		eligT: T["eligibility"], acc: T["accessibility"], perService: map[int]int{}}
	for _, l := range links {
		b.perService[l.service]++
	}
	b.phones, b.sched, b.holidays = j.phones(), j.schedules(), j.holidays()
	b.langs, b.terms, b.extIDs = j.languages(), j.terms(), j.externalIDs()
	b.orgByID, b.addrByLoc = b.org.index("id"), b.addrs.index("location_id")
	b.elig, b.access = b.eligT.index("service_id"), b.acc.index("location_id")
	return b
}

// site builds the site of link l; hasService is false for a location no service is at. The
// order of the steps matters: each field keeps the first value set (hsdsSite.set), so a
// service's own values come before its location's, and those before its organisation's.
func (b *siteBuilder) site(l hsdsLink, hasService bool) hsdsSite {
	var s hsdsSite
	locID := b.loc.get(l.loc, "id")
	svcID := ""
	if hasService {
		svcID = b.svc.get(l.service, "id")
	}
	orgID := b.loc.get(l.loc, "organization_id")
	if hasService && b.svc.get(l.service, "organization_id") != "" {
		orgID = b.svc.get(l.service, "organization_id")
	}
	orgRow := -1
	if r, ok := b.orgByID[orgID]; ok {
		orgRow = r[0]
	}
	if hasService {
		b.service(&s, l, svcID, locID)
	} else {
		b.locationAlone(&s, l, locID)
	}
	b.describe(&s, l, orgRow)
	b.address(&s, locID)
	beforeName, before := b.loc.before(l.loc, "latitude")
	s.coordinates(b.loc.get(l.loc, "latitude", "lat"), b.loc.get(l.loc, "longitude", "lon", "lng"), before, beforeName, b.loc.where(l.loc))
	keys := []string{"sal:" + l.salID, "svc:" + svcID + "@" + locID, "svc:" + svcID, "loc:" + locID, "org:" + orgID}
	if !hasService {
		keys = []string{"loc:" + locID, "org:" + orgID}
	}
	b.phoneAndHours(&s, keys)
	b.languagesAndAccess(&s, svcID, locID)
	return s
}

// service fills what the service row says: its name (with the location's when the service
// is at several), ID, texts, status, eligibility rows and categories.
func (b *siteBuilder) service(s *hsdsSite, l hsdsLink, svcID, locID string) {
	svc := b.svc
	locName := b.loc.get(l.loc, "name")
	name := svc.get(l.service, "name")
	if name == "" {
		name = locName
	}
	if b.perService[l.service] > 1 && locName != "" && !strings.EqualFold(locName, name) {
		name += " – " + locName
	}
	s.set(ingest.FieldName, name, svc.where(l.service)+" name")
	id := svcID + "@" + locID
	if ext := b.extIDs[l.salID]; ext != "" && l.salID != "" {
		id = ext
	}
	s.set(ingest.FieldID, id, "")
	s.set(ingest.FieldDescription, hsdsText(svc.get(l.service, "description")), svc.where(l.service)+" description")
	s.set(ingest.FieldWebsite, svc.get(l.service, "url", "website"), svc.where(l.service)+" url")
	s.set(ingest.FieldEmail, svc.get(l.service, "email"), svc.where(l.service)+" email")
	s.set(ingest.FieldFees, hsdsText(svc.get(l.service, "fees_description", "fees")), svc.where(l.service)+" fees")
	s.set(ingest.FieldEligibility, hsdsText(svc.get(l.service, "eligibility_description", "eligibility")), svc.where(l.service)+" eligibility")
	s.set(ingest.FieldStatus, hsdsStatus(svc.get(l.service, "status")), svc.where(l.service)+" status")
	for _, r := range b.elig[svcID] {
		s.set(ingest.FieldEligibility, hsdsText(b.eligT.get(r, "eligibility")), b.eligT.where(r)+" eligibility")
	}
	s.categories(b.terms[svcID], svc.get(l.service, "name"), svc.where(l.service)+" taxonomy")
}

// locationAlone names a location no service is at after itself, with a warning when the
// file has services (elsewhere).
func (b *siteBuilder) locationAlone(s *hsdsSite, l hsdsLink, locID string) {
	locName := b.loc.get(l.loc, "name")
	s.set(ingest.FieldName, locName, b.loc.where(l.loc)+" name")
	s.set(ingest.FieldID, "location:"+locID, "")
	s.categories(nil, locName, b.loc.where(l.loc)+" name")
	if b.svc != nil && len(b.svc.rows) > 0 {
		s.warn(ingest.FieldNone, b.loc.where(l.loc), locName, "no service is offered at this location in the file; it is shown under its own name")
	}
}

// describe fills what the service did not give from the location, then the organisation.
func (b *siteBuilder) describe(s *hsdsSite, l hsdsLink, orgRow int) {
	if s.Values[ingest.FieldName] == "" && orgRow >= 0 {
		s.set(ingest.FieldName, b.org.get(orgRow, "name"), b.org.where(orgRow)+" name")
	}
	s.set(ingest.FieldDescription, hsdsText(b.loc.get(l.loc, "description")), b.loc.where(l.loc)+" description")
	if orgRow >= 0 {
		s.set(ingest.FieldDescription, hsdsText(b.org.get(orgRow, "description")), b.org.where(orgRow)+" description")
		s.set(ingest.FieldWebsite, b.org.get(orgRow, "url", "website"), b.org.where(orgRow)+" url")
		s.set(ingest.FieldEmail, b.org.get(orgRow, "email"), b.org.where(orgRow)+" email")
	}
}

// address fills the location's address: a physical one first (3.0 addresses.csv also holds
// postal ones), with a warning when only a postal one is given.
func (b *siteBuilder) address(s *hsdsSite, locID string) {
	rows := b.addrByLoc[locID]
	if len(rows) == 0 {
		return
	}
	addrs := b.addrs
	best := rows[0]
	for _, r := range rows {
		if t := strings.ToLower(addrs.get(r, "address_type")); t == "" || t == "physical" {
			best = r
			break
		}
	}
	w := addrs.where(best)
	if strings.EqualFold(addrs.get(best, "address_type"), "postal") {
		s.warn(ingest.FieldAddress, w, addrs.get(best, "address_1"), "only a postal address is given; it may not be where the service is")
	}
	s.set(ingest.FieldAddress, addrs.get(best, "address_1"), w+" address_1")
	s.set(ingest.FieldUnit, addrs.get(best, "address_2"), w+" address_2")
	s.set(ingest.FieldCity, addrs.get(best, "city"), w+" city")
	s.set(ingest.FieldRegion, addrs.get(best, "state_province", "region"), w+" state_province")
	s.set(ingest.FieldPostalCode, addrs.get(best, "postal_code"), w+" postal_code")
	s.set(ingest.FieldCountry, addrs.get(best, "country"), w+" country")
}

// phoneAndHours takes the phone, the schedule and the holidays of the most specific object
// that has them, in the order of keys (service at location, service, location,
// organisation); schedules and holidays are not taken from the organisation.
func (b *siteBuilder) phoneAndHours(s *hsdsSite, keys []string) {
	for _, k := range keys {
		if p, ok := b.phones[k]; ok {
			s.set(ingest.FieldPhone, p.text, p.where)
			break
		}
	}
	for _, k := range keys[:len(keys)-1] {
		if sc, ok := b.sched[k]; ok {
			sc.apply(s, b.today)
			break
		}
	}
	for _, k := range keys[:len(keys)-1] {
		if hs, ok := b.holidays[k]; ok {
			hs.apply(s, b.today)
			break
		}
	}
}

// languagesAndAccess fills the languages of the service and its location, and the
// location's accessibility.
func (b *siteBuilder) languagesAndAccess(s *hsdsSite, svcID, locID string) {
	var ls []string
	for _, k := range []string{"svc:" + svcID, "loc:" + locID} {
		ls = append(ls, b.langs[k]...)
	}
	if len(ls) > 0 {
		s.set(ingest.FieldLanguages, strings.Join(dedupe(ls), "; "), "languages.csv")
	}
	if rows := b.access[locID]; len(rows) > 0 {
		var parts []string
		for _, r := range rows {
			parts = append(parts, strings.TrimSpace(b.acc.get(r, "accessibility", "description")+" "+b.acc.get(r, "details")))
		}
		s.set(ingest.FieldAccessibility, strings.Join(dedupe(parts), "; "), b.acc.where(rows[0]))
	}
}

func listSome(names []string) string {
	if len(names) <= hsdsMaxSitesPerReport {
		return strings.Join(names, "; ")
	}
	return strings.Join(names[:hsdsMaxSitesPerReport], "; ") + fmt.Sprintf(" and %d more", len(names)-hsdsMaxSitesPerReport)
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

type hsdsPhone struct{ text, where string }

// phones indexes the first phone number of each sal, service, location and organisation.
func (j *hsdsJoin) phones() map[string]hsdsPhone {
	t := j.tables["phones"]
	m := map[string]hsdsPhone{}
	if t == nil {
		return m
	}
	for i := range t.rows {
		num := strings.Trim(t.get(i, "number", "phone_number"), `"' `)
		if num == "" {
			continue
		}
		if ext := t.get(i, "extension"); ext != "" {
			num += " ext. " + ext
		}
		p := hsdsPhone{num, t.where(i) + " number"}
		for _, k := range []string{"sal:" + t.get(i, "service_at_location_id"), "svc:" + t.get(i, "service_id"), "loc:" + t.get(i, "location_id"), "org:" + t.get(i, "organization_id")} {
			if _, ok := m[k]; !ok && !strings.HasSuffix(k, ":") {
				m[k] = p
			}
		}
	}
	return m
}

// hsdsSchedule is the schedule rows of one sal, service or location.
type hsdsSchedule struct {
	regular []hours.HSDSRow
	v3      []hours.HSDSSchedule
	text    []string // original_text (211 exports), descriptions
	where   string
}

func (sc *hsdsSchedule) apply(s *hsdsSite, today time.Time) {
	var h aidmap.Hours
	var warns []string
	var err error
	if len(sc.v3) > 0 {
		h, warns, err = hours.ParseHSDSSchedule(sc.v3, today)
	} else {
		h, warns, err = hours.ParseHSDSRegular(sc.regular)
	}
	text := strings.Join(dedupe(sc.text), "; ")
	if err != nil {
		reason := err.Error()
		var fe *aidmap.FieldError
		if errors.As(err, &fe) {
			reason = strings.TrimSpace(fe.Field+" "+fe.Value) + ": " + fe.Reason
		}
		s.warn(ingest.FieldHours, sc.where, ingest.Clip(text), "the schedule could not be read ("+reason+"); the hours are kept as written")
		s.set(ingest.FieldHours, text, sc.where)
		return
	}
	for _, w := range warns {
		s.warn(ingest.FieldHours, sc.where, "", w)
	}
	if h.Known() || h.Notes != "" {
		if h.Notes == "" && !h.Known() {
			h.Notes = text
		}
		s.Hours = &h
	} else if text != "" {
		s.set(ingest.FieldHours, text, sc.where)
	}
}

// schedules groups regular_schedules (1.x/2.x) or schedules (3.0) rows by what they belong to.
func (j *hsdsJoin) schedules() map[string]*hsdsSchedule {
	m := map[string]*hsdsSchedule{}
	t, v3 := j.tables["regular_schedules"], false
	if t == nil {
		t = j.tables["schedules"]
		v3 = t != nil && !t.has("weekday")
	}
	if t == nil {
		return m
	}
	for i := range t.rows {
		k := scheduleKey(t, i)
		if k == "" {
			continue
		}
		sc := m[k]
		if sc == nil {
			sc = &hsdsSchedule{where: t.where(i)}
			m[k] = sc
		}
		if v3 {
			sc.v3 = append(sc.v3, hours.HSDSSchedule{Freq: t.get(i, "freq"), Interval: t.get(i, "interval"), ByDay: t.get(i, "byday"),
				ByWeekNo: t.get(i, "byweekno"), ByMonthDay: t.get(i, "bymonthday"), ByYearDay: t.get(i, "byyearday"),
				OpensAt: t.get(i, "opens_at"), ClosesAt: t.get(i, "closes_at"), ValidFrom: t.get(i, "valid_from"),
				ValidTo: t.get(i, "valid_to"), Until: t.get(i, "until"), Description: t.get(i, "description")})
			sc.text = append(sc.text, t.get(i, "description"))
		} else {
			sc.regular = append(sc.regular, hours.HSDSRow{Weekday: t.get(i, "weekday"), OpensAt: t.get(i, "opens_at"), ClosesAt: t.get(i, "closes_at")})
			sc.text = append(sc.text, t.get(i, "original_text"))
		}
	}
	return m
}

// hsdsHolidays is the holiday_schedules rows (HSDS 1.x/2.x) of one sal, service or location.
type hsdsHolidays struct {
	rows  []hours.HSDSHoliday
	where string
}

// apply adds the holidays to the site's weekly hours as dated exceptions. Without weekly
// hours an exception would make the site look closed every other day, so the closures are
// kept as text in the notes instead, with a warning.
func (hs *hsdsHolidays) apply(s *hsdsSite, today time.Time) {
	ex, warns := hours.ParseHSDSHolidays(hs.rows, today)
	for _, w := range warns {
		s.warn(ingest.FieldHours, hs.where, "", w)
	}
	if len(ex) == 0 {
		return
	}
	if s.Hours != nil && len(s.Hours.Weekly) > 0 {
		h := *s.Hours
		h.Exceptions = append(append([]aidmap.Exception(nil), h.Exceptions...), ex...)
		if len(h.Exceptions) > aidmap.MaxPeriods {
			h.Exceptions = h.Exceptions[:aidmap.MaxPeriods]
		}
		s.Hours = &h
		return
	}
	var text []string
	for _, e := range ex {
		if e.Closed {
			text = append(text, "closed "+e.Date)
		} else {
			text = append(text, "special hours "+e.Date)
		}
	}
	note := "Holidays: " + strings.Join(text, ", ")
	s.warn(ingest.FieldHours, hs.where, ingest.Clip(note), "holiday closures are given but no regular hours, so they are kept as a note")
	if s.Hours != nil {
		h := *s.Hours
		h.Notes = strings.TrimSpace(strings.TrimSuffix(h.Notes+"; "+note, "; "))
		s.Hours = &h
	} else if s.Values[ingest.FieldHours] != "" {
		s.Values[ingest.FieldHours] += "; " + note
	} else {
		s.set(ingest.FieldHours, note, hs.where)
	}
}

// scheduleKey names what row i of a schedules or holiday_schedules table belongs to: a
// service at a location, a service at a location given apart, a service, or a location; ""
// when it names none.
func scheduleKey(t *hsdsTable, i int) string {
	switch sal, svc, loc := t.get(i, "service_at_location_id"), t.get(i, "service_id"), t.get(i, "location_id"); {
	case sal != "":
		return "sal:" + sal
	case svc != "" && loc != "":
		return "svc:" + svc + "@" + loc
	case svc != "":
		return "svc:" + svc
	case loc != "":
		return "loc:" + loc
	}
	return ""
}

// holidays groups holiday_schedules rows by what they belong to, like schedules.
func (j *hsdsJoin) holidays() map[string]*hsdsHolidays {
	m := map[string]*hsdsHolidays{}
	t := j.tables["holiday_schedules"]
	if t == nil {
		return m
	}
	for i := range t.rows {
		k := scheduleKey(t, i)
		if k == "" {
			continue
		}
		hs := m[k]
		if hs == nil {
			hs = &hsdsHolidays{where: t.where(i)}
			m[k] = hs
		}
		hs.rows = append(hs.rows, hours.HSDSHoliday{Closed: t.get(i, "closed"), OpensAt: t.get(i, "opens_at"),
			ClosesAt: t.get(i, "closes_at"), StartDate: t.get(i, "start_date"), EndDate: t.get(i, "end_date")})
	}
	return m
}

// languages indexes language names by service and location.
func (j *hsdsJoin) languages() map[string][]string {
	t := j.tables["languages"]
	m := map[string][]string{}
	if t == nil {
		return m
	}
	for i := range t.rows {
		l := t.get(i, "language", "name", "code")
		if l == "" {
			continue
		}
		if id := t.get(i, "service_id"); id != "" {
			m["svc:"+id] = append(m["svc:"+id], l)
		} else if id := t.get(i, "location_id"); id != "" {
			m["loc:"+id] = append(m["loc:"+id], l)
		}
	}
	return m
}

// hsdsExternalIDTerm names the taxonomy term of aidmap's own exports whose attributes carry a
// site's external ID.
const hsdsExternalIDTerm = h3.ExternalIDTermName

// externalIDs maps service_at_location IDs to the external IDs that attributes of the
// "aidmap:external_id" term give them: aidmap's datapackage export writes each site's key so
// that a re-import keeps the site's ID. Other files have no such term and keep the
// SERVICE_ID@LOCATION_ID key.
func (j *hsdsJoin) externalIDs() map[string]string {
	T := j.tables
	tx, at := T["taxonomy"], T["attributes"]
	if tx == nil || at == nil {
		return nil
	}
	var termIDs []string
	for i := range tx.rows {
		if tx.get(i, "name", "term") == hsdsExternalIDTerm || tx.get(i, "code") == hsdsExternalIDTerm {
			termIDs = append(termIDs, tx.get(i, "id"))
		}
	}
	if len(termIDs) == 0 {
		return nil
	}
	m := map[string]string{}
	for i := range at.rows {
		if !strings.EqualFold(at.get(i, "link_entity"), "service_at_location") || !slices.Contains(termIDs, at.get(i, "taxonomy_term_id")) {
			continue
		}
		if v := at.get(i, "value"); v != "" {
			m[at.get(i, "link_id")] = v
		}
	}
	return m
}

// terms returns each service's taxonomy term names: services_taxonomy + taxonomy (1.x/2.x),
// attributes + taxonomy_terms (3.0), or a taxonomy_ids column on services.
func (j *hsdsJoin) terms() map[string][]string {
	T := j.tables
	names := map[string]string{}
	if tx := T["taxonomy"]; tx != nil {
		for i := range tx.rows {
			names[tx.get(i, "id")] = tx.get(i, "name", "term")
		}
	}
	m := map[string][]string{}
	add := func(svc, term string) {
		if n := names[term]; n != "" {
			m[svc] = append(m[svc], n)
		} else if term != "" && T["taxonomy"] == nil {
			m[svc] = append(m[svc], term)
		}
	}
	if st := T["services_taxonomy"]; st != nil {
		for i := range st.rows {
			add(st.get(i, "service_id"), st.get(i, "taxonomy_id"))
		}
	}
	if at := T["attributes"]; at != nil {
		for i := range at.rows {
			if e := at.get(i, "link_entity"); e == "" || strings.EqualFold(e, "service") || e == "link_entity" {
				add(at.get(i, "link_id"), at.get(i, "taxonomy_term_id"))
			}
		}
	}
	if svc := T["services"]; svc.has("taxonomy_ids") {
		for i := range svc.rows {
			for _, id := range strings.Split(svc.get(i, "taxonomy_ids"), ",") {
				add(svc.get(i, "id"), strings.TrimSpace(id))
			}
		}
	}
	return m
}
