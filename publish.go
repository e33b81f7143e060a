package aidmap

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
)

// Confidential sites (women's shelters, safe homes) are stored exactly and published only as
// an area. docs/confidential.md is the threat model; in short, everything public about a
// confidential site is a function of its area cell, of the text its organisation chose to
// publish (name, phone, hours…), and of a per-deployment secret key that never leaves the
// store, so nothing public narrows its true point below the cell:
//
//   - the area is the grid cell that holds the true point: AreaCellDeg of latitude by
//     AreaCellDeg of longitude (about 11 km by 7 km in Canada), wider towards the poles
//     (areaColumns), so a cell is never narrower than about 5.5 km;
//   - the published point (the "pin") is a point of that cell drawn from a keyed hash of the
//     site's ID and the cell, not of its true point: it stays put while the site moves within
//     the cell, and says nothing about where in the cell the site is. (A pin that keeps a
//     distance from the true point, as the old rule did, says where the site is not, and that
//     rule together with a published locality located a site to within 133 m.)
//   - no street, unit, postal code, locality, region or country is published: the
//     organisation's address fields are correlated with the true point (a cell straddling a
//     town boundary, a province border) and could narrow it to a sliver of the cell;
//   - the public ID is a keyed hash of the stored one, which anyone could derive from the
//     organisation and the provider's ID or, without one, from the name and address;
//   - the time zone of the hours is the zone of the cell's centre, not of the point.
//
// Publisher.Public makes that public form. The in-memory index holds only public forms (geo
// refuses a confidential site that is not one), and every public output is read from the
// index, so no encoder can publish what the index does not hold.
// AreaCellDeg is the height of an area cell in degrees of latitude (and its width in degrees
// of longitude below 60°).
const AreaCellDeg = 0.1

// ErrNoKey is returned by NewPublisher for a key too short to be secret.
var ErrNoKey = fmt.Errorf("aidmap: the deployment key must be at least %d bytes: %w", KeySize, ErrInvalid)

// KeySize is the size of the deployment keys stores generate.
const KeySize = 32

// Publisher makes the public form of sites under a deployment's secret key (the store keeps
// it, generated at first start: store.Store.DeploymentKey). Every replica of a deployment
// shares the key, so all publish the same IDs and pins. A Publisher is safe for concurrent use.
type Publisher struct {
	key [KeySize]byte
	// Zone returns the IANA time zone of a point, or "" when unknown. A confidential site's
	// hours are published in the zone of its area cell's centre, never of its true point;
	// when Zone is nil the zone is left out (fail closed), and its hours are then unknown to
	// open-now filters.
	Zone func(lat, lon float64) string
}

// NewPublisher returns a publisher with the given deployment key: at least KeySize bytes,
// all of which count (the key is hashed).
func NewPublisher(key []byte) (*Publisher, error) {
	if len(key) < KeySize {
		return nil, ErrNoKey
	}
	p := &Publisher{}
	p.key = sha256.Sum256(append([]byte("aidmap deployment key\x00"), key...))
	return p, nil
}

// Key derives a secret of the deployment for another purpose than publishing (such as keying
// the hashes that tell report senders apart): the same on every replica, independent of the
// keys of public IDs and pins, and never to be published.
func (p *Publisher) Key(purpose string) []byte {
	return p.mac("derived key").str(purpose).h.Sum(nil)
}

func (p *Publisher) mac(domain string) hashWriter {
	h := hmac.New(sha256.New, p.key[:])
	h.Write([]byte(domain))
	h.Write([]byte{0})
	return hashWriter{h}
}

type hashWriter struct {
	h interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
}

func (w hashWriter) str(s string) hashWriter {
	var n [binary.MaxVarintLen64]byte
	w.h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
	w.h.Write([]byte(s))
	return w
}

func (w hashWriter) f64(v float64) hashWriter {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
	w.h.Write(b[:])
	return w
}

// PublicID returns the ID a site with stored ID id is published under: the stored ID for a
// public site (a UUIDv5 of organisation and provider ID: it reveals nothing a public site
// does not publish anyway, and keeps the ID the same on every deployment and in every export),
// and for a confidential site a keyed hash of it (a version 4 UUID in form), which cannot be
// checked against guesses of its name, address or point. Changing a site's confidentiality
// changes its public ID, so the ID published beside an exact point never names the area.
func (p *Publisher) PublicID(id string, confidential bool) string {
	if !confidential {
		return id
	}
	sum := p.mac("public id").str(id).h.Sum(nil)
	var u [16]byte
	copy(u[:], sum)
	u[6] = (u[6] & 0x0f) | 0x40 // version 4: indistinguishable from a random UUID
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return formatUUID(u)
}

// Withdrawn returns the public ID that s had, or would have had, with the opposite
// confidentiality: a follower that applies a change of s removes it from the index, so a site
// marked confidential does not stay published at its exact point under its old ID.
func (p *Publisher) Withdrawn(s *Site) string {
	return p.PublicID(s.ID, !s.Confidential)
}

