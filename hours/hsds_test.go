package hours

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

func TestParseHSDSRegular(t *testing.T) {
	for _, tt := range []struct {
		name string
		rows []HSDSRow
		want aidmap.Hours
		warn int
	}{
		{"numbers and seconds (HSDS 1.1 sample)", []HSDSRow{{"1", "09:00:00", "17:00:00"}, {"2", "09:00:00", "17:00:00"}, {"7", "10:00", "12:00"}},
			aidmap.Hours{Weekly: []aidmap.Period{per(Su, 600, 720), per(Mo, 540, 1020), per(Tu, 540, 1020)}}, 0},
		{"names and am/pm (Miami 211)", []HSDSRow{{"Monday", "9:00am", "5:00pm"}, {"Tuesday", "7:30 am ", "4:00 pm"}, {"Wednesday", "830am", "12:00pm"}},
			aidmap.Hours{Weekly: []aidmap.Period{per(Mo, 540, 1020), per(Tu, 450, 960), per(We, 510, 720)}}, 0},
		{"half am/pm", []HSDSRow{{"Friday", "9:00am", "5:00"}, {"Saturday", "8:00", "4:00pm"}},
			aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 540, 1020), per(Sa, 480, 960)}}, 0},
		{"bare hours warn", []HSDSRow{{"Friday", "9:00", "5:00"}}, aidmap.Hours{Weekly: []aidmap.Period{per(Fr, 540, 1020)}}, 1},
		{"0900 and offset", []HSDSRow{{"0", "0900", "17:00-05:00"}}, aidmap.Hours{Weekly: []aidmap.Period{per(Su, 540, 1020)}}, 0},
		{"overnight shelter", []HSDSRow{{"mon", "20:00", "08:00"}}, aidmap.Hours{Weekly: []aidmap.Period{per(Mo, 1200, 480)}}, 0},
		{"two rows one day", []HSDSRow{{"lundi", "13:00", "17:00"}, {"lundi", "09:00", "12:00"}, {"lundi", "09:00", "12:00"}},
			aidmap.Hours{Weekly: []aidmap.Period{per(Mo, 540, 720), per(Mo, 780, 1020)}}, 0},
		{"no rows", nil, aidmap.Hours{}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := ParseHSDSRegular(tt.rows)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if len(warnings) != tt.warn {
				t.Errorf("got warnings %q, want %d", warnings, tt.warn)
			}
		})
	}
}

func TestParseHSDSRegularRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		rows []HSDSRow
		want string
	}{
		{"empty times", []HSDSRow{{"Monday", "", ""}}, "regular_schedules[0].opens_at: is required"},
		{"no closing", []HSDSRow{{"Monday", "9:00am", "5:00pm"}, {"Tuesday", "9:00am", ""}}, "regular_schedules[1].closes_at"},
		{"bad weekday", []HSDSRow{{"8", "9:00am", "5:00pm"}}, `regular_schedules[0].weekday "8"`},
		{"utc", []HSDSRow{{"1", "14:00Z", "22:00Z"}}, "UTC"},
		{"text after time", []HSDSRow{{"1", "9:00am", "12:00pm (dispensing)"}}, "not a time of day"},
		{"typo", []HSDSRow{{"1", "8:00m", "5:00pm"}}, "not a time of day"},
		{"ambiguous", []HSDSRow{{"1", "7:00", "9:00"}}, "morning or evening"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ParseHSDSRegular(tt.rows)
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			var fe *aidmap.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) {
				t.Errorf("got error %T %v, want an *aidmap.FieldError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseHSDSSchedule(t *testing.T) {
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		in    []HSDSSchedule
		today time.Time
		want  aidmap.Hours
		warn  int
	}{
		{"spec example", []HSDSSchedule{{Freq: "WEEKLY", Interval: "1", ByDay: "TH,FR", OpensAt: "10:00", ClosesAt: "18:00"}}, today,
			aidmap.Hours{Weekly: days(600, 1080, Th, Fr)}, 0},
		{"several schedules", []HSDSSchedule{
			{Freq: "WEEKLY", ByDay: "MO,TU,WE,TH,FR", OpensAt: "09:00", ClosesAt: "12:00"},
			{ByDay: "MO, WE", OpensAt: "13:00:00", ClosesAt: "16:00:00", Description: "Walk-in afternoons"}}, today,
			aidmap.Hours{Weekly: append(days(540, 720, monFri...), days(780, 960, Mo, We)...), Notes: "Walk-in afternoons"}, 0},
		{"description only", []HSDSSchedule{{Description: "Mon-Fri 10am-6pm. Closed on public holidays."}}, today,
			aidmap.Hours{Weekly: days(600, 1080, monFri...), Notes: HolidaysClosed}, 0},
		{"expired dropped", []HSDSSchedule{{ByDay: "MO", OpensAt: "09:00", ClosesAt: "12:00", ValidTo: "2026-05-31"},
			{ByDay: "TU", OpensAt: "09:00", ClosesAt: "12:00", ValidFrom: "2026-01-01", ValidTo: "2026-12-31"}}, today,
			aidmap.Hours{Weekly: days(540, 720, Tu)}, 2},
		{"future dropped", []HSDSSchedule{{ByDay: "MO", OpensAt: "09:00", ClosesAt: "12:00", ValidFrom: "2026-06-02"}}, today,
			aidmap.Hours{}, 1},
		{"validity ignored without today", []HSDSSchedule{{ByDay: "MO", OpensAt: "09:00", ClosesAt: "12:00", Until: "2020-01-01"}}, time.Time{},
			aidmap.Hours{Weekly: days(540, 720, Mo)}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := ParseHSDSSchedule(tt.in, tt.today)
			if err != nil {
				t.Fatal(err)
			}
			sortPeriods(tt.want.Weekly)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if len(warnings) != tt.warn {
				t.Errorf("got warnings %q, want %d", warnings, tt.warn)
			}
		})
	}
}

func TestParseHSDSScheduleRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   HSDSSchedule
		want string
	}{
		{"monthly", HSDSSchedule{Freq: "MONTHLY", ByDay: "2MO", OpensAt: "09:00", ClosesAt: "12:00"}, "schedules[0].freq"},
		{"nth weekday", HSDSSchedule{Freq: "WEEKLY", ByDay: "2MO", OpensAt: "09:00", ClosesAt: "12:00"}, "schedules[0].byday"},
		{"fortnightly", HSDSSchedule{Freq: "WEEKLY", Interval: "2", ByDay: "MO", OpensAt: "09:00", ClosesAt: "12:00"}, "interval"},
		{"by week number", HSDSSchedule{ByDay: "MO", ByWeekNo: "41,42", OpensAt: "09:00", ClosesAt: "12:00"}, "byweekno"},
		{"no days", HSDSSchedule{OpensAt: "09:00", ClosesAt: "12:00"}, "byday"},
		{"no times", HSDSSchedule{ByDay: "MO"}, "opens_at"},
		{"bad date", HSDSSchedule{ByDay: "MO", OpensAt: "09:00", ClosesAt: "12:00", ValidFrom: "01/02/2026"}, "YYYY-MM-DD"},
		{"description not understood", HSDSSchedule{Description: "The service is available from 10 am to 6pm weekdays."}, `"service`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ParseHSDSSchedule([]HSDSSchedule{tt.in}, time.Time{})
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			if !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want one wrapping ErrInvalid that mentions %q", err, tt.want)
			}
		})
	}
}
