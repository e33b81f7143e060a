package web

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// The site encoders below append JSON by hand instead of going through encoding/json: list
// responses are the hot path of the API, and reflection-based encoding costs several times
// more than the rest of a nearest query. encode_test.go checks the output against
// encoding/json decoding, field by field.

// siteView is what is published of one site in one response.
type siteView struct {
	site    *aidmap.Site
	org     aidmap.Organization
	dist    float64
	hasDist bool
	open    openState // evaluated in lists only
	stale   freshMark // what time says of the site: stale, capacity, possibly closed (Server.staleOf)
	// stacked marks a site at a stacked point (the place view's place.Places.Approximate):
	// approximate whatever its precision, in every answer that carries the site (lists,
	// exports, OGC, the place view, GET /api/v1/sites/{id}); the lists' cache is kept per
	// set of such sites (sitecache.go).
	stacked bool
}

// appendSiteJSON appends the site as a JSON object (the API's Site schema).
func appendSiteJSON(b []byte, v siteView) []byte {
	b = append(b, '{')
	b = appendSiteFields(b, v, true)
	return append(b, '}')
}

// appendFeatureJSON appends the site as an RFC 7946 Feature with a Point geometry.
func appendFeatureJSON(b []byte, v siteView) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendString(b, v.site.ID)
	if lat, lon, ok := publicPoint(v.site); ok {
		b = append(b, `,"geometry":{"type":"Point","coordinates":[`...)
		b = appendCoord(b, lon)
		b = append(b, ',')
		b = appendCoord(b, lat)
		b = append(b, `]},"properties":{`...)
	} else {
		b = append(b, `,"geometry":null,"properties":{`...)
	}
	b = appendSiteFields(b, v, false)
	return append(b, "}}"...)
}

// appendSiteFields appends the site's fields: what depends on the site alone (appendSiteHead
// and appendSiteTail, which sitecache.go keeps encoded per snapshot) around what depends on
// the request (the open state and the distance).
func appendSiteFields(b []byte, v siteView, withPoint bool) []byte {
	b = appendSiteHead(b, v, withPoint)
	b = appendOpenState(b, v.open)
	b = appendSiteTail(b, v.site)
	b = appendStale(b, v.stale.checked)
	b = appendLive(b, v.stale.live)
	return appendDistance(b, v)
}

// appendSiteHead appends the fields up to the hours.
func appendSiteHead(b []byte, v siteView, withPoint bool) []byte {
	s := v.site
	b = append(b, `"id":`...)
	b = appendString(b, s.ID)
	b = append(b, `,"organization":{"id":`...)
	b = appendString(b, s.OrganizationID)
	if v.org.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, v.org.Name)
	}
	b = append(b, '}')
	if v.org.Demo {
		b = append(b, `,"demo":true`...)
	}
	b = appendStringField(b, "name", s.Name)
	b = appendStringField(b, "description", s.Description)
	b = append(b, `,"categories":[`...)
	for i, c := range s.Categories {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(c))
	}
	b = append(b, ']')

	precision := s.Precision
	if s.Confidential {
		// Only the area is published: no address at all (the index holds none), and the
		// precision of the published point, not of the stored one.
		precision = aidmap.PrecisionLocality
	} else {
		b = appendAddress(b, s.Address)
	}
	if lat, lon, ok := publicPoint(s); withPoint && ok {
		b = append(b, `,"lat":`...)
		b = appendCoord(b, lat)
		b = append(b, `,"lon":`...)
		b = appendCoord(b, lon)
	}
	b = appendStringField(b, "precision", string(precision))
	b = append(b, `,"approximate":`...)
	b = strconv.AppendBool(b, s.Confidential || precision.Approximate() || v.stacked)
	b = appendStringField(b, "phone", s.Phone)
	b = appendStringField(b, "website", s.Website)
	b = appendStringField(b, "email", s.Email)
	return appendHours(b, s.Hours)
}

// appendSiteTail appends the fields after the open state, but the distance.
func appendSiteTail(b []byte, s *aidmap.Site) []byte {
	if len(s.Languages) > 0 {
		b = append(b, `,"languages":[`...)
		for i, l := range s.Languages {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, l)
		}
		b = append(b, ']')
	}
	b = appendStringField(b, "eligibility", s.Eligibility)
	b = appendStringField(b, "fees", s.Fees)
	b = appendStringField(b, "accessibility", s.Accessibility)
	b = append(b, `,"confidential":`...)
	b = strconv.AppendBool(b, s.Confidential)
	b = appendStringField(b, "status", string(s.Status))
	b = appendTimeField(b, "updated_at", s.UpdatedAt)
	return appendTimeField(b, "verified_at", s.VerifiedAt)
}

