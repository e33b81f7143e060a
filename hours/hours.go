// Package hours parses opening hours as people and systems write them (OpenStreetMap
// opening_hours, English and French free text, Open Referral HSDS schedules) into
// aidmap.Hours, and formats aidmap.Hours back as opening_hours. It imports the domain only.
//
// Parsers never guess: what they cannot read exactly is an error wrapping aidmap.ErrInvalid
// (an *aidmap.FieldError naming the part not understood), and the caller keeps the text
// verbatim in Hours.Notes. Times are minutes after local midnight, as in aidmap.Period.
package hours

import (
	"slices"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// HolidaysClosed is the note the parsers add to Hours.Notes for "closed on public holidays"
// (OSM "PH off"): aidmap.Hours has no public-holiday calendar, so it is kept for people to read
// and Format turns it back into "PH off". It is always the last part of Notes.
const HolidaysClosed = "Closed on public holidays"

// noteSep joins the parts of Hours.Notes (comments, then HolidaysClosed).
const noteSep = "; "

// span is one opening within a day; close <= open means it runs past midnight.
type span struct{ open, close int }

// week collects periods day by day while rules are applied in order.
type week struct {
	days    [7][]span // by time.Weekday
	holiday bool      // closed on public holidays
	notes   []string  // comments in order
}

// set replaces the periods of day d.
func (w *week) set(d time.Weekday, s []span) { w.days[d] = slices.Clone(s) }

// add appends periods to day d.
func (w *week) add(d time.Weekday, s []span) { w.days[d] = append(w.days[d], s...) }

// empty reports whether no day has a period.
func (w *week) empty() bool {
	for _, d := range w.days {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// hours returns the canonical aidmap.Hours: periods sorted by day (Sunday first), opening and
// closing time, without duplicates; notes as comments then HolidaysClosed.
func (w *week) hours() aidmap.Hours {
	var h aidmap.Hours
	for d, spans := range w.days {
		for _, s := range sortSpans(spans) {
			h.Weekly = append(h.Weekly, aidmap.Period{Day: time.Weekday(d), Open: s.open, Close: s.close})
		}
	}
	h.Notes = joinNotes(w.notes, w.holiday)
	return h
}

func joinNotes(notes []string, holiday bool) string {
	var parts []string
	for _, n := range notes {
		if n = strings.TrimSpace(n); n != "" {
			parts = append(parts, n)
		}
	}
	if holiday {
		parts = append(parts, HolidaysClosed)
	}
	return strings.Join(parts, noteSep)
}

// sortSpans returns the spans sorted and without duplicates.
func sortSpans(s []span) []span {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b span) int {
		if a.open != b.open {
			return a.open - b.open
		}
		return a.close - b.close
	})
	return slices.Compact(s)
}

// invalid returns the error every parser returns: a FieldError on "hours" with the whole input
// as the value and the reason saying which part was not understood.
func invalid(input, reason string) error {
	return &aidmap.FieldError{Field: "hours", Value: input, Reason: reason}
}

// checkHours bounds the result: the domain allows at most aidmap.MaxPeriods periods.
func checkHours(input string, h aidmap.Hours) (aidmap.Hours, error) {
	if err := h.Validate(); err != nil {
		return aidmap.Hours{}, invalid(input, "gives hours that are not valid: "+err.Error())
	}
	return h, nil
}

// allDays lists the weekdays Monday first, the order people and OSM write them in.
var allDays = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// mondayIndex is the position of d in allDays.
func mondayIndex(d time.Weekday) int { return (int(d) + 6) % 7 }
