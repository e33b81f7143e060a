package hours

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

// week builds Hours from "Mo 09:00-17:00"-like shorthand used only in tests: each entry is a
// day set and periods in minutes.
func per(d time.Weekday, open, close int) aidmap.Period {
	return aidmap.Period{Day: d, Open: open, Close: close}
}

// days returns the same period on each day, Sunday first as ParseOSM orders them.
func days(open, close int, ds ...time.Weekday) []aidmap.Period {
	var out []aidmap.Period
	for d := time.Sunday; d <= time.Saturday; d++ {
		for _, x := range ds {
			if x == d {
				out = append(out, per(d, open, close))
			}
		}
	}
	return out
}

const (
	Su = time.Sunday
	Mo = time.Monday
	Tu = time.Tuesday
	We = time.Wednesday
	Th = time.Thursday
	Fr = time.Friday
	Sa = time.Saturday
)

var monFri = []time.Weekday{Mo, Tu, We, Th, Fr}
var everyDayList = []time.Weekday{Su, Mo, Tu, We, Th, Fr, Sa}

func hm(h, m int) int { return h*60 + m }

func TestParseOSM(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     aidmap.Hours
	}{
		{"weekday range", "Mo-Fr 09:00-17:00", aidmap.Hours{Weekly: days(hm(9, 0), hm(17, 0), monFri...)}},
		{"weekday list", "Mo,We,Fr 10:00-14:00", aidmap.Hours{Weekly: days(600, 840, Mo, We, Fr)}},
		{"weekend", "Sa-Su 10:00-16:00", aidmap.Hours{Weekly: days(600, 960, Sa, Su)}},
		{"wrapping range", "Fr-Mo 18:00-22:00", aidmap.Hours{Weekly: days(1080, 1320, Fr, Sa, Su, Mo)}},
		{"several times a day", "Mo 09:00-12:00,13:00-17:00", aidmap.Hours{Weekly: []aidmap.Period{per(Mo, 540, 720), per(Mo, 780, 1020)}}},
		{"times sorted", "Mo 13:00-17:00,09:00-12:00", aidmap.Hours{Weekly: []aidmap.Period{per(Mo, 540, 720), per(Mo, 780, 1020)}}},
		{"overnight", "Mo-Su 20:00-08:00", aidmap.Hours{Weekly: days(1200, 480, everyDayList...)}},
		{"overnight past 24", "Fr 22:00-26:00", aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 1320, 120)}}},
		{"exactly 24 hours", "Fr 08:00-32:00", aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 480, 480)}}},
		{"until midnight", "Sa 18:00-24:00", aidmap.Hours{Weekly: []aidmap.Period{per(Sa, 1080, 1440)}}},
		{"until 00:00 is midnight", "Sa 18:00-00:00", aidmap.Hours{Weekly: []aidmap.Period{per(Sa, 1080, 1440)}}},
		{"24/7", "24/7", aidmap.Hours{Weekly: days(0, 1440, everyDayList...)}},
		{"times without days", "10:00-18:00", aidmap.Hours{Weekly: days(600, 1080, everyDayList...)}},
		{"days without times are all day", "Sa", aidmap.Hours{Weekly: []aidmap.Period{per(Sa, 0, 1440)}}},
		{"later rule overrides", "Mo-Fr 09:00-17:00; We 12:00-17:00", aidmap.Hours{Weekly: []aidmap.Period{
			per(Mo, 540, 1020), per(Tu, 540, 1020), per(We, 720, 1020), per(Th, 540, 1020), per(Fr, 540, 1020)}}},
		{"off", "Mo-Fr 09:00-17:00; We off", aidmap.Hours{Weekly: days(540, 1020, Mo, Tu, Th, Fr)}},
		{"closed", "Mo-Sa 09:00-17:00; Sa closed", aidmap.Hours{Weekly: days(540, 1020, monFri...)}},
		{"additional rule", "Mo-Fr 09:00-12:00, We 14:00-16:00", aidmap.Hours{Weekly: []aidmap.Period{
			per(Mo, 540, 720), per(Tu, 540, 720), per(We, 540, 720), per(We, 840, 960), per(Th, 540, 720), per(Fr, 540, 720)}}},
		{"PH off", "Mo-Fr 09:00-17:00; PH off", aidmap.Hours{Weekly: days(540, 1020, monFri...), Notes: HolidaysClosed}},
		{"Su,PH off", "Mo-Su 09:00-17:00; Su,PH off", aidmap.Hours{Weekly: days(540, 1020, Mo, Tu, We, Th, Fr, Sa), Notes: HolidaysClosed}},
		{"PH off alone", "PH off", aidmap.Hours{Notes: HolidaysClosed}},
		{"comment", `Mo-Fr 09:00-17:00 "by appointment"`, aidmap.Hours{Weekly: days(540, 1020, monFri...), Notes: "by appointment"}},
		{"comments then holidays", `PH off; Mo 09:00-12:00 "a"; Tu 09:00-12:00 "b"`, aidmap.Hours{Weekly: days(540, 720, Mo, Tu), Notes: "a; b; " + HolidaysClosed}},
		{"comment alone", `"call first"`, aidmap.Hours{Notes: "call first"}},
		{"date off", "Mo-Fr 09:00-17:00; 2026 Dec 25 off", aidmap.Hours{Weekly: days(540, 1020, monFri...),
			Exceptions: []aidmap.Exception{{Date: "2026-12-25", Closed: true}}}},
		{"date times and note", `2026 Dec 24 10:00-14:00 "Christmas Eve"; 2026 Jan 1 off`, aidmap.Hours{Exceptions: []aidmap.Exception{
			{Date: "2026-01-01", Closed: true},
			{Date: "2026-12-24", Periods: []aidmap.Period{per(Th, 600, 840)}, Note: "Christmas Eve"}}}},
		{"lower case and spaces", "mo - fr  9:00 - 17:00 ;", aidmap.Hours{Weekly: days(540, 1020, monFri...)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOSM(tt.in)
			if err != nil {
				t.Fatalf("ParseOSM(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseOSM(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("got hours that do not validate: %v", err)
			}
		})
	}
}

