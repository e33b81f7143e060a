// Package addr parses and normalises postal addresses written by people (English and French,
// North American and British forms) into the keys the geocoder matches on. It has no data
// and no I/O; it imports only the standard library and golang.org/x/text.
package addr

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lower-cases s, strips accents ("Montréal" → "montreal"), turns punctuation other than
// the apostrophe-free word characters into spaces and collapses runs of spaces, so that two
// spellings people consider the same compare equal.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // combining accent
		case r == '\'' || r == '’':
			continue // "O'Brien" = "OBrien"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			switch r {
			case 'ß':
				b.WriteString("ss")
			case 'æ', 'Æ':
				b.WriteString("ae")
			case 'œ', 'Œ':
				b.WriteString("oe")
			case 'ø', 'Ø':
				b.WriteByte('o')
			default:
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			space = true
		}
	}
	return b.String()
}
