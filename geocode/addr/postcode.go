package addr

// Postcode recognises a Canadian, US or UK postal code written any usual way and returns
// it in its standard form with its country: "v6b1a1" and "V6B 1A1" give "V6B 1A1", "CA";
// "90210" and "90210-1234" give "90210", "US" (see ZIP4 for the extension); "sw1a2aa"
// gives "SW1A 2AA", "GB". Anything else gives "", "".
func Postcode(s string) (code, country string) {
	var buf [12]byte
	c, ok := compact(s, buf[:0])
	if !ok {
		return "", ""
	}
	return postcodeCompact(c)
}

// ZIP4 returns the four-digit ZIP+4 extension of a US ZIP code written "90210-1234" or
// "902101234", or "" when there is none.
func ZIP4(s string) string {
	var buf [12]byte
	c, ok := compact(s, buf[:0])
	if !ok || len(c) != 9 || !isDigitsB(c) {
		return ""
	}
	return string(c[5:])
}

// FSA returns the Canadian forward sortation area ("V6B") of a postal code ("V6B 1A1",
// "v6b1a1" or "V6B" alone), or "" when code is not Canadian. The FSA is what the
// postal-code fallback locates.
func FSA(code string) string {
	var buf [12]byte
	c, ok := compact(code, buf[:0])
	if !ok || len(c) < 3 || !isFSA(c[:3]) {
		return ""
	}
	if len(c) == 3 || len(c) == 6 && isLDU(c[3:]) {
		return string(c[:3])
	}
	return ""
}

// compact upper-cases the letters and digits of s into dst, dropping spaces and hyphens;
// it fails on any other character or when s is too long to be a postal code.
func compact(s string, dst []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ' || c == '-' || c == '\t' || c == '.':
			continue
		default:
			return nil, false
		}
		if len(dst) == cap(dst) {
			return nil, false
		}
		dst = append(dst, c)
	}
	return dst, true
}

// postcodeCompact classifies an upper-case code without spaces.
func postcodeCompact(c []byte) (code, country string) {
	switch {
	case len(c) == 6 && isFSA(c[:3]) && isLDU(c[3:]):
		return string(c[:3]) + " " + string(c[3:]), "CA"
	case (len(c) == 5 || len(c) == 9) && isDigitsB(c):
		return string(c[:5]), "US"
	case len(c) >= 5 && len(c) <= 7 && isUKInward(c[len(c)-3:]) && isUKOutward(c[:len(c)-3]):
		return string(c[:len(c)-3]) + " " + string(c[len(c)-3:]), "GB"
	}
	return "", ""
}

func isDigitsB(c []byte) bool {
	for _, b := range c {
		if b < '0' || b > '9' {
			return false
		}
	}
	return len(c) > 0
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Canada Post never uses D, F, I, O, Q or U, nor W or Z as the first letter.
func caLetter(b byte) bool {
	return isUpper(b) && b != 'D' && b != 'F' && b != 'I' && b != 'O' && b != 'Q' && b != 'U'
}

// isFSA reports whether c (3 bytes, upper case) is a forward sortation area: letter,
// digit, letter.
func isFSA(c []byte) bool {
	return caLetter(c[0]) && c[0] != 'W' && c[0] != 'Z' && isDigit(c[1]) && caLetter(c[2])
}

// isLDU reports whether c (3 bytes) is a local delivery unit: digit, letter, digit.
func isLDU(c []byte) bool {
	return isDigit(c[0]) && caLetter(c[1]) && isDigit(c[2])
}

// isUKInward reports whether c (3 bytes) is the inward half of a UK postcode: a digit and
// two letters other than C, I, K, M, O, V.
func isUKInward(c []byte) bool {
	ok := func(b byte) bool {
		return isUpper(b) && b != 'C' && b != 'I' && b != 'K' && b != 'M' && b != 'O' && b != 'V'
	}
	return isDigit(c[0]) && ok(c[1]) && ok(c[2])
}

// isUKOutward reports whether c is the outward half of a UK postcode: A9, A99, AA9, AA99,
// A9A or AA9A (and the Girobank's GIR).
func isUKOutward(c []byte) bool {
	switch len(c) {
	case 2:
		return isUpper(c[0]) && isDigit(c[1])
	case 3:
		return string(c) == "GIR" ||
			isUpper(c[0]) && isDigit(c[1]) && (isDigit(c[2]) || isUpper(c[2])) ||
			isUpper(c[0]) && isUpper(c[1]) && isDigit(c[2])
	case 4:
		return isUpper(c[0]) && isUpper(c[1]) && isDigit(c[2]) && (isDigit(c[3]) || isUpper(c[3]))
	}
	return false
}
