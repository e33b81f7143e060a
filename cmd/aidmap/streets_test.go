package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPeopleStreets: a street map built with `aidmap basemap build` from a hand-made town
// (testdata/streets.osm) and served with --basemap shows its streets' names at street zoom,
// in the page's language where the map has it (Arabic) and the local name otherwise; without
// a street map, the page says so at street zoom instead of showing a blank map (#18).
func TestPeopleStreets(t *testing.T) {
	out := filepath.Join(t.TempDir(), "town.pmtiles")
	if res := ingestCmd(t, nil, "basemap", "build", "--osm", filepath.Join("testdata", "streets.osm"), "--out", out, "--progress", "none"); res.code != 0 {
		t.Fatalf("basemap build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	const view = "&lat=47.1400&lon=9.5200&z=15"

	t.Run("street names in the page's language", func(t *testing.T) {
		p := newPeople(t, peopleOpts{width: 1000, height: 700, base: startServer(t, "--basemap", out)})
		for _, tc := range []struct {
			lang string
			want []string // labels the map must have drawn
		}{
			{"ar", []string{"شتيدتله", "شارع أويله", "Kirchstrasse"}}, // Kirchstrasse has no name:ar
			{"en", []string{"Städtle", "Aeulestrasse", "Kirchstrasse"}},
		} {
			p.do("load the "+tc.lang+" page at z15", chromedp.Navigate(p.base+"/?lang="+tc.lang+view))
			if !p.waitMapIdle("aidmap.map") {
				t.Fatalf("%s: the page shows no map (%q)", tc.lang, p.text("#notice"))
			}
			// The labels are placed after the tiles load: wait until every street's name is.
			names := `(() => { const m = aidmap.map; if (!m.getLayer('bm-road-labels')) return [];
				const f = m.queryRenderedFeatures({ layers: ['bm-road-labels'] });
				return [...new Set(f.map((x) => x.properties['name:` + tc.lang + `'] || x.properties.name))].sort(); })()`
			p.waitFor(tc.lang+": the street names are drawn", names+`.length >= 3`)
			var got []string
			p.eval(names, &got)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: the map's street labels are %q, want %q among them", tc.lang, got, w)
				}
			}
			var field string
			p.eval(`JSON.stringify(aidmap.map.getLayoutProperty('bm-road-labels', 'text-field'))`, &field)
			if want := `["coalesce",["get","name:` + tc.lang + `"],["get","name"]]`; field != want {
				t.Errorf("%s: the street labels draw %s, want %s", tc.lang, field, want)
			}
			if note := p.text("#no-streets"); note != "" {
				t.Errorf("%s: the page says %q over a street map", tc.lang, note)
			}
			p.shot("streets-z15-" + tc.lang)
		}
	})

	t.Run("no street map says so", func(t *testing.T) {
		for _, sz := range []struct {
			name          string
			width, height int
		}{{"desktop", 1000, 700}, {"phone", 360, 740}} {
			t.Run(sz.name, func(t *testing.T) {
				p := newPeople(t, peopleOpts{width: sz.width, height: sz.height})
				ui := uiStrings(t, "fr")
				p.do("load the page at z15", chromedp.Navigate(p.base+"/?lang=fr"+view))
				p.waitMapIdle("aidmap.map")
				p.waitFor("the note is shown", `!document.getElementById('no-streets').hidden`)
				if got := p.text("#no-streets"); got != ui["map.noStreets"] || got == "" {
					t.Errorf("the note says %q, want %q", got, ui["map.noStreets"])
				}
				// The note must not cover the map's controls, the attribution above all (on a
				// phone MapLibre shows it expanded at first, over the bottom of the map).
				var covered []string
				p.eval(`(() => { const n = document.getElementById('no-streets').getBoundingClientRect();
					return [...document.querySelectorAll('.maplibregl-ctrl')].filter((c) => {
						const r = c.getBoundingClientRect();
						return r.width > 0 && r.left < n.right && n.left < r.right && r.top < n.bottom && n.top < r.bottom;
					}).map((c) => c.className); })()`, &covered)
				if len(covered) > 0 {
					t.Errorf("the note overlaps the map's controls %q", covered)
				}
				p.shot("no-streets-z15-fr-" + sz.name)
				p.run(`void aidmap.map.jumpTo({ zoom: 8 })`)
				p.waitFor("the note is hidden at z8, where the world map has something to show", `document.getElementById('no-streets').hidden`)
			})
		}
	})
}