// appendDistance appends distance_m when the view has one: a band for a confidential site.
func appendDistance(b []byte, v siteView) []byte {
	if !v.hasDist {
		return b
	}
	return appendDistanceM(b, v.dist, v.site.Confidential)
}

// appendDistanceM appends "distance_m": dist metres, or only a coarse band for a confidential
// site.
func appendDistanceM(b []byte, dist float64, confidential bool) []byte {
	b = append(b, `,"distance_m":`...)
	if confidential {
		// Only a coarse band: "within 5 km" is all a person needs to decide to call, and
		// exact distances from many points would outline the area around the site.
		b = strconv.AppendFloat(b, aidmap.DistanceBand(dist), 'f', -1, 64)
		return append(b, `,"distance_band":true`...)
	}
	return appendTenths(b, dist)
}

// appendTenths appends x rounded to tenths as strconv.AppendFloat(b, math.Round(x*10)/10,
// 'f', -1, 64) does, without the shortest-digits search: the nearest float to k/10 is
// printed as k/10's own digits, "k/10.d" or "k/10" when d is 0, since no shorter decimal lies
// within half a unit in the last place of it below 1e15 (a tenth is more than that). Each
// answer prints ten distances.
func appendTenths(b []byte, x float64) []byte {
	k := math.Round(x * 10)
	if !(k >= 0 && k < 1e15) || math.Signbit(k) { // negative, -0, huge or NaN: not distances
		return strconv.AppendFloat(b, k/10, 'f', -1, 64)
	}
	n := uint64(k)
	b = strconv.AppendUint(b, n/10, 10)
	if d := n % 10; d != 0 {
		b = append(b, '.', byte('0'+d))
	}
	return b
}

// publicPoint returns the point that may be published of s: its own, which for a confidential
// site in its public form (aidmap.Publisher.Public, as the index holds it) is its area pin.
// A confidential site in any other form has no publishable point (fail closed).
func publicPoint(s *aidmap.Site) (lat, lon float64, ok bool) {
	if s.Confidential && !s.IsPublic() {
		return 0, 0, false
	}
	return s.Lat, s.Lon, true
}

func appendAddress(b []byte, a aidmap.Address) []byte {
	b = append(b, `,"address":{`...)
	start := len(b)
	b = appendStringField(b, "street", a.Street)
	b = appendStringField(b, "unit", a.Unit)
	b = appendStringField(b, "locality", a.Locality)
	b = appendStringField(b, "region", a.Region)
	b = appendStringField(b, "postal_code", a.PostalCode)
	b = appendStringField(b, "country", a.Country)
	if len(b) > start {
		// Each field starts with a comma; the first one must not.
		copy(b[start:], b[start+1:])
		b = b[:len(b)-1]
	}
	return append(b, '}')
}

func appendHours(b []byte, h aidmap.Hours) []byte {
	if !h.Known() && h.Timezone == "" && h.Notes == "" {
		return b
	}
	b = append(b, `,"hours":{`...)
	b = append(b, `"known":`...)
	b = strconv.AppendBool(b, h.Known())
	b = appendStringField(b, "timezone", h.Timezone)
	if len(h.Weekly) > 0 {
		b = append(b, `,"weekly":`...)
		b = appendPeriods(b, h.Weekly, true)
	}
	if len(h.Exceptions) > 0 {
		b = append(b, `,"exceptions":[`...)
		for i, e := range h.Exceptions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"date":`...)
			b = appendString(b, e.Date)
			if e.Closed {
				b = append(b, `,"closed":true`...)
			}
			if len(e.Periods) > 0 {
				b = append(b, `,"periods":`...)
				b = appendPeriods(b, e.Periods, false)
			}
			b = appendStringField(b, "note", e.Note)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendStringField(b, "notes", h.Notes)
	return append(b, '}')
}

func appendPeriods(b []byte, ps []aidmap.Period, withDay bool) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if withDay {
			b = append(b, `"day":`...)
			b = strconv.AppendInt(b, int64(p.Day), 10)
			b = append(b, ',')
		}
		b = append(b, `"open":`...)
		b = strconv.AppendInt(b, int64(p.Open), 10)
		b = append(b, `,"close":`...)
		b = strconv.AppendInt(b, int64(p.Close), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendStringField appends `,"name":"value"`, or nothing when value is empty.
func appendStringField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendTimeField(b []byte, name string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// appendCoord appends degrees with at most 7 decimals (about 1 cm), enough for any source.
func appendCoord(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, math.Round(v*1e7)/1e7, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped like encoding/json does: quotes,
// backslashes, control characters, <, > and & (so a site name can never close a script tag),
// U+2028 and U+2029, and invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
