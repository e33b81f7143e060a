package aidmap

import (
	"fmt"
	"sync"
	"time"
)

// Hours are a site's opening hours in its own time zone. The zero value means "hours unknown",
// which is not the same as "closed": a site with known hours and no period is closed.
type Hours struct {
	// Timezone is an IANA name such as "America/Vancouver"; empty when unknown.
	Timezone string `json:"timezone,omitempty"`
	// Weekly lists the regular opening periods; several per day are allowed.
	Weekly []Period `json:"weekly,omitempty"`
	// Exceptions override the weekly periods on given dates (holidays, special openings).
	Exceptions []Exception `json:"exceptions,omitempty"`
	// Notes keeps hours as the provider wrote them, for people to read.
	Notes string `json:"notes,omitempty"`
}

// Known reports whether structured hours are present.
func (h Hours) Known() bool { return len(h.Weekly) > 0 || len(h.Exceptions) > 0 }

// Period is one opening on a weekday. Open and Close are minutes after local midnight
// (0..1440). A Close at or before Open means the period runs past midnight into the next day
// (a 20:00-08:00 shelter).
type Period struct {
	Day   time.Weekday `json:"day"`
	Open  int          `json:"open"`
	Close int          `json:"close"`
}

// Exception replaces the weekly hours on one local date.
type Exception struct {
	Date    string   `json:"date"` // YYYY-MM-DD in the site's time zone
	Closed  bool     `json:"closed,omitempty"`
	Periods []Period `json:"periods,omitempty"` // Day is ignored
	Note    string   `json:"note,omitempty"`
}

// MaxPeriods bounds the number of weekly periods and exceptions of one site.
const MaxPeriods = 100

// Validate checks ranges and the time zone name. It returns a *FieldError.
func (h Hours) Validate() error {
	if len(h.Weekly) > MaxPeriods || len(h.Exceptions) > MaxPeriods {
		return &FieldError{Field: "hours", Reason: fmt.Sprintf("more than %d periods or exceptions", MaxPeriods)}
	}
	if h.Timezone != "" {
		if _, err := LoadLocation(h.Timezone); err != nil {
			return &FieldError{Field: "hours.timezone", Value: h.Timezone, Reason: "is not an IANA time zone name such as America/Toronto"}
		}
	}
	for _, p := range h.Weekly {
		if err := p.validate("hours.weekly"); err != nil {
			return err
		}
	}
	for _, e := range h.Exceptions {
		if _, err := time.Parse(time.DateOnly, e.Date); err != nil {
			return &FieldError{Field: "hours.exceptions.date", Value: e.Date, Reason: "must be a date written YYYY-MM-DD"}
		}
		if err := checkText("hours.exceptions.note", e.Note, MaxShortTextLen); err != nil {
			return err
		}
		for _, p := range e.Periods {
			if err := p.validate("hours.exceptions.periods"); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p Period) validate(field string) error {
	if p.Day < time.Sunday || p.Day > time.Saturday {
		return &FieldError{Field: field + ".day", Value: fmt.Sprint(int(p.Day)), Reason: "must be 0 (Sunday) to 6 (Saturday)"}
	}
	if p.Open < 0 || p.Open > 1440 || p.Close < 0 || p.Close > 1440 {
		return &FieldError{Field: field, Value: fmt.Sprintf("%d-%d", p.Open, p.Close), Reason: "times must be minutes between 0 and 1440"}
	}
	return nil
}

// locations caches time zones by name: time.LoadLocation reads the zone database from disk on
// every call, and a whole upload shares a handful of zones.
var locations sync.Map // name → *time.Location

// LoadLocation is time.LoadLocation with a cache.
func LoadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// OpenAt reports whether the site is open at t, in the site's time zone (UTC when Timezone is
// empty or unknown). known is false when the hours are unknown, which is not "closed". next is
// when the state next changes (the closing time when open, the opening time when closed), or
// zero when it does not change within 8 days (24/7, or closed all that time).
//
// Exceptions replace the weekly periods of their local date. A period that runs past midnight
// (Close <= Open) counts from its own day, so a 20:00-08:00 shelter is open at 02:00 on the
// next day even when that day is an exception. Wall-clock times that do not exist on the day
// clocks go forward are read as time.Date reads them (an hour later).
//
// It allocates nothing in the common case (up to 32 openings over the ten days it looks at):
// the API evaluates it for every site of every list response.
func (h Hours) OpenAt(t time.Time) (open, known bool, next time.Time) {
	if !h.Known() {
		return false, false, time.Time{}
	}
	loc := time.UTC
	if h.Timezone != "" {
		if l, err := LoadLocation(h.Timezone); err == nil {
			loc = l
		}
	}
	local := t.In(loc)
	y, m, d := local.Date()
	var buf [32]hoursInterval
	ivs := buf[:0]
	for i := -1; i <= 9; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		dy, dm, dd := day.Date()
		periods := h.Weekly
		weekday := day.Weekday()
		if e := h.exception(dy, dm, dd); e != nil {
			periods = nil
			if !e.Closed {
				periods = e.Periods
			}
			weekday = -1 // exception periods apply whatever their Day
		}
		for _, p := range periods {
			if weekday >= 0 && p.Day != weekday {
				continue
			}
			start := time.Date(dy, dm, dd, 0, p.Open, 0, 0, loc)
			closeDay := dd
			if p.Close <= p.Open {
				closeDay++
			}
			end := time.Date(dy, dm, closeDay, 0, p.Close, 0, 0, loc)
			if end.After(start) {
				ivs = append(ivs, hoursInterval{start, end})
			}
		}
	}
	if len(ivs) == 0 {
		return false, true, time.Time{}
	}
	for i := 1; i < len(ivs); i++ {
		for j := i; j > 0 && ivs[j].start.Before(ivs[j-1].start); j-- {
			ivs[j], ivs[j-1] = ivs[j-1], ivs[j]
		}
	}
	merged := ivs[:1]
	for _, iv := range ivs[1:] {
		last := &merged[len(merged)-1]
		if !iv.start.After(last.end) {
			if iv.end.After(last.end) {
				last.end = iv.end
			}
			continue
		}
		merged = append(merged, iv)
	}
	horizon := t.Add(8 * 24 * time.Hour)
	for _, iv := range merged {
		switch {
		case !t.Before(iv.start) && t.Before(iv.end):
			if iv.end.After(horizon) {
				return true, true, time.Time{}
			}
			return true, true, iv.end
		case iv.start.After(t):
			if iv.start.After(horizon) {
				return false, true, time.Time{}
			}
			return false, true, iv.start
		}
	}
	return false, true, time.Time{}
}

// hoursInterval is one opening as instants.
type hoursInterval struct{ start, end time.Time }

// exception returns the exception for a local date, or nil. When a date is listed twice the
// last one wins, as in OpenAt's map.
func (h Hours) exception(y int, m time.Month, d int) *Exception {
	if len(h.Exceptions) == 0 {
		return nil // most sites: no date to format
	}
	var b [10]byte
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AppendFormat(b[:0], time.DateOnly)
	for i := len(h.Exceptions) - 1; i >= 0; i-- {
		if h.Exceptions[i].Date == string(date) {
			return &h.Exceptions[i]
		}
	}
	return nil
}
