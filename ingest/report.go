package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// Report says what an upload did, row by row, in words a volunteer can act on. Its JSON form
// (WriteJSON) has stable field names; WriteText is the form people read.
type Report struct {
	Organization        string     `json:"organization"`
	OrganizationCreated bool       `json:"organization_created,omitempty"`
	Mode                Mode       `json:"mode"`
	DryRun              bool       `json:"dry_run"`
	File                FileReport `json:"file"`
	Summary             Summary    `json:"summary"`
	// Problems lists every rejected and skipped row and every warning, in row order.
	Problems []Entry `json:"problems"`
	// StoreVersion is the store's version after the write; 0 for a dry run or when nothing
	// was written.
	StoreVersion int64 `json:"store_version,omitempty"`
	DurationMS   int64 `json:"duration_ms"`
	// Error says why the upload stopped, when it did; nothing was written then.
	Error string `json:"error,omitempty"`
}

// Summary counts what happened. RowsRead = sites in the file (created + updated + unchanged)
// + Duplicates + Rejected + Skipped. Retired counts sites already on the map that this upload
// retired.
type Summary struct {
	RowsRead   int `json:"rows_read"`
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
	Retired    int `json:"retired"`
	Rejected   int `json:"rejected"`
	Skipped    int `json:"skipped"`
	Duplicates int `json:"duplicates"` // rows not used: an earlier row had the same ID
	Warnings   int `json:"warnings"`
	// Precision counts the file's sites by how exactly their point is known: "exact" when the
	// file gave coordinates, else the geocoder's match level.
	Precision map[aidmap.Precision]int `json:"precision"`
	// RetireConfirm is set when the upload retires (or would retire) more of the
	// organisation's sites than the retire guard allows without confirmation
	// (Options.MaxRetireShare): the number to confirm (Options.ConfirmRetire) after checking
	// the file is the whole list. Published is the organisation's published sites before the
	// upload, the share's base.
	RetireConfirm int `json:"retire_confirm,omitempty"`
	Published     int `json:"published,omitempty"`
}

// FileReport describes the file and how it was read.
type FileReport struct {
	Name       string         `json:"name,omitempty"`
	Format     Format         `json:"format"`
	Encoding   Encoding       `json:"encoding,omitempty"`
	LineEnding LineEnding     `json:"line_ending,omitempty"`
	Delimiter  string         `json:"delimiter,omitempty"`
	Header     bool           `json:"header"`
	Columns    []ColumnReport `json:"columns,omitempty"`
	// CoordinateOrder is the order of a combined coordinates column, when there is one.
	CoordinateOrder string   `json:"coordinate_order,omitempty"`
	Notes           []string `json:"notes,omitempty"`
	// Hierarchy counts the organisations, places and services of a file that describes them
	// (a 211 export's agencies, sites and programs); nil for a flat list of sites.
	Hierarchy *Hierarchy `json:"hierarchy,omitempty"`
}

// ColumnReport is one column of the file and the field it fills ("" when unused).
type ColumnReport struct {
	Letter string `json:"letter"`
	Header string `json:"header,omitempty"`
	Field  string `json:"field,omitempty"`
	By     string `json:"by,omitempty"` // header, mapping or values
}

// Entry is one problem with one row.
type Entry struct {
	Row      int    `json:"row"`            // as a spreadsheet shows it: the header is row 1
	Line     int    `json:"line,omitempty"` // line of the file where the row starts
	Severity string `json:"severity"`       // rejected, skipped or warning
	Field    string `json:"field,omitempty"`
	Column   string `json:"column,omitempty"` // the column's name in the file
	Value    string `json:"value,omitempty"`  // as written
	Reason   string `json:"reason"`
	Detail   string `json:"detail,omitempty"`
}

func newReport(opts Options) *Report {
	mode := opts.Mode
	if mode == "" {
		mode = ModeMerge
	}
	return &Report{
		Organization: opts.Org,
		Mode:         mode,
		DryRun:       opts.DryRun,
		File:         FileReport{Name: opts.File, Format: opts.Format},
		Summary:      Summary{Precision: map[aidmap.Precision]int{}},
		Problems:     []Entry{},
	}
}

func (r *Report) add(ps []Problem) {
	for _, p := range ps {
		if p.Severity == Warning {
			r.Summary.Warnings++
		}
		r.Problems = append(r.Problems, Entry{Row: p.Row, Line: p.Line, Severity: p.Severity.String(),
			Field: p.Field, Column: p.Column, Value: p.Value, Reason: p.Reason, Detail: p.Detail})
	}
}

