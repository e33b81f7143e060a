package hours

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// Format renders h as OpenStreetMap opening_hours in canonical form: days with the same
// periods merged into ranges and lists (Mo-Fr 09:00-17:00; Sa 10:00-14:00), "24/7" when
// every day is open all day, dated exceptions (2026 Dec 25 off), Notes as a comment on the
// last weekly rule and HolidaysClosed as "PH off". Periods past midnight are written
// 20:00-08:00 (32:00 for exactly 24 hours). Unknown hours give "". The time zone is not
// part of opening_hours and is dropped.
//
// ParseOSM(Format(h)) == h for every h that ParseOSM returns.
func Format(h aidmap.Hours) string {
	var days [7][]span
	for _, p := range h.Weekly {
		if p.Day >= time.Sunday && p.Day <= time.Saturday {
			days[p.Day] = append(days[p.Day], span{p.Open, p.Close})
		}
	}
	var rules []string
	if allDay(days) {
		rules = append(rules, "24/7")
	} else {
		// Group days by identical periods, in the order their first day appears from Monday.
		var groups []struct {
			days  []time.Weekday
			times string
		}
		for _, d := range allDays {
			if len(days[d]) == 0 {
				continue
			}
			t := formatSpans(sortSpans(days[d]))
			i := slices.IndexFunc(groups, func(g struct {
				days  []time.Weekday
				times string
			}) bool {
				return g.times == t
			})
			if i < 0 {
				groups = append(groups, struct {
					days  []time.Weekday
					times string
				}{nil, t})
				i = len(groups) - 1
			}
			groups[i].days = append(groups[i].days, d)
		}
		for _, g := range groups {
			rules = append(rules, formatDays(g.days)+" "+g.times)
		}
	}
	notes, holiday := h.Notes, false
	if notes == HolidaysClosed {
		notes, holiday = "", true
	} else if strings.HasSuffix(notes, noteSep+HolidaysClosed) {
		notes, holiday = strings.TrimSuffix(notes, noteSep+HolidaysClosed), true
	}
	if notes != "" {
		c := comment(notes)
		if len(rules) > 0 {
			rules[len(rules)-1] += " " + c
		} else {
			rules = append(rules, c)
		}
	}
	for _, e := range h.Exceptions {
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			continue // not a date opening_hours can say
		}
		r := fmt.Sprintf("%04d %s %02d", d.Year(), osmMonths[d.Month()-1], d.Day())
		var spans []span
		for _, p := range e.Periods {
			spans = append(spans, span{p.Open, p.Close})
		}
		if e.Closed || len(spans) == 0 {
			r += " off"
		} else {
			r += " " + formatSpans(sortSpans(spans))
		}
		if e.Note != "" {
			r += " " + comment(e.Note)
		}
		rules = append(rules, r)
	}
	if holiday {
		rules = append(rules, "PH off")
	}
	return strings.Join(rules, "; ")
}

// allDay reports whether every day is exactly one period 00:00-24:00.
func allDay(days [7][]span) bool {
	for _, d := range days {
		if s := sortSpans(d); len(s) != 1 || !(s[0] == span{0, 1440} || s[0] == span{0, 0}) {
			return false
		}
	}
	return true
}

// comment quotes a note; opening_hours comments cannot hold a double quote.
func comment(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "'") + `"`
}

func formatSpans(spans []span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		c := s.close
		switch {
		case c == s.open:
			c += 1440 // exactly 24 hours
		case c == 0:
			c = 1440 // until midnight
		}
		parts[i] = clockText(s.open) + "-" + clockText(c)
	}
	return strings.Join(parts, ",")
}

func clockText(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// formatDays writes days (in Monday-first order, no duplicates) as ranges of three or more
// days and lists, joining a run that ends on Sunday with one that starts on Monday (Sa-Mo).
func formatDays(days []time.Weekday) string {
	var in [7]bool
	for _, d := range days {
		in[mondayIndex(d)] = true
	}
	type run struct{ from, n int } // Monday-first indexes
	var runs []run
	for i := 0; i < 7; i++ {
		if in[i] && (i == 0 || !in[i-1]) {
			n := 1
			for i+n < 7 && in[i+n] {
				n++
			}
			runs = append(runs, run{i, n})
		}
	}
	if len(runs) > 1 && runs[0].from == 0 && in[6] {
		last := runs[len(runs)-1]
		runs = append([]run{{last.from, last.n + runs[0].n}}, runs[1:len(runs)-1]...)
	}
	var parts []string
	for _, r := range runs {
		first := allDays[r.from]
		last := allDays[(r.from+r.n-1)%7]
		switch {
		case r.n == 1:
			parts = append(parts, osmDays[first])
		case r.n == 2:
			parts = append(parts, osmDays[first]+","+osmDays[last])
		default:
			parts = append(parts, osmDays[first]+"-"+osmDays[last])
		}
	}
	return strings.Join(parts, ",")
}
