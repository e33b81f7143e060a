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

// Photon geocodes with a Photon server's /api endpoint (komoot/photon), which takes free
// text only: a structured address is written out on one line.
type Photon struct {
	c *client
}

// NewPhoton returns a provider for the Photon server at baseURL, such as
// "https://photon.komoot.io". It fails with an error wrapping aidmap.ErrInvalid when
// baseURL is not an absolute http(s) URL.
func NewPhoton(baseURL string, opts Options) (*Photon, error) {
	c, err := newClient("photon", baseURL, opts, 0)
	if err != nil {
		return nil, err
	}
	return &Photon{c: c}, nil
}

// Name returns "photon".
func (p *Photon) Name() string { return "photon" }

// Geocode asks /api?q=&limit=. The unit is left out of a structured address, as for the
// other providers: Photon would try to match it as a house number or name.
func (p *Photon) Geocode(ctx context.Context, req geocode.Request) ([]geocode.Result, error) {
	q := url.Values{}
	limit := limitOf(req)
	text := strings.TrimSpace(req.Text)
	if a := req.Address; !a.IsZero() && (a.Street != "" || a.Locality != "" || a.PostalCode != "") {
		a.Unit = ""
		text = a.String()
	}
	if text == "" {
		return nil, errEmptyRequest(p.Name())
	}
	q.Set("q", text)
	q.Set("limit", strconv.Itoa(limit))
	return p.c.search(ctx, "/api", q, limit, parsePhoton)
}

type photonResponse struct {
	Type     string `json:"type"`
	Features []struct {
		Geometry   geoJSONPoint     `json:"geometry"`
		Properties photonProperties `json:"properties"`
	} `json:"features"`
}

type photonProperties struct {
	OSMKey      string     `json:"osm_key"`
	OSMValue    string     `json:"osm_value"`
	Type        string     `json:"type"` // house, street, locality, district, city, county, state, country, other
	Name        string     `json:"name"`
	HouseNumber flexString `json:"housenumber"`
	Street      string     `json:"street"`
	Locality    string     `json:"locality"`
	District    string     `json:"district"`
	City        string     `json:"city"`
	State       string     `json:"state"`
	Postcode    flexString `json:"postcode"`
	Country     string     `json:"country"`
}

func parsePhoton(body []byte) ([]geocode.Result, error) {
	var fc photonResponse
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, fmt.Errorf("want a GeoJSON FeatureCollection: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("want a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	var res []geocode.Result
	for _, f := range fc.Features {
		prec, ok := photonPrecision(f.Properties)
		lat, lon, okLL := f.Geometry.latLon()
		if !ok || !okLL {
			continue
		}
		res = append(res, geocode.Result{
			Lat: lat, Lon: lon, Precision: prec, Confidence: baseConfidence(prec),
			Label: photonLabel(f.Properties), Source: "photon",
		})
	}
	return res, nil
}

// photonPrecision maps a feature's type (Photon's own classification, present since
// Photon 0.4) or, for older servers, its OSM tag to a precision. ok is false for counties,
// states, countries and anything unclassified. Photon does not interpolate house numbers,
// so nothing it returns is interpolated; a POI is a point, hence address.
func photonPrecision(p photonProperties) (prec aidmap.Precision, ok bool) {
	if p.OSMValue == "postcode" || p.OSMValue == "postal_code" {
		return aidmap.PrecisionPostalCode, true
	}
	typ := p.Type
	if typ == "" || typ == "other" {
		typ = photonTypeOfTag(p)
	}
	switch typ {
	case "house":
		return aidmap.PrecisionAddress, true
	case "street":
		return aidmap.PrecisionStreet, true
	case "city", "locality", "district":
		return aidmap.PrecisionLocality, true
	}
	return "", false
}

// photonTypeOfTag classifies a feature by its OSM tag the way Photon's type does.
func photonTypeOfTag(p photonProperties) string {
	switch p.OSMKey {
	case "place":
		switch p.OSMValue {
		case "house", "building":
			return "house"
		case "city", "town", "village", "municipality":
			return "city"
		case "hamlet", "locality", "isolated_dwelling", "farm":
			return "locality"
		case "suburb", "quarter", "neighbourhood", "city_block", "borough", "city_district":
			return "district"
		}
		return "" // county, state, country, island ...
	case "highway":
		return "street"
	case "boundary", "natural", "waterway", "landuse":
		return ""
	}
	if p.HouseNumber != "" || p.OSMKey != "" {
		return "house" // a building, amenity, shop ... is a point
	}
	return ""
}

// photonLabel writes a feature out the way people read an address, since Photon sends the
// parts without a label: "Name, 1150 Raymur Avenue, Vancouver, British Columbia V6A 3T2, Canada".
func photonLabel(p photonProperties) string {
	var parts []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && (len(parts) == 0 || parts[len(parts)-1] != s) {
			parts = append(parts, s)
		}
	}
	street := strings.TrimSpace(string(p.HouseNumber) + " " + p.Street)
	if p.Name != street {
		add(p.Name)
	}
	add(street)
	for _, place := range []string{p.District, p.Locality, p.City} {
		if place != p.Name {
			add(place)
		}
	}
	add(strings.TrimSpace(p.State + " " + string(p.Postcode)))
	add(p.Country)
	return strings.Join(parts, ", ")
}

// flexString decodes a JSON string or number as a string: some OSM-derived services send a
// house number or postcode that looks numeric as a number.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or number: %w", err)
	}
	*s = flexString(n.String())
	return nil
}
