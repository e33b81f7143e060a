package addr

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold lower-cases s, strips accents ("Montréal" → "montreal"), turns punctuation into
// spaces and collapses runs of spaces, so that two spellings people consider the same
// compare equal. An apostrophe joins the letters around it ("O'Brien" = "OBrien", "St.
// John's" = "st johns") except after the French elided articles l' and d', which become
// words of their own ("l'Église" → "l eglise"), so that "rue de l'Église" and "rue de
// l Eglise" fold alike.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	word := 0 // letters in the current word, for the elision rule
	var first rune
	s = nfd(s)
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'), r >= 'A' && r <= 'Z', r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			if space || b.Len() == 0 {
				word = 0
			}
			space = false
			if word == 0 {
				first = r | 0x20
			}
			word++
			writeLower(&b, r)
		case r == '\'' || r == '’':
			if word == 1 && (first == 'l' || first == 'd') && nextIsLetter(s[i+utf8.RuneLen(r):]) {
				space = true
			}
		case r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r):
			// combining accent left by NFD
		default:
			space = true
		}
	}
	return b.String()
}

// nfd decomposes s so that accents become combining marks the folding drops. Plain ASCII
// and the Latin letters of English and French (up to U+017F, which appendLower folds from
// a table) come back as they are, without allocating; other letters, and invalid UTF-8,
// take the full decomposition.
func nfd(s string) string {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r >= 0x180 && unicode.IsLetter(r) {
			if !utf8.ValidString(s) {
				// Invalid bytes would stop the decomposition of what follows them.
				s = strings.ToValidUTF8(s, " ")
			}
			return norm.NFD.String(s)
		}
		i += size
	}
	return s
}

func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// appendLower appends the lower-case, accent- and ligature-free form of the letter or
// digit r.
func appendLower(b []byte, r rune) []byte {
	if r >= latinFirst && r < latinFirst+rune(len(latin)) {
		return append(b, latin[r-latinFirst]...)
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}

// writeLower is appendLower for a strings.Builder.
func writeLower(b *strings.Builder, r rune) {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteByte(byte(r))
	case r >= latinFirst && r < latinFirst+rune(len(latin)):
		b.WriteString(latin[r-latinFirst])
	default:
		b.WriteRune(unicode.ToLower(r))
	}
}

// latin folds the letters from U+00C0 to U+017F (Latin-1 and Latin Extended-A: all of
// French, and most of what European names bring) to ASCII: the base letter of each, as
// NFD gives it, and "ss", "ae", "oe", "th" for the letters that do not decompose. Signs
// (× and ÷) are "".
const latinFirst = 0xC0

var latin = [192]string{
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
}

// maxInput is the most bytes of a text the parser reads; the rest is ignored.
const maxInput = 512

// token is one word of an address as the tokenizer saw it.
type token struct {
	s    string // folded; may hold one inner '-' between digits or units ("203-5171")
	seg  int    // segment: commas, semicolons, new lines and parentheses start a new one
	hash bool   // written with a leading '#' ("#200")
	dash bool   // a '-', '–' or '/' stood between it and the word before ("14 - 18", "3660-A", "35/36")
}

// tokenize folds s like Fold and splits it into tokens, keeping what Fold throws away but
// the parser needs: where commas and parentheses were, a '#' before a word, and a hyphen
// inside "203-5171" (unit-number) or "90210-1234" (ZIP+4). dst is reused.
func tokenize(s string, dst []token) []token {
	if len(s) > maxInput {
		// No address is this long; the cut keeps hostile input from costing more than an
		// address does (some steps are quadratic in the words of a street).
		i := maxInput
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	s = nfd(s)
	var buf [160]byte // the folded words, run together; on the stack for most addresses
	b := buf[:0]
	type span struct {
		start, end, seg int
		hash, dash      bool
	}
	var spansArr [24]span
	spans := spansArr[:0]
	seg := 0
	start := -1   // start of the current token in b, or -1
	hash := false // a '#' is waiting for the next token
	dash := false // a dash is waiting for the next token
	digit := false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		next := i + size
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if start < 0 {
				start = len(b)
				if len(spans) == 0 || spans[len(spans)-1].seg != seg {
					dash = false
				}
			}
			switch {
			case r >= 'a' && r <= 'z':
				b = append(b, byte(r))
			case r >= '0' && r <= '9':
				digit = true
				b = append(b, byte(r))
			case r >= 'A' && r <= 'Z':
				b = append(b, byte(r)+'a'-'A')
			default:
				b = appendLower(b, r)
			}
			i = next
			continue
		case r == '\'' || r == '’':
			if start >= 0 && len(b)-start == 1 && (b[start] == 'l' || b[start] == 'd') && nextIsLetter(s[next:]) {
				break // elision: end the token
			}
			i = next
			continue
		case r == '-' || r == '–' || r == '/':
			// Keep "203-5171", "4b-12", "90210-1234": a token with a digit, then a digit.
			if r != '/' && start >= 0 && digit && next < len(s) && s[next] >= '0' && s[next] <= '9' && bytes.IndexByte(b[start:], '-') < 0 {
				b = append(b, '-')
				i = next
				continue
			}
		case r == '#':
		case r == ',' || r == ';' || r == '\n' || r == '\r' || r == '(' || r == ')' || r == '[' || r == ']' || r == '|':
		case r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r):
			i = next // combining accent left by NFD
			continue
		}
		// Anything else ends the current token.
		if start >= 0 {
			spans = append(spans, span{start, len(b), seg, hash, dash})
			start, hash, dash, digit = -1, false, false, false
		}
		switch r {
		case '-', '–', '/':
			dash = len(spans) > 0
		case '#':
			hash = true
		case ',', ';', '\n', '\r', '(', ')', '[', ']', '|':
			hash, dash = false, false
			seg++
		}
		i = next
	}
	if start >= 0 {
		spans = append(spans, span{start, len(b), seg, hash, dash})
	}
	str := string(b)
	for _, sp := range spans {
		dst = append(dst, token{s: str[sp.start:sp.end], seg: sp.seg, hash: sp.hash, dash: sp.dash})
	}
	return dst
}
