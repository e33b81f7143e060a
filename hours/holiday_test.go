package hours

import (
	"reflect"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

func TestParseHSDSHolidays(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	closed := func(date string) aidmap.Exception { return aidmap.Exception{Date: date, Closed: true} }
	tests := []struct {
		name  string
		rows  []HSDSHoliday
		today time.Time
		want  []aidmap.Exception
		warn  int
	}{
		{"closed over Christmas (HSDS 1.1 sample)", []HSDSHoliday{{Closed: "true", StartDate: "2019-12-24", EndDate: "2019-12-26"}}, time.Time{},
			[]aidmap.Exception{closed("2019-12-24"), closed("2019-12-25"), closed("2019-12-26")}, 0},
		{"past days dropped", []HSDSHoliday{{Closed: "true", StartDate: "2019-12-24", EndDate: "2019-12-26"}}, day(2019, 12, 25),
			[]aidmap.Exception{closed("2019-12-25"), closed("2019-12-26")}, 0},
		{"open shorter, one day", []HSDSHoliday{{Closed: "false", OpensAt: "10:00", ClosesAt: "14:00", StartDate: "2024-12-31"}}, time.Time{},
			[]aidmap.Exception{{Date: "2024-12-31", Periods: []aidmap.Period{{Day: time.Tuesday, Open: 600, Close: 840}}}}, 0},
		{"closure wins on a shared date", []HSDSHoliday{{OpensAt: "10:00", ClosesAt: "14:00", StartDate: "2024-12-31"}, {Closed: "1", StartDate: "2024-12-31"}}, time.Time{},
			[]aidmap.Exception{closed("2024-12-31")}, 0},
		{"bad rows left out", []HSDSHoliday{{Closed: "true", StartDate: "24/12/2019"}, {StartDate: "2019-12-24"}, {Closed: "true", StartDate: "2019-01-01", EndDate: "2019-06-30"}}, time.Time{},
			nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings := ParseHSDSHolidays(tt.rows, tt.today)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if len(warnings) != tt.warn {
				t.Errorf("warnings: got %q, want %d", warnings, tt.warn)
			}
		})
	}
}

// TestParseHSDSScheduleHoliday: an HSDS 3.0 schedule for given dates and no recurrence is a
// holiday exception; a future one is kept, not "left out until then" like a future weekly
// schedule.
func TestParseHSDSScheduleHoliday(t *testing.T) {
	today := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	h, warnings, err := ParseHSDSSchedule([]HSDSSchedule{
		{Freq: "WEEKLY", ByDay: "MO,TU", OpensAt: "09:00", ClosesAt: "17:00"},
		{ValidFrom: "2024-12-25", ValidTo: "2024-12-26", Description: "Closed for Christmas"},
		{ValidFrom: "2024-12-31", ValidTo: "2024-12-31", OpensAt: "09:00", ClosesAt: "12:00"},
		{ValidFrom: "2024-01-01", ValidTo: "2024-01-01", Description: "Closed"}, // past
	}, today)
	if err != nil {
		t.Fatal(err)
	}
	want := []aidmap.Exception{
		{Date: "2024-12-25", Closed: true, Note: "Closed for Christmas"},
		{Date: "2024-12-26", Closed: true, Note: "Closed for Christmas"},
		{Date: "2024-12-31", Periods: []aidmap.Period{{Day: time.Tuesday, Open: 540, Close: 720}}},
	}
	if !reflect.DeepEqual(h.Exceptions, want) || len(h.Weekly) != 2 {
		t.Errorf("got %+v (weekly %v), want exceptions %+v and 2 weekly periods", h.Exceptions, h.Weekly, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: got %q, want none", warnings)
	}
}
