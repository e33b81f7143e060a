package sms

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/tz"
)

// testNow is a Tuesday afternoon in Vancouver.
var testNow = time.Date(2026, 3, 10, 14, 30, 0, 0, time.FixedZone("PDT", -7*3600))

func testIndex(sites []aidmap.Site) *geo.Index {
	p := demo.Publisher()
	p.Zone = tz.Find
	return geo.NewIndex(p.PublicSites(sites), 1)
}

func testEngine(t testing.TB, sites []aidmap.Site, now *time.Time) *Engine {
	t.Helper()
	ix := testIndex(sites)
	return New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil),
		Now: func() time.Time { return *now }, Salt: []byte("test")})
}

func TestMeasure(t *testing.T) {
	for _, tc := range []struct {
		text string
		enc  Encoding
		segs int
	}{
		{"", GSM7, 1},
		{strings.Repeat("a", 160), GSM7, 1},
		{strings.Repeat("a", 161), GSM7, 2},
		{strings.Repeat("a", 306), GSM7, 2},
		{strings.Repeat("a", 307), GSM7, 3},
		{strings.Repeat("€", 80), GSM7, 1},                                 // extension: two septets each
		{strings.Repeat("€", 81), GSM7, 2},                                 // 162 septets
		{strings.Repeat("a", 152) + "€" + strings.Repeat("a", 7), GSM7, 2}, // 161 septets
		{"Près de V6A : ouvert jusqu'à 17:00 Ñ ü @ £ ¥ è é ù ì ò Ç Ø å Δ ß É ¡ ¿ § {} [] ~ \\ | ^", GSM7, 1},
		{"ç", UCS2, 1}, // lower-case c cedilla is not in GSM 03.38
		{"á", UCS2, 1},
		{strings.Repeat("ب", 70), UCS2, 1},
		{strings.Repeat("ب", 71), UCS2, 2},
		{strings.Repeat("ب", 134), UCS2, 2},
		{strings.Repeat("ب", 135), UCS2, 3},
		{strings.Repeat("😀", 35), UCS2, 1}, // surrogate pairs: two units each
		{strings.Repeat("😀", 36), UCS2, 2},
	} {
		enc, n := Measure(tc.text)
		if enc != tc.enc || n != tc.segs {
			t.Errorf("%.20q (%d runes): got %s in %d, want %s in %d", tc.text, utf8.RuneCountInString(tc.text), enc, n, tc.enc, tc.segs)
		}
	}
}

