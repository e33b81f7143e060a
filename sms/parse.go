package sms

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
)

// Command is what a message asks for besides a search.
type Command uint8

const (
	Search Command = iota // a need and/or a place (or nothing understood)
	Help                  // instructions
	More                  // the next results of the last search
)

// Query is what a message says.
type Query struct {
	Command Command
	// Needs are the categories asked for; zero for any.
	Needs aidmap.CategorySet
	// Open asks for places open now.
	Open bool
	// Place is the rest of the message, as written: a postal code, address or place name
	// for the geocoder. Empty when the message names none.
	Place string
	// Lang is the language the message looks written in (one of Languages); "en" when
	// nothing says.
	Lang string
}

// maxMessage bounds the text read from one message, in bytes: a concatenated SMS of ten
// parts, far more than a need and a place.
const maxMessage = 1600

// token is one word of a message: as written and folded.
type token struct {
	raw, fold string
	kind      kind // 0: part of the place
}

// Parse reads a message. It never fails: what it does not understand is the place.
func Parse(text string) Query {
	if len(text) > maxMessage {
		text = text[:maxMessage]
	}
	text = strings.ToValidUTF8(text, " ")
	q := Query{}
	votes := map[string]int{}
	toks := tokens(text)
	if strings.TrimSpace(text) == "?" {
		q.Command = Help
	}
	if len(toks) > 0 && q.Command == Search {
		folds := make([]string, len(toks))
		for i, t := range toks {
			folds[i] = t.fold
		}
		if w, ok := vocabulary[strings.Join(folds, " ")]; ok && (w.kind == kindHelp || w.kind == kindMore) {
			q.Command = Help
			if w.kind == kindMore {
				q.Command = More
			}
			vote(votes, w, 2)
		}
	}
	if q.Command == Search {
		toks = q.read(toks, votes)
		q.Place = place(toks)
	}
	q.Lang = language(text, votes)
	return q
}

// read marks the words of toks that are needs, open-now words, greetings and fill words,
// with the longest phrase first, and returns them.
func (q *Query) read(toks []token, votes map[string]int) []token {
	for i := 0; i < len(toks); {
		n, w, ok := match(toks, i)
		if !ok {
			n = 1
			w, ok = typo(toks[i].fold)
		}
		if !ok {
			if _, ws := within(toks[i].fold); len(ws) > 0 {
				for _, w := range ws {
					q.take(w, votes)
				}
				// What is left of the word is grammar ("我需要", a particle), not a place.
				toks[i].kind = kindNeed
			}
			i++
			continue
		}
		q.take(w, votes)
		for j := i; j < i+n; j++ {
			toks[j].kind = w.kind
		}
		i += n
	}
	return toks
}

// take records the meaning of a word of the message.
func (q *Query) take(w word, votes map[string]int) {
	switch w.kind {
	case kindNeed:
		q.Needs |= w.cats
		vote(votes, w, 2)
	case kindOpen:
		q.Open = true
		vote(votes, w, 2)
	case kindHello:
		vote(votes, w, 2)
	case kindFill:
		vote(votes, w, 1)
	}
}

func vote(votes map[string]int, w word, n int) {
	for _, l := range w.langs {
		votes[l] += n
	}
}

// match finds the longest vocabulary phrase starting at toks[i].
func match(toks []token, i int) (int, word, bool) {
	for n := min(longest, len(toks)-i); n >= 1; n-- {
		key := toks[i].fold
		for j := i + 1; j < i+n; j++ {
			key += " " + toks[j].fold
		}
		if w, ok := vocabulary[key]; ok && w.kind != kindHelp && w.kind != kindMore {
			return n, w, true
		}
	}
	return 0, word{}, false
}

// typo finds the need a word is one typo away from: one letter added, missing, changed or
// two swapped; for four-letter words not changed ("ford" is not "food").
func typo(f string) (word, bool) {
	n := utf8.RuneCountInString(f)
	if n < 3 || strings.Contains(f, " ") || !isAlphabetic(f) {
		return word{}, false
	}
	for _, w := range typoWords {
		m := utf8.RuneCountInString(w)
		if m-n > 1 || n-m > 1 {
			continue
		}
		if oneEdit(f, w, m >= 5) {
			return vocabulary[w], true
		}
	}
	return word{}, false
}

// within finds vocabulary words inside a Chinese word and at the start of a Korean one,
// returning them and what is left.
func within(f string) (string, []word) {
	if !hasScript(f, unicode.Han) && !hasScript(f, unicode.Hangul) {
		return f, nil
	}
	var ws []word
	for _, w := range wholeWords {
		if hasScript(w, unicode.Hangul) {
			if strings.HasPrefix(f, w) && len(ws) == 0 {
				ws = append(ws, vocabulary[w])
				f = f[len(w):]
			}
			continue
		}
		if strings.Contains(f, w) {
			ws = append(ws, vocabulary[w])
			f = strings.Replace(f, w, " ", 1)
		}
	}
	return strings.TrimSpace(f), ws
}

