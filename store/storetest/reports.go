package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// testReports checks store.Reports: reports are stored as typed (HTML and all), listed newest
// first per organisation and status, resolved once, counted per site; bad ones are refused.
func testReports(t *testing.T, open Opener) {
	s := open(t)
	rs, ok := s.(store.Reports)
	if !ok {
		t.Skipf("%T does not implement store.Reports", s)
	}
	ctx := context.Background()
	for _, org := range []string{"fbs", "other"} {
		checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, NewOrganization(org)), nil)
	}
	site := aidmap.SiteID("fbs", "S1")
	note := `<script>alert(1)</script> <a href="https://spam.example">cheap</a> café 🍞`
	reports := []store.Report{
		{ID: "rep_1", OrganizationID: "fbs", SiteID: site, Kind: "closed", Note: note, CreatedAt: Base},
		{ID: "rep_2", OrganizationID: "fbs", SiteID: site, Kind: "wrong_hours", CreatedAt: Base.Add(time.Minute)},
		{ID: "rep_3", OrganizationID: "fbs", SiteID: aidmap.SiteID("fbs", "S2"), Kind: "moved", CreatedAt: Base.Add(2 * time.Minute)},
		{ID: "rep_4", OrganizationID: "other", SiteID: aidmap.SiteID("other", "O1"), Kind: "other", Note: "x", CreatedAt: Base.Add(3 * time.Minute)},
	}
	for _, r := range reports {
		checkErr(t, "AddReport "+r.ID, rs.AddReport(ctx, r), nil)
	}
	checkErr(t, "AddReport again", rs.AddReport(ctx, reports[0]), aidmap.ErrConflict)
	for name, r := range map[string]store.Report{
		"unknown kind":         {ID: "rep_x1", OrganizationID: "fbs", SiteID: site, Kind: "rude"},
		"long note":            {ID: "rep_x2", OrganizationID: "fbs", SiteID: site, Kind: "other", Note: strings.Repeat("a", store.MaxReportNote+1)},
		"not UTF-8":            {ID: "rep_x3", OrganizationID: "fbs", SiteID: site, Kind: "other", Note: "\xff"},
		"no site":              {ID: "rep_x4", OrganizationID: "fbs", Kind: "other"},
		"unknown organisation": {ID: "rep_x5", OrganizationID: "nobody", SiteID: site, Kind: "other"},
	} {
		want := aidmap.ErrInvalid
		if name == "unknown organisation" {
			want = aidmap.ErrNotFound
		}
		checkErr(t, "AddReport "+name, rs.AddReport(ctx, r), want)
	}

	got, err := rs.Reports(ctx, "fbs", "", 10)
	checkErr(t, "Reports", err, nil)
	if len(got) != 3 || got[0].ID != "rep_3" || got[2].ID != "rep_1" {
		t.Fatalf("Reports(fbs): got %v, want rep_3, rep_2, rep_1", got)
	}
	if r := got[2]; r.Note != note || r.Kind != "closed" || r.Status != store.ReportOpen || !r.CreatedAt.Equal(Base) ||
		r.SiteID != site || !r.HandledAt.IsZero() || r.HandledBy != "" {
		t.Errorf("rep_1 as stored: %+v", r)
	}
	if got, _ := rs.Reports(ctx, "fbs", "", 1); len(got) != 1 {
		t.Errorf("Reports(limit 1): got %d", len(got))
	}
	_, err = rs.Reports(ctx, "fbs", "", 0)
	checkErr(t, "Reports(limit 0)", err, aidmap.ErrInvalid)

	at := Base.Add(time.Hour)
	r, err := rs.ResolveReport(ctx, "fbs", "rep_1", store.ReportAccepted, "tok1", at)
	checkErr(t, "ResolveReport", err, nil)
	if r.Status != store.ReportAccepted || !r.HandledAt.Equal(at) || r.HandledBy != "tok1" {
		t.Errorf("resolved: %+v", r)
	}
	_, err = rs.ResolveReport(ctx, "fbs", "rep_1", store.ReportDismissed, "tok1", at)
	checkErr(t, "ResolveReport twice", err, aidmap.ErrConflict)
	_, err = rs.ResolveReport(ctx, "fbs", "rep_4", store.ReportDismissed, "tok1", at)
	checkErr(t, "ResolveReport of another organisation's", err, aidmap.ErrNotFound)
	_, err = rs.ResolveReport(ctx, "fbs", "rep_2", store.ReportOpen, "tok1", at)
	checkErr(t, "ResolveReport to open", err, aidmap.ErrInvalid)
	_, err = rs.ResolveReport(ctx, "fbs", "rep_2", store.ReportDismissed, "tok1", at)
	checkErr(t, "ResolveReport dismiss", err, nil)

	open1, err := rs.Reports(ctx, "fbs", store.ReportOpen, 10)
	checkErr(t, "Reports(open)", err, nil)
	if len(open1) != 1 || open1[0].ID != "rep_3" {
		t.Errorf("open reports: %v, want rep_3", open1)
	}
	stored, _ := rs.Reports(ctx, "fbs", store.ReportAccepted, 10)
	if len(stored) != 1 || stored[0].HandledBy != "tok1" || !stored[0].HandledAt.Equal(at) {
		t.Errorf("accepted reports: %+v", stored)
	}

	n, err := rs.CountReports(ctx, site, Base)
	checkErr(t, "CountReports", err, nil)
	if n != 2 {
		t.Errorf("CountReports(since Base): %d, want 2", n)
	}
	if n, _ := rs.CountReports(ctx, site, Base.Add(30*time.Second)); n != 1 {
		t.Errorf("CountReports(later): %d, want 1", n)
	}
}
