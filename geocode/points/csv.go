package points

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aidmap/aidmap"
)

// Our fields, the keys of Options.Columns, in the order rows are read.
const (
	colLon = iota
	colLat
	colNumber
	colStreet
	colUnit
	colCity
	colDistrict
	colRegion
	colPostcode
	colCountry
	colAddress
	numCols
)

var colNames = [numCols]string{"lon", "lat", "number", "street", "unit", "city", "district", "region", "postcode", "country", "address"}

// colAliases are the header names (folded: lower case, spaces and hyphens as underscores)
// under which each field is found when Options.Columns does not name it: OpenAddresses' own
// first, then what municipal open data and OpenStreetMap exports commonly use.
var colAliases = [numCols][]string{
	colLon:      {"lon", "lng", "long", "longitude", "x_lon"},
	colLat:      {"lat", "latitude", "y_lat"},
	colNumber:   {"number", "housenumber", "house_number", "civic_number", "street_number", "addr:housenumber"},
	colStreet:   {"street", "street_name", "streetname", "addr:street"},
	colUnit:     {"unit", "suite", "apartment", "addr:unit"},
	colCity:     {"city", "locality", "municipality", "town", "addr:city"},
	colDistrict: {"district"},
	colRegion:   {"region", "province", "state", "prov", "addr:province", "addr:state"},
	colPostcode: {"postcode", "postal_code", "postalcode", "zip", "zipcode", "zip_code", "addr:postcode"},
	colCountry:  {"country", "country_code", "addr:country"},
	colAddress:  {"address", "full_address", "fulladdress", "civic_address"},
}

// foldHeader makes header names comparable: "Postal Code " → "postal_code".
func foldHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// csvReader reads an address CSV with a header row.
type csvReader struct {
	ctx    context.Context
	r      *csv.Reader
	opts   Options
	idx    [numCols]int // column of each field; -1 when the file has none
	header []string     // as written, for rejection labels
	names  labels
	split  bool // number or street come from the address column
	batch  []aidmap.AddressPoint
	t      tally
	err    error
}

func newCSVReader(ctx context.Context, r io.Reader, opts Options) (*csvReader, error) {
	cr := csv.NewReader(r)
	if br, ok := r.(*bufio.Reader); ok {
		cr.Comma = sniffComma(br)
	}
	cr.FieldsPerRecord = -1 // OpenAddresses rows often have more fields than the header
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("points: csv: the file is empty; it needs a header row such as LON,LAT,NUMBER,STREET: %w", aidmap.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("points: csv: header: %v: %w", err, aidmap.ErrInvalid)
	}
	c := &csvReader{ctx: ctx, r: cr, opts: opts, header: append([]string(nil), head...)}
	for i := range c.header {
		c.header[i] = strings.TrimSpace(strings.TrimPrefix(c.header[i], "\ufeff"))
	}
	if err := c.mapColumns(); err != nil {
		return nil, err
	}
	c.batch = make([]aidmap.AddressPoint, 0, opts.batchSize())
	return c, nil
}

// sniffComma picks the separator of the header line: a comma unless the line has more
// semicolons or tabs, as European open data and spreadsheet exports often do.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	comma, best := ',', bytes.Count(head, []byte{','})
	for _, c := range []rune{';', '\t', '|'} {
		if n := bytes.Count(head, []byte{byte(c)}); n > best {
			comma, best = c, n
		}
	}
	return comma
}

// mapColumns finds each field's column: by Options.Columns first, then by alias.
func (c *csvReader) mapColumns() error {
	folded := make(map[string]int, len(c.header))
	for i, h := range c.header {
		if _, dup := folded[foldHeader(h)]; !dup {
			folded[foldHeader(h)] = i
		}
	}
	for i := range c.idx {
		c.idx[i] = -1
	}
	keys := make([]string, 0, len(c.opts.Columns))
	for k := range c.opts.Columns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := -1
		for i, n := range colNames {
			if strings.EqualFold(k, n) {
				f = i
			}
		}
		if f < 0 {
			return fmt.Errorf("points: csv: column mapping names unknown field %q (want one of %s): %w", k, strings.Join(colNames[:], ", "), aidmap.ErrInvalid)
		}
		i, ok := folded[foldHeader(c.opts.Columns[k])]
		if !ok {
			return fmt.Errorf("points: csv: column mapping %s=%q: the header has no such column (it has %s): %w", k, c.opts.Columns[k], strings.Join(c.header, ", "), aidmap.ErrInvalid)
		}
		c.idx[f] = i
	}
	for f := range c.idx {
		if c.idx[f] >= 0 {
			continue
		}
		for _, a := range colAliases[f] {
			if i, ok := folded[a]; ok {
				c.idx[f] = i
				break
			}
		}
	}
	missing := func(f int) bool { return c.idx[f] < 0 }
	switch {
	case missing(colLon) || missing(colLat):
		return fmt.Errorf("points: csv: the header (%s) has no longitude and latitude columns; name them LON and LAT or map them with a column mapping: %w", strings.Join(c.header, ","), aidmap.ErrInvalid)
	case (missing(colNumber) || missing(colStreet)) && missing(colAddress):
		return fmt.Errorf("points: csv: the header (%s) needs NUMBER and STREET columns, or one ADDRESS column; map them with a column mapping if they are named otherwise: %w", strings.Join(c.header, ","), aidmap.ErrInvalid)
	}
	c.split = missing(colNumber) || missing(colStreet)
	label := func(f int) string {
		if c.idx[f] < 0 {
			return c.header[c.idx[colAddress]]
		}
		return c.header[c.idx[f]]
	}
	c.names = labels{lon: label(colLon), lat: label(colLat), number: label(colNumber), street: label(colStreet)}
	return nil
}