// place joins the words of the place as written, leaving out the needs and the fill words
// before and after it ("near", "à", "في").
func place(toks []token) string {
	var kept []token
	for _, t := range toks {
		if t.kind == 0 || t.kind == kindFill {
			kept = append(kept, t)
		}
	}
	for len(kept) > 0 && kept[0].kind == kindFill {
		kept = kept[1:]
	}
	for len(kept) > 0 && kept[len(kept)-1].kind == kindFill {
		kept = kept[:len(kept)-1]
	}
	parts := make([]string, len(kept))
	for i, t := range kept {
		parts[i] = t.raw
	}
	return strings.Join(parts, " ")
}

// tokens splits a message into words: at spaces and punctuation that no address needs, and
// between Chinese characters and anything else (Chinese is written without spaces).
func tokens(text string) []token {
	var b strings.Builder
	var prev rune
	for _, r := range text {
		switch {
		case r >= '٠' && r <= '٩':
			r = '0' + r - '٠' // Arabic-Indic digits
		case r >= '۰' && r <= '۹':
			r = '0' + r - '۰' // Persian digits
		}
		han := unicode.Is(unicode.Han, r)
		if prev != 0 && han != unicode.Is(unicode.Han, prev) {
			b.WriteByte(' ')
		}
		if unicode.IsSpace(r) || strings.ContainsRune(",;:!?()[]{}<>\"“”«»，。、：！？；（）「」|*", r) {
			r = ' '
		}
		b.WriteRune(r)
		prev = r
	}
	var toks []token
	for _, raw := range strings.Fields(b.String()) {
		if f := fold(raw); f != "" {
			toks = append(toks, token{raw: raw, fold: f})
		} else if raw == "&" || raw == "/" || raw == "@" {
			toks = append(toks, token{raw: raw, fold: raw}) // a corner: "Main & Hastings"
		}
	}
	return toks
}

// foldPhrase folds each word of a phrase and joins them with one space, as tokens does.
func foldPhrase(p string) string {
	toks := tokens(p)
	fs := make([]string, len(toks))
	for i, t := range toks {
		fs[i] = t.fold
	}
	return strings.Join(fs, " ")
}

// fold is addr.Fold (lower case, no accents, punctuation as spaces) with the Arabic and
// Persian forms of yeh and kaf made one, since keyboards type either. Gurmukhi keeps its
// vowel signs, which addr.Fold would drop.
func fold(s string) string {
	if hasScript(s, unicode.Gurmukhi) {
		return strings.Map(func(r rune) rune {
			if r == '\u200c' || r == '\u200d' {
				return -1
			}
			return r
		}, s)
	}
	f := addr.Fold(s)
	if !hasScript(f, unicode.Arabic) {
		return f
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case 'ي', 'ى':
			return 'ی'
		case 'ك':
			return 'ک'
		case 'ـ':
			return -1
		}
		return r
	}, f)
}

// language says which language text is in: by its script where only one language of
// Languages uses it, else by the words recognised.
func language(text string, votes map[string]int) string {
	switch {
	case hasScript(text, unicode.Arabic):
		for _, r := range text {
			if strings.ContainsRune("پچژگکی", r) {
				votes["fa"] += 2
			}
		}
		if votes["fa"] > votes["ar"] {
			return "fa"
		}
		return "ar"
	case hasScript(text, unicode.Cyrillic):
		return "uk"
	case hasScript(text, unicode.Han):
		return "zh"
	case hasScript(text, unicode.Hangul):
		return "ko"
	case hasScript(text, unicode.Gurmukhi):
		return "pa"
	}
	for _, r := range text {
		switch r {
		case 'ñ', 'Ñ', '¿', '¡', 'á', 'í', 'ó', 'ú':
			votes["es"]++
		case 'ç', 'è', 'ê', 'à', 'â', 'ô', 'î', 'û':
			votes["fr"]++
		}
	}
	best, lang := 0, "en"
	for _, l := range []string{"en", "fr", "es", "tl"} {
		if votes[l] > best {
			best, lang = votes[l], l
		}
	}
	return lang
}

func hasScript(s string, t *unicode.RangeTable) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.Is(t, r) {
			return true
		}
	}
	return false
}

// isAlphabetic reports whether s is written in Latin or Cyrillic letters (and digits).
func isAlphabetic(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if !(r >= 'a' && r <= 'z') {
				return false
			}
			continue
		}
		if !unicode.Is(unicode.Cyrillic, r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// oneEdit reports whether a and b (runes) differ by one insertion, deletion, transposition
// of neighbours, or, when subst, one substitution.
func oneEdit(a, b string, subst bool) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	la, lb := len(ra), len(rb)
	i := 0
	for i < lb && ra[i] == rb[i] {
		i++
	}
	if i == lb {
		return la == lb+1
	}
	if la == lb {
		if string(ra[i+1:]) == string(rb[i+1:]) {
			return subst
		}
		return i+1 < la && ra[i] == rb[i+1] && ra[i+1] == rb[i] && string(ra[i+2:]) == string(rb[i+2:])
	}
	if la != lb+1 {
		return false
	}
	return string(ra[i+1:]) == string(rb[i:])
}
