package geocode

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
	"github.com/aidmap/aidmap/geocode/places"
)

// Embedded is the geocoder that needs no network: the gazetteer of address points loaded
// from the store, then the postal codes and localities shipped in the binary. The gazetteer
// can be swapped while queries run (SetGazetteer), so a server picks up a new import without
// a restart.
type Embedded struct {
	gaz atomic.Pointer[Gazetteer]
}

// NewEmbedded returns an embedded geocoder over g (nil: places only, until SetGazetteer).
func NewEmbedded(g *Gazetteer) *Embedded {
	e := &Embedded{}
	e.gaz.Store(g)
	return e
}

// Name returns "embedded".
func (e *Embedded) Name() string { return "embedded" }

// SetGazetteer replaces the gazetteer; queries under way finish with the old one.
func (e *Embedded) SetGazetteer(g *Gazetteer) { e.gaz.Store(g) }

// Gazetteer returns the gazetteer in use (nil when none).
func (e *Embedded) Gazetteer() *Gazetteer { return e.gaz.Load() }

// defaultLimit is how many candidates a request gets when it does not say.
const defaultLimit = 5

// maxLimit bounds Request.Limit.
const maxLimit = 20

func (r Request) limit() int {
	switch {
	case r.Limit <= 0:
		return defaultLimit
	case r.Limit > maxLimit:
		return maxLimit
	}
	return r.Limit
}

// maxQueryLen bounds the text of a request: no address is longer, and the parser's work stays
// small.
const maxQueryLen = 512

// Parse turns a request into the parsed address the matchers use: the structured address
// when it has one, else the text.
func Parse(req Request) addr.Parsed {
	if !req.Address.IsZero() {
		a := req.Address
		return addr.FromParts(a.Street, a.Unit, a.Locality, a.Region, a.PostalCode, a.Country)
	}
	text := req.Text
	if len(text) > maxQueryLen {
		text = text[:maxQueryLen]
	}
	return addr.Parse(text)
}

// Geocode answers from the gazetteer, then the shipped postal codes and localities. When the
// request names only a place ("Langley BC", "Kitsilano"), the places are the answer and carry
// a high confidence; when it names an address the gazetteer could not place, a postal code or
// locality is a fallback with a low one.
func (e *Embedded) Geocode(ctx context.Context, req Request) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("geocode: %w", err)
	}
	g := e.gaz.Load()
	if req.Address.IsZero() && len(req.Text) <= maxQueryLen {
		if r, ok := g.corner(req.Text); ok {
			return []Result{r}, nil
		}
	}
	q := Parse(req)
	limit := req.limit()
	out := g.Lookup(q, limit)
	placeOnly := q.Street == "" && q.Number == "" && q.Place != ""
	// Postal codes and localities are fallbacks: skip them when the gazetteer already placed
	// the address on its street.
	if len(out) == 0 || !out[0].Placed() || placeOnly {
		if q.Postcode != "" && !has(out, aidmap.PrecisionPostalCode) {
			if p, ok := places.Postcode(q.Postcode, q.Country); ok {
				out = append(out, Result{Lat: p.Lat, Lon: p.Lon, Precision: aidmap.PrecisionPostalCode,
					Confidence: confPostcode * 0.9, Label: placeLabel(p), Source: SourcePlaces})
			}
		}
		if q.Street == "" && q.Number == "" && q.Place == "" && q.Locality == "" {
			// The query is a postal code and nothing else: its centroid is the answer asked for.
			for i := range out {
				if out[i].Precision == aidmap.PrecisionPostalCode {
					out[i].Confidence = min(1, out[i].Confidence*1.6)
				}
			}
		}
		out = append(out, e.localities(g, q, limit)...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("geocode: %w", aidmap.ErrNotFound)
	}
	return rank(out, limit), nil
}

// localities finds the locality (or, for a place-only query, the place) the query names.
func (e *Embedded) localities(g *Gazetteer, q addr.Parsed, limit int) []Result {
	name, asked := q.Locality, false
	if q.Street == "" && q.Number == "" && q.Place != "" {
		name, asked = q.Place, true // the query is the place
	} else if name == "" {
		return nil
	}
	conf := confLocality
	if asked {
		conf = 0.9
	}
	ps := places.Localities(name, q.Region, q.Country, limit)
	var out []Result
	for i, p := range ps {
		c := conf
		if i > 0 {
			// Less populous namesakes are less likely meant, never impossible.
			c *= 0.5 + 0.4*share(p.Population, ps[0].Population)
		}
		if len(ps) > 1 && q.Region == "" && q.Country == "" {
			c *= 0.9
		}
		out = append(out, Result{Lat: p.Lat, Lon: p.Lon, Precision: aidmap.PrecisionLocality,
			Confidence: c, Label: placeLabel(p), Source: SourcePlaces})
	}
	if len(out) == 0 {
		if r, ok := g.Locality(name, q.Region); ok {
			r.Confidence = conf * 0.9
			out = append(out, r)
		}
	}
	return out
}

func share(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return min(1, float64(a)/float64(b))
}

func has(rs []Result, p aidmap.Precision) bool {
	for _, r := range rs {
		if r.Precision.AtLeast(p) {
			return true
		}
	}
	return false
}

// placeLabel names a shipped place for people: "Langley, BC, CA".
func placeLabel(p places.Place) string {
	parts := []string{p.Name}
	if p.Region != "" && !isDigits(p.Region) {
		parts = append(parts, p.Region)
	}
	if p.Country != "" {
		parts = append(parts, p.Country)
	}
	return strings.Join(parts, ", ")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Best returns the candidate a batch process (an upload) can use without a person choosing:
// the first, unless another far from it is nearly as likely, in which case ok is false and
// the caller should report the address as ambiguous.
func Best(rs []Result) (best Result, ok bool) {
	if len(rs) == 0 {
		return Result{}, false
	}
	for _, r := range rs[1:] {
		if rs[0].Confidence-r.Confidence < ambiguousGap && aidmap.DistanceM(rs[0].Lat, rs[0].Lon, r.Lat, r.Lon) > ambiguousM {
			return rs[0], false
		}
	}
	return rs[0], true
}

// Two candidates are too close to call when their confidences differ by less than
// ambiguousGap and they lie more than ambiguousM apart.
const (
	ambiguousGap = 0.1
	ambiguousM   = 1000
)
