package icarol_test

import (
	"strings"
	"testing"

	"github.com/aidmap/aidmap/ingest"
)

// TestProgramConnectsToSite: a Program row that names its site in its own ConnectsToSiteNum
// (no ProgramAtSite row) is a service at that site; a broken link rejects the program, as it
// would a ProgramAtSite row; ProgramAtSite rows, when there are any, say where it is offered.
func TestProgramConnectsToSite(t *testing.T) {
	const head = "ResourceAgencyNum,PublicName,TaxonomyLevelName,ParentAgencyNum,ConnectsToSiteNum,ConnectsToProgramNum,PhysicalAddress1,PhysicalCity,Latitude,Longitude,HoursOfOperation,TaxonomyTerms\n" +
		"A1,Eastside Aid,Agency,0,,,1 Head Office Way,Vancouver,49.2700,-123.1000,,\n" +
		"S1,Eastside Hall,Site,A1,,,100 Main St,Vancouver,49.2820,-123.1100,Mon-Fri 09:00-17:00,\n" +
		"S2,Eastside Annex,Site,A1,,,200 East St,Vancouver,49.2760,-123.0700,,\n"
	type want struct {
		id       string // ExternalID of the service, or of the rejected row
		severity ingest.Severity
		lat      float64 // of a service
		reason   string  // a problem's reason contains it
	}
	tests := []struct {
		name     string
		rows     string
		want     []want
		services int
	}{
		{
			name: "program at its site",
			rows: "P1,Food Bank,Program,A1,S2,,,,,,Tue 10:00-14:00,Food Pantries\n",
			want: []want{
				{id: "S1", severity: ingest.Warning, lat: 49.282},
				{id: "P1", severity: ingest.Warning, lat: 49.276},
			},
			services: 1,
		},
		{
			name: "zero is no link",
			rows: "P1,Food Bank,Program,A1,0,,300 Dock Rd,Vancouver,49.2850,-123.0900,,Food Pantries\n",
			want: []want{
				{id: "S1", severity: ingest.Warning, lat: 49.282},
				{id: "S2", severity: ingest.Warning, lat: 49.276},
				{id: "P1", severity: ingest.Warning, lat: 49.285},
			},
			services: 1,
		},
		{
			name: "names no row",
			rows: "P1,Food Bank,Program,A1,S9,,,,,,,Food Pantries\n",
			want: []want{
				{id: "S1", severity: ingest.Warning, lat: 49.282},
				{id: "S2", severity: ingest.Warning, lat: 49.276},
				{id: "P1", severity: ingest.Rejected, reason: "names no site row of the file"},
			},
		},
		{
			name: "names an agency",
			rows: "P1,Food Bank,Program,A1,A1,,,,,,,Food Pantries\n",
			want: []want{
				{id: "S1", severity: ingest.Warning, lat: 49.282},
				{id: "S2", severity: ingest.Warning, lat: 49.276},
				{id: "P1", severity: ingest.Rejected, reason: "which is not a site row"},
			},
		},
		{
			name: "program at site rows win",
			rows: "P1,Food Bank,Program,A1,S2,,,,,,,Food Pantries\n" +
				"PS1,Food Bank at Hall,ProgramAtSite,A1,S1,P1,,,,,,\n",
			want: []want{
				{id: "S2", severity: ingest.Warning, lat: 49.276},
				{id: "PS1", severity: ingest.Warning, lat: 49.282},
			},
			services: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rd, _ := readExport(t, []byte(head+tt.rows))
			if len(got) != len(tt.want) {
				var ids []string
				for _, r := range got {
					ids = append(ids, r.rec.Values[ingest.FieldID])
				}
				t.Fatalf("got records %v, want %d", ids, len(tt.want))
			}
			for i, w := range tt.want {
				r := got[i]
				if id := r.rec.Values[ingest.FieldID]; id != w.id {
					t.Errorf("record %d: got %s, want %s", i, id, w.id)
				}
				if r.worst() != w.severity || !strings.Contains(r.reasons(), w.reason) {
					t.Errorf("%s: got %s (%s), want %s with %q", w.id, r.worst(), r.reasons(), w.severity, w.reason)
				}
				if w.severity == ingest.Warning && r.site.Lat != w.lat {
					t.Errorf("%s: at lat %v, want %v", w.id, r.site.Lat, w.lat)
				}
			}
			if h := rd.(ingest.HierarchyReader).Hierarchy(); h.Services != tt.services {
				t.Errorf("services: got %d, want %d", h.Services, tt.services)
			}
		})
	}
}
