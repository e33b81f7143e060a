package aidmap

import "time"

// hoursInterval is one opening as instants.
type hoursInterval struct{ start, end time.Time }

// NextChange is OpenAt without allocating in the common case (up to 32 openings over the ten
// days it looks at): the API evaluates it for every site of every list response, where
// OpenAt's map and growing slices cost more than the rest of encoding a site. It returns what
// OpenAt returns; TestNextChangeMatchesOpenAt checks that on random hours.
func (h Hours) NextChange(t time.Time) (open, known bool, next time.Time) {
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

// exception returns the exception for a local date, or nil. When a date is listed twice the
// last one wins, as in OpenAt's map.
func (h Hours) exception(y int, m time.Month, d int) *Exception {
	var b [10]byte
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AppendFormat(b[:0], time.DateOnly)
	for i := len(h.Exceptions) - 1; i >= 0; i-- {
		if h.Exceptions[i].Date == string(date) {
			return &h.Exceptions[i]
		}
	}
	return nil
}
