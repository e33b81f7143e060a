package hours

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

func TestParseText(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     aidmap.Hours
		warn     int // number of warnings
	}{
		{"Mon-Fri 9am-5pm", "Mon-Fri 9am-5pm", aidmap.Hours{Weekly: days(540, 1020, monFri...)}, 0},
		{"Monday to Friday 24h", "Monday to Friday, 9:00 - 17:00", aidmap.Hours{Weekly: days(540, 1020, monFri...)}, 0},
		{"Tuesdays 11:30 to 1 pm", "Tuesdays 11:30 to 1 pm", aidmap.Hours{Weekly: days(690, 780, Tu)}, 0},
		{"Daily 8am-8pm", "Daily 8am-8pm", aidmap.Hours{Weekly: days(480, 1200, everyDayList...)}, 0},
		{"Weekdays", "Weekdays 8:30am - 4:30pm", aidmap.Hours{Weekly: days(510, 990, monFri...)}, 0},
		{"Weekends", "Weekends noon-4pm", aidmap.Hours{Weekly: days(720, 960, Sa, Su)}, 0},
		{"7 days a week", "9am-9pm, 7 days a week", aidmap.Hours{Weekly: days(540, 1260, everyDayList...)}, 0},
		{"24 hours 7 days", "24 hours a day, 7 days a week", aidmap.Hours{Weekly: days(0, 1440, everyDayList...)}, 0},
		{"24 hours alone", "Open 24 hours", aidmap.Hours{Weekly: days(0, 1440, everyDayList...)}, 1},
		{"24/7", "24/7", aidmap.Hours{Weekly: days(0, 1440, everyDayList...)}, 0},
		{"noon and midnight", "Fri noon to midnight", aidmap.Hours{Weekly: days(720, 1440, Fr)}, 0},
		{"9:00am", "Sat 9:00am-12:00pm", aidmap.Hours{Weekly: days(540, 720, Sa)}, 0},
		{"a.m. p.m.", "Sat 9 a.m. to 1 p.m.", aidmap.Hours{Weekly: days(540, 780, Sa)}, 0},
		{"attached a and p", "Sat 9a-1p", aidmap.Hours{Weekly: days(540, 780, Sa)}, 0},
		{"bare hours 10-2", "Mon, Wed, Fri 10-2", aidmap.Hours{Weekly: days(600, 840, Mo, We, Fr)}, 1},
		{"bare hours 9-12", "Sat 9-12", aidmap.Hours{Weekly: days(540, 720, Sa)}, 0},
		{"bare hours 12-1", "Sun 12-1", aidmap.Hours{Weekly: days(720, 780, Su)}, 1},
		{"pm carried back", "Wed 4:30-7pm", aidmap.Hours{Weekly: days(990, 1140, We)}, 0},
		{"am start inferred", "Mon to Fri 8:30-4:30PM", aidmap.Hours{Weekly: days(510, 990, monFri...)}, 0},
		{"end after am start", "Sat 9am-5", aidmap.Hours{Weekly: days(540, 1020, Sa)}, 0},
		{"overnight explicit", "Daily 8pm-8am", aidmap.Hours{Weekly: days(1200, 480, everyDayList...)}, 0},
		{"overnight 24h", "Daily 20:00-08:00", aidmap.Hours{Weekly: days(1200, 480, everyDayList...)}, 0},
		{"overnight inferred end", "Daily 9pm-7", aidmap.Hours{Weekly: days(1260, 420, everyDayList...)}, 0},
		{"french", "lundi au vendredi 9h à 17h", aidmap.Hours{Weekly: days(540, 1020, monFri...)}, 0},
		{"french minutes", "du lundi au vendredi de 9 h 30 à 12 h et de 13 h à 16 h 30", aidmap.Hours{Weekly: append(
			days(570, 720, monFri...), days(780, 990, monFri...)...)}, 0},
		{"french closed", "Lundi-samedi 9h-17h; dimanche fermé", aidmap.Hours{Weekly: days(540, 1020, Mo, Tu, We, Th, Fr, Sa)}, 0},
		{"french holidays", "Tous les jours 8h-20h, fermé les jours fériés", aidmap.Hours{Weekly: days(480, 1200, everyDayList...), Notes: HolidaysClosed}, 0},
		{"french abbreviations", "Lun. au ven. 9h-17h", aidmap.Hours{Weekly: days(540, 1020, monFri...)}, 0},
		{"several clauses", "Mon–Fri 9am–6pm. Sat 10am–5pm. Closed Sunday and Holidays.", aidmap.Hours{
			Weekly: append(days(540, 1080, monFri...), per(Sa, 600, 1020)), Notes: HolidaysClosed}, 0},
		{"newlines and commas", "Mon 5:30-7:30pm, Tues 11am-1pm\nThu 2pm-4pm", aidmap.Hours{Weekly: []aidmap.Period{
			per(Mo, 1050, 1170), per(Tu, 660, 780), per(Th, 840, 960)}}, 0},
		{"times then days", "9:00am-11:30am & 1:00pm-3:30pm,Tue-Fri", aidmap.Hours{Weekly: append(
			days(540, 690, Tu, We, Th, Fr), days(780, 930, Tu, We, Th, Fr)...)}, 0},
		{"day lists with and", "Tuesdays and Thursdays 3:30-6:30PM", aidmap.Hours{Weekly: days(930, 1110, Tu, Th)}, 0},
		{"except", "Daily (except Wed) 10-11am, 12-2pm", aidmap.Hours{Weekly: append(
			days(600, 660, Su, Mo, Tu, Th, Fr, Sa), days(720, 840, Su, Mo, Tu, Th, Fr, Sa)...)}, 0},
		{"closed overrides daily", "Daily 9am-5pm; closed Sunday", aidmap.Hours{Weekly: days(540, 1020, Mo, Tu, We, Th, Fr, Sa)}, 0},
		{"M-F", "M-F 9am-12pm", aidmap.Hours{Weekly: days(540, 720, monFri...)}, 0},
		{"0900 and seconds", "Mon 0900-17:00:00", aidmap.Hours{Weekly: days(540, 1020, Mo)}, 0},
		{"uk dots", "Wed 9.30am-4.30pm", aidmap.Hours{Weekly: days(570, 990, We)}, 0},
		{"en dash mojibake", "4:00pmGÇô5:00pm, Tue, Thur", aidmap.Hours{Weekly: days(960, 1020, Tu, Th)}, 0},
		{"every", "Every Tuesday, 11:30AM - 12:30PM.", aidmap.Hours{Weekly: days(690, 750, Tu)}, 0},
		{"same day twice without overlap", "Mon and Wed 10am-12pm; Wed 12:30pm-2pm", aidmap.Hours{Weekly: []aidmap.Period{
			per(Mo, 600, 720), per(We, 600, 720), per(We, 750, 840)}}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := ParseText(tt.in)
			if err != nil {
				t.Fatalf("ParseText(%q): %v", tt.in, err)
			}
			sortPeriods(got.Weekly)
			sortPeriods(tt.want.Weekly)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseText(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
			if len(warnings) != tt.warn {
				t.Errorf("got warnings %q, want %d", warnings, tt.warn)
			}
		})
	}
}

