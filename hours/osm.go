package hours

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// osmDays are the OSM weekday abbreviations by time.Weekday.
var osmDays = [7]string{"Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"}

// osmMonths are the OSM month abbreviations, January first.
var osmMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// ParseOSM parses the common subset of OpenStreetMap opening_hours syntax:
//
//   - weekdays, ranges (wrapping too: Fr-Mo) and lists: Mo-Fr, Mo,We,Fr, Sa-Su
//   - times and lists of times: 09:00-17:00, 09:00-12:00,13:00-17:00; past midnight as
//     20:00-08:00 or 22:00-26:00 (Close <= Open in aidmap.Period)
//   - off and closed; 24/7; a weekday selector alone (open all day, as in OSM)
//   - PH off, recorded as HolidaysClosed in Notes (public holidays have no dates here)
//   - single dates with a year, 2026 Dec 25 off or 2026 Dec 24 10:00-14:00, as Exceptions
//   - rules separated by ";", later rules replacing earlier ones for the same days, and
//     additional rules after ", " adding to them
//   - comments in double quotes, kept in Notes (or in the date's Exception.Note)
//
// Anything else (month or week selectors, sunrise, open ends, "||" fallbacks, school
// holidays, hours on public holidays) is an error wrapping aidmap.ErrInvalid that names the
// part not understood. Hours closed on every day are an error too: aidmap.Hours cannot say
// that (use the site's status).
func ParseOSM(s string) (aidmap.Hours, error) {
	toks, err := lexOSM(s)
	if err != nil {
		return aidmap.Hours{}, err
	}
	if len(toks) == 0 {
		return aidmap.Hours{}, invalid(s, "is empty")
	}
	p := osmParser{src: s, toks: toks}
	if err := p.parse(); err != nil {
		return aidmap.Hours{}, err
	}
	h := p.w.hours()
	for _, d := range p.dates {
		h.Exceptions = append(h.Exceptions, p.exceptions[d])
	}
	if !h.Known() && p.anyHours {
		return aidmap.Hours{}, invalid(s, "says closed on every day; hours cannot say that a site is closed for good: set its status instead")
	}
	if !h.Known() && h.Notes == "" {
		return aidmap.Hours{}, invalid(s, "gives no hours")
	}
	return checkHours(s, h)
}

type osmKind int

const (
	tWord    osmKind = iota // letters
	tNum                    // digits
	tPunct                  // one of - : , ; / + [ ] ( ) | and anything else
	tComment                // "..." without the quotes
)

type osmToken struct {
	kind osmKind
	text string
	pos  int // byte offset in the input
}

func lexOSM(s string) ([]osmToken, error) {
	var toks []osmToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, invalid(s, fmt.Sprintf("has a comment opened at character %d that is never closed", i+1))
			}
			toks = append(toks, osmToken{tComment, s[i+1 : i+1+j], i})
			i += j + 2
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			toks = append(toks, osmToken{tNum, s[i:j], i})
			i = j
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			toks = append(toks, osmToken{tWord, s[i:j], i})
			i = j
		default:
			n := 1
			if c >= 0x80 { // keep a multi-byte character whole for the error message
				_, n = utf8.DecodeRuneInString(s[i:])
			}
			toks = append(toks, osmToken{tPunct, s[i : i+n], i})
			i += n
		}
	}
	return toks, nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

type osmParser struct {
	src        string
	toks       []osmToken
	i          int
	w          week
	exceptions map[string]aidmap.Exception
	dates      []string // exception dates, sorted
	anyHours   bool     // some rule gave times, off or 24/7
}

func (p *osmParser) peek() (osmToken, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return osmToken{}, false
}

func (p *osmParser) isPunct(text string) bool {
	t, ok := p.peek()
	return ok && t.kind == tPunct && t.text == text
}

// fail reports that the token at the parser's position could not be understood.
func (p *osmParser) fail(what string) error {
	t, ok := p.peek()
	if !ok {
		return invalid(p.src, "ends where "+what+" was expected")
	}
	rest := p.src[t.pos:]
	if len(rest) > 20 {
		rest = rest[:20] + "…"
	}
	return invalid(p.src, fmt.Sprintf("cannot understand %q at character %d: expected %s", rest, t.pos+1, what))
}

// osmRule is one rule before it is applied.
type osmRule struct {
	date      string // YYYY-MM-DD when the rule is for one date
	days      []time.Weekday
	holiday   bool // PH in the selector
	times     []span
	off       bool
	comment   string
	additive  bool // came after ", "
	hasTimes  bool // times, off, 24/7 or a selector alone
	selectors bool // a date or weekday selector was given
}

func (p *osmParser) parse() error {
	additive := false
	for {
		r, err := p.rule()
		if err != nil {
			return err
		}
		r.additive = additive
		if err := p.apply(r); err != nil {
			return err
		}
		if _, ok := p.peek(); !ok {
			return nil
		}
		switch {
		case p.isPunct(";"):
			p.i++
			additive = false
		case p.isPunct(","):
			p.i++
			additive = true
		case p.isPunct("|"):
			return p.fail(`";" between rules ("||" fallback rules are not supported)`)
		default:
			return p.fail(`";" or the end`)
		}
		if _, ok := p.peek(); !ok {
			return nil // a trailing ";" is harmless
		}
	}
}

