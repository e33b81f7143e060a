package points

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
)

// maxLineBytes bounds one GeoJSON line: an address point is a few hundred bytes, so a longer
// line is not one and is rejected without being held in memory.
const maxLineBytes = 64 << 10

// geojsonlReader reads one GeoJSON Feature per line, the layout OpenAddresses publishes since
// 2021 (and GeoJSON text sequences, RFC 8142, whose records start with an RS byte).
type geojsonlReader struct {
	ctx   context.Context
	br    *bufio.Reader
	opts  Options
	line  int
	buf   []byte
	batch []aidmap.AddressPoint
	t     tally
	err   error
}

var geojsonLabels = labels{lon: "geometry", lat: "geometry", number: "number", street: "street"}

func newGeoJSONLReader(ctx context.Context, r io.Reader, opts Options) *geojsonlReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &geojsonlReader{ctx: ctx, br: br, opts: opts, batch: make([]aidmap.AddressPoint, 0, opts.batchSize())}
}

func (g *geojsonlReader) setFile(f string) { g.t.file = f }

func (g *geojsonlReader) Summary() Summary { return g.t.summary() }

// jsonText accepts a property written as a string, a number or null: sources disagree on
// whether a house number or postcode is a string.
type jsonText string

func (t *jsonText) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0:
		// encoding/json has checked b is a valid string: without escapes, it is the text
		// between the quotes, which saves a second trip through the decoder.
		*t = jsonText(b[1 : len(b)-1])
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = jsonText(s)
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*t = jsonText(b)
	default:
		return fmt.Errorf("want a string or a number, got %.20s", b)
	}
	return nil
}

// feature is one line, decoded the fast way: every property a string, as OpenAddresses
// writes them. A line where one is a number or null is decoded again as looseFeature.
type feature struct {
	Type       string `json:"type"`
	Properties struct {
		Number   string `json:"number"`
		Street   string `json:"street"`
		Unit     string `json:"unit"`
		City     string `json:"city"`
		District string `json:"district"`
		Region   string `json:"region"`
		Postcode string `json:"postcode"`
		Country  string `json:"country"`
	} `json:"properties"`
	Geometry *geometry `json:"geometry"`
}

type looseFeature struct {
	Type       string `json:"type"`
	Properties struct {
		Number   jsonText `json:"number"`
		Street   jsonText `json:"street"`
		Unit     jsonText `json:"unit"`
		City     jsonText `json:"city"`
		District jsonText `json:"district"`
		Region   jsonText `json:"region"`
		Postcode jsonText `json:"postcode"`
		Country  jsonText `json:"country"`
	} `json:"properties"`
	Geometry *geometry `json:"geometry"`
}

type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// decodeFeature decodes one line, trying the fast form first.
func decodeFeature(line []byte, f *feature) error {
	err := json.Unmarshal(line, f)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) {
		return err
	}
	var l looseFeature
	if err := json.Unmarshal(line, &l); err != nil {
		return err
	}
	pr := &l.Properties
	*f = feature{Type: l.Type, Geometry: l.Geometry}
	f.Properties.Number, f.Properties.Street, f.Properties.Unit = string(pr.Number), string(pr.Street), string(pr.Unit)
	f.Properties.City, f.Properties.District, f.Properties.Region = string(pr.City), string(pr.District), string(pr.Region)
	f.Properties.Postcode, f.Properties.Country = string(pr.Postcode), string(pr.Country)
	return nil
}

