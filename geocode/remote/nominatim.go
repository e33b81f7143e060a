package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
)

// Nominatim geocodes with a Nominatim server's /search endpoint (format=jsonv2). Against
// the public nominatim.openstreetmap.org it keeps to the usage policy: one request a second
// at most, an identifying User-Agent, and answers cached.
type Nominatim struct {
	c     *client
	email string
}

// NewNominatim returns a provider for the Nominatim server at baseURL, such as
// "https://nominatim.openstreetmap.org". It fails with an error wrapping aidmap.ErrInvalid
// when baseURL is not an absolute http(s) URL.
func NewNominatim(baseURL string, opts Options) (*Nominatim, error) {
	c, err := newClient("nominatim", baseURL, opts, time.Second)
	if err != nil {
		return nil, err
	}
	return &Nominatim{c: c, email: strings.TrimSpace(opts.Email)}, nil
}

// Name returns "nominatim".
func (n *Nominatim) Name() string { return "nominatim" }

// Geocode asks /search. A structured address goes as Nominatim's structured parameters
// (street, city, state, postalcode, country), which it matches more strictly than free
// text; the unit is left out because Nominatim does not know units and fails to match
// an address that has one.
func (n *Nominatim) Geocode(ctx context.Context, req geocode.Request) ([]geocode.Result, error) {
	p := url.Values{}
	p.Set("format", "jsonv2")
	p.Set("addressdetails", "1")
	limit := limitOf(req)
	p.Set("limit", strconv.Itoa(limit))
	if a := req.Address; !a.IsZero() && (a.Street != "" || a.Locality != "" || a.PostalCode != "") {
		setNonEmpty(p, "street", a.Street)
		setNonEmpty(p, "city", a.Locality)
		setNonEmpty(p, "state", a.Region)
		setNonEmpty(p, "postalcode", a.PostalCode)
		setNonEmpty(p, "country", a.Country)
	} else if text := strings.TrimSpace(req.Text); text != "" {
		p.Set("q", text)
	} else {
		return nil, errEmptyRequest(n.Name())
	}
	if n.email != "" {
		p.Set("email", n.email)
	}
	return n.c.search(ctx, "/search", p, limit, parseNominatim)
}

func setNonEmpty(p url.Values, key, value string) {
	if value = strings.TrimSpace(value); value != "" {
		p.Set(key, value)
	}
}

// nominatimPlace is one element of a jsonv2 /search answer. Only the fields used are
// decoded; lat and lon are strings in Nominatim's output.
type nominatimPlace struct {
	OSMType     string      `json:"osm_type"`
	Lat         stringFloat `json:"lat"`
	Lon         stringFloat `json:"lon"`
	Category    string      `json:"category"`
	Class       string      `json:"class"` // format=json's name for category
	Type        string      `json:"type"`
	PlaceRank   int         `json:"place_rank"`
	AddressType string      `json:"addresstype"`
	DisplayName string      `json:"display_name"`
}

func parseNominatim(body []byte) ([]geocode.Result, error) {
	var places []nominatimPlace
	if err := json.Unmarshal(body, &places); err != nil {
		return nil, fmt.Errorf("want a JSON array of places: %w", err)
	}
	var res []geocode.Result
	for _, p := range places {
		prec, ok := nominatimPrecision(p)
		if !ok || !validLatLon(float64(p.Lat), float64(p.Lon)) {
			continue
		}
		res = append(res, geocode.Result{
			Lat:        float64(p.Lat),
			Lon:        float64(p.Lon),
			Precision:  prec,
			Confidence: baseConfidence(prec),
			Label:      p.DisplayName,
			Source:     "nominatim",
		})
	}
	return res, nil
}

// nominatimPrecision maps a place to a precision from its place_rank (Nominatim's
// "Place Ranking": 4 country, 5-9 state, 10-12 county, 13-25 city down to neighbourhood,
// postcodes 21-25, 26-27 streets, 28-30 house numbers, buildings and POIs). ok is false for
// anything coarser than a locality. A place=house on a way is an address Nominatim
// interpolated along an addr:interpolation line (or a TIGER range in the US): a computed
// point, not a surveyed one.
func nominatimPrecision(p nominatimPlace) (prec aidmap.Precision, ok bool) {
	category := p.Category
	if category == "" {
		category = p.Class
	}
	switch {
	case p.Type == "postcode" || p.Type == "postal_code" || p.AddressType == "postcode":
		return aidmap.PrecisionPostalCode, true
	case coarseKinds[p.AddressType] || category == "place" && coarseKinds[p.Type]:
		return "", false
	case p.PlaceRank >= 28:
		if category == "place" && p.Type == "house" && p.OSMType == "way" {
			return aidmap.PrecisionInterpolated, true
		}
		return aidmap.PrecisionAddress, true
	case p.PlaceRank >= 26:
		return aidmap.PrecisionStreet, true
	case p.PlaceRank >= 13:
		return aidmap.PrecisionLocality, true
	}
	return "", false
}

// coarseKinds are Nominatim address types and place=* values too large to locate a site.
var coarseKinds = map[string]bool{
	"continent": true, "country": true, "state": true, "province": true, "region": true,
	"state_district": true, "county": true, "archipelago": true,
}

// stringFloat decodes a number written as a JSON string ("49.2827") or as a number.
type stringFloat float64

func (f *stringFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("lat or lon is not a number") // the value stays out: it is the server's text
	}
	*f = stringFloat(v)
	return nil
}
