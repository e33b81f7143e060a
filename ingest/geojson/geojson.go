// Package geojson reads GeoJSON (RFC 7946), newline-delimited GeoJSON and GeoJSON text
// sequences (RFC 8142), and plain JSON lists of records, one feature or object per
// ingest.Record, streaming.
package geojson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/hours"
	"github.com/aidmap/aidmap/ingest"
)

// GeoJSON limits. Each can be changed in Options; reaching one stops reading with a
// *FileError (features too large, too many) or rejects the feature (too deeply nested).
const (
	DefaultMaxFeatureBytes = 1 << 20   // one feature, as written
	DefaultMaxDepth        = 32        // nesting of objects and arrays inside one feature
	DefaultMaxFeatures     = 5_000_000 // as many as a table's rows (table.DefaultMaxRows)
)

// maxColumns is how many property paths the dialect lists, as many as a table's columns
// (table.DefaultMaxColumns).
const maxColumns = 500

// Options tunes a Reader. The zero value uses the default limits.
type Options struct {
	MaxFeatureBytes int // 0 means DefaultMaxFeatureBytes
	MaxDepth        int // 0 means DefaultMaxDepth
	MaxFeatures     int // 0 means DefaultMaxFeatures; negative means no limit
}

// Reader reads the features of a GeoJSON file (RFC 7946) as records, one at a time: a
// FeatureCollection is streamed with encoding/json's tokenizer, so only one feature is held in
// memory. It also reads a single Feature, a bare JSON array of features, and newline-delimited
// GeoJSON or GeoJSON text sequences (RFC 8142): one feature per line.
//
// A record's Row is the feature's number in the file (the first is 1) and Line the line where
// it starts. Properties fill our fields with the same header synonyms as the table reader
// ("name", "Nom", "opening_hours", "addr:street", …); nested objects are flattened, so
// {"address": {"city": "Victoria"}} fills city and {"contact": {"phone": …}} phone, with
// top-level properties winning over nested ones. Arrays of plain values become lists
// ("food bank; meals"). The feature's own "id" is the external ID when no property gives one.
//
// Geometry: a Point (lon, lat in that order, as RFC 7946 says; an altitude is ignored) gives the
// coordinates; so does a MultiPoint or GeometryCollection holding a single point. A pair in
// lat, lon order is repaired by Record.Site only when unambiguous (the second number beyond
// ±90), with a warning. Any other geometry (LineString, Polygon, Multi*) is not turned into a
// point: its centroid may be far from the door (a service area, a route), and aidmap never
// invents a location. Such a feature is placed by its address (the geocoder) when its
// properties give one, with a warning; otherwise it is rejected with the reason. A null
// geometry is an "unlocated feature" (RFC 7946 §3.2): it needs an address, or coordinates in
// its properties (lat/lon, or one "lat,lon" value).
type Reader struct {
	src  *geoSource
	dec  *json.Decoder
	opts Options

	state     geoState
	topArray  bool // the array being read is the top-level value (not "features")
	member    geoFeature
	topLine   int
	sawValue  bool
	sawFeatur bool // the current top-level object had a "features" member

	row         int
	sawCategory bool
	dialect     ingest.Dialect
	paths       map[string]int // property path → index in dialect.Columns
	err         error
}

type geoState uint8

const (
	geoTop    geoState = iota // between top-level values
	geoObject                 // inside a top-level object, reading its members
	geoArray                  // inside an array of features
)