func TestParse(t *testing.T) {
	food := cats(aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen)
	for _, tc := range []struct {
		text  string
		cmd   Command
		needs aidmap.CategorySet
		open  bool
		place string
		lang  string
	}{
		{"food V6A 2K5", Search, food, false, "V6A 2K5", "en"},
		{"V6A 2K5 FOOD", Search, food, false, "V6A 2K5", "en"},
		{"Food near 401 Main St, Vancouver now", Search, food, true, "401 Main St Vancouver", "en"},
		{"food bank V6A", Search, cats(aidmap.CategoryFoodBank) | food, false, "V6A", "en"},
		{"foood V6A", Search, food, false, "V6A", "en"},
		{"fodo V6A", Search, food, false, "V6A", "en"},
		{"Ford Street", Search, 0, false, "Ford Street", "en"}, // a changed letter of a four-letter word is not a typo
		{"shwoer V6A", Search, cats(aidmap.CategoryHygiene), false, "V6A", "en"},
		{"sheltr Kitsilano", Search, cats(aidmap.CategoryShelter), false, "Kitsilano", "en"},
		{"drop-in V6A", Search, cats(aidmap.CategoryDropIn), false, "V6A", "en"},
		{"V6A", Search, 0, false, "V6A", "en"},
		{"help", Help, 0, false, "", "en"},
		{"HELP!", Help, 0, false, "", "en"},
		{"?", Help, 0, false, "", "en"},
		{"More", More, 0, false, "", "en"},
		{"nourriture près de V6A", Search, food, false, "V6A", "fr"},
		{"Repas à Montréal maintenant", Search, cats(aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen), true, "Montréal", "fr"},
		{"DOUCHE h2x", Search, cats(aidmap.CategoryHygiene), false, "h2x", "fr"},
		{"aide", Help, 0, false, "", "fr"},
		{"comida cerca de V6A ahora", Search, food, true, "V6A", "es"},
		{"más", More, 0, false, "", "es"},
		{"طعام V6A 2K5", Search, food, false, "V6A 2K5", "ar"},
		{"الطعام قرب V6A", Search, food, false, "V6A", "ar"},
		{"مأوى V6A الآن", Search, cats(aidmap.CategoryShelter), true, "V6A", "ar"},
		{"غذا V6A", Search, food, false, "V6A", "fa"},
		{"سرپناه در V6A", Search, cats(aidmap.CategoryShelter), false, "V6A", "fa"},
		{"كمک", Help, 0, false, "", "fa"}, // Arabic kaf for Persian keheh
		{"بیشتر", More, 0, false, "", "fa"},
		{"їжа V6A", Search, food, false, "V6A", "uk"},
		{"Притулок біля V6A", Search, cats(aidmap.CategoryShelter), false, "V6A", "uk"},
		{"食物V6A2K5", Search, food, false, "V6A2K5", "zh"},
		{"我需要洗澡 V6A", Search, cats(aidmap.CategoryHygiene), false, "V6A", "zh"},
		{"更多", More, 0, false, "", "zh"},
		{"ਭੋਜਨ V6A", Search, food, false, "V6A", "pa"},
		{"ਹੋਰ", More, 0, false, "", "pa"},
		{"pagkain malapit sa V6A", Search, food, false, "V6A", "tl"},
		{"음식 V6A", Search, food, false, "V6A", "ko"},
		{"샤워를 V6A 지금", Search, cats(aidmap.CategoryHygiene), true, "V6A", "ko"},
		{"hola", Search, 0, false, "", "es"},
		{"", Search, 0, false, "", "en"},
		{"٧٢٣ Main", Search, 0, false, "723 Main", "ar"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			q := Parse(tc.text)
			if q.Command != tc.cmd || q.Needs != tc.needs || q.Open != tc.open || q.Place != tc.place || q.Lang != tc.lang {
				t.Errorf("got %+v (needs %v), want command %d needs %v open %v place %q lang %s",
					q, q.Needs.Slice(), tc.cmd, tc.needs.Slice(), tc.open, tc.place, tc.lang)
			}
		})
	}
}

// TestAnswerFits asks every language, with and without results, and checks that each reply
// fits in two segments, in GSM-7 when its language is written in Latin letters.
func TestAnswerFits(t *testing.T) {
	now := testNow
	e := testEngine(t, demo.Sites(300, 1), &now)
	for _, lang := range Languages {
		tx := texts[lang]
		for _, msg := range []string{tx.need + " V6A 2K5", tx.need + " V6A now", "help", tx.need + " Qqqq", tx.need, "more", "zzz"} {
			for _, hour := range []int{3, 9, 14, 22} {
				now = time.Date(2026, 3, 10, hour, 0, 0, 0, time.UTC)
				r := e.Answer(context.Background(), "+16045550100", msg)
				enc, n := Measure(r.Text)
				if n > 2 || enc != r.Encoding || n != r.Segments {
					t.Errorf("%s %q: %s in %d segments (reply says %s in %d): %q", lang, msg, enc, n, r.Encoding, r.Segments, r.Text)
				}
				if latin[lang] && msg != "zzz" && enc != GSM7 {
					t.Errorf("%s %q: %s, want GSM-7: %q", lang, msg, enc, r.Text)
				}
			}
		}
	}
}

