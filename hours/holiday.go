package hours

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// HSDSHoliday is one row of an Open Referral HSDS 1.x/2.x holiday_schedules table, as written:
// the service is closed (or open at other times) from StartDate to EndDate inclusive.
type HSDSHoliday struct {
	Closed    string // "true", "false", "1", "0", "yes", "no"; empty is false
	OpensAt   string // when not closed: as in HSDSRow
	ClosesAt  string
	StartDate string // YYYY-MM-DD
	EndDate   string // YYYY-MM-DD; empty means the start date alone
	Note      string // kept on each exception (an HSDS 3.0 schedule's description)
}

// MaxHolidayDays bounds the days one holiday row may cover: each day becomes an exception,
// and a closure of months is a change of status, not a holiday.
const MaxHolidayDays = 62

// ParseHSDSHolidays turns holiday rows into dated exceptions, one per day, sorted by date.
// today (a local date; zero keeps every date) drops the days already past. A row that cannot be
// read (a bad date, open with no times, a range over MaxHolidayDays) is left out with a
// warning rather than failing the site's weekly hours, which stay right without it. At most
// aidmap.MaxPeriods exceptions are kept, the earliest first.
func ParseHSDSHolidays(rows []HSDSHoliday, today time.Time) ([]aidmap.Exception, []string) {
	var out []aidmap.Exception
	var warnings []string
	date := ""
	if !today.IsZero() {
		date = today.Format(time.DateOnly)
	}
	for i, r := range rows {
		where := fmt.Sprintf("holiday_schedules[%d]", i)
		start, err := time.Parse(time.DateOnly, strings.TrimSpace(r.StartDate))
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: start_date %q is not a date written YYYY-MM-DD: left out", where, r.StartDate))
			continue
		}
		end := start
		if e := strings.TrimSpace(r.EndDate); e != "" {
			if end, err = time.Parse(time.DateOnly, e); err != nil || end.Before(start) {
				warnings = append(warnings, fmt.Sprintf("%s: end_date %q is not a date on or after %s: left out", where, r.EndDate, r.StartDate))
				continue
			}
		}
		if days := int(end.Sub(start).Hours()/24) + 1; days > MaxHolidayDays {
			warnings = append(warnings, fmt.Sprintf("%s: %s to %s is %d days, more than a holiday (%d days at most): left out", where, r.StartDate, r.EndDate, days, MaxHolidayDays))
			continue
		}
		ex := aidmap.Exception{Closed: isTrue(r.Closed), Note: strings.TrimSpace(r.Note)}
		if !ex.Closed {
			sp, warn, err := hsdsTimes(where, r.OpensAt, r.ClosesAt)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("%s: not closed, and its times cannot be read (%v): left out", where, err))
				continue
			}
			warnings = append(warnings, warn...)
			ex.Periods = []aidmap.Period{{Day: start.Weekday(), Open: sp.open, Close: sp.close}}
		}
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			e := ex
			e.Date = d.Format(time.DateOnly)
			if date != "" && e.Date < date {
				continue
			}
			if len(e.Periods) > 0 {
				e.Periods = []aidmap.Period{{Day: d.Weekday(), Open: ex.Periods[0].Open, Close: ex.Periods[0].Close}}
			}
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b aidmap.Exception) int { return strings.Compare(a.Date, b.Date) })
	// Two rows for one date: a closure wins, otherwise the periods add up.
	merged := out[:0]
	for _, e := range out {
		if n := len(merged); n > 0 && merged[n-1].Date == e.Date {
			last := &merged[n-1]
			if e.Closed || last.Closed {
				last.Closed, last.Periods = true, nil
			} else {
				last.Periods = append(last.Periods, e.Periods...)
			}
			continue
		}
		merged = append(merged, e)
	}
	if len(merged) > aidmap.MaxPeriods {
		warnings = append(warnings, fmt.Sprintf("holiday_schedules: %d dates, only the first %d are kept", len(merged), aidmap.MaxPeriods))
		merged = merged[:aidmap.MaxPeriods]
	}
	return merged, warnings
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "1", "yes", "y":
		return true
	}
	return false
}

// closedWords reports whether a schedule's description says the service is closed.
func closedWords(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"closed", "fermé", "ferme", "no service", "not available", "unavailable"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
