package place

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/aidmap/aidmap"
)

// TestLabelled measures precision and recall on testdata/labelled.csv (derived from the
// Toronto 211 refugee services file and a hand-made variant with typos, moved pins and
// phone formats; gen_labelled.py says how, and how pairs were labelled). A pair is predicted
// "same" when Match puts both records in one place. The floors guard against regressions;
// BENCHMARKS.md records the measured values.
func TestLabelled(t *testing.T) {
	f, err := os.Open("testdata/labelled.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read labelled.csv: %v", err)
	}
	var sites []aidmap.Site
	index := map[string]int{}
	type label struct{ a, b, want, source string }
	var labels []label
	for _, r := range rows[1:] {
		switch r[0] {
		case "record":
			lat, _ := strconv.ParseFloat(r[6], 64)
			lon, _ := strconv.ParseFloat(r[7], 64)
			index[r[1]] = len(sites)
			sites = append(sites, aidmap.Site{ID: r[1], OrganizationID: r[2], Name: r[3],
				Address: aidmap.Address{Street: r[4], PostalCode: r[5]}, Lat: lat, Lon: lon, Phone: r[8], Website: r[9]})
		case "label":
			labels = append(labels, label{r[1], r[2], r[3], r[4]})
		}
	}
	res := Match(sites, Options{})
	place := make([]int, len(sites))
	for k, p := range res.Places {
		for _, i := range p {
			place[i] = k
		}
	}
	type counts struct{ tp, fp, fn, tn int }
	by := map[string]*counts{"all": {}}
	for _, l := range labels {
		if by[l.source] == nil {
			by[l.source] = &counts{}
		}
		got := place[index[l.a]] == place[index[l.b]]
		for _, c := range []*counts{by["all"], by[l.source]} {
			switch {
			case got && l.want == "same":
				c.tp++
			case got:
				c.fp++
				if c == by["all"] {
					t.Logf("false link: %q / %q", sites[index[l.a]].Name, sites[index[l.b]].Name)
				}
			case l.want == "same":
				c.fn++
			default:
				c.tn++
			}
		}
	}
	for name, c := range by {
		p := float64(c.tp) / float64(max(1, c.tp+c.fp))
		r := float64(c.tp) / float64(max(1, c.tp+c.fn))
		t.Logf("%-8s pairs %3d  tp %3d fp %3d fn %3d tn %3d  precision %.3f recall %.3f", name, c.tp+c.fp+c.fn+c.tn, c.tp, c.fp, c.fn, c.tn, p, r)
		if name == "all" && (p < 0.9 || r < 0.6) {
			t.Errorf("precision %.3f recall %.3f under the floors 0.9 / 0.6", p, r)
		}
	}
}
