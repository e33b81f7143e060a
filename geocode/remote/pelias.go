package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
)

// Pelias geocodes with a Pelias API: /v1/search for free text and /v1/search/structured for
// addresses. A hosted Pelias that needs a key takes it in the base URL's query
// ("https://api.geocode.earth?api_key=...").
type Pelias struct {
	c *client
}

// NewPelias returns a provider for the Pelias API at baseURL, such as
// "http://localhost:4000". It fails with an error wrapping aidmap.ErrInvalid when baseURL
// is not an absolute http(s) URL.
func NewPelias(baseURL string, opts Options) (*Pelias, error) {
	c, err := newClient("pelias", baseURL, opts, 0)
	if err != nil {
		return nil, err
	}
	return &Pelias{c: c}, nil
}

// Name returns "pelias".
func (p *Pelias) Name() string { return "pelias" }

// Geocode asks /v1/search/structured for an address and /v1/search for text. The unit is
// left out: Pelias's address parser takes "203" of "203 5171 221A St" for the house number.
func (p *Pelias) Geocode(ctx context.Context, req geocode.Request) ([]geocode.Result, error) {
	q := url.Values{}
	limit := limitOf(req)
	q.Set("size", strconv.Itoa(limit))
	path := "/v1/search"
	if a := req.Address; !a.IsZero() && (a.Street != "" || a.Locality != "" || a.PostalCode != "") {
		path = "/v1/search/structured"
		setNonEmpty(q, "address", a.Street)
		setNonEmpty(q, "locality", a.Locality)
		setNonEmpty(q, "region", a.Region)
		setNonEmpty(q, "postalcode", a.PostalCode)
		setNonEmpty(q, "country", a.Country)
	} else if text := strings.TrimSpace(req.Text); text != "" {
		q.Set("text", text)
	} else {
		return nil, errEmptyRequest(p.Name())
	}
	return p.c.search(ctx, path, q, limit, parsePelias)
}

// geoJSONPoint is a GeoJSON Point geometry; coordinates are lon, lat.
type geoJSONPoint struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

func (g geoJSONPoint) latLon() (lat, lon float64, ok bool) {
	if g.Type != "Point" || len(g.Coordinates) < 2 {
		return 0, 0, false
	}
	lon, lat = g.Coordinates[0], g.Coordinates[1]
	return lat, lon, validLatLon(lat, lon)
}

type peliasResponse struct {
	Type     string `json:"type"`
	Features []struct {
		Geometry   geoJSONPoint     `json:"geometry"`
		Properties peliasProperties `json:"properties"`
	} `json:"features"`
}

type peliasProperties struct {
	Layer      string   `json:"layer"`
	MatchType  string   `json:"match_type"` // exact, interpolated or fallback
	Accuracy   string   `json:"accuracy"`   // point or centroid
	Confidence *float64 `json:"confidence"`
	Label      string   `json:"label"`
	Name       string   `json:"name"`
}

func parsePelias(body []byte) ([]geocode.Result, error) {
	var fc peliasResponse
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, fmt.Errorf("want a GeoJSON FeatureCollection: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("want a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	var res []geocode.Result
	for _, f := range fc.Features {
		prec, ok := peliasPrecision(f.Properties)
		lat, lon, okLL := f.Geometry.latLon()
		if !ok || !okLL {
			continue
		}
		conf := baseConfidence(prec)
		if c := f.Properties.Confidence; c != nil {
			conf = clamp01(*c)
		}
		label := f.Properties.Label
		if label == "" {
			label = f.Properties.Name
		}
		res = append(res, geocode.Result{
			Lat: lat, Lon: lon, Precision: prec, Confidence: conf, Label: label, Source: "pelias",
		})
	}
	return res, nil
}

// peliasPrecision maps a feature's layer, match_type and accuracy to a precision. ok is
// false for layers coarser than a locality (county, region, country ...) and unknown ones.
// Pelias answers "interpolated" (match_type) for an address its interpolation service
// computed, and "centroid" (accuracy) for the middle of a polygon; either way on the
// address layer the point was not surveyed. A venue's centroid can be far from its door
// (a campus, a park), so only a venue point counts as an address.
func peliasPrecision(p peliasProperties) (prec aidmap.Precision, ok bool) {
	switch p.Layer {
	case "address":
		if p.MatchType == "interpolated" || p.Accuracy == "centroid" {
			return aidmap.PrecisionInterpolated, true
		}
		return aidmap.PrecisionAddress, true
	case "venue":
		if p.Accuracy == "centroid" {
			return aidmap.PrecisionStreet, true
		}
		return aidmap.PrecisionAddress, true
	case "street":
		return aidmap.PrecisionStreet, true
	case "postalcode":
		return aidmap.PrecisionPostalCode, true
	case "microhood", "neighbourhood", "borough", "locality", "localadmin":
		return aidmap.PrecisionLocality, true
	}
	return "", false
}
