package aidmap

import (
	"testing"
	"time"
)

func TestHoursOpenAt(t *testing.T) {
	van, err := LoadLocation("America/Vancouver")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, van) }
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	daily := func(open, close int) []Period {
		var ps []Period
		for d := time.Sunday; d <= time.Saturday; d++ {
			ps = append(ps, Period{Day: d, Open: open, Close: close})
		}
		return ps
	}
	office := Hours{Timezone: "America/Vancouver"}
	for d := time.Monday; d <= time.Friday; d++ {
		office.Weekly = append(office.Weekly, Period{Day: d, Open: 9 * 60, Close: 17 * 60})
	}
	shelter := Hours{Timezone: "America/Vancouver", Weekly: daily(20*60, 8*60)}
	christmas := shelter
	christmas.Exceptions = []Exception{{Date: "2026-12-25", Closed: true}}
	officeXmas := office
	officeXmas.Exceptions = []Exception{{Date: "2026-12-25", Closed: true}, {Date: "2026-12-24", Periods: []Period{{Open: 9 * 60, Close: 12 * 60}}}}
	split := Hours{Weekly: []Period{{Day: time.Monday, Open: 9 * 60, Close: 12 * 60}, {Day: time.Monday, Open: 13 * 60, Close: 17 * 60}}}
	night := Hours{Timezone: "America/Vancouver", Weekly: []Period{{Day: time.Sunday, Open: 60, Close: 4 * 60}}}

	for _, tt := range []struct {
		name        string
		h           Hours
		t           time.Time
		open, known bool
		next        time.Time
	}{
		{"unknown hours are not closed", Hours{Timezone: "America/Vancouver"}, at(2026, 3, 4, 10, 0), false, false, time.Time{}},
		{"office open", office, at(2026, 3, 4, 10, 0), true, true, at(2026, 3, 4, 17, 0)},
		{"office at closing time", office, at(2026, 3, 4, 17, 0), false, true, at(2026, 3, 5, 9, 0)},
		{"office weekend", office, at(2026, 3, 6, 18, 0), false, true, at(2026, 3, 9, 9, 0)},
		{"office across spring forward", office, at(2026, 3, 7, 12, 0), false, true, utc("2026-03-09T16:00:00Z")},
		{"shelter before spring forward", shelter, at(2026, 3, 7, 21, 0), true, true, utc("2026-03-08T15:00:00Z")},
		{"shelter after spring forward", shelter, at(2026, 3, 8, 7, 30), true, true, at(2026, 3, 8, 8, 0)},
		{"shelter closed by day", shelter, at(2026, 3, 8, 12, 0), false, true, at(2026, 3, 8, 20, 0)},
		{"shelter first 01:30 of fall back", shelter, utc("2026-11-01T08:30:00Z"), true, true, utc("2026-11-01T16:00:00Z")},
		{"shelter second 01:30 of fall back", shelter, utc("2026-11-01T09:30:00Z"), true, true, utc("2026-11-01T16:00:00Z")},
		{"shelter opens after fall back", shelter, at(2026, 11, 1, 12, 0), false, true, utc("2026-11-02T04:00:00Z")},
		{"period through the missing hour", night, utc("2026-03-08T09:30:00Z"), true, true, utc("2026-03-08T11:00:00Z")},
		{"period through the repeated hour", night, utc("2026-11-01T08:30:00Z"), true, true, utc("2026-11-01T12:00:00Z")},
		{"overnight from the day before an exception", christmas, at(2026, 12, 25, 2, 0), true, true, at(2026, 12, 25, 8, 0)},
		{"closed exception", christmas, at(2026, 12, 25, 21, 0), false, true, at(2026, 12, 26, 20, 0)},
		{"office closed on the holiday", officeXmas, at(2026, 12, 25, 10, 0), false, true, at(2026, 12, 28, 9, 0)},
		{"office short day", officeXmas, at(2026, 12, 24, 11, 0), true, true, at(2026, 12, 24, 12, 0)},
		{"office after short day", officeXmas, at(2026, 12, 24, 13, 0), false, true, at(2026, 12, 28, 9, 0)},
		{"lunch break, UTC by default", split, time.Date(2026, 3, 2, 12, 30, 0, 0, time.UTC), false, true, time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)},
		{"24/7 never changes", Hours{Weekly: daily(0, 1440)}, at(2026, 3, 8, 2, 30), true, true, time.Time{}},
		{"only past exceptions: closed, no change", Hours{Exceptions: []Exception{{Date: "2020-01-01", Periods: []Period{{Open: 0, Close: 60}}}}}, at(2026, 1, 1, 0, 30), false, true, time.Time{}},
		{"next beyond 8 days is zero", Hours{Exceptions: []Exception{{Date: "2026-01-20", Periods: []Period{{Open: 600, Close: 660}}}}}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), false, true, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			open, known, next := tt.h.OpenAt(tt.t)
			if open != tt.open || known != tt.known || !next.Equal(tt.next) {
				t.Errorf("OpenAt(%s) = %v, %v, %s; want %v, %v, %s", tt.t, open, known, next, tt.open, tt.known, tt.next)
			}
		})
	}
}