func TestParseOSMRejects(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"sunrise", "Mo-Fr sunrise-sunset", `"sunrise-sunset"`},
		{"open end", "Mo-Fr 18:00+", "open ends"},
		{"month selector", "Jan-Mar Mo 09:00-12:00", `"Jan-Mar`},
		{"nth weekday", "Mo[1] 09:00-12:00", "nth weekday"},
		{"fallback", "Mo 09:00-12:00 || \"by appointment\"", "fallback"},
		{"school holidays", "SH off", "school holidays"},
		{"PH hours", "PH 10:00-14:00", "public holidays"},
		{"time alone", "Mo 09:00", "a time alone"},
		{"bad minutes", "Mo 09:75-12:00", "a time between"},
		{"hour 25 open", "Mo 25:00-26:00", "a time between"},
		{"more than 24 hours", "Mo 08:00-33:00", "at most 24 hours"},
		{"same open and close", "Mo 08:00-08:00", "different from the opening"},
		{"unclosed comment", `Mo 09:00-12:00 "oops`, "never closed"},
		{"unknown word", "Mo-Fr 9am-5pm", `"9am-5pm" at character 7`},
		{"closed every day", "off", "closed on every day"},
		{"closed every day by rules", "Mo 09:00-12:00; Mo off", "closed on every day"},
		{"date without year", "Dec 25 off", `"Dec 25 off"`},
		{"date range", "2026 Dec 24-26 off", "single date"},
		{"no such date", "2026 Feb 30 off", "exists"},
		{"dangling comma", "Mo, 09:00-12:00", "weekday after"},
		{"empty rule", "Mo 09:00-12:00;; Tu 09:00-12:00", "a rule"},
		{"repeating", "Mo 10:00-16:00/01:30", "repeating"},
		{"too many periods", "Mo-Su " + manyTimes(15), "more than 100"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOSM(tt.in)
			if err == nil {
				t.Fatalf("ParseOSM(%q) = %+v, want an error", tt.in, got)
			}
			if !errors.Is(err, aidmap.ErrInvalid) {
				t.Errorf("got error %v, want one wrapping aidmap.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   aidmap.Hours
		want string
	}{
		{"unknown", aidmap.Hours{}, ""},
		{"weekdays", aidmap.Hours{Weekly: days(540, 1020, monFri...)}, "Mo-Fr 09:00-17:00"},
		{"two days are a list", aidmap.Hours{Weekly: days(600, 960, Sa, Su)}, "Sa,Su 10:00-16:00"},
		{"wrapping run", aidmap.Hours{Weekly: days(1080, 1320, Fr, Sa, Su, Mo)}, "Fr-Mo 18:00-22:00"},
		{"runs and lists", aidmap.Hours{Weekly: days(600, 840, Mo, Tu, We, Fr)}, "Mo-We,Fr 10:00-14:00"},
		{"merged by times", aidmap.Hours{Weekly: []aidmap.Period{per(Mo, 540, 1020), per(Sa, 600, 840), per(Tu, 540, 1020)}},
			"Mo,Tu 09:00-17:00; Sa 10:00-14:00"},
		{"overnight", aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 1320, 120)}}, "Fr 22:00-02:00"},
		{"24 hours from 8", aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 480, 480)}}, "Fr 08:00-32:00"},
		{"close 0 is midnight", aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 1080, 0)}}, "Fr 18:00-24:00"},
		{"24/7", aidmap.Hours{Weekly: days(0, 1440, everyDayList...)}, "24/7"},
		{"notes and holidays", aidmap.Hours{Weekly: days(540, 1020, Mo), Notes: `say "hi"; ` + HolidaysClosed},
			`Mo 09:00-17:00 "say 'hi'"; PH off`},
		{"exceptions", aidmap.Hours{Exceptions: []aidmap.Exception{{Date: "2026-12-25", Closed: true, Note: "Noël"},
			{Date: "2026-12-24", Periods: []aidmap.Period{{Open: 600, Close: 840}}}}},
			`2026 Dec 25 off "Noël"; 2026 Dec 24 10:00-14:00`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFormatRoundTrip checks ParseOSM(Format(h)) == h for every result of ParseOSM in the
// tests above, and for generated week tables (every day subset with one or two periods).
func TestFormatRoundTrip(t *testing.T) {
	var inputs []string
	for _, s := range []string{
		"Mo-Fr 09:00-17:00", "Fr-Mo 18:00-22:00", "Mo 09:00-12:00,13:00-17:00", "Mo-Su 20:00-08:00",
		"Fr 22:00-26:00", "Fr 08:00-32:00", "24/7", `Mo-Fr 09:00-17:00 "x; y"; PH off`, `"only a note"`,
		`2026 Dec 24 10:00-14:00 "Eve"; 2026 Jan 1 off; Sa 10:00-12:00`, `"Closed on public holidays"`,
		`PH off; Mo 10:00-11:00 "a"`,
	} {
		inputs = append(inputs, s)
	}
	for set := 1; set < 128; set++ {
		var sel []string
		for i, d := range allDays {
			if set&(1<<i) != 0 {
				sel = append(sel, osmDays[d])
			}
		}
		inputs = append(inputs, strings.Join(sel, ",")+" 09:00-12:00; "+osmDays[allDays[set%7]]+" 22:00-02:00")
	}
	for _, in := range inputs {
		h, err := ParseOSM(in)
		if err != nil {
			t.Fatalf("ParseOSM(%q): %v", in, err)
		}
		f := Format(h)
		got, err := ParseOSM(f)
		if err != nil {
			t.Fatalf("ParseOSM(Format(ParseOSM(%q))) = ParseOSM(%q): %v", in, f, err)
		}
		if !reflect.DeepEqual(got, h) {
			t.Errorf("round trip of %q through %q:\n got %+v\nwant %+v", in, f, got, h)
		}
	}
}

// manyTimes returns n distinct one-minute time ranges.
func manyTimes(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, clockText(i*2)+"-"+clockText(i*2+1))
	}
	return strings.Join(parts, ",")
}
