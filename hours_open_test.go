package aidmap

import (
	"testing"
	"time"
)

// TestOpenAtNextChange checks the next change of state OpenAt reports (the API's closes_at and
// opens_at) for the kinds of hours providers publish.
func TestOpenAtNextChange(t *testing.T) {
	const tz = "America/Toronto"
	loc, err := LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	week := func(open, close int) []Period {
		var ps []Period
		for d := time.Sunday; d <= time.Saturday; d++ {
			ps = append(ps, Period{Day: d, Open: open, Close: close})
		}
		return ps
	}
	overnight := Hours{Timezone: tz, Weekly: week(20*60, 8*60)}
	split := Hours{Timezone: tz, Weekly: append(week(9*60, 12*60), week(13*60, 17*60)...)}
	allWeek := Hours{Timezone: tz, Weekly: week(0, 0)}
	// 2026-12-25 is a Friday; the Christmas exception closes the split-hours site and opens
	// the overnight one only 10:00-14:00.
	holiday := split
	holiday.Exceptions = []Exception{{Date: "2026-12-25", Closed: true}}
	special := overnight
	special.Exceptions = []Exception{{Date: "2026-12-25", Periods: []Period{{Open: 10 * 60, Close: 14 * 60}}}}
	mondays := Hours{Timezone: tz, Weekly: []Period{{Day: time.Monday, Open: 10 * 60, Close: 11 * 60}}}
	for _, tc := range []struct {
		name     string
		h        Hours
		at       string
		wantOpen bool
		wantNext string // local "2006-01-02 15:04", or "" for none within 8 days
	}{
		{"overnight evening", overnight, "2026-12-22 21:00", true, "2026-12-23 08:00"},
		{"overnight after midnight", overnight, "2026-12-23 02:00", true, "2026-12-23 08:00"},
		{"overnight daytime", overnight, "2026-12-23 12:00", false, "2026-12-23 20:00"},
		{"overnight at opening", overnight, "2026-12-23 20:00", true, "2026-12-24 08:00"},
		{"overnight at closing", overnight, "2026-12-23 08:00", false, "2026-12-23 20:00"},
		{"split morning", split, "2026-12-22 10:00", true, "2026-12-22 12:00"},
		{"split lunch", split, "2026-12-22 12:30", false, "2026-12-22 13:00"},
		{"split after", split, "2026-12-22 18:00", false, "2026-12-23 09:00"},
		{"holiday eve", holiday, "2026-12-24 18:00", false, "2026-12-26 09:00"},
		{"holiday", holiday, "2026-12-25 10:00", false, "2026-12-26 09:00"},
		{"special hours early", special, "2026-12-25 08:30", false, "2026-12-25 10:00"},   // between the overnight end and the special opening
		{"special hours during", special, "2026-12-25 11:00", true, "2026-12-25 14:00"},   // the exception's own period
		{"special hours evening", special, "2026-12-25 21:00", false, "2026-12-26 20:00"}, // no overnight on the exception day
		{"24/7", allWeek, "2026-12-25 03:00", true, ""},                                   // never closes
		{"weekly once", mondays, "2026-12-22 12:00", false, "2026-12-28 10:00"},           // next Monday
		{"DST spring forward", overnight, "2026-03-08 01:00", true, "2026-03-08 08:00"},   // the night clocks go forward
		{"DST fall back", split, "2026-10-31 18:00", false, "2026-11-01 09:00"},           // the night clocks go back
	} {
		t.Run(tc.name, func(t *testing.T) {
			open, known, next := tc.h.OpenAt(at(tc.at))
			if !known {
				t.Fatal("got unknown hours")
			}
			var want time.Time
			if tc.wantNext != "" {
				want = at(tc.wantNext)
			}
			if open != tc.wantOpen || !next.Equal(want) {
				t.Errorf("got open=%v next=%v, want open=%v next=%v", open, next.In(loc), tc.wantOpen, want)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		if open, known, next := (Hours{Timezone: tz}).OpenAt(at("2026-12-25 10:00")); open || known || !next.IsZero() {
			t.Errorf("got open=%v known=%v next=%v, want false false zero", open, known, next)
		}
	})
	t.Run("closed all week", func(t *testing.T) {
		h := Hours{Timezone: tz, Exceptions: []Exception{{Date: "2026-12-25", Closed: true}}}
		if open, known, next := h.OpenAt(at("2026-12-25 10:00")); open || !known || !next.IsZero() {
			t.Errorf("got open=%v known=%v next=%v, want false true zero", open, known, next)
		}
	})
}

func BenchmarkOpenAt(b *testing.B) {
	h := Hours{Timezone: "America/Toronto", Weekly: []Period{{Day: 1, Open: 540, Close: 1020}, {Day: 3, Open: 540, Close: 1020}, {Day: 5, Open: 1200, Close: 480}}}
	at := time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		h.OpenAt(at)
	}
}
