package ingest_test

import (
	"testing"
	"time"

	"github.com/aidmap/aidmap/ingest"
)

// TestRunTimezoneFromPoint checks that sites with hours and no zone get the zone of their
// point, that a zone the upload names wins, and that sites without hours get none.
func TestRunTimezoneFromPoint(t *testing.T) {
	now := func() time.Time { return time.Unix(1e9, 0) }
	const file = "id,name,lat,lon,hours\n" +
		"V,Vancouver,49.2827,-123.1207,Mo-Fr 09:00-17:00\n" +
		"P,Paris,48.8566,2.3522,Mo-Fr 09:00-17:00\n" +
		"N,No hours,45.5019,-73.5674,\n"
	for _, tc := range []struct {
		name string
		opts ingest.Options
		want map[string]string
	}{
		{"from the point", ingest.Options{Now: now}, map[string]string{"V": "America/Vancouver", "P": "Europe/Paris", "N": ""}},
		{"upload names one", ingest.Options{Now: now, Timezone: "America/Toronto"}, map[string]string{"V": "America/Toronto", "P": "America/Toronto", "N": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			runText(t, st, file, tc.opts)
			sites := storeSites(t, st)
			for id, want := range tc.want {
				if got := sites[id].Hours.Timezone; got != want {
					t.Errorf("%s: got timezone %q, want %q", id, got, want)
				}
			}
		})
	}
}
