package hours

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// HSDSRow is one row of an Open Referral HSDS 1.x/2.x regular_schedules table, as written in
// the file.
type HSDSRow struct {
	// Weekday is 1 to 7 (1 Monday, as ISO 8601; 7 or 0 Sunday) or a day name or abbreviation
	// in English or French ("Monday", "Mon", "lundi").
	Weekday string
	// OpensAt and ClosesAt are times of day: "09:00", "09:00:00", "9:00am", "0900", or with a
	// UTC offset "09:00-05:00" (the local time is kept; "Z" is refused, see ParseHSDSRegular).
	OpensAt  string
	ClosesAt string
}

// ParseHSDSRegular parses the regular_schedules rows of one service or location into weekly
// hours; several rows for one day give several periods. Times without am/pm follow ParseText's
// rules (9:00am-5:00 is 09:00-17:00, with a warning). Every row must give a day and both
// times: otherwise the error (an *aidmap.FieldError naming the row's field) tells the caller
// to fall back to the provider's text. Times in UTC ("17:00Z") are refused: the local time
// they mean depends on daylight saving time, which is not known here. No rows give unknown hours.
func ParseHSDSRegular(rows []HSDSRow) (aidmap.Hours, []string, error) {
	var w week
	var warnings []string
	for i, r := range rows {
		where := fmt.Sprintf("regular_schedules[%d]", i)
		d, err := hsdsWeekday(where, r.Weekday)
		if err != nil {
			return aidmap.Hours{}, nil, err
		}
		s, warn, err := hsdsTimes(where, r.OpensAt, r.ClosesAt)
		if err != nil {
			return aidmap.Hours{}, nil, err
		}
		warnings = append(warnings, warn...)
		w.add(d, []span{s})
	}
	h := w.hours()
	if err := h.Validate(); err != nil {
		return aidmap.Hours{}, nil, &aidmap.FieldError{Field: "regular_schedules", Reason: "give hours that are not valid: " + err.Error()}
	}
	return h, warnings, nil
}

// HSDSSchedule is one Open Referral HSDS 3.0 schedule object: the fields this package reads,
// as strings from JSON or CSV (numbers such as interval may be written "1").
type HSDSSchedule struct {
	Freq       string // "WEEKLY"; empty is read as weekly when ByDay is given; MONTHLY is refused
	Interval   string // "" or "1"; 2 (fortnightly) is refused
	ByDay      string // "MO,TU"; "2MO" (second Monday) is refused
	ByWeekNo   string // must be empty
	ByMonthDay string // must be empty
	ByYearDay  string // must be empty
	OpensAt    string // as in HSDSRow
	ClosesAt   string
	ValidFrom  string // YYYY-MM-DD or empty
	ValidTo    string // YYYY-MM-DD or empty
	Until      string // YYYY-MM-DD or empty: the last day, like ValidTo
	// Description is free text. A schedule with no byday and no times is read with ParseText;
	// otherwise the description is kept in Notes for people to read.
	Description string
}