func (p *osmParser) rule() (osmRule, error) {
	var r osmRule
	// 24/7 stands alone.
	if t, ok := p.peek(); ok && t.kind == tNum && t.text == "24" && p.i+2 < len(p.toks) &&
		p.toks[p.i+1].text == "/" && p.toks[p.i+2].text == "7" {
		p.i += 3
		r.days = allDays[:]
		r.times = []span{{0, 1440}}
		r.hasTimes = true
		return r, p.comment(&r)
	}
	// A date: 2026 Dec 25.
	if t, ok := p.peek(); ok && t.kind == tNum && len(t.text) == 4 {
		d, err := p.date()
		if err != nil {
			return r, err
		}
		r.date = d
		r.selectors = true
	}
	if r.date == "" {
		if err := p.weekdays(&r); err != nil {
			return r, err
		}
	}
	t, ok := p.peek()
	switch {
	case ok && t.kind == tNum:
		times, err := p.times()
		if err != nil {
			return r, err
		}
		r.times, r.hasTimes = times, true
	case ok && t.kind == tWord && (strings.EqualFold(t.text, "off") || strings.EqualFold(t.text, "closed")):
		p.i++
		r.off, r.hasTimes = true, true
	case ok && t.kind == tWord && strings.EqualFold(t.text, "open"):
		p.i++
		r.times, r.hasTimes = []span{{0, 1440}}, true
	case ok && t.kind == tWord && strings.EqualFold(t.text, "unknown"):
		return r, p.fail(`times, "off" or a comment ("unknown" is not supported)`)
	case ok && t.kind == tWord:
		if r.selectors {
			return r, p.fail("times, off or a comment")
		}
		return r, p.fail("weekdays (Mo-Su), times, off, 24/7 or a comment")
	case r.selectors:
		// A selector alone means open all day.
		r.times, r.hasTimes = []span{{0, 1440}}, true
	}
	if err := p.comment(&r); err != nil {
		return r, err
	}
	if !r.selectors && !r.hasTimes && r.comment == "" {
		return r, p.fail("a rule")
	}
	return r, nil
}

func (p *osmParser) comment(r *osmRule) error {
	if t, ok := p.peek(); ok && t.kind == tComment {
		r.comment = t.text
		p.i++
	}
	return nil
}

// date parses "2026 Dec 25".
func (p *osmParser) date() (string, error) {
	year := p.toks[p.i].text
	p.i++
	t, ok := p.peek()
	month := 0
	if ok && t.kind == tWord {
		for m, name := range osmMonths {
			if strings.EqualFold(t.text, name) {
				month = m + 1
			}
		}
	}
	if month == 0 {
		return "", p.fail("a month (Jan-Dec) after the year (only single dates such as 2026 Dec 25 are supported)")
	}
	p.i++
	t, ok = p.peek()
	if !ok || t.kind != tNum || len(t.text) > 2 {
		return "", p.fail("a day of the month")
	}
	p.i++
	d := fmt.Sprintf("%s-%02d-%02s", year, month, t.text)
	if len(t.text) == 1 {
		d = fmt.Sprintf("%s-%02d-0%s", year, month, t.text)
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		p.i--
		return "", p.fail("a day that exists in that month")
	}
	if p.isPunct("-") {
		return "", p.fail("a single date (date ranges are not supported)")
	}
	return d, nil
}

// weekdays parses an optional list of weekdays, ranges and PH.
func (p *osmParser) weekdays(r *osmRule) error {
	for {
		t, ok := p.peek()
		if !ok || t.kind != tWord {
			return nil
		}
		if strings.EqualFold(t.text, "PH") {
			p.i++
			r.holiday, r.selectors = true, true
		} else if strings.EqualFold(t.text, "SH") {
			return p.fail("weekdays or PH (school holidays SH are not supported)")
		} else {
			from, ok := osmDay(t.text)
			if !ok {
				if r.selectors {
					return p.fail("a weekday (Mo, Tu, We, Th, Fr, Sa, Su)")
				}
				return nil // not a selector: the caller says what it expected
			}
			p.i++
			to := from
			if p.isPunct("-") {
				p.i++
				t, ok := p.peek()
				if !ok || t.kind != tWord {
					return p.fail("a weekday after \"-\"")
				}
				if to, ok = osmDay(t.text); !ok {
					return p.fail("a weekday after \"-\"")
				}
				p.i++
			}
			if p.isPunct("[") {
				return p.fail("weekdays (nth weekday of the month such as Mo[1] is not supported)")
			}
			for d := from; ; d = (d + 1) % 7 {
				r.days = append(r.days, d)
				if d == to {
					break
				}
			}
			r.selectors = true
		}
		if !p.isPunct(",") {
			return nil
		}
		if n := p.i + 1; n < len(p.toks) && p.toks[n].kind == tWord {
			if _, ok := osmDay(p.toks[n].text); ok || strings.EqualFold(p.toks[n].text, "PH") {
				p.i++
				continue
			}
		}
		return p.fail("a weekday after \",\"")
	}
}

