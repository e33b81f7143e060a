package web

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/query"
)

// TestOpenMemoSameAsEvaluating walks the clock through most of a year, forwards in random
// steps, sometimes back, and onto the very instants where an answer changes (a next opening
// or closing, a local midnight, a change of UTC offset) and a nanosecond either side, and
// checks that the memoised open state is byte for byte what evaluating the hours gives, in
// zones that change their clocks at midnight, by half an hour, or never.
func TestOpenMemoSameAsEvaluating(t *testing.T) {
	weekdays := func(open, close int) []aidmap.Period {
		var ps []aidmap.Period
		for d := time.Monday; d <= time.Friday; d++ {
			ps = append(ps, aidmap.Period{Day: d, Open: open, Close: close})
		}
		return ps
	}
	exceptions := []aidmap.Exception{
		{Date: "2026-03-08", Closed: true},
		{Date: "2026-03-29", Periods: []aidmap.Period{{Open: 60, Close: 180}}},
		{Date: "2026-04-04", Periods: []aidmap.Period{{Open: 0, Close: 30}, {Open: 23 * 60, Close: 60}}},
		{Date: "2026-11-01", Periods: []aidmap.Period{{Open: 0, Close: 1440}}},
		{Date: "2026-12-25", Closed: true},
	}
	cases := []struct {
		name  string
		hours aidmap.Hours
	}{
		{"unknown", aidmap.Hours{}},
		{"unknown with zone", aidmap.Hours{Timezone: "America/Vancouver"}},
		{"weekdays Vancouver", aidmap.Hours{Timezone: "America/Vancouver", Weekly: weekdays(9*60, 17*60)}},
		{"weekdays no zone", aidmap.Hours{Weekly: weekdays(8*60+30, 16*60)}},
		{"overnight London", aidmap.Hours{Timezone: "Europe/London", Weekly: everyDay(20*60, 8*60)}},
		{"24/7", aidmap.Hours{Timezone: "Europe/Paris", Weekly: everyDay(0, 1440)}},
		{"Wednesdays only", aidmap.Hours{Timezone: "Asia/Kathmandu", Weekly: []aidmap.Period{{Day: time.Wednesday, Open: 600, Close: 840}}}},
		{"midnight DST Havana", aidmap.Hours{Timezone: "America/Havana", Weekly: everyDay(23*60, 2*60)}},
		{"midnight DST Santiago", aidmap.Hours{Timezone: "America/Santiago", Weekly: weekdays(0, 6*60), Exceptions: exceptions}},
		{"half-hour DST Lord Howe", aidmap.Hours{Timezone: "Australia/Lord_Howe", Weekly: everyDay(90, 150), Exceptions: exceptions}},
		{"exceptions Toronto", aidmap.Hours{Timezone: "America/Toronto", Weekly: weekdays(10*60, 14*60), Exceptions: exceptions}},
		{"closed past the horizon", aidmap.Hours{Timezone: "UTC", Exceptions: []aidmap.Exception{{Date: "2026-10-01", Periods: []aidmap.Period{{Open: 600, Close: 660}}}}}},
	}
	start := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	stop := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(c.name))))
			var memo atomic.Pointer[openMemo]
			mono := time.Now() // some instants carry a monotonic reading, as time.Now's do
			check := func(at time.Time) {
				t.Helper()
				if r.IntN(2) == 0 {
					at = mono.Add(at.Sub(mono))
				}
				o := query.OpenAt{Time: at}
				want := string(appendOpenState([]byte("x"), evalHours(&c.hours, o)))
				if got := string(appendOpenMemo([]byte("x"), &memo, &c.hours, o, true)); got != want {
					t.Fatalf("at %v: got %s, want %s", at, got, want)
				}
			}
			for at := start; at.Before(stop); {
				check(at)
				st := evalHours(&c.hours, query.OpenAt{Time: at})
				var edges []time.Time
				if !st.next.IsZero() {
					edges = append(edges, st.next)
				}
				if st.loc != nil {
					local := at.In(st.loc)
					y, m, d := local.Date()
					edges = append(edges, time.Date(y, m, d+1, 0, 0, 0, 0, st.loc))
					if _, end := local.ZoneBounds(); !end.IsZero() {
						edges = append(edges, end)
					}
				}
				switch k := r.IntN(10); {
				case k < 4 && len(edges) > 0:
					e := edges[r.IntN(len(edges))]
					check(e.Add(-time.Nanosecond))
					check(e)
					check(e.Add(time.Nanosecond))
					at = e.Add(time.Duration(r.IntN(3)-1) * time.Nanosecond)
				case k == 4:
					check(at.Add(-time.Duration(r.Int64N(int64(6 * time.Hour))))) // an older request
					at = at.Add(time.Minute)
				default:
					at = at.Add(time.Duration(r.Int64N(int64(5 * time.Hour))))
				}
			}
		})
	}
	t.Run("wall-clock open_at", func(t *testing.T) {
		var memo atomic.Pointer[openMemo]
		h := aidmap.Hours{Timezone: "America/Vancouver", Weekly: weekdays(9*60, 17*60)}
		for _, raw := range []string{"2026-12-07T10:00", "2026-12-07T18:00", "2026-12-07T10:00"} {
			o, err := query.ParseOpenAt(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := string(appendOpenState(nil, evalHours(&h, o)))
			if got := string(appendOpenMemo(nil, &memo, &h, o, true)); got != want {
				t.Fatalf("open_at=%s: got %s, want %s", raw, got, want)
			}
		}
	})
}