func (c *csvReader) setFile(f string) { c.t.file = f }

func (c *csvReader) Summary() Summary { return c.t.summary() }

func (c *csvReader) Next() ([]aidmap.AddressPoint, error) {
	if c.err != nil {
		return nil, c.err
	}
	if err := c.ctx.Err(); err != nil {
		return nil, fmt.Errorf("points: csv: %w", err)
	}
	c.batch = c.batch[:0]
	for len(c.batch) < cap(c.batch) {
		rec, err := c.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && isCSVSyntax(pe.Err) {
				c.t.reject(Rejection{Row: pe.StartLine, Value: pe.Error(), Reason: ReasonMalformedCSV})
				continue
			}
			c.err = fmt.Errorf("points: csv: %w", err)
			return nil, c.err
		}
		c.row(rec)
	}
	if len(c.batch) == 0 {
		c.err = io.EOF
		return nil, io.EOF
	}
	return c.batch, nil
}

// isCSVSyntax reports whether err is a fault of the file's text, after which the next row
// can still be read, rather than of reading it.
func isCSVSyntax(err error) bool {
	return errors.Is(err, csv.ErrBareQuote) || errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrFieldCount)
}

func (c *csvReader) get(rec []string, f int) string {
	i := c.idx[f]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return clean(rec[i])
}

// row validates one record and appends its point to the batch or records why not.
func (c *csvReader) row(rec []string) {
	lonS, latS := c.get(rec, colLon), c.get(rec, colLat)
	lon, why := parseCoord(lonS)
	if why != "" {
		c.rejectCoord(rec, c.names.lon, lonS, why)
		return
	}
	lat, why := parseCoord(latS)
	if why != "" {
		c.rejectCoord(rec, c.names.lat, latS, why)
		return
	}
	p := aidmap.AddressPoint{
		Lon: lon, Lat: lat,
		Number:   c.get(rec, colNumber),
		Unit:     c.get(rec, colUnit),
		Street:   c.get(rec, colStreet),
		Locality: c.get(rec, colCity),
		Region:   c.get(rec, colRegion),
		Postcode: c.get(rec, colPostcode),
		Country:  strings.ToUpper(c.get(rec, colCountry)),
	}
	if c.split {
		n, s, city, region, pc, country := splitAddress(c.get(rec, colAddress))
		p.Number, p.Street = pick(p.Number, n), pick(p.Street, s)
		p.Locality, p.Region = pick(p.Locality, city), pick(p.Region, region)
		p.Postcode, p.Country = pick(p.Postcode, pc), pick(p.Country, country)
	}
	p.Number, p.Unit = splitUnitNumber(p.Number, p.Unit)
	if !isCountry(p.Country) {
		p.Country = c.opts.Country
	}
	if field, value, why := checkPoint(&p, &c.names); why != "" {
		c.t.reject(Rejection{Row: c.line(), Field: field, Value: value, Reason: why})
		return
	}
	c.t.accept()
	c.batch = append(c.batch, p)
}

// pick prefers the value of a field's own column over what was cut from a whole address.
func pick(own, cut string) string {
	if own != "" {
		return own
	}
	return cut
}

func (c *csvReader) rejectCoord(rec []string, field, value, why string) {
	if why == ReasonNoCoordinate {
		empty := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				empty = false
				break
			}
		}
		if empty {
			c.t.reject(Rejection{Row: c.line(), Reason: ReasonEmptyRow})
			return
		}
	}
	c.t.reject(Rejection{Row: c.line(), Field: field, Value: value, Reason: why})
}

// line is the line of the file where the current record starts.
func (c *csvReader) line() int {
	l, _ := c.r.FieldPos(0)
	return l
}
