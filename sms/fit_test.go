package sms

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geocode"
)

// TestThreeSitesEveryLanguage: in every language of the page, a search with three matching
// sites nearby lists all three in at most two segments (UCS-2 languages too, 134 characters),
// with each name's start, its distance, hours and phone. go test -v logs the longest and
// the mean reply of each language.
func TestThreeSitesEveryLanguage(t *testing.T) {
	now := testNow
	sites := demo.Sites(300, 1)
	e := testEngine(t, sites, &now)
	g := geocode.NewEmbedded(nil)
	needs := map[string][]string{
		"en": {"food", "shelter", "clinic", "shower"}, "fr": {"nourriture", "refuge", "clinique", "douche"},
		"es": {"comida", "refugio", "clinica", "ducha"}, "ar": {"طعام", "مأوى", "عيادة", "استحمام"},
		"fa": {"غذا", "سرپناه", "درمانگاه", "حمام"}, "uk": {"їжа", "притулок", "клініка", "душ"},
		"zh": {"食物", "床位", "诊所", "洗澡"}, "pa": {"ਭੋਜਨ", "ਆਸਰਾ", "ਕਲੀਨਿਕ", "ਨਹਾਉਣਾ"},
		"tl": {"pagkain", "tirahan", "klinika", "paliguan"}, "ko": {"음식", "쉼터", "진료소", "샤워"},
	}
	for _, lang := range Languages {
		longest, total, n := 0, 0, 0
		for _, need := range needs[lang] {
			for _, place := range []string{"V6A 2K5", "V5L", "V6A now", "V5R now", "Burnaby"} {
				msg := need + " " + place
				q := Parse(msg)
				res, err := g.Geocode(context.Background(), geocode.Request{Text: q.Place, Limit: 1})
				if err != nil || len(res) == 0 {
					t.Fatalf("%q: %q does not geocode", msg, q.Place)
				}
				s := session{lat: res[0].Lat, lon: res[0].Lon, needs: q.Needs, open: q.Open}
				if len(e.search(&s, PerReply)) < PerReply {
					continue // fewer than three sites nearby: nothing to fit
				}
				r := e.Answer(context.Background(), "", msg)
				units := len(utf16.Encode([]rune(r.Text)))
				if r.Sites != PerReply || r.Segments > 2 {
					t.Errorf("%s %q: %d sites in %d %s segments (%d units), want 3 in at most 2:\n%s", lang, msg, r.Sites, r.Segments, r.Encoding, units, r.Text)
				}
				for _, l := range strings.Split(r.Text, "\n")[1:4] {
					if !strings.Contains(l, "km") || utf8.RuneCountInString(l) < 20 {
						t.Errorf("%s %q: line %q", lang, msg, l)
					}
				}
				longest, total, n = max(longest, units), total+units, n+1
			}
		}
		if n == 0 {
			t.Errorf("%s: no search had three sites nearby", lang)
			continue
		}
		t.Logf("%s: %d replies with 3 sites, longest %d, mean %d characters (UTF-16 units; GSM-7 septets for Latin)", lang, n, longest, total/n)
	}
}

func TestClipWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		gsm  bool
		want string
	}{
		{"Union Gospel Mission", 30, false, "Union Gospel Mission"},
		{"Union Gospel Mission", 16, false, "Union Gospel…"},
		{"Union Gospel Mission", 10, false, "Union Gos…"},
		{"Union Gospel Mission", 8, true, "Union."},
		{"Carnegie Community Centre", 12, false, "Carnegie…"},
		{"مركز الطعام المجتمعي", 12, false, "مركز الطعام…"},
		{"Hastings, Kitchen", 11, false, "Hastings…"},
	} {
		if got := clipWords(tc.in, tc.n, tc.gsm); got != tc.want || utf8.RuneCountInString(got) > tc.n {
			t.Errorf("clipWords(%q, %d): got %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestPhoneDigits(t *testing.T) {
	for in, want := range map[string]string{
		"+1 604-555-0100":      "6045550100",
		"(604) 555-0100":       "6045550100",
		"+44 20 7946 0958":     "+442079460958",
		"604-555-0100 ext. 12": "6045550100 ext. 12",
		"+1 (604) 555.0100":    "6045550100",
		"":                     "",
	} {
		if got := phoneDigits(in); got != want {
			t.Errorf("phoneDigits(%q): got %q, want %q", in, got, want)
		}
	}
}
