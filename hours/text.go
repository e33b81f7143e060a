package hours

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// ParseText parses opening hours written as free text in English or French:
//
//	Mon-Fri 9am-5pm          Monday to Friday, 9:00 - 17:00     Tuesdays 11:30 to 1 pm
//	Daily 8am-8pm            Weekdays 9-5; Weekends noon-4pm    24 hours, 7 days a week
//	Mon, Wed, Fri 10-2       9:00am-5:00pm, Mon-Fri             Daily (except Wed) 10-11am
//	lundi au vendredi 9h à 17h; samedi 9 h 30 à midi; dimanche fermé
//	Closed Sunday and holidays
//
// Clauses are separated by ";", ".", newlines or commas; each gives days then times, or times
// then days. A later "closed" clause removes days; clauses that give different times for the
// same day are an error rather than a guess. Holidays can only be closed (HolidaysClosed in
// Notes). Bare hours without am/pm are read only when one reading is the only sensible one
// (10-2 is 10:00-14:00, never 22:00-02:00; 9-12 ends at noon) and every such reading is
// returned as a warning; 7-9 (morning or evening?) is an error. So is any word not understood,
// a time with no end ("at 11am"), times with no days ("9am-5pm" alone), and "closed" on
// every day. A text is parsed whole or not at all: partial hours mislead people. The caller
// keeps unparsed text verbatim in Hours.Notes.
func ParseText(s string) (aidmap.Hours, []string, error) {
	p := textParser{src: s, toks: lexText(s)}
	atoms, err := p.atoms()
	if err != nil {
		return aidmap.Hours{}, nil, err
	}
	if len(atoms) == 0 {
		return aidmap.Hours{}, nil, invalid(s, "has no days or times")
	}
	var w week
	var closed [7]bool
	for start := 0; start <= len(atoms); start++ {
		end := start
		for end < len(atoms) && atoms[end].kind != aClause {
			end++
		}
		if end > start {
			if err := p.clause(atoms[start:end], &w, &closed); err != nil {
				return aidmap.Hours{}, nil, err
			}
		}
		start = end
	}
	if w.empty() && !w.holiday {
		return aidmap.Hours{}, nil, invalid(s, "gives no opening times (closed on every day cannot be stored as hours: set the site's status instead)")
	}
	h, err := checkHours(s, w.hours())
	if err != nil {
		return aidmap.Hours{}, nil, err
	}
	return h, p.warnings, nil
}

type textToken struct {
	kind  osmKind // tWord, tNum or tPunct
	text  string
	space bool // whitespace before the token
}

// textReplacer lowercases nothing but folds the characters people use for dashes (including
// en dashes decoded with the wrong code page, as in real 211 exports) and French accents.
var textReplacer = strings.NewReplacer(
	"–", "-", "—", "-", "‒", "-", "−", "-", "‐", "-", "GÇô", "-", "gçô", "-", "â€“", "-", "â€”", "-",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "î", "i", "ï", "i",
	"ô", "o", "û", "u", "ù", "u", "ç", "c", "’", "'", "\u00a0", " ", "\u202f", " ",
)

func lexText(s string) []textToken {
	s = textReplacer.Replace(strings.ToLower(s))
	var toks []textToken
	space := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n' || r == '\r':
			toks = append(toks, textToken{tPunct, "\n", space})
			i += n
			space = true
		case unicode.IsSpace(r):
			i += n
			space = true
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			toks = append(toks, textToken{tNum, s[i:j], space})
			i, space = j, false
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) {
					break
				}
				j += n
			}
			toks = append(toks, textToken{tWord, s[i:j], space})
			i, space = j, false
		default:
			toks = append(toks, textToken{tPunct, s[i : i+n], space})
			i, space = i+n, false
		}
	}
	return toks
}

type atomKind int

const (
	aDays   atomKind = iota // days (and/or holidays)
	aExcept                 // "except": later days in the group are removed
	aRange                  // one opening
	aClosed                 // closed on the days
	aAllDay                 // open 24 hours on the days
	aList                   // , and & et /
	aClause                 // ; . newline
)

type atom struct {
	kind    atomKind
	days    uint8 // bit d for time.Weekday d
	holiday bool
	span    span
}

const everyDay uint8 = 1<<7 - 1