func (f *FileReport) setDialect(d Dialect) {
	f.Encoding, f.LineEnding, f.Header = d.Encoding, d.LineEnding, d.Header
	switch d.Delimiter {
	case 0:
	case '\t':
		f.Delimiter = "tab"
	default:
		f.Delimiter = string(d.Delimiter)
	}
	f.Columns = f.Columns[:0]
	for _, c := range d.Columns {
		cr := ColumnReport{Letter: c.Letter, Header: c.Header, By: string(c.By)}
		if c.Field != FieldNone {
			cr.Field = c.Field.String()
		}
		f.Columns = append(f.Columns, cr)
	}
	if d.CoordinateOrder != 0 {
		f.CoordinateOrder = fmt.Sprint(d.CoordinateOrder)
	}
	f.Notes = slices.Clone(d.Notes)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Text limits: values are cut to textValueLen characters, and each group lists at most
// textExamples rows with their values and textRows row numbers.
const (
	textValueLen = 60
	textExamples = 5
	textRows     = 40
)

// WriteText writes the report for people: the summary first, then the problems grouped by
// reason (rejected and skipped rows first, then warnings), each with its row numbers and a few
// example values.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	r.writeSummary(bw)
	r.writeFile(bw)
	r.writeGroups(bw)
	return bw.Flush()
}

func (r *Report) writeSummary(w io.Writer) {
	s := r.Summary
	what := "Upload"
	if r.DryRun {
		what = "Dry run (nothing was written)"
	}
	name := r.File.Name
	if name == "" {
		name = "the file"
	}
	fmt.Fprintf(w, "%s of %s for organisation %s, %s mode\n", what, name, r.Organization, r.Mode)
	if r.Error != "" {
		fmt.Fprintf(w, "  FAILED, nothing was changed: %s\n", r.Error)
	}
	if r.OrganizationCreated {
		if r.DryRun {
			fmt.Fprintf(w, "  (organisation %s does not exist yet; it would be created)\n", r.Organization)
		} else {
			fmt.Fprintf(w, "  (organisation %s was created)\n", r.Organization)
		}
	}
	would := ""
	if r.DryRun {
		would = " (would be)"
	}
	rows := []struct {
		label string
		n     int
	}{
		{"rows read", s.RowsRead},
		{"sites created" + would, s.Created},
		{"sites updated" + would, s.Updated},
		{"sites unchanged", s.Unchanged},
		{"sites retired" + would, s.Retired},
		{"rows rejected", s.Rejected},
		{"rows skipped (not to be published)", s.Skipped},
		{"duplicate rows (an earlier row was used)", s.Duplicates},
		{"warnings", s.Warnings},
	}
	for _, row := range rows {
		fmt.Fprintf(w, "  %-44s %8d\n", row.label, row.n)
	}
	var prec []string
	for _, p := range []aidmap.Precision{aidmap.PrecisionExact, aidmap.PrecisionAddress, aidmap.PrecisionInterpolated,
		aidmap.PrecisionStreet, aidmap.PrecisionPostalCode, aidmap.PrecisionLocality} {
		if n := s.Precision[p]; n > 0 {
			prec = append(prec, fmt.Sprintf("%s %d", strings.ReplaceAll(string(p), "_", " "), n))
		}
	}
	if len(prec) > 0 {
		fmt.Fprintf(w, "  %-44s %s\n", "location precision", strings.Join(prec, ", "))
	}
	if s.RetireConfirm > 0 {
		fmt.Fprintf(w, "  CHECK: this retires %d of the organisation's %d sites; an upload doing that must confirm the number %d\n",
			s.RetireConfirm, s.Published, s.RetireConfirm)
	}
}

