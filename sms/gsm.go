package sms

import "unicode/utf8"

// Encoding is how a reply travels: GSM-7 (the GSM 03.38 default alphabet, 7 bits a
// character) when every character is in it, UCS-2 (UTF-16, 16 bits a unit) otherwise.
type Encoding string

const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Segment sizes: a message that fits one segment may use all 140 bytes; a longer one is split
// into parts that each lose 6 bytes to the concatenation header (the UDH).
const (
	gsmSingle   = 160 // septets
	gsmPart     = 153
	ucs2Single  = 70 // UTF-16 units
	ucs2Part    = 67
	maxSegments = 2 // what every reply must fit in
)

// gsmBasic is the GSM 03.38 basic character set (one septet each), in code order.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: each costs two septets (escape + code).
const gsmExtension = "\f^{}\\[~]|€"

// gsmCost holds the septets of each GSM-7 character below U+0400 (Latin and Greek); '€' is
// the only one above.
var gsmCost = func() (t [0x400]uint8) {
	for _, r := range gsmBasic {
		if r != 0x1b { // the escape itself is not a character a message may hold
			t[r] = 1
		}
	}
	for _, r := range gsmExtension {
		if r < 0x400 {
			t[r] = 2
		}
	}
	return t
}()

// septets returns the septets r takes in GSM-7, or 0 when r is not in the alphabet.
func septets(r rune) int {
	if r < 0x400 {
		return int(gsmCost[r])
	}
	if r == '€' {
		return 2
	}
	return 0
}

// IsGSM reports whether every character of s is in the GSM-7 alphabet (basic set or
// extension table).
func IsGSM(s string) bool {
	for _, r := range s {
		if septets(r) == 0 {
			return false
		}
	}
	return true
}

// Measure returns the encoding s is sent in and how many segments it takes. Segments are
// counted as phones and gateways split them: an escape pair (GSM-7) or a surrogate pair
// (UCS-2) is never split across two parts.
func Measure(s string) (Encoding, int) {
	if s == "" {
		return GSM7, 1
	}
	gsm, total, units := true, 0, 0
	for _, r := range s {
		c := septets(r)
		if c == 0 {
			gsm = false
		}
		total += c
		units += utf16Units(r)
	}
	if gsm {
		if total <= gsmSingle {
			return GSM7, 1
		}
		return GSM7, segments(s, gsmPart, septets)
	}
	if units <= ucs2Single {
		return UCS2, 1
	}
	return UCS2, segments(s, ucs2Part, utf16Units)
}

func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// segments counts the parts of a concatenated message s given the units each rune costs.
func segments(s string, part int, cost func(rune) int) int {
	n, used := 1, 0
	for _, r := range s {
		c := cost(r)
		if used+c > part {
			n++
			used = 0
		}
		used += c
	}
	return n
}

// Fits reports whether s is at most maxSegments segments.
func Fits(s string) bool {
	_, n := Measure(s)
	return n <= maxSegments
}

// truncate cuts s so that it fits in maxSegments, ending it with ".." when it cut.
func truncate(s string) string {
	if Fits(s) {
		return s
	}
	for len(s) > 0 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
		if Fits(s + "..") {
			return s + ".."
		}
	}
	return s
}