func TestAnswerResults(t *testing.T) {
	now := testNow
	sites := demo.Sites(300, 1)
	e := testEngine(t, sites, &now)
	r := e.Answer(context.Background(), "+16045550100", "food V6A 2K5")
	if r.Sites != 3 || r.Lang != "en" || r.Encoding != GSM7 {
		t.Fatalf("got %d sites, %s, %s: %s", r.Sites, r.Lang, r.Encoding, r.Text)
	}
	// The sites listed are the three nearest active food sites to the postal code's point.
	res, _ := geocode.NewEmbedded(nil).Geocode(context.Background(), geocode.Request{Text: "V6A 2K5"})
	want := testIndex(sites).Nearest(res[0].Lat, res[0].Lon, 3, geo.Filter{Categories: cats(aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen), Statuses: []aidmap.Status{aidmap.StatusActive}})
	for i, h := range want {
		if name := clip(h.Site().Name, 60); !strings.Contains(r.Text, name) {
			t.Errorf("site %d %q is not in the reply:\n%s", i+1, name, r.Text)
		}
	}
	// Open now: every site listed is open.
	r = e.Answer(context.Background(), "+16045550100", "now V6A 2K5")
	if r.Sites == 0 || strings.Contains(r.Text, "opens") || strings.Contains(r.Text, "today ") {
		t.Errorf("open now lists a closed site:\n%s", r.Text)
	}
}

func TestMore(t *testing.T) {
	now := testNow
	e := testEngine(t, demo.Sites(300, 1), &now)
	ctx := context.Background()
	first := e.Answer(ctx, "+16045550100", "V6A 2K5")
	second := e.Answer(ctx, "+1 604 555 0100", "more")
	if !strings.Contains(first.Text, "1. ") || !strings.Contains(second.Text, "4. ") {
		t.Fatalf("more did not continue:\n%s\n---\n%s", first.Text, second.Text)
	}
	if r := e.Answer(ctx, "+16045550199", "more"); strings.Contains(r.Text, "1. ") {
		t.Errorf("another number got results: %s", r.Text)
	}
	if r := e.Answer(ctx, "", "more"); strings.Contains(r.Text, "1. ") {
		t.Errorf("no number got results: %s", r.Text)
	}
	now = now.Add(61 * time.Minute)
	if r := e.Answer(ctx, "+16045550100", "more"); strings.Contains(r.Text, "7. ") {
		t.Errorf("more after it expired: %s", r.Text)
	}
	if n, _ := e.Sweep(ctx); n != 1 || e.Sessions() != 0 {
		t.Errorf("Sweep after expiry: %d swept, %d sessions kept", n, e.Sessions())
	}
	// The last results: "more" says there are none.
	few := testEngine(t, demo.Sites(4, 1), &now)
	few.Answer(ctx, "+16045550100", "V6A")
	few.Answer(ctx, "+16045550100", "more")
	if r := few.Answer(ctx, "+16045550100", "more"); !strings.Contains(r.Text, "No more") {
		t.Errorf("after the last: %s", r.Text)
	}
}

func TestSessionsBounded(t *testing.T) {
	now := testNow
	ix := testIndex(demo.Sites(20, 1))
	e := New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil), Now: func() time.Time { return now }, MaxSessions: 50})
	for i := range 500 {
		now = now.Add(time.Second)
		e.Answer(context.Background(), "+1604555"+strconv.Itoa(1000+i), "V6A")
	}
	if n := e.Sessions(); n > 50 {
		t.Errorf("%d sessions, want at most 50", n)
	}
}

// TestNoGeocoder: with no geocoder every place is "not found", politely.
func TestNoGeocoder(t *testing.T) {
	ix := testIndex(demo.Sites(10, 1))
	e := New(Config{Index: func() *geo.Index { return ix }})
	if r := e.Answer(context.Background(), "1", "food V6A"); !strings.Contains(r.Text, "Could not find") {
		t.Errorf("got %q", r.Text)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"food V6A 2K5", "طعام V6A", "食物V6A", "음식을 V6A", "ਭੋਜਨ", "more", "?", "foood près de l'église", "\xff\xfe", "٧٢٣"} {
		f.Add(s)
	}
	ix := testIndex(demo.Sites(50, 1))
	e := New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil), Now: func() time.Time { return testNow }})
	f.Fuzz(func(t *testing.T, s string) {
		q := Parse(s)
		if q.Lang == "" || texts[q.Lang].near == "" {
			t.Fatalf("language %q", q.Lang)
		}
		if len(q.Place) > len(s)+8 {
			t.Fatalf("place %q longer than the message %q", q.Place, s)
		}
		r := e.Answer(context.Background(), "+16045550100", s)
		if _, n := Measure(r.Text); n > 2 || r.Text == "" {
			t.Fatalf("reply of %d segments: %q", n, r.Text)
		}
	})
}
