package web

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/hours"
	"github.com/aidmap/aidmap/place"
	"github.com/aidmap/aidmap/query"
)

// Exports: format=csv and format=ndjson on list endpoints. A CSV row or an NDJSON line
// publishes exactly what the JSON API publishes of a site: for a confidential site the area
// only (no street, unit or postal code, the public point, a banded distance).

// csvHeader names the CSV columns, in order. It is part of the API: append only. The columns
// are the ones aidmap ingest reads, so an export can be edited and uploaded again; hours are
// OpenStreetMap opening_hours (hours.Format: "Mo-Fr 09:00-17:00; 2026 Dec 25 off"), which
// its parser reads back exactly.
var csvHeader = []string{
	"id", "organization_id", "organization_name", "name", "description", "categories",
	"street", "unit", "locality", "region", "postal_code", "country",
	"lat", "lon", "precision", "approximate", "phone", "website", "email", "hours",
	"languages", "eligibility", "fees", "accessibility", "confidential", "status",
	"updated_at", "verified_at", "distance_m",
}

// flushEvery is how many rows a streamed export writes between flushes, so a client reading a
// full dump sees data arrive steadily instead of all at the end.
const flushEvery = 1000

// exportWriter writes sites as CSV rows or NDJSON lines to a buffered response.
type exportWriter struct {
	s      *Server
	w      http.ResponseWriter
	bw     *bufio.Writer
	cw     *csv.Writer
	format string
	row    []string
	buf    []byte
	n      int
	marks  *place.Places // sites at stacked points are approximate (#19)
}

// newExportWriter sets the headers of a format=csv or format=ndjson response and, for CSV,
// writes the header row. name is the suggested file name without extension.
func (s *Server) newExportWriter(w http.ResponseWriter, format, name string) *exportWriter {
	h := w.Header()
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/x-ndjson")
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	e := &exportWriter{s: s, w: w, bw: bufio.NewWriterSize(w, 32<<10), format: format, marks: s.places.marks()}
	if format == "csv" {
		e.cw = csv.NewWriter(e.bw)
		_ = e.cw.Write(csvHeader)
	}
	return e
}

// write appends one site; withDist adds its distance (banded for confidential sites).
func (e *exportWriter) write(h geo.Hit, withDist bool) {
	site := h.Site()
	v := siteView{site: site, dist: h.DistanceM, hasDist: withDist, stale: e.s.staleOf(site), stacked: e.marks.Approximate(site.ID)}
	v.org, _ = e.s.source.Organization(site.OrganizationID)
	if e.format == "csv" {
		e.row = appendCSVRow(e.row[:0], v)
		_ = e.cw.Write(e.row)
	} else {
		e.buf = appendSiteJSON(e.buf[:0], v)
		e.buf = append(e.buf, '\n')
		_, _ = e.bw.Write(e.buf)
	}
	if e.n++; e.n%flushEvery == 0 {
		e.flush()
	}
}

func (e *exportWriter) flush() {
	if e.cw != nil {
		e.cw.Flush()
	}
	_ = e.bw.Flush()
	_ = http.NewResponseController(e.w).Flush()
}

// writeExport writes one page of hits as CSV or NDJSON. The next page's link, when there is
// one, goes in a Link header since neither format has room for it.
func (s *Server) writeExport(w http.ResponseWriter, format string, hits []geo.Hit, withDist bool, next string) {
	if next != "" {
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
	}
	e := s.newExportWriter(w, format, "aidmap-sites")
	for _, h := range hits {
		e.write(h, withDist)
	}
	e.flush()
}

// streamAll wraps the /sites handler: format=csv or ndjson without bbox, point or limit is a
// full dump of every published site matching the list filters, streamed in no particular order
// with regular flushes.
// Anything else is an ordinary list request.
func (s *Server) streamAll(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		qp := parseQuery(r)
		q := qp.v
		f := q.Get("format")
		if (f != "csv" && f != "ndjson") || q.Has("bbox") || q.Has("lat") || q.Has("lon") ||
			q.Has("radius_m") || q.Has("limit") || q.Has("cursor") {
			qp.release()
			next(w, r)
			return
		}
		defer qp.release()
		// Every filter of a list applies to the dump too (category in the index; open now,
		// text, languages and the others site by site).
		lp, err := parseListParams(q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		e := s.newExportWriter(w, f, "aidmap-sites")
		lp.q.BBox = query.World
		query.Visit(s.source.Index(), &lp.q, func(h geo.Hit) { e.write(h, false) })
		e.flush()
	}
}

// worldBBox covers every point.
var worldBBox = query.World

// appendCSVRow appends the site's cells in csvHeader's order.
func appendCSVRow(row []string, v siteView) []string {
	s := v.site
	a := s.Address
	precision := s.Precision
	if s.Confidential {
		a = aidmap.Address{}
		precision = aidmap.PrecisionLocality
	}
	latText, lonText := "", ""
	if lat, lon, ok := publicPoint(s); ok {
		latText, lonText = string(appendCoord(nil, lat)), string(appendCoord(nil, lon))
	}
	cats := make([]string, len(s.Categories))
	for i, c := range s.Categories {
		cats[i] = string(c)
	}
	dist := ""
	if v.hasDist {
		if s.Confidential {
			dist = strconv.FormatFloat(aidmap.DistanceBand(v.dist), 'f', -1, 64)
		} else {
			dist = strconv.FormatFloat(float64(int64(v.dist*10+0.5))/10, 'f', -1, 64)
		}
	}
	row = append(row,
		s.ID, s.OrganizationID, v.org.Name, s.Name, s.Description, strings.Join(cats, ";"),
		a.Street, a.Unit, a.Locality, a.Region, a.PostalCode, a.Country,
		latText, lonText, string(precision),
		strconv.FormatBool(s.Confidential || precision.Approximate() || v.stacked),
		s.Phone, s.Website, s.Email, hours.Format(s.Hours),
		strings.Join(s.Languages, ";"), s.Eligibility, s.Fees, s.Accessibility,
		strconv.FormatBool(s.Confidential), string(s.Status),
		csvTime(s.UpdatedAt), csvTime(s.VerifiedAt), dist,
	)
	for i, c := range row {
		row[i] = csvSafe(c)
	}
	return row
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvSafe defuses formula injection (CWE-1236): a spreadsheet runs a cell starting with
// = + - @, tab or carriage return as a formula, so such cells get a leading apostrophe, which
// spreadsheets show as text and hide. Providers' free text ends up in these files. A plain
// number (-123.1207, the western longitudes) is left alone: it cannot hold a formula, and
// escaping it would turn every coordinate west of Greenwich into text.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if plainNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// plainNumber reports whether s is a decimal number: sign, digits, point and exponent only.
func plainNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return false
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
