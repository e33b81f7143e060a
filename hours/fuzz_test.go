package hours

import (
	"reflect"
	"testing"
)

func FuzzParseOSM(f *testing.F) {
	for _, s := range []string{
		"Mo-Fr 09:00-17:00", "Mo,We,Fr 10:00-14:00; Sa off", "Fr-Mo 20:00-08:00", "22:00-26:00",
		"24/7", `Mo-Fr 09:00-12:00,13:00-17:00 "by appointment"; PH off`, "2026 Dec 25 off",
		"Mo-Fr 09:00-12:00, We 14:00-16:00", "Su 08:00-32:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseOSM(s)
		if err != nil {
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("ParseOSM(%q) = %+v, which does not validate: %v", s, h, err)
		}
		out := Format(h)
		again, err := ParseOSM(out)
		if err != nil {
			t.Fatalf("ParseOSM(%q) = %+v; Format gives %q, which does not parse: %v", s, h, out, err)
		}
		if !reflect.DeepEqual(again, h) {
			t.Fatalf("ParseOSM(%q) = %+v; Format gives %q, which parses to %+v", s, h, out, again)
		}
	})
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"Mon-Fri 9am-5pm", "Monday to Friday, 9:00 - 17:00", "Tuesdays 11:30 to 1 pm", "Daily 8am-8pm",
		"Mon, Wed, Fri 10-2", "lundi au vendredi 9h à 17h; samedi 9 h 30 à midi; dimanche fermé",
		"24 hours, 7 days a week", "Daily (except Wed) 10-11am, 12-2pm", "Closed Sunday and holidays",
		"9:00am-11:30am & 1:00pm-3:30pm,Tue-Fri", "Sat 9 a.m. to 1 p.m.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, _, err := ParseText(s)
		if err != nil {
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("ParseText(%q) = %+v, which does not validate: %v", s, h, err)
		}
		if !h.Known() && h.Notes == "" {
			t.Fatalf("ParseText(%q) accepted but gave no hours", s)
		}
		// Text results are canonical too, so they survive opening_hours.
		out := Format(h)
		again, err := ParseOSM(out)
		if err != nil {
			t.Fatalf("ParseText(%q) = %+v; Format gives %q, which does not parse: %v", s, h, out, err)
		}
		if !reflect.DeepEqual(again, h) {
			t.Fatalf("ParseText(%q) = %+v; Format gives %q, which parses to %+v", s, h, out, again)
		}
	})
}

func BenchmarkParseOSM(b *testing.B) {
	const s = `Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-14:00; Su off "call first"; PH off`
	for b.Loop() {
		if _, err := ParseOSM(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseText(b *testing.B) {
	const s = "Mon–Fri 9am–6pm. Sat 10am–5pm. Closed Sunday and Holidays."
	for b.Loop() {
		if _, _, err := ParseText(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	h, err := ParseOSM(`Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-14:00; Su off "call first"; PH off`)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Format(h)
	}
}