func dayBits(days ...time.Weekday) uint8 {
	var b uint8
	for _, d := range days {
		b |= 1 << d
	}
	return b
}

var weekdaysBits = dayBits(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
var weekendBits = dayBits(time.Saturday, time.Sunday)

// textDays are the day names and abbreviations, English and French (accents folded).
var textDays = map[string]time.Weekday{}

func init() {
	for d, names := range [7]string{
		"sunday sundays sun su dimanche dimanches dim",
		"monday mondays mon mo lundi lundis lun",
		"tuesday tuesdays tues tue tu mardi mardis mar",
		"wednesday wednesdays wed weds we mercredi mercredis mer",
		"thursday thursdays thurs thur thu th jeudi jeudis jeu",
		"friday fridays fri fr vendredi vendredis ven",
		"saturday saturdays sat sa samedi samedis sam",
	} {
		for _, n := range strings.Fields(names) {
			textDays[n] = time.Weekday(d)
		}
	}
}

// phrase is a sequence of tokens with a fixed meaning.
type phrase struct {
	toks  []string
	atoms []atom
}

// phrases are tried longest first at each position.
var phrases = func() []phrase {
	all := atom{kind: aDays, days: everyDay}
	allDay := atom{kind: aAllDay}
	hol := atom{kind: aDays, holiday: true}
	var ps []phrase
	add := func(a []atom, texts ...string) {
		for _, t := range texts {
			ps = append(ps, phrase{strings.Fields(t), a})
		}
	}
	add([]atom{allDay, all}, "24 / 7 / 365", "24 / 7", "24 h / 24 , 7 j / 7", "24h / 24 , 7j / 7")
	add([]atom{allDay}, "24 hours a day", "24 hours per day", "24 hours", "24 hrs", "24 hr", "24 h / 24",
		"24 heures sur 24", "24 h sur 24", "24 heures", "24 h", "24hrs", "24hr", "all day", "around the clock",
		"toute la journee", "open 24 hours")
	add([]atom{all}, "7 days a week", "7 days per week", "7 days / week", "7 days", "seven days a week",
		"7 jours sur 7", "7 jours / 7", "7 j / 7", "7 / 7", "7 jours", "every day", "everyday", "daily",
		"tous les jours", "chaque jour", "all week", "toute la semaine")
	add([]atom{{kind: aDays, days: weekdaysBits}}, "weekdays", "weekday", "week days", "week day",
		"en semaine", "m - f")
	add([]atom{{kind: aDays, days: weekendBits}}, "weekends", "weekend", "week - ends", "week - end",
		"weekend days", "fins de semaine", "fin de semaine")
	add([]atom{hol}, "public holidays", "statutory holidays", "stat holidays", "stats", "holidays",
		"holiday", "jours feries", "feries", "les feries")
	add([]atom{{kind: aClosed}}, "closed", "ferme", "fermee", "fermes")
	add([]atom{{kind: aExcept}}, "except", "excluding", "except for", "sauf", "excepte")
	add([]atom{{kind: aList}}, "and", "et", "&", ",", "/", "+")
	for i := 1; i < len(ps); i++ { // longest first; stable within a length
		for j := i; j > 0 && len(ps[j].toks) > len(ps[j-1].toks); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	return ps
}()

// fillers are words and marks that carry no meaning for hours.
var fillers = map[string]bool{
	"open": true, "opens": true, "ouvert": true, "ouverte": true, "hours": true, "hrs": true,
	"heures": true, "horaires": true, "from": true, "de": true, "du": true, "des": true, "d": true,
	"le": true, "la": true, "les": true, "l": true, "on": true, "every": true, "each": true,
	"the": true, "between": true, "entre": true, "at": true, "@": true, ":": true, "(": true,
	")": true, "'": true, "only": true, "seulement": true, "is": true, "are": true,
}

// rangeWords join the two ends of a day or time range.
var rangeWords = map[string]bool{
	"-": true, "to": true, "through": true, "thru": true, "till": true, "til": true,
	"until": true, "au": true, "a": true, "jusqu": true,
}

type textParser struct {
	src      string
	toks     []textToken
	i        int
	warnings []string
}

func (p *textParser) fail(reason string) error { return invalid(p.src, reason) }

// near returns the text around token i for error messages.
func (p *textParser) near(i int) string {
	var b strings.Builder
	for j := i; j < len(p.toks) && j < i+4; j++ {
		if j > i && p.toks[j].space {
			b.WriteByte(' ')
		}
		t := p.toks[j].text
		if t == "\n" {
			break
		}
		b.WriteString(t)
	}
	return b.String()
}

func (p *textParser) text(i int) string {
	if i < len(p.toks) {
		return p.toks[i].text
	}
	return ""
}

// match reports how many tokens phrase ph covers at i, or 0. "24h" is lexed as 24 and h, so
// phrase tokens are compared after splitting the same way.
func (p *textParser) match(i int, ph phrase) int {
	j := i
	for _, want := range ph.toks {
		for _, part := range splitLex(want) {
			if j >= len(p.toks) || p.toks[j].text != part {
				return 0
			}
			j++
		}
	}
	return j - i
}

var splitCache = map[string][]string{}

func init() {
	for _, ph := range phrases {
		for _, t := range ph.toks {
			var parts []string
			for _, tok := range lexText(t) {
				parts = append(parts, tok.text)
			}
			splitCache[t] = parts
		}
	}
}

func splitLex(s string) []string { return splitCache[s] }

func (p *textParser) atoms() ([]atom, error) {
	var out []atom
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		best, bestN := phrase{}, 0
		for _, ph := range phrases {
			if n := p.match(p.i, ph); n > bestN {
				best, bestN = ph, n
			}
		}
		if bestN > 0 {
			out = append(out, best.atoms...)
			p.i += bestN
			continue
		}
		switch {
		case t.text == "noon" || t.text == "midday" || t.text == "midi" || t.text == "midnight" || t.text == "minuit":
			a, _, err := p.timeRange()
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case t.kind == tWord && isDay(t.text):
			a, err := p.dayRange()
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case t.text == ";" || t.text == "\n" || t.text == "." || t.text == "|":
			out = append(out, atom{kind: aClause})
			p.i++
		case fillers[t.text]:
			p.i++
		case t.kind == tNum:
			a, _, err := p.timeRange()
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		default:
			return nil, p.fail(fmt.Sprintf("cannot read %q", p.near(p.i)))
		}
	}
	return out, nil
}

func isDay(w string) bool { _, ok := textDays[w]; return ok }

// dayRange reads a day or a range of days such as "mon-fri", "monday to friday", "lundi au
// vendredi". An abbreviation's dot ("lun.") is skipped when a range, list or time follows.
func (p *textParser) dayRange() (atom, error) {
	from := textDays[p.toks[p.i].text]
	p.i++
	p.skipAbbrevDot()
	j := p.i
	if j < len(p.toks) && rangeWords[p.toks[j].text] {
		k := j + 1
		if p.text(j) == "jusqu" && p.text(k) == "'" && p.text(k+1) == "a" {
			k += 2
		}
		for k < len(p.toks) && (p.toks[k].text == "au" || p.toks[k].text == "le") {
			k++
		}
		if k < len(p.toks) && isDay(p.toks[k].text) {
			to := textDays[p.toks[k].text]
			p.i = k + 1
			p.skipAbbrevDot()
			var b uint8
			for d := from; ; d = (d + 1) % 7 {
				b |= 1 << d
				if d == to {
					break
				}
			}
			return atom{kind: aDays, days: b}, nil
		}
	}
	return atom{kind: aDays, days: 1 << from}, nil
}

func (p *textParser) skipAbbrevDot() {
	if p.text(p.i) == "." && p.i < len(p.toks) && !p.toks[p.i].space {
		next := p.i + 1
		if next < len(p.toks) {
			n := p.toks[next]
			if rangeWords[n.text] || n.text == "," || n.text == "&" || n.text == "and" || n.text == "et" || n.kind == tNum || isDay(n.text) {
				p.i++
			}
		}
	}
}

// clock is one time of day as written.
type clock struct {
	min      int  // minutes after midnight, 0..1440; for bare hours the morning reading
	fixed    bool // am/pm, noon, midnight or 24-hour notation: min is what was meant
	h24      bool // 24-hour notation: 13:00, 09:00, 0900, 9h30
	midnight bool // "midnight" or 12am: 0 when opening, 1440 when closing
	text     string
}

// timeRange reads "9am-5pm", "9 h 30 à 17 h", "noon to 2", "11:30 to 1 pm". ok is false
// (and the position restored by the caller) when no time is at p.i.
func (p *textParser) timeRange() (atom, bool, error) {
	start := p.i
	a, ok, err := p.clock()
	if !ok || err != nil {
		return atom{}, ok, err
	}
	j := p.i
	if j < len(p.toks) && rangeWords[p.toks[j].text] {
		k := j + 1
		if p.text(j) == "jusqu" && p.text(k) == "'" && p.text(k+1) == "a" {
			k += 2
		}
		p.i = k
		b, ok, err := p.clock()
		if err != nil {
			return atom{}, true, err
		}
		if ok {
			o, c, warn, err := resolve(a, b)
			if err != nil {
				return atom{}, true, p.fail(fmt.Sprintf("cannot read the times %q: %v", a.text+"-"+b.text, err))
			}
			if warn {
				p.warnings = append(p.warnings, fmt.Sprintf("read %q (no am or pm) as %s-%s", a.text+"-"+b.text, clockText(o), clockText(c)))
			}
			if c == 0 {
				c = 1440
			}
			return atom{kind: aRange, span: span{o, c}}, true, nil
		}
	}
	return atom{}, true, p.fail(fmt.Sprintf("gives the time %q without a closing time (%q)", a.text, p.near(start)))
}

// clock reads one time of day at p.i.
func (p *textParser) clock() (clock, bool, error) {
	t, ok := p.tok(p.i)
	if !ok {
		return clock{}, false, nil
	}
	switch t.text {
	case "noon", "midday", "midi":
		p.i++
		return clock{min: 720, fixed: true, text: t.text}, true, nil
	case "midnight", "minuit":
		p.i++
		return clock{fixed: true, midnight: true, text: t.text}, true, nil
	}
	if t.kind != tNum {
		return clock{}, false, nil
	}
	start := p.i
	p.i++
	c := clock{}
	hour, min := 0, 0
	switch n := len(t.text); {
	case n == 3 || n == 4: // 830, 0900, 1730
		hour, _ = strconv.Atoi(t.text[:n-2])
		min, _ = strconv.Atoi(t.text[n-2:])
		c.h24 = n == 4
	case n <= 2:
		hour, _ = strconv.Atoi(t.text)
		c.h24 = n == 2 && t.text[0] == '0'
		switch {
		case p.text(p.i) == ":" && p.isNum(p.i+1, 2):
			min, _ = strconv.Atoi(p.toks[p.i+1].text)
			p.i += 2
			if p.text(p.i) == ":" && p.isNum(p.i+1, 2) { // seconds, as HSDS writes 09:00:00
				if p.toks[p.i+1].text != "00" {
					return c, true, p.fail(fmt.Sprintf("gives seconds in %q", p.near(start)))
				}
				p.i += 2
			}
		case p.text(p.i) == "." && !p.toks[p.i].space && p.isNum(p.i+1, 2) && !p.toks[p.i+1].space:
			min, _ = strconv.Atoi(p.toks[p.i+1].text)
			p.i += 2
		case p.text(p.i) == "h":
			c.h24 = true
			p.i++
			if p.isNum(p.i, 2) {
				min, _ = strconv.Atoi(p.toks[p.i].text)
				p.i++
			}
		}
	default:
		return c, true, p.fail(fmt.Sprintf("cannot read the time %q", t.text))
	}
	if min > 59 || hour > 24 || hour == 24 && min > 0 {
		return c, true, p.fail(fmt.Sprintf("cannot read the time %q", p.near(start)))
	}
	mer := p.meridiem()
	c.text = strings.TrimSpace(p.join(start, p.i))
	switch {
	case mer == "noon" && hour == 12 && min == 0:
		c.min, c.fixed = 720, true
	case mer == "midnight" && hour == 12 && min == 0:
		c.fixed, c.midnight = true, true
	case mer == "noon" || mer == "midnight":
		return c, true, p.fail(fmt.Sprintf("cannot read the time %q", c.text))
	case mer != "":
		if hour < 1 || hour > 12 {
			return c, true, p.fail(fmt.Sprintf("cannot read the time %q: am and pm go with hours 1 to 12", c.text))
		}
		c.min, c.fixed, c.h24 = hour%12*60+min, true, false
		if mer == "pm" {
			c.min += 720
		} else if hour == 12 && min == 0 {
			c.midnight = true
		}
	default:
		c.min = hour*60 + min
		if hour == 0 || hour >= 13 {
			c.h24 = true
		}
		c.fixed = c.h24
	}
	return c, true, nil
}

func (p *textParser) tok(i int) (textToken, bool) {
	if i < len(p.toks) {
		return p.toks[i], true
	}
	return textToken{}, false
}

func (p *textParser) isNum(i, n int) bool {
	return i < len(p.toks) && p.toks[i].kind == tNum && len(p.toks[i].text) == n
}

func (p *textParser) join(from, to int) string {
	var b strings.Builder
	for j := from; j < to && j < len(p.toks); j++ {
		if j > from && p.toks[j].space {
			b.WriteByte(' ')
		}
		b.WriteString(p.toks[j].text)
	}
	return b.String()
}

// meridiem reads am, pm, a.m., p.m., a, p (attached: 9a) and the "noon" of "12 noon".
func (p *textParser) meridiem() string {
	t, ok := p.tok(p.i)
	if !ok || t.kind != tWord {
		return ""
	}
	switch {
	case t.text == "am" || t.text == "pm":
		p.i++
		if p.text(p.i) == "." && !p.toks[p.i].space && !p.nextStartsClause(p.i+1) {
			p.i++
		}
		return t.text
	case (t.text == "a" || t.text == "p") && p.text(p.i+1) == "." && p.text(p.i+2) == "m":
		p.i += 3
		if p.text(p.i) == "." && !p.toks[p.i].space && !p.nextStartsClause(p.i+1) {
			p.i++
		}
		return t.text + "m"
	case (t.text == "a" || t.text == "p") && !t.space:
		p.i++
		return t.text + "m"
	case t.text == "noon" || t.text == "midnight":
		p.i++
		return t.text
	}
	return ""
}

// nextStartsClause reports whether token i begins a new sentence (a capitalised word was
// folded, so: a day or a number after whitespace); then a dot after "p.m" ends the clause.
func (p *textParser) nextStartsClause(i int) bool {
	t, ok := p.tok(i)
	return ok && t.space && (t.kind == tNum || isDay(t.text) || t.kind == tWord && !rangeWords[t.text] && t.text != "and" && t.text != "et")
}

// resolve turns two clock times into a period. With 24-hour notation on either side both are
// read as written (20:00-08:00 runs overnight). Otherwise each bare hour may be morning or
// afternoon; the shortest reading that does not cross midnight wins, and a tie is an error.
// Only when no reading stays within the day may the period run overnight (9pm-8 is 21:00-08:00).
// warn is set when both ends were bare hours and one was read as afternoon.
func resolve(a, b clock) (open, close int, warn bool, err error) {
	if a.h24 || b.h24 {
		open, close = a.min, b.min
		if a.midnight {
			open = 0
		}
		if b.midnight || close == 0 {
			close = 1440
		}
		if open == 1440 {
			return 0, 0, false, fmt.Errorf("opens at 24:00")
		}
		if open == close {
			return 0, 0, false, fmt.Errorf("opens and closes at the same time")
		}
		return open, close, false, nil
	}
	cands := func(c clock, closing bool) []int {
		switch {
		case c.midnight && closing:
			return []int{1440}
		case c.midnight:
			return []int{0}
		case c.fixed:
			return []int{c.min}
		case c.min >= 720: // bare 12 or 12:30 is midday
			return []int{c.min}
		}
		return []int{c.min, c.min + 720}
	}
	type reading struct{ o, c, dur int }
	var day, night []reading
	for _, o := range cands(a, false) {
		for _, c := range cands(b, true) {
			switch {
			case c > o:
				day = append(day, reading{o, c, c - o})
			case c < o && (a.fixed || b.fixed):
				night = append(night, reading{o, c, c + 1440 - o})
			}
		}
	}
	pick := day
	if len(pick) == 0 {
		pick = night
	}
	if len(pick) == 0 {
		return 0, 0, false, fmt.Errorf("opens and closes at the same time")
	}
	best, tie := pick[0], false
	for _, r := range pick[1:] {
		switch {
		case r.dur < best.dur:
			best, tie = r, false
		case r.dur == best.dur:
			tie = true
		}
	}
	if tie {
		return 0, 0, false, fmt.Errorf("could be morning or evening; add am or pm")
	}
	return best.o, best.c, !a.fixed && !b.fixed && (best.o != a.min || best.c != b.min), nil
}

// group is a run of atoms of one kind within a clause: days, or times.
type group struct {
	isDays  bool
	days    uint8
	holiday bool
	closed  bool
	allDay  bool
	spans   []span
}

// clause applies one clause: pairs of day groups and time groups, in either order.
func (p *textParser) clause(atoms []atom, w *week, closed *[7]bool) error {
	var groups []group
	except := false
	for _, a := range atoms {
		if a.kind == aList {
			continue
		}
		isDays := a.kind == aDays || a.kind == aExcept
		// "closed" after times starts a new group: "daily 8-20, closed holidays".
		newTimes := a.kind == aClosed && len(groups) > 0 && len(groups[len(groups)-1].spans) > 0
		if len(groups) == 0 || groups[len(groups)-1].isDays != isDays || newTimes {
			groups = append(groups, group{isDays: isDays})
			except = false
		}
		g := &groups[len(groups)-1]
		switch a.kind {
		case aExcept:
			if g.days == 0 {
				return p.fail(`says "except" without the days it applies to`)
			}
			except = true
		case aDays:
			if except {
				if a.holiday {
					return p.fail(`says "except holidays": holiday dates are not known here`)
				}
				g.days &^= a.days
			} else {
				g.days |= a.days
				g.holiday = g.holiday || a.holiday
			}
		case aClosed:
			g.closed = true
		case aAllDay:
			g.allDay = true
		case aRange:
			g.spans = append(g.spans, a.span)
		}
	}
	if len(groups) == 1 && !groups[0].isDays && groups[0].allDay && !groups[0].closed && len(groups[0].spans) == 0 {
		p.warnings = append(p.warnings, "read 24 hours without days as every day")
		groups = append(groups, group{isDays: true, days: everyDay})
	}
	for i := 0; i < len(groups); i += 2 {
		if i+1 == len(groups) || groups[i].isDays == groups[i+1].isDays {
			g := groups[i]
			switch {
			case g.isDays:
				return p.fail("gives days without times")
			case g.closed:
				return p.fail("says closed without saying which days")
			}
			return p.fail("gives times without days")
		}
		d, t := groups[i], groups[i+1]
		if !d.isDays {
			d, t = t, d
		}
		if err := p.apply(d, t, w, closed); err != nil {
			return err
		}
	}
	return nil
}

func (p *textParser) apply(d, t group, w *week, closed *[7]bool) error {
	if (t.closed && (t.allDay || len(t.spans) > 0)) || (t.allDay && len(t.spans) > 0) {
		return p.fail("gives both times and closed (or 24 hours) for the same days")
	}
	if d.days == 0 && !d.holiday {
		return p.fail("leaves no day after \"except\"")
	}
	spans := t.spans
	if t.allDay {
		spans = []span{{0, 1440}}
	}
	if d.holiday {
		if !t.closed {
			return p.fail("gives opening times on holidays; only closed on holidays can be stored, since holiday dates are not known here")
		}
		w.holiday = true
	}
	for day := time.Sunday; day <= time.Saturday; day++ {
		if d.days&(1<<day) == 0 {
			continue
		}
		if t.closed {
			w.set(day, nil)
			closed[day] = true
			continue
		}
		if closed[day] {
			return p.fail(fmt.Sprintf("says %s is closed and gives it times", day))
		}
		for _, old := range w.days[day] {
			for _, s := range spans {
				if overlap(old, s) {
					return p.fail(fmt.Sprintf("gives %s two different times that overlap (%s-%s and %s-%s)",
						day, clockText(old.open), clockText(old.close), clockText(s.open), clockText(s.close)))
				}
			}
		}
		w.add(day, spans)
	}
	return nil
}

// overlap reports whether two openings on the same day share any minute.
func overlap(a, b span) bool {
	ae, be := a.close, b.close
	if ae <= a.open {
		ae += 1440
	}
	if be <= b.open {
		be += 1440
	}
	return max(a.open, b.open) < min(ae, be)
}