// Public returns what may be published of s. A public site is returned as it is; a
// confidential one with only its area (see the notes above): its public ID, the pin for its
// point, precision locality, no address or external ID, and its hours in the area's time zone. The
// result is marked as a public form (IsPublic), which stores refuse and the index requires;
// a public form is returned as it is.
func (p *Publisher) Public(s *Site) Site {
	c := *s
	if s.public {
		return c // already a public form: its point is the pin
	}
	c.public = true
	if !s.Confidential {
		return c
	}
	c.ID = p.PublicID(s.ID, true)
	c.ExternalID = ""
	c.Address = Address{}
	c.Lat, c.Lon = p.pin(s)
	c.Precision = PrecisionLocality
	zone := ""
	if p.Zone != nil {
		cell := AreaOf(s.Lat, s.Lon)
		zone = p.Zone(cell.CentreLat(), cell.CentreLon())
	}
	if c.Hours.Timezone != "" || c.Hours.Known() {
		c.Hours.Timezone = zone
	}
	return c
}

// PublicSites returns the public forms of sites.
func (p *Publisher) PublicSites(sites []Site) []Site {
	out := make([]Site, len(sites))
	for i := range sites {
		out[i] = p.Public(&sites[i])
	}
	return out
}

// IsPublic reports whether s is the public form of a site (Publisher.Public). Only a public
// form may be indexed or published; no store keeps one.
func (s *Site) IsPublic() bool { return s.public }

// pin returns the published point of a confidential site: a point of its area cell, uniform
// over the cell's surface, drawn from a keyed hash of the site's ID and the cell. It is the
// same on every replica and every re-upload, stays put while the site moves within the cell,
// and without the key is a uniformly random point of the cell.
func (p *Publisher) pin(s *Site) (lat, lon float64) {
	cell := AreaOf(s.Lat, s.Lon)
	const rad = math.Pi / 180
	sin0, sin1 := math.Sin(cell.MinLat*rad), math.Sin(cell.MaxLat*rad)
	r := p.mac("area pin").str(s.ID).f64(cell.MinLat).f64(cell.MinLon).h.Sum(nil)
	u := float64(binary.LittleEndian.Uint64(r[0:8])>>11) / (1 << 53)
	v := float64(binary.LittleEndian.Uint64(r[8:16])>>11) / (1 << 53)
	lat = round6(math.Asin(sin0+u*(sin1-sin0)) / rad)
	lon = round6(cell.MinLon + v*(cell.MaxLon-cell.MinLon))
	return min(max(lat, cell.MinLat), cell.MaxLat), min(max(lon, cell.MinLon), cell.MaxLon)
}

// Area is a cell of the grid that confidential sites are published in: edges in WGS84
// degrees, min inclusive.
type Area struct{ MinLat, MinLon, MaxLat, MaxLon float64 }

// CentreLat returns the latitude of the cell's centre.
func (a Area) CentreLat() float64 { return round6((a.MinLat + a.MaxLat) / 2) }

// CentreLon returns the longitude of the cell's centre.
func (a Area) CentreLon() float64 { return round6((a.MinLon + a.MaxLon) / 2) }

// Contains reports whether the point is in the cell (edges included).
func (a Area) Contains(lat, lon float64) bool {
	return lat >= a.MinLat && lat <= a.MaxLat && lon >= a.MinLon && lon <= a.MaxLon
}

// String names the cell for messages.
func (a Area) String() string {
	return fmt.Sprintf("%.1f,%.1f to %.1f,%.1f", a.MinLat, a.MinLon, a.MaxLat, a.MaxLon)
}

// areaRows is the number of rows of cells, AreaCellDeg each, from the South Pole up.
const areaRows = int(180 / AreaCellDeg)

// AreaOf returns the area cell that holds the point (WGS84 degrees).
func AreaOf(lat, lon float64) Area {
	row := int(math.Floor((lat + 90) / AreaCellDeg))
	row = min(max(row, 0), areaRows-1)
	minLat := float64(row)*AreaCellDeg - 90
	maxLat := float64(row+1)*AreaCellDeg - 90
	n := areaColumns(row)
	w := 360 / float64(n)
	col := int(math.Floor((lon + 180) / w))
	col = min(max(col, 0), n-1)
	return Area{
		MinLat: round6(minLat), MaxLat: round6(maxLat),
		MinLon: round6(float64(col)*w - 180), MaxLon: round6(float64(col+1)*w - 180),
	}
}

// areaColumns returns how many cells row has: AreaCellDeg of longitude each below 60°, and
// fewer, wider ones towards the poles so that no cell is narrower than an AreaCellDeg cell at
// 60° (about 5.5 km). The row nearest each pole is one cell around the pole.
func areaColumns(row int) int {
	const full = int(360 / AreaCellDeg)
	edge := math.Max(math.Abs(float64(row)*AreaCellDeg-90), math.Abs(float64(row+1)*AreaCellDeg-90))
	c := math.Cos(edge * math.Pi / 180)
	if c >= 0.5 {
		return full
	}
	return max(1, int(float64(full)*c/0.5))
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