// geoFeature holds the members of a feature as written.
type geoFeature struct {
	Type       json.RawMessage `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// NewReader returns a reader of the GeoJSON in r. Nothing is read until Next.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.MaxFeatureBytes <= 0 {
		opts.MaxFeatureBytes = DefaultMaxFeatureBytes
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	switch {
	case opts.MaxFeatures == 0:
		opts.MaxFeatures = DefaultMaxFeatures
	case opts.MaxFeatures < 0:
		opts.MaxFeatures = int(^uint(0) >> 1)
	}
	src := &geoSource{r: r, first: true}
	dec := json.NewDecoder(src)
	dec.UseNumber()
	return &Reader{src: src, dec: dec, opts: opts, paths: map[string]int{},
		dialect: ingest.Dialect{Encoding: ingest.EncodingUTF8, Header: true}}
}

// Dialect describes the file: its property paths (as Columns, with the field each fills) and
// notes. It is final once Next has returned io.EOF.
func (g *Reader) Dialect() ingest.Dialect {
	d := g.dialect
	d.Columns = append([]ingest.Column(nil), d.Columns...)
	d.Notes = append([]string(nil), d.Notes...)
	return d
}

// errFeatureTooLarge is returned by geoSource when a value outgrows the feature size limit.
var errFeatureTooLarge = errors.New("feature too large")

// errNotUTF8 is returned by geoSource when the file has bytes that are not UTF-8.
var errNotUTF8 = errors.New("not UTF-8")

// geoSource counts bytes and line breaks as the decoder reads, bounds how far it may read past
// the start of the current value, drops a leading UTF-8 BOM and turns RFC 8142 record
// separators into spaces.
type geoSource struct {
	r        io.Reader
	n        int64
	limit    int64
	newlines int
	first    bool
	err      error
	utf8     ingest.UTF8Guard
}

func (s *geoSource) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.n > s.limit {
		s.err = errFeatureTooLarge
		return 0, s.err
	}
	n, err := s.r.Read(p)
	b := p[:n]
	if s.first && n > 0 {
		s.first = false
		if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			copy(b, b[3:])
			n -= 3
			b = b[:n]
		}
	}
	if !s.utf8.Valid(b, errors.Is(err, io.EOF)) {
		s.err = errNotUTF8
		return 0, s.err
	}
	s.n += int64(n)
	for i, c := range b {
		switch c {
		case '\n':
			s.newlines++
		case 0x1e:
			b[i] = ' '
		}
	}
	return n, err
}

// countWriter counts line breaks written to it.
type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// line returns the line the decoder has reached: the line of the last byte it consumed.
func (g *Reader) line() int {
	var buffered countWriter
	if wt, ok := g.dec.Buffered().(io.WriterTo); ok {
		wt.WriteTo(&buffered) // a *bytes.Reader: writes its slice without copying
	}
	return g.src.newlines - int(buffered) + 1
}

// arm lets the decoder read one more value of at most MaxFeatureBytes (plus its read-ahead).
func (g *Reader) arm() {
	g.src.limit = g.dec.InputOffset() + int64(g.opts.MaxFeatureBytes) + 64<<10
}

func (g *Reader) fail(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errFeatureTooLarge):
		err = &ingest.FileError{Line: g.line(), Reason: fmt.Sprintf("feature %d is larger than %s; simplify its geometry or split the file", g.row+1, ingest.ByteSize(g.opts.MaxFeatureBytes)), Err: aidmap.ErrInvalid}
	case errors.Is(err, errNotUTF8):
		err = &ingest.FileError{Line: g.src.newlines + 1, Reason: "the file is not UTF-8 (from this line on); JSON files must be saved as UTF-8", Err: aidmap.ErrInvalid}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		err = &ingest.FileError{Line: g.line(), Reason: "the file ends in the middle of a JSON value; is it complete?", Err: aidmap.ErrInvalid}
	case errors.As(err, &se):
		err = &ingest.FileError{Line: g.line(), Reason: "not valid JSON: " + se.Error(), Err: aidmap.ErrInvalid}
	default:
		var fe *ingest.FileError
		if !errors.As(err, &fe) {
			err = &ingest.FileError{Line: g.line(), Reason: "read the file", Err: err}
		}
	}
	g.err = err
	return err
}

// Next returns the next feature as a record. It returns io.EOF after the last one, and a
// *FileError when the file cannot be read further (not JSON, not GeoJSON, a limit reached).
// Problems with one feature are in Record.Problems.
func (g *Reader) Next() (ingest.Record, error) {
	if g.err != nil {
		return ingest.Record{}, g.err
	}
	for {
		g.arm()
		switch g.state {
		case geoArray:
			if g.dec.More() {
				var raw json.RawMessage
				if err := g.dec.Decode(&raw); err != nil {
					return ingest.Record{}, g.fail(err)
				}
				end := g.line()
				return g.feature(raw, nil, end-bytes.Count(raw, []byte{'\n'}))
			}
			if _, err := g.dec.Token(); err != nil { // ]
				return ingest.Record{}, g.fail(err)
			}
			if g.topArray {
				g.state = geoTop
			} else {
				g.state = geoObject
			}
		case geoObject:
			if !g.dec.More() {
				if _, err := g.dec.Token(); err != nil { // }
					return ingest.Record{}, g.fail(err)
				}
				g.state = geoTop
				if g.sawFeatur {
					continue
				}
				typ := ingest.JSONText(g.member.Type)
				switch {
				case typ == "Feature" || typ == "" && (g.member.Geometry != nil || g.member.Properties != nil):
					m := g.member
					return g.feature(nil, &m, g.topLine)
				case typ == "FeatureCollection":
					g.note("the FeatureCollection has no \"features\" array; it holds no sites")
					continue
				}
				return ingest.Record{}, g.fail(&ingest.FileError{Line: g.topLine, Reason: fmt.Sprintf("the JSON object is not GeoJSON (its type is %q, not FeatureCollection or Feature)", typ), Err: aidmap.ErrInvalid})
			}
			tok, err := g.dec.Token()
			if err != nil {
				return ingest.Record{}, g.fail(err)
			}
			key, _ := tok.(string)
			if key == "features" {
				g.sawFeatur = true
				tok, err := g.dec.Token()
				if err != nil {
					return ingest.Record{}, g.fail(err)
				}
				if tok != json.Delim('[') {
					return ingest.Record{}, g.fail(&ingest.FileError{Line: g.line(), Reason: "\"features\" must be an array of Feature objects", Err: aidmap.ErrInvalid})
				}
				g.state, g.topArray = geoArray, false
				continue
			}
			var raw json.RawMessage
			if err := g.dec.Decode(&raw); err != nil {
				return ingest.Record{}, g.fail(err)
			}
			switch key {
			case "type":
				g.member.Type = raw
			case "id":
				g.member.ID = raw
			case "geometry":
				g.member.Geometry = raw
			case "properties":
				g.member.Properties = raw
			case "crs":
				g.crsNote(raw)
			}
		default: // geoTop
			tok, err := g.dec.Token()
			if err == io.EOF {
				if !g.sawValue {
					g.err = &ingest.FileError{Reason: "the file is empty", Err: aidmap.ErrInvalid}
					return ingest.Record{}, g.err
				}
				if g.row > 0 && !g.sawCategory {
					g.note("no property gives the kind of service, so every site is filed as \"other\"; add a \"category\" property such as \"food bank\"")
				}
				g.err = io.EOF
				return ingest.Record{}, io.EOF
			}
			if err != nil {
				return ingest.Record{}, g.fail(err)
			}
			g.sawValue = true
			switch tok {
			case json.Delim('{'):
				g.state, g.member, g.sawFeatur, g.topLine = geoObject, geoFeature{}, false, g.line()
			case json.Delim('['):
				g.state, g.topArray = geoArray, true
			default:
				return ingest.Record{}, g.fail(&ingest.FileError{Line: g.line(), Reason: "not GeoJSON: the file must hold a FeatureCollection, a Feature, or one feature per line", Err: aidmap.ErrInvalid})
			}
		}
	}
}

func (g *Reader) note(s string) {
	for _, n := range g.dialect.Notes {
		if n == s {
			return
		}
	}
	g.dialect.Notes = append(g.dialect.Notes, s)
}

// crsNote reads the crs member of GeoJSON 2008: RFC 7946 removed it, and anything other than
// WGS84 degrees shows up as coordinates out of range, which Record.Site rejects.
func (g *Reader) crsNote(raw json.RawMessage) {
	var crs struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if json.Unmarshal(raw, &crs) != nil {
		return
	}
	name := crs.Properties.Name
	switch {
	case name == "", strings.HasSuffix(name, "CRS84"), strings.HasSuffix(name, ":4326"), strings.HasSuffix(name, "::4326"):
		return
	}
	g.note(fmt.Sprintf("the file declares the coordinate system %q; aidmap reads WGS84 longitude, latitude only (RFC 7946), so export it as EPSG:4326", name))
}

// feature turns one feature, as raw JSON or as members already read, into a record.
func (g *Reader) feature(raw json.RawMessage, m *geoFeature, line int) (ingest.Record, error) {
	if g.row >= g.opts.MaxFeatures {
		return ingest.Record{}, g.fail(&ingest.FileError{Line: line, Reason: fmt.Sprintf("the file has more than %d features; split it into smaller files", g.opts.MaxFeatures), Err: aidmap.ErrInvalid})
	}
	g.row++
	rec := ingest.Record{Row: g.row, Line: line, Columns: new([ingest.NumFields]string)}
	reject := func(reason string) (ingest.Record, error) {
		rec.Problems = append(rec.Problems, ingest.Problem{Severity: ingest.Rejected, Row: rec.Row, Line: rec.Line, Reason: reason})
		return rec, nil
	}
	if m == nil {
		if d := ingest.JSONDepth(raw); d > g.opts.MaxDepth {
			return reject(fmt.Sprintf("the feature is nested %d levels deep; at most %d are read", d, g.opts.MaxDepth))
		}
		m = new(geoFeature)
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, m) != nil {
			return reject("is not a GeoJSON Feature object")
		}
	} else {
		for _, part := range []json.RawMessage{m.Geometry, m.Properties} {
			if d := ingest.JSONDepth(part) + 1; d > g.opts.MaxDepth {
				return reject(fmt.Sprintf("the feature is nested %d levels deep; at most %d are read", d, g.opts.MaxDepth))
			}
		}
	}
	if ingest.JSONText(m.Type) == "" && m.Geometry == nil && m.Properties == nil && raw != nil {
		// A plain JSON record, as open-data portals export lists ([{"name": ..., "latitude":
		// ...}, ...]): its members are the properties, read like a row of a table.
		g.note("the file is a JSON list of records, not GeoJSON: each object's fields are read as one row")
		m.Properties = raw
	}
	switch typ := ingest.JSONText(m.Type); typ {
	case "Feature", "":
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		return reject(fmt.Sprintf("is a bare %s geometry, not a Feature: it has no properties, so no name", typ))
	default:
		return reject(fmt.Sprintf("has type %q; only Feature objects are read", typ))
	}
	if err := g.properties(&rec, m.Properties); err != nil {
		return reject(err.Error())
	}
	if strings.TrimSpace(rec.Values[ingest.FieldID]) == "" {
		if id := ingest.JSONText(m.ID); id != "" {
			rec.Values[ingest.FieldID] = id
			rec.Columns[ingest.FieldID] = "id"
		}
	}
	g.geometry(&rec, m.Geometry)
	g.sawCategory = g.sawCategory || rec.Columns[ingest.FieldCategory] != ""
	return rec, nil
}

// geoGeometry is a GeoJSON geometry object.
type geoGeometry struct {
	Type        string            `json:"type"`
	Coordinates json.RawMessage   `json:"coordinates"`
	Geometries  []json.RawMessage `json:"geometries"`
}

// geometry fills lat and lon from the feature's geometry, as explained on Reader.
func (g *Reader) geometry(rec *ingest.Record, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		g.propertyCoordinates(rec)
		return
	}
	var geom geoGeometry
	if raw[0] != '{' || json.Unmarshal(raw, &geom) != nil {
		rec.Problems = append(rec.Problems, ingest.Problem{Severity: ingest.Rejected, Row: rec.Row, Line: rec.Line, Field: "geometry", Column: "geometry", Value: ingest.Clip(string(raw)), Reason: "is not a GeoJSON geometry such as {\"type\": \"Point\", \"coordinates\": [-123.1, 49.28]}"})
		return
	}
	lon, lat, why := pointOf(geom, 0)
	if why != "" {
		hasAddress := !ingest.Missing(rec.Values[ingest.FieldAddress]) || !ingest.Missing(rec.Values[ingest.FieldPostalCode]) || !ingest.Missing(rec.Values[ingest.FieldCity])
		p := ingest.Problem{Severity: ingest.Rejected, Row: rec.Row, Line: rec.Line, Field: "geometry", Column: "geometry", Value: geom.Type, Reason: why + "; give the site's point, or an address to locate it by"}
		if hasAddress {
			p.Severity, p.Reason = ingest.Warning, why+"; it was ignored and the site will be located by its address"
		}
		rec.Problems = append(rec.Problems, p)
		for _, f := range []ingest.Field{ingest.FieldLat, ingest.FieldLon, ingest.FieldCoordinates} {
			rec.Values[f], rec.Columns[f] = "", ""
		}
		return
	}
	rec.Values[ingest.FieldLon], rec.Values[ingest.FieldLat] = lon, lat
	rec.Columns[ingest.FieldLon], rec.Columns[ingest.FieldLat] = "geometry", "geometry"
	rec.Values[ingest.FieldCoordinates], rec.Columns[ingest.FieldCoordinates] = "", ""
}

// pointOf returns the one point of a geometry as the text of its numbers, or why there is none.
func pointOf(geom geoGeometry, depth int) (lon, lat, why string) {
	switch geom.Type {
	case "Point":
		var pos []json.RawMessage
		if json.Unmarshal(geom.Coordinates, &pos) != nil {
			return "", "", "the Point's coordinates are not a list of numbers such as [-123.1, 49.28]"
		}
		if len(pos) < 2 {
			return "", "", "the Point has no coordinates"
		}
		return numberText(pos[0]), numberText(pos[1]), ""
	case "MultiPoint":
		var pts [][]json.RawMessage
		if json.Unmarshal(geom.Coordinates, &pts) != nil {
			return "", "", "the MultiPoint's coordinates are not a list of points"
		}
		if len(pts) != 1 || len(pts[0]) < 2 {
			return "", "", fmt.Sprintf("the geometry is a MultiPoint of %d points, and a site has one point: make one feature per site", len(pts))
		}
		return numberText(pts[0][0]), numberText(pts[0][1]), ""
	case "GeometryCollection":
		if len(geom.Geometries) == 1 && depth < 4 {
			var inner geoGeometry
			if json.Unmarshal(geom.Geometries[0], &inner) == nil {
				return pointOf(inner, depth+1)
			}
		}
		return "", "", fmt.Sprintf("the geometry is a GeometryCollection of %d geometries, not a point", len(geom.Geometries))
	case "LineString", "MultiLineString", "Polygon", "MultiPolygon":
		return "", "", fmt.Sprintf("the geometry is a %s, not a point: its centre may be far from where people go, so no point was made up", geom.Type)
	}
	return "", "", fmt.Sprintf("the geometry type %q is not a GeoJSON type", geom.Type)
}

// numberText returns a JSON number's text, or a string's text (Record.Site then says whether
// it is a number).
func numberText(raw json.RawMessage) string {
	if t := ingest.JSONText(raw); t != "" {
		return t
	}
	return string(raw)
}

// propertyCoordinates fills lat and lon from a "lat,lon" property when the feature has no
// geometry and no separate lat and lon properties.
func (g *Reader) propertyCoordinates(rec *ingest.Record) {
	v := rec.Values[ingest.FieldCoordinates]
	if ingest.Missing(v) || !ingest.Missing(rec.Values[ingest.FieldLat]) || !ingest.Missing(rec.Values[ingest.FieldLon]) {
		return
	}
	p, ok := ingest.SplitCoordinates(v)
	if !ok {
		rec.Warn(ingest.FieldCoordinates, "", v, "is not a pair of coordinates such as 49.28,-123.1 or POINT(-123.1 49.28)")
		return
	}
	order := p.Order
	if order == ingest.OrderUnknown {
		own, _ := ingest.PairOrder(p.DegA, p.DegB)
		if own == ingest.OrderUnknown {
			rec.Warn(ingest.FieldCoordinates, "", v, "both numbers are between -90 and 90, so it is unclear which is the latitude; read as lat,lon")
			own = ingest.LatLon
		}
		order = own
	}
	if order == ingest.LonLat {
		rec.Values[ingest.FieldLon], rec.Values[ingest.FieldLat] = p.A, p.B
	} else {
		rec.Values[ingest.FieldLat], rec.Values[ingest.FieldLon] = p.A, p.B
	}
	rec.Columns[ingest.FieldLat], rec.Columns[ingest.FieldLon] = rec.Columns[ingest.FieldCoordinates], rec.Columns[ingest.FieldCoordinates]
}

// geoSynonyms are property names of OpenStreetMap exports (overpass turbo, osmium) that are not
// table headers people write; they rank after the shared synonyms.
var geoSynonyms = map[string]struct {
	field ingest.Field
	rank  int
}{
	"addrstreet": {ingest.FieldAddress, 50}, "addrfull": {ingest.FieldAddress, 49}, "addrcity": {ingest.FieldCity, 50},
	"addrpostcode": {ingest.FieldPostalCode, 50}, "addrprovince": {ingest.FieldRegion, 50},
	"addrstate": {ingest.FieldRegion, 51}, "addrcountry": {ingest.FieldCountry, 50}, "addrunit": {ingest.FieldUnit, 50},
	"contactwebsite": {ingest.FieldWebsite, 50}, "contactemail": {ingest.FieldEmail, 50},
	"socialfacility": {ingest.FieldCategory, 50}, "amenity": {ingest.FieldCategory, 51},
	"osmid": {ingest.FieldID, 50},
}

// houseNumberKeys hold a house number that OSM keeps apart from the street.
var houseNumberKeys = map[string]bool{"addrhousenumber": true, "housenumber": true, "streetnumber": true, "civicnumber": true}

// lookupProperty returns the field a property path fills and how good a match it is (lower is
// better): the whole path ("contact.phone" as "contactphone"), then the last key alone.
func lookupProperty(path []string) (ingest.Field, int, bool) {
	depth := len(path) - 1
	try := func(k string) (ingest.Field, int, bool) {
		if f, rank, ok := ingest.HeaderField(k); ok {
			return f, rank, true
		}
		if s, ok := geoSynonyms[k]; ok {
			return s.field, s.rank, true
		}
		return ingest.FieldNone, 0, false
	}
	if depth > 0 {
		var b strings.Builder
		for _, p := range path {
			b.WriteString(ingest.NormaliseKey(p))
		}
		if f, rank, ok := try(b.String()); ok {
			return f, depth*1000 + rank, true
		}
	}
	if f, rank, ok := try(ingest.NormaliseKey(path[len(path)-1])); ok {
		return f, depth*1000 + 100 + rank, true
	}
	return ingest.FieldNone, 0, false
}

// properties fills the record's fields from the feature's properties object.
func (g *Reader) properties(rec *ingest.Record, raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return errors.New("its properties are not a JSON object")
	}
	var best [ingest.NumFields]int
	houseNumber := ""
	emit := func(path []string, value string) {
		name := strings.Join(path, ".")
		f, score, ok := lookupProperty(path)
		g.column(name, f)
		if !ok {
			if houseNumbers := houseNumberKeys[ingest.NormaliseKey(path[len(path)-1])]; houseNumbers && houseNumber == "" {
				houseNumber = strings.TrimSpace(value)
			}
			return
		}
		if strings.TrimSpace(value) == "" {
			return
		}
		if rec.Columns[f] == "" || score < best[f] {
			rec.Values[f], rec.Columns[f], best[f] = value, name, score
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return errors.New("its properties are not valid JSON")
	}
	if err := walkObject(dec, nil, emit); err != nil {
		return errors.New("its properties could not be read: " + err.Error())
	}
	if houseNumber != "" && rec.Values[ingest.FieldAddress] != "" && !strings.HasPrefix(strings.TrimSpace(rec.Values[ingest.FieldAddress]), houseNumber) {
		rec.Values[ingest.FieldAddress] = houseNumber + " " + strings.TrimSpace(rec.Values[ingest.FieldAddress])
	}
	structuredHours(rec, raw)
	return nil
}

// structuredHours reads an "hours" property in aidmap's own shape ({"weekly": [{"day": 1,
// "open": 540, "close": 1020}], "exceptions": [...]}, as the API and its GeoJSON export write
// it) as the opening hours, written out in OpenStreetMap syntax for the hours reader, so that
// a download loads back with its hours.
func structuredHours(rec *ingest.Record, raw json.RawMessage) {
	if !bytes.Contains(raw, []byte(`"weekly"`)) && !bytes.Contains(raw, []byte(`"exceptions"`)) {
		return // most files: no need to decode the properties again
	}
	var props struct {
		Hours json.RawMessage `json:"hours"`
	}
	if json.Unmarshal(raw, &props) != nil || len(props.Hours) == 0 || props.Hours[0] != '{' {
		return
	}
	var h aidmap.Hours
	if json.Unmarshal(props.Hours, &h) != nil || len(h.Weekly)+len(h.Exceptions) == 0 || h.Validate() != nil {
		return
	}
	if text := hours.Format(h); text != "" {
		rec.Values[ingest.FieldHours], rec.Columns[ingest.FieldHours] = text, "hours"
	}
}

// column records a property path in the dialect, up to maxColumns of them.
func (g *Reader) column(name string, f ingest.Field) {
	if _, ok := g.paths[name]; ok || len(g.paths) >= maxColumns {
		return
	}
	i := len(g.dialect.Columns)
	g.paths[name] = i
	c := ingest.Column{Index: i, Letter: ingest.ColumnLetter(i), Header: name, Field: f}
	if f != ingest.FieldNone {
		c.By = ingest.ByHeader
	}
	g.dialect.Columns = append(g.dialect.Columns, c)
}

// walkObject reads the members of an object whose '{' was read, calling emit with each plain
// value's path; arrays of plain values are emitted once, joined with "; ".
func walkObject(dec *json.Decoder, path []string, emit func([]string, string)) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		p := append(path[:len(path):len(path)], key)
		var list []string
		if err := walkValue(dec, p, emit, &list); err != nil {
			return err
		}
		if len(list) > 0 {
			emit(p, strings.Join(list, "; "))
		}
	}
	_, err := dec.Token() // }
	return err
}

func walkValue(dec *json.Decoder, path []string, emit func([]string, string), list *[]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return walkObject(dec, path, emit)
		}
		for dec.More() { // [
			if err := walkValue(dec, path, emit, list); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	case string:
		*list = append(*list, v)
	case json.Number:
		*list = append(*list, v.String())
	case bool:
		if v {
			*list = append(*list, "true")
		} else {
			*list = append(*list, "false")
		}
	}
	return nil
}
