package points

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/aidmap/aidmap"
)

// labels name the fields of a source in rejections, as that source spells them, so a
// deployer can find the column or tag: "LAT" in a CSV, "geometry" in GeoJSON.
type labels struct {
	lon, lat, number, street string
}

// parseCoord reads one coordinate written as text. It rejects what strconv accepts but no
// address file means: NaN, infinities and hexadecimal floats.
func parseCoord(s string) (float64, string) {
	if s == "" {
		return 0, ReasonNoCoordinate
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) || math.IsNaN(v) || math.IsInf(v, 0) || hasHexOrWord(s) {
		return 0, ReasonNotNumber
	}
	return v, ""
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// hasHexOrWord reports letters other than an exponent's e: "0x1p3", "inf", "nan".
func hasHexOrWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c >= 'a' && c <= 'z' && c != 'e' {
			return true
		}
	}
	return false
}

// checkPoint applies the rules every address point must meet, whatever its source: real
// coordinates on the globe and not the 0,0 of a failed geocode, a street and a house
// number other than 0 (a point without a number locates a street, not an address, and the
// gazetteer builds street positions from numbered points). It returns the field and reason of the
// first rule broken, or "" when p is good.
func checkPoint(p *aidmap.AddressPoint, l *labels) (field, value, reason string) {
	switch {
	case p.Lat < -90 || p.Lat > 90:
		return l.lat, strconv.FormatFloat(p.Lat, 'g', -1, 64), ReasonOutOfRange
	case p.Lon < -180 || p.Lon > 180:
		return l.lon, strconv.FormatFloat(p.Lon, 'g', -1, 64), ReasonOutOfRange
	case p.Lat == 0 && p.Lon == 0:
		return l.lon + "," + l.lat, "0,0", ReasonNullIsland
	case p.Street == "":
		return l.street, "", ReasonNoStreet
	case p.Number == "":
		return l.number, "", ReasonNoNumber
	case strings.Trim(p.Number, "0") == "":
		// Several OpenAddresses sources write 0 for "no number"; so does Pelias' importer
		// treat it.
		return l.number, p.Number, ReasonNoNumber
	}
	for _, s := range [...]string{p.Street, p.Number, p.Unit, p.Locality, p.Region, p.Postcode} {
		if len(s) > maxFieldBytes {
			return "", s, ReasonLongValue
		}
	}
	return "", "", ""
}

// clean makes one text field fit to store: text that is not UTF-8 is read as Windows-1252
// (the usual encoding of spreadsheet exports, so "Montr\xe9al" becomes "Montréal" instead of
// failing the store's UTF-8 check and with it the whole import), control characters such as
// NUL and tabs become spaces, and s is trimmed with each run of white space inside it
// collapsed to one space ("too     many   spaces" → "too many spaces"). Plain ASCII and UTF-8
// that needs none of this is returned as it is, without allocating.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s, _ = charmap.Windows1252.NewDecoder().String(s)
	}
	slow, ascii := false, true
	for i := 0; i < len(s) && !slow; i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			slow = true
		case c == ' ':
			slow = i == 0 || i == len(s)-1 || s[i+1] == ' '
		case c >= 0x80:
			ascii = false
		}
	}
	if !slow && !ascii {
		// Rare: a no-break or ideographic space, or a C1 control, decided by rune.
		slow = strings.IndexFunc(s, isOddSpace) >= 0
	}
	if !slow {
		return s
	}
	return strings.Join(strings.Fields(strings.Map(controlToSpace, s)), " ")
}

// isOddSpace reports white space other than the plain space, and control characters.
func isOddSpace(r rune) bool { return r != ' ' && (unicode.IsSpace(r) || unicode.IsControl(r)) }

func controlToSpace(r rune) rune {
	if unicode.IsControl(r) {
		return ' '
	}
	return r
}

// splitUnitNumber separates the unit written before a slash in a house number, the
// Australian and New Zealand form "10/244" (unit 10 of number 244), when the source has no
// unit of its own. A fraction such as "1/2" stays a number.
func splitUnitNumber(number, unit string) (string, string) {
	i := strings.IndexByte(number, '/')
	if unit != "" || i <= 0 || i == len(number)-1 || strings.IndexByte(number[i+1:], '/') >= 0 ||
		strings.IndexByte(number, ' ') >= 0 {
		return number, unit
	}
	u, n := number[:i], number[i+1:]
	if len(u) == 1 && len(n) == 1 { // 1/2, 3/4
		return number, unit
	}
	if n[0] < '0' || n[0] > '9' {
		return number, unit
	}
	return n, u
}

// splitAddress reads the parts of a whole address written on one line the North American
// way, "NUMBER STREET, CITY, REGION [POSTCODE][, COUNTRY]" ("1 ALEXANDER ST, VANCOUVER,
// BC"). It does not normalise anything (the geocoder does): it only cuts the line. A
// first part that does not start with a digit gives no number.
func splitAddress(s string) (number, street, city, region, postcode, country string) {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = clean(parts[i])
	}
	first := parts[0]
	if sp := strings.IndexByte(first, ' '); sp > 0 && first[0] >= '0' && first[0] <= '9' {
		number, street = first[:sp], strings.TrimSpace(first[sp+1:])
	} else {
		street = first
	}
	if len(parts) > 1 {
		city = parts[1]
	}
	if len(parts) > 2 {
		region = parts[2]
		// "BC V6B 1A1", "CA 94110": a short region code followed by a postal code.
		if sp := strings.IndexByte(region, ' '); sp >= 2 && sp <= 3 {
			region, postcode = region[:sp], region[sp+1:]
		}
	}
	if len(parts) > 3 && isCountry(parts[3]) {
		country = strings.ToUpper(parts[3])
	}
	return
}