func osmDay(s string) (time.Weekday, bool) {
	for d, name := range osmDays {
		if strings.EqualFold(s, name) {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

// times parses a list of time ranges separated by ",". A "," followed by a weekday is left for
// the caller: it separates additional rules.
func (p *osmParser) times() ([]span, error) {
	var out []span
	for {
		open, err := p.clock(false)
		if err != nil {
			return nil, err
		}
		if p.isPunct("+") {
			return nil, p.fail(`"-" and a closing time (open ends such as 18:00+ are not supported)`)
		}
		if !p.isPunct("-") {
			return nil, p.fail(`"-" and a closing time (a time alone is not a period)`)
		}
		p.i++
		start := p.i
		closeAt, err := p.clock(true)
		if err != nil {
			return nil, err
		}
		if open >= 1440 {
			p.i = start - 2
			return nil, p.fail("an opening time before 24:00")
		}
		switch {
		case closeAt == open:
			p.i = start
			return nil, p.fail("a closing time different from the opening time (write 24 hours as 00:00-24:00 or 08:00-32:00)")
		case closeAt > 1440 && closeAt-1440 > open:
			p.i = start
			return nil, p.fail("a closing time at most 24 hours after the opening time")
		case closeAt > 1440:
			closeAt -= 1440
		case closeAt == 0:
			closeAt = 1440 // until midnight
		}
		out = append(out, span{open, closeAt})
		if p.isPunct("/") || p.isPunct("(") {
			return nil, p.fail("a time range (repeating times and sunrise/sunset are not supported)")
		}
		if !p.isPunct(",") {
			return out, nil
		}
		if n := p.i + 1; n < len(p.toks) && p.toks[n].kind == tNum && len(p.toks[n].text) <= 2 {
			p.i++
			continue
		}
		return out, nil
	}
}

// clock parses HH:MM; closing times may go up to 48:00.
func (p *osmParser) clock(closing bool) (int, error) {
	t, ok := p.peek()
	if !ok || t.kind != tNum || len(t.text) > 2 || p.i+2 >= len(p.toks) {
		return 0, p.fail("a time written HH:MM")
	}
	m := p.toks[p.i+2]
	if p.toks[p.i+1].text != ":" || m.kind != tNum || len(m.text) != 2 {
		return 0, p.fail("a time written HH:MM")
	}
	h, _ := strconv.Atoi(t.text)
	mm, _ := strconv.Atoi(m.text)
	max := 24 * 60
	if closing {
		max = 48 * 60
	}
	if mm > 59 || h*60+mm > max {
		return 0, p.fail("a time between 00:00 and 24:00 (48:00 for closing times past midnight)")
	}
	p.i += 3
	return h*60 + mm, nil
}

func (p *osmParser) apply(r osmRule) error {
	if r.comment != "" && r.date == "" {
		p.w.notes = append(p.w.notes, r.comment)
	}
	if r.hasTimes && (len(r.days) > 0 || r.date != "" || !r.holiday) {
		p.anyHours = true
	}
	if r.holiday {
		if !r.off {
			return invalid(p.src, "gives hours on public holidays (PH); only \"PH off\" is supported, since holiday dates are not known here")
		}
		p.w.holiday = true
	}
	if r.date != "" {
		if p.exceptions == nil {
			p.exceptions = map[string]aidmap.Exception{}
		}
		e, seen := p.exceptions[r.date]
		if !seen {
			p.dates = insertSorted(p.dates, r.date)
		}
		if !seen || !r.additive {
			e = aidmap.Exception{Date: r.date}
		}
		day, _ := time.Parse(time.DateOnly, r.date)
		if r.off {
			e.Closed, e.Periods = true, nil
		} else {
			e.Closed = false
			var spans []span
			for _, q := range e.Periods {
				spans = append(spans, span{q.Open, q.Close})
			}
			e.Periods = nil
			for _, s := range sortSpans(append(spans, r.times...)) {
				e.Periods = append(e.Periods, aidmap.Period{Day: day.Weekday(), Open: s.open, Close: s.close})
			}
		}
		e.Note = joinNotes([]string{e.Note, r.comment}, false)
		p.exceptions[r.date] = e
		return nil
	}
	days := r.days
	if !r.selectors && r.hasTimes {
		days = allDays[:]
	}
	for _, d := range days {
		switch {
		case r.off:
			p.w.set(d, nil)
		case r.additive:
			p.w.add(d, r.times)
		default:
			p.w.set(d, r.times)
		}
	}
	return nil
}

func insertSorted(s []string, v string) []string {
	i := 0
	for i < len(s) && s[i] < v {
		i++
	}
	s = append(s, "")
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}
