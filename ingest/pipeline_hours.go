package ingest

import (
	"errors"
	"slices"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/hours"
)

// hours reads the site's opening hours, which Record.Site left as written in Hours.Notes. Text
// that looks like OSM opening_hours is read as that first, then as free text. What neither
// reads is kept verbatim in Notes with a warning: people still see it, and nothing is guessed.
func (p *pipeline) hours(rec *Record, s *aidmap.Site, problems []Problem) []Problem {
	if s.Hours.Known() { // the reader parsed structured hours (HSDS schedules)
		if s.Hours.Timezone == "" {
			s.Hours.Timezone = p.opts.Timezone
		}
		return problems
	}
	text := s.Hours.Notes
	if strings.TrimSpace(text) == "" {
		return problems
	}
	warn := func(reason, detail string) {
		problems = append(problems, Problem{Severity: Warning, Row: rec.Row, Line: rec.Line, Field: "hours",
			Column: columnOf(rec, FieldHours), Value: text, Reason: reason, Detail: detail})
	}
	h, notes, err := p.parseHours(text)
	if err != nil {
		detail := err.Error()
		var fe *aidmap.FieldError
		if errors.As(err, &fe) {
			detail = fe.Reason
		}
		warn(ReasonHoursKept, detail)
		return problems
	}
	for _, n := range notes {
		warn("hours were read with an assumption; check it", n)
	}
	if p.opts.Timezone != "" {
		h.Timezone = p.opts.Timezone
	}
	if err := h.Validate(); err != nil {
		warn(ReasonHoursKept, err.Error())
		return problems
	}
	s.Hours = h
	return problems
}

// osmWords are the words OSM opening_hours uses; free text uses longer ones ("Mon", "lundi").
var osmWords = []string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH", "SH", "off", "closed", "open"}

// looksLikeOSM reports whether text is written in OSM opening_hours style: "24/7", or only OSM
// words (two-letter day names, PH, off) between times and punctuation, with at least one day.
func looksLikeOSM(text string) bool {
	t := strings.TrimSpace(text)
	if t == "24/7" {
		return true
	}
	day := false
	for _, w := range strings.FieldsFunc(t, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}) {
		if !slices.Contains(osmWords, w) {
			return false
		}
		if len(w) == 2 && w != "PH" && w != "SH" {
			day = true
		}
	}
	return day
}

// hoursResult is what parsing one hours text gave.
type hoursResult struct {
	h     aidmap.Hours
	notes []string
	err   error
}

// maxHoursCache bounds how many distinct hours texts an upload remembers. Lists repeat a few
// texts ("Mon-Fri 9am-5pm") on thousands of rows, and parsing is a large part of reading them.
const maxHoursCache = 10_000

// parseHours parses text as OSM opening_hours first when it looks like that, else as free text
// first, trying the other on failure; the first parser's error is the one returned. Each site
// gets its own copy of the periods.
func (p *pipeline) parseHours(text string) (aidmap.Hours, []string, error) {
	r, ok := p.hoursCache[text]
	if !ok {
		osm := func() (aidmap.Hours, []string, error) { h, err := hours.ParseOSM(text); return h, nil, err }
		parsers := []func() (aidmap.Hours, []string, error){func() (aidmap.Hours, []string, error) { return hours.ParseText(text) }, osm}
		if looksLikeOSM(text) {
			parsers[0], parsers[1] = parsers[1], parsers[0]
		}
		r.h, r.notes, r.err = parsers[0]()
		if r.err != nil {
			if h2, notes2, err2 := parsers[1](); err2 == nil {
				r = hoursResult{h: h2, notes: notes2}
			}
		}
		if p.hoursCache == nil {
			p.hoursCache = map[string]hoursResult{}
		}
		if len(p.hoursCache) < maxHoursCache {
			p.hoursCache[text] = r
		}
	}
	h := r.h
	h.Weekly = slices.Clone(h.Weekly)
	h.Exceptions = slices.Clone(h.Exceptions)
	for i := range h.Exceptions {
		h.Exceptions[i].Periods = slices.Clone(h.Exceptions[i].Periods)
	}
	return h, r.notes, r.err
}