func sortPeriods(ps []aidmap.Period) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && less(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func less(a, b aidmap.Period) bool {
	if a.Day != b.Day {
		return a.Day < b.Day
	}
	if a.Open != b.Open {
		return a.Open < b.Open
	}
	return a.Close < b.Close
}

func TestParseTextWarningSaysReading(t *testing.T) {
	_, warnings, err := ParseText("Mon, Wed, Fri 10-2")
	if err != nil {
		t.Fatal(err)
	}
	if want := `read "10-2" (no am or pm) as 10:00-14:00`; len(warnings) != 1 || warnings[0] != want {
		t.Errorf("got warnings %q, want [%q]", warnings, want)
	}
}

func TestParseTextRejects(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "  ", "no days or times"},
		{"time alone", "9:00am", "without a closing time"},
		{"single meal time", "Daily at 10:30am", "without a closing time"},
		{"times without days", "9am-5pm", "times without days"},
		{"days without times", "Weekdays", "days without times"},
		{"ambiguous bare hours", "Wed 7-9", "morning or evening"},
		{"closed alone", "fermé", "closed without saying which days"},
		{"closed every day", "Closed daily", "no opening times"},
		{"unknown word", "Breakfast 9am-noon, Lunch 11:30am-4:30pm", `"breakfast`},
		{"nth weekday", "Third Sunday of every month 12pm-1pm", `"third`},
		{"partial clauses", "Mon-Fri 9am-5pm; by appointment", `"by appointment`},
		{"conflicting clauses", "Daily 9am-5pm; Sat 10am-2pm", "overlap"},
		{"closed then times", "Closed Sunday; Sunday 1pm-3pm", "closed and gives it times"},
		{"holiday hours", "Holidays 10am-2pm", "holidays"},
		{"pm on 13", "Mon 13pm-2pm", "am and pm go with hours 1 to 12"},
		{"bad minutes", "Mon 9:75am-5pm", "cannot read the time"},
		{"same times", "Mon 9am-9am", "same time"},
		{"except everything", "Sat except Sat 9am-5pm", "no day"},
		{"closed and times", "Mon closed 9am-5pm", "both times and closed"},
		{"stray dash", "Mon - - 9am-5pm", `"-`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ParseText(tt.in)
			if err == nil {
				t.Fatalf("ParseText(%q) = %+v, want an error", tt.in, got)
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

var _ = time.Monday