func (r *Report) writeFile(w io.Writer) {
	f := r.File
	var parts []string
	if f.Format != "" {
		parts = append(parts, f.Format.Name())
	}
	if f.Encoding != "" {
		parts = append(parts, string(f.Encoding))
	}
	if f.LineEnding != "" {
		parts = append(parts, strings.ToUpper(string(f.LineEnding))+" line endings")
	}
	if f.Delimiter != "" {
		parts = append(parts, "delimiter "+strconvQuote(f.Delimiter))
	}
	if len(f.Columns) > 0 && f.Format == FormatCSV {
		if f.Header {
			parts = append(parts, "header row")
		} else {
			parts = append(parts, "no header row")
		}
	}
	fmt.Fprintf(w, "\nFile: %s\n", strings.Join(parts, ", "))
	if h := f.Hierarchy; h != nil {
		fmt.Fprintf(w, "  describes %s, %s and %s\n", plural(h.Organizations, "organisation"), plural(h.Places, "place"), plural(h.Services, "service"))
	}
	var used, unused []string
	for _, c := range f.Columns {
		name := c.Header
		if strings.TrimSpace(name) == "" {
			name = "column " + c.Letter
		}
		name = truncate(name, 40)
		if c.Field == "" {
			unused = append(unused, name)
		} else {
			used = append(used, name+" → "+c.Field)
		}
	}
	what := "columns"
	switch f.Format {
	case FormatGeoJSON:
		what = "properties"
	case FormatHSDS:
		var files []string
		for _, c := range f.Columns {
			files = append(files, c.Header)
		}
		used, unused = nil, nil
		if len(files) > 0 {
			fmt.Fprintf(w, "  files read: %s\n", strings.Join(files, ", "))
		}
	}
	if len(used) > 0 {
		fmt.Fprintf(w, "  %s used: %s\n", what, strings.Join(used, ", "))
	}
	if len(unused) > 0 {
		fmt.Fprintf(w, "  %s not used: %s\n", what, strings.Join(unused, ", "))
	}
	for _, n := range f.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

type group struct {
	severity, field, reason string
	entries                 []Entry
}

func (r *Report) writeGroups(w io.Writer) {
	var groups []*group
	index := map[[3]string]*group{}
	rowsOf := map[string]map[int]bool{}
	for _, e := range r.Problems {
		k := [3]string{e.Severity, e.Field, e.Reason}
		g := index[k]
		if g == nil {
			g = &group{severity: e.Severity, field: e.Field, reason: e.Reason}
			index[k] = g
			groups = append(groups, g)
		}
		g.entries = append(g.entries, e)
		if rowsOf[e.Severity] == nil {
			rowsOf[e.Severity] = map[int]bool{}
		}
		rowsOf[e.Severity][e.Row] = true
	}
	if len(groups) == 0 {
		fmt.Fprintln(w, "\nNo problems found.")
		return
	}
	order := map[string]int{"rejected": 0, "skipped": 1, "warning": 2}
	slices.SortStableFunc(groups, func(a, b *group) int {
		if d := order[a.severity] - order[b.severity]; d != 0 {
			return d
		}
		return len(b.entries) - len(a.entries)
	})
	titles := map[string]string{
		"rejected": "Rejected rows (not on the map; fix them and upload the file again)",
		"skipped":  "Skipped rows (marked as not to be published)",
		"warning":  "Warnings (the rows were used; please check them)",
	}
	last := ""
	for _, g := range groups {
		if g.severity != last {
			fmt.Fprintf(w, "\n%s: %s\n", titles[g.severity], plural(len(rowsOf[g.severity]), "row"))
			last = g.severity
		}
		field := g.field
		if field == "" {
			field = "row"
		}
		fmt.Fprintf(w, "\n  %s: %s (%d)\n", field, g.reason, len(g.entries))
		rows, more := rowRanges(g.entries, textRows)
		label := "rows"
		if len(g.entries) == 1 {
			label = "row"
		}
		if more > 0 {
			rows += fmt.Sprintf(" and %d more (see the JSON report)", more)
		}
		fmt.Fprintf(w, "    %s %s\n", label, rows)
		for _, e := range g.entries[:min(len(g.entries), textExamples)] {
			line := fmt.Sprintf("    row %d", e.Row)
			if e.Value != "" {
				line += " " + quoteValue(e.Value)
			}
			if e.Detail != "" {
				line += ": " + truncate(e.Detail, 120)
			}
			if e.Value != "" || e.Detail != "" {
				fmt.Fprintln(w, line)
			}
		}
	}
}

// rowRanges lists the entries' rows with runs written as ranges ("2-9, 12, 15-20"), at most
// limit items, and says how many rows it left out.
func rowRanges(entries []Entry, limit int) (string, int) {
	var parts []string
	for i := 0; i < len(entries); {
		if len(parts) == limit {
			n := 0
			for j := i; j < len(entries); j++ {
				if j == i || entries[j].Row != entries[j-1].Row {
					n++
				}
			}
			return strings.Join(parts, ", "), n
		}
		j := i
		for j+1 < len(entries) && (entries[j+1].Row == entries[j].Row || entries[j+1].Row == entries[j].Row+1) {
			j++
		}
		if entries[j].Row == entries[i].Row {
			parts = append(parts, strconv.Itoa(entries[i].Row))
		} else {
			parts = append(parts, strconv.Itoa(entries[i].Row)+"-"+strconv.Itoa(entries[j].Row))
		}
		i = j + 1
	}
	return strings.Join(parts, ", "), 0
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func strconvQuote(s string) string {
	if s == "tab" {
		return s
	}
	return "\"" + s + "\""
}

func quoteValue(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return "\"" + truncate(s, textValueLen) + "\""
}

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