func (g *geojsonlReader) Next() ([]aidmap.AddressPoint, error) {
	if g.err != nil {
		return nil, g.err
	}
	if err := g.ctx.Err(); err != nil {
		return nil, fmt.Errorf("points: geojsonl: %w", err)
	}
	g.batch = g.batch[:0]
	for len(g.batch) < cap(g.batch) {
		line, long, err := g.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			g.err = fmt.Errorf("points: geojsonl: line %d: %w", g.line, err)
			return nil, g.err
		}
		if long {
			g.t.reject(Rejection{Row: g.line, Value: string(line), Reason: ReasonInvalidJSON + ": line longer than " + strconv.Itoa(maxLineBytes) + " bytes"})
			continue
		}
		line = bytes.TrimSpace(bytes.TrimLeft(line, "\x1e"))
		if len(line) == 0 {
			continue
		}
		if g.t.sum.Read == 0 && bytes.Contains(line[:min(len(line), 200)], []byte(`"FeatureCollection"`)) {
			g.err = fmt.Errorf("points: geojsonl: line %d: the file is a FeatureCollection; write one Feature per line (ogr2ogr -f GeoJSONSeq): %w", g.line, aidmap.ErrInvalid)
			return nil, g.err
		}
		g.feature(line)
	}
	if len(g.batch) == 0 {
		g.err = io.EOF
		return nil, io.EOF
	}
	return g.batch, nil
}

// readLine returns the next line without its newline. A line longer than maxLineBytes is
// skipped to its end and reported with long set and only its start returned.
func (g *geojsonlReader) readLine() (line []byte, long bool, err error) {
	g.buf = g.buf[:0]
	for {
		chunk, err := g.br.ReadSlice('\n')
		if len(g.buf)+len(chunk) <= maxLineBytes {
			g.buf = append(g.buf, chunk...)
		} else {
			long = true
			if len(g.buf) < 100 {
				g.buf = append(g.buf, chunk[:min(len(chunk), 100)]...)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(g.buf) == 0 {
				return nil, false, io.EOF
			}
		case nil:
		default:
			return nil, false, err
		}
		g.line++
		return g.buf, long, nil
	}
}

// feature validates one line and appends its point to the batch or records why not.
func (g *geojsonlReader) feature(line []byte) {
	var f feature
	if err := decodeFeature(line, &f); err != nil {
		g.t.reject(Rejection{Row: g.line, Value: err.Error(), Reason: ReasonInvalidJSON})
		return
	}
	if f.Geometry == nil || len(f.Geometry.Coordinates) == 0 || string(f.Geometry.Coordinates) == "null" {
		g.t.reject(Rejection{Row: g.line, Field: "geometry", Reason: ReasonNoCoordinate})
		return
	}
	if f.Geometry.Type != "Point" {
		g.t.reject(Rejection{Row: g.line, Field: "geometry.type", Value: f.Geometry.Type, Reason: ReasonNotPoint})
		return
	}
	c, err := parsePosition(f.Geometry.Coordinates)
	if err != nil {
		g.t.reject(Rejection{Row: g.line, Field: "geometry.coordinates", Value: string(f.Geometry.Coordinates), Reason: ReasonNotNumber})
		return
	}
	pr := &f.Properties
	p := aidmap.AddressPoint{
		Lon: c[0], Lat: c[1],
		Number:   clean(pr.Number),
		Unit:     clean(pr.Unit),
		Street:   clean(pr.Street),
		Locality: clean(pr.City),
		Region:   clean(pr.Region),
		Postcode: clean(pr.Postcode),
		Country:  strings.ToUpper(clean(pr.Country)),
	}
	p.Number, p.Unit = splitUnitNumber(p.Number, p.Unit)
	if !isCountry(p.Country) {
		p.Country = g.opts.Country
	}
	if field, value, why := checkPoint(&p, &geojsonLabels); why != "" {
		g.t.reject(Rejection{Row: g.line, Field: field, Value: value, Reason: why})
		return
	}
	g.t.accept()
	g.batch = append(g.batch, p)
}

// parsePosition reads a GeoJSON position, [lon, lat] or [lon, lat, alt], which encoding/json
// has already checked is valid JSON; anything else is an error.
func parsePosition(raw []byte) ([2]float64, error) {
	var c [2]float64
	b := bytes.TrimSpace(raw)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return c, errNotPosition
	}
	parts := bytes.Split(b[1:len(b)-1], []byte{','})
	if len(parts) < 2 || len(parts) > 3 {
		return c, errNotPosition
	}
	for i := range parts {
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(parts[i])), 64)
		if err != nil {
			return c, errNotPosition
		}
		if i < 2 {
			c[i] = v
		}
	}
	return c, nil
}

var errNotPosition = errors.New("not a [lon, lat] position")