// ParseHSDSSchedule parses the HSDS 3.0 schedules of one service or location into weekly
// hours. A schedule with valid_from and valid_to and no recurrence (no freq, no byday) is a
// holiday: closed on those dates when it gives no times (or its description says closed),
// else open at its times; it becomes Exceptions (see ParseHSDSHolidays). today (a local date; zero to ignore validity) drops schedules that have ended or not
// yet begun, with a warning; schedules that will end get a warning too, since aidmap.Hours has
// no validity dates. Recurrences other than weekly are refused, never approximated.
func ParseHSDSSchedule(schedules []HSDSSchedule, today time.Time) (aidmap.Hours, []string, error) {
	var w week
	var warnings []string
	var holidays []HSDSHoliday
	date := ""
	if !today.IsZero() {
		date = today.Format(time.DateOnly)
	}
	for i, s := range schedules {
		where := fmt.Sprintf("schedules[%d]", i)
		fail := func(field, value, reason string) error {
			return &aidmap.FieldError{Field: where + "." + field, Value: value, Reason: reason}
		}
		from, to := strings.TrimSpace(s.ValidFrom), strings.TrimSpace(s.ValidTo)
		if u := strings.TrimSpace(s.Until); u != "" && (to == "" || u < to) {
			to = u
		}
		for _, d := range []string{from, to} {
			if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
				return aidmap.Hours{}, nil, fail("valid_from", d, "must be a date written YYYY-MM-DD")
			}
		}
		// A schedule for given dates only, with no recurrence, is a holiday: closed (no times,
		// or a description saying so) or open at other times on those dates.
		desc0 := strings.TrimSpace(s.Description)
		hasTimes := strings.TrimSpace(s.OpensAt) != "" || strings.TrimSpace(s.ClosesAt) != ""
		if from != "" && to != "" && strings.TrimSpace(s.Freq) == "" && strings.TrimSpace(s.ByDay) == "" && (hasTimes || closedWords(desc0)) {
			closed := "false"
			if !hasTimes {
				closed = "true"
			}
			holidays = append(holidays, HSDSHoliday{Closed: closed, OpensAt: s.OpensAt, ClosesAt: s.ClosesAt, StartDate: from, EndDate: to, Note: desc0})
			continue
		}
		switch {
		case date != "" && to != "" && to < date:
			warnings = append(warnings, fmt.Sprintf("%s ended on %s: left out", where, to))
			continue
		case date != "" && from != "" && from > date:
			warnings = append(warnings, fmt.Sprintf("%s starts on %s: left out until then", where, from))
			continue
		case to != "":
			warnings = append(warnings, fmt.Sprintf("%s is valid until %s: update the hours then", where, to))
		}
		desc := strings.TrimSpace(s.Description)
		if strings.TrimSpace(s.ByDay) == "" && strings.TrimSpace(s.OpensAt) == "" && strings.TrimSpace(s.ClosesAt) == "" {
			if desc == "" {
				continue
			}
			h, warn, err := ParseText(desc)
			if err != nil {
				return aidmap.Hours{}, nil, err
			}
			warnings = append(warnings, warn...)
			for _, p := range h.Weekly {
				w.add(p.Day, []span{{p.Open, p.Close}})
			}
			w.holiday = w.holiday || strings.HasSuffix(h.Notes, HolidaysClosed)
			continue
		}
		if f := strings.ToUpper(strings.TrimSpace(s.Freq)); f != "" && f != "WEEKLY" {
			return aidmap.Hours{}, nil, fail("freq", s.Freq, "only WEEKLY schedules can be stored as weekly hours")
		}
		if n := strings.TrimSpace(s.Interval); n != "" && n != "1" && n != "0" {
			return aidmap.Hours{}, nil, fail("interval", n, "only schedules that repeat every week (interval 1) can be stored")
		}
		for _, f := range []struct{ name, value string }{{"byweekno", s.ByWeekNo}, {"bymonthday", s.ByMonthDay}, {"byyearday", s.ByYearDay}} {
			if strings.TrimSpace(f.value) != "" {
				return aidmap.Hours{}, nil, fail(f.name, f.value, "only schedules by weekday can be stored")
			}
		}
		var days []time.Weekday
		for _, part := range strings.Split(s.ByDay, ",") {
			part = strings.TrimSpace(part)
			d, ok := osmDay(part) // RFC 5545 days are OSM's two letters in capitals
			if !ok {
				return aidmap.Hours{}, nil, fail("byday", s.ByDay, "must list days as MO,TU,WE,TH,FR,SA,SU (the nth weekday of a month cannot be stored)")
			}
			days = append(days, d)
		}
		sp, warn, err := hsdsTimes(where, s.OpensAt, s.ClosesAt)
		if err != nil {
			return aidmap.Hours{}, nil, err
		}
		warnings = append(warnings, warn...)
		for _, d := range days {
			w.add(d, []span{sp})
		}
		if desc != "" {
			w.notes = append(w.notes, desc)
		}
	}
	h := w.hours()
	if len(holidays) > 0 {
		ex, warn := ParseHSDSHolidays(holidays, today)
		for _, wn := range warn {
			warnings = append(warnings, strings.Replace(wn, "holiday_schedules", "schedules (dated)", 1))
		}
		h.Exceptions = ex
	}
	if err := h.Validate(); err != nil {
		return aidmap.Hours{}, nil, &aidmap.FieldError{Field: "schedules", Reason: "give hours that are not valid: " + err.Error()}
	}
	return h, warnings, nil
}

func hsdsWeekday(where, s string) (time.Weekday, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 7 {
		return time.Weekday(n % 7), nil
	}
	if d, ok := textDays[textReplacer.Replace(v)]; ok {
		return d, nil
	}
	return 0, &aidmap.FieldError{Field: where + ".weekday", Value: s, Reason: "must be 1 (Monday) to 7 (Sunday) or a day name"}
}

// hsdsTimes reads an opening and a closing time.
func hsdsTimes(where, opens, closes string) (span, []string, error) {
	a, err := hsdsClock(where+".opens_at", opens)
	if err != nil {
		return span{}, nil, err
	}
	b, err := hsdsClock(where+".closes_at", closes)
	if err != nil {
		return span{}, nil, err
	}
	o, c, warn, err := resolve(a, b)
	if err != nil {
		return span{}, nil, &aidmap.FieldError{Field: where, Value: opens + "-" + closes, Reason: err.Error()}
	}
	if c == 0 {
		c = 1440
	}
	var warnings []string
	if warn {
		warnings = append(warnings, fmt.Sprintf("%s: read %s-%s (no am or pm) as %s-%s", where, opens, closes, clockText(o), clockText(c)))
	}
	return span{o, c}, warnings, nil
}

// hsdsClock reads one time of day, dropping a UTC offset (the time before it is local).
func hsdsClock(field, s string) (clock, error) {
	v := strings.TrimSpace(s)
	fail := func(reason string) (clock, error) {
		return clock{}, &aidmap.FieldError{Field: field, Value: s, Reason: reason}
	}
	if v == "" {
		return fail("is required: a schedule row without its times cannot be read")
	}
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		return fail("is in UTC; give the local time (09:00 or 09:00-05:00)")
	}
	// 09:00-05:00, 09:00:00+01:00: an offset after a colon-separated time.
	if i := strings.LastIndexAny(v, "+-"); i > 0 && strings.Contains(v[:i], ":") {
		off := strings.ReplaceAll(v[i+1:], ":", "")
		if _, err := strconv.Atoi(off); err == nil && len(off) == 4 {
			v = v[:i]
		}
	}
	p := textParser{src: v, toks: lexText(v)}
	c, ok, err := p.clock()
	if err != nil || !ok || p.i != len(p.toks) {
		return fail("is not a time of day such as 09:00 or 9:00am")
	}
	return c, nil
}
