package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// RunAccounts runs the store.Accounts part of the suite alone (Run includes it): tokens, upload
// records, the history an upload with an actor writes, and store.Rollback.
func RunAccounts(t *testing.T, open func(t *testing.T) store.Store) {
	testAccounts(t, open)
}

func testAccounts(t *testing.T, open Opener) {
	if _, ok := open(t).(store.Accounts); !ok {
		t.Skip("store does not implement store.Accounts")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, a store.Accounts)
	}{
		{"Tokens", testTokens},
		{"UploadRecords", testUploadRecords},
		{"History", testHistory},
		{"Rollback", testRollback},
		{"RollbackRacesUpload", testRollbackRacesUpload},
		{"AbandonUploads", testAbandonUploads},
		{"QueueUpload", testQueueUpload},
		{"ClaimUploadRace", testClaimUploadRace},
		{"RetryDismissUpload", testRetryDismissUpload},
		{"ExpireUploadFiles", testExpireUploadFiles},
		{"ExpireRacesRetry", testExpireRacesRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := setup(t, open, "fbs", "other")
			tt.fn(t, s, s.(store.Accounts))
		})
	}
}

func hashOf(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

func testTokens(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	editor := store.Token{ID: "tok1", OrganizationID: "fbs", Role: store.RoleEditor, Hash: hashOf("a"),
		CreatedAt: Base, ExpiresAt: Base.Add(90 * 24 * time.Hour)}
	admin := store.Token{ID: "tok2", Role: store.RoleAdmin, Hash: hashOf("b"), CreatedAt: Base.Add(time.Second)}
	other := store.Token{ID: "tok3", OrganizationID: "other", Role: store.RoleAdmin, Hash: hashOf("c"), CreatedAt: Base.Add(2 * time.Second)}
	for _, tok := range []store.Token{editor, admin, other} {
		checkErr(t, "CreateToken "+tok.ID, a.CreateToken(ctx, tok), nil)
	}

	bad := []struct {
		name string
		tok  store.Token
		want error
	}{
		{"same ID", store.Token{ID: "tok1", OrganizationID: "fbs", Role: store.RoleEditor, Hash: hashOf("z")}, aidmap.ErrConflict},
		{"same hash", store.Token{ID: "tok9", OrganizationID: "fbs", Role: store.RoleEditor, Hash: hashOf("a")}, aidmap.ErrConflict},
		{"unknown organisation", store.Token{ID: "tok9", OrganizationID: "nobody", Role: store.RoleEditor, Hash: hashOf("y")}, aidmap.ErrNotFound},
		{"editor without organisation", store.Token{ID: "tok9", Role: store.RoleEditor, Hash: hashOf("y")}, nil},
		{"bad role", store.Token{ID: "tok9", OrganizationID: "fbs", Role: "owner", Hash: hashOf("y")}, nil},
		{"no hash", store.Token{ID: "tok9", OrganizationID: "fbs", Role: store.RoleEditor}, nil},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := a.CreateToken(ctx, tt.tok)
			var fe *aidmap.FieldError
			switch {
			case err == nil:
				t.Fatalf("CreateToken: got no error")
			case tt.want == nil && !errors.As(err, &fe):
				t.Fatalf("CreateToken: got %v, want a *aidmap.FieldError", err)
			case tt.want != nil:
				checkErr(t, "CreateToken", err, tt.want)
			}
		})
	}

	got, err := a.TokenByHash(ctx, hashOf("a"))
	checkErr(t, "TokenByHash", err, nil)
	if got != editor {
		t.Errorf("TokenByHash: got %+v, want %+v", got, editor)
	}
	_, err = a.TokenByHash(ctx, hashOf("nope"))
	checkErr(t, "TokenByHash(unknown)", err, aidmap.ErrNotFound)

	list, err := a.Tokens(ctx, "")
	checkErr(t, "Tokens", err, nil)
	if ids := tokenIDs(list); !slices.Equal(ids, []string{"tok1", "tok2", "tok3"}) {
		t.Errorf("Tokens(all): got %v, want [tok1 tok2 tok3]", ids)
	}
	list, err = a.Tokens(ctx, "fbs")
	checkErr(t, "Tokens(fbs)", err, nil)
	if ids := tokenIDs(list); !slices.Equal(ids, []string{"tok1"}) {
		t.Errorf("Tokens(fbs): got %v, want [tok1]", ids)
	}

	checkErr(t, "RevokeToken", a.RevokeToken(ctx, "tok1", Base.Add(time.Hour)), nil)
	checkErr(t, "RevokeToken again", a.RevokeToken(ctx, "tok1", Base.Add(2*time.Hour)), nil)
	checkErr(t, "RevokeToken(unknown)", a.RevokeToken(ctx, "nope", Base), aidmap.ErrNotFound)
	got, err = a.TokenByHash(ctx, hashOf("a"))
	checkErr(t, "TokenByHash", err, nil)
	if !got.RevokedAt.Equal(Base.Add(time.Hour)) {
		t.Errorf("RevokedAt: got %v, want the first revocation %v", got.RevokedAt, Base.Add(time.Hour))
	}
	if got.Usable(Base) == nil {
		t.Errorf("Usable: a revoked token is usable")
	}
	tests := []struct {
		name   string
		tok    store.Token
		now    time.Time
		usable bool
		org    string
		allows bool
	}{
		{"editor in time", editor, Base, true, "fbs", true},
		{"editor of another organisation", editor, Base, true, "other", false},
		{"editor expired", editor, editor.ExpiresAt, false, "fbs", true},
		{"deployment admin", admin, Base.Add(1000 * time.Hour), true, "other", true},
		{"organisation admin", other, Base, true, "fbs", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tok.Usable(tt.now) == nil; got != tt.usable {
				t.Errorf("Usable: got %v, want %v", got, tt.usable)
			}
			if got := tt.tok.Allows(tt.org); got != tt.allows {
				t.Errorf("Allows(%q): got %v, want %v", tt.org, got, tt.allows)
			}
		})
	}
}

func tokenIDs(ts []store.Token) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func testUploadRecords(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	rec := store.UploadRecord{ID: "up1", OrganizationID: "fbs", TokenID: "tok1", Status: store.UploadQueued,
		Mode: "merge", Filename: "sites.csv", CreatedAt: Base}
	checkErr(t, "PutUploadRecord", a.PutUploadRecord(ctx, rec), nil)
	rec.Status = store.UploadDone
	rec.StartedAt, rec.FinishedAt = Base.Add(time.Second), Base.Add(2*time.Second)
	rec.Created, rec.Updated, rec.Unchanged, rec.Retired, rec.Rejected = 1, 2, 3, 4, 5
	rec.Report = json.RawMessage(`{"rows": [{"row": 2, "reason": "no name — «»"}]}`)
	checkErr(t, "PutUploadRecord (update)", a.PutUploadRecord(ctx, rec), nil)
	later := store.UploadRecord{ID: "up2", OrganizationID: "fbs", TokenID: "tok1", Status: store.UploadFailed,
		Mode: "replace", DryRun: true, Error: "row 3: bad", CreatedAt: Base.Add(time.Minute)}
	checkErr(t, "PutUploadRecord", a.PutUploadRecord(ctx, later), nil)
	checkErr(t, "PutUploadRecord", a.PutUploadRecord(ctx, store.UploadRecord{ID: "up3", OrganizationID: "other", CreatedAt: Base}), nil)

	got, err := a.UploadRecord(ctx, "fbs", "up1")
	checkErr(t, "UploadRecord", err, nil)
	if fmt.Sprint(got) != fmt.Sprint(rec) {
		t.Errorf("UploadRecord: got %+v, want %+v", got, rec)
	}
	_, err = a.UploadRecord(ctx, "other", "up1")
	checkErr(t, "UploadRecord of another organisation", err, aidmap.ErrNotFound)

	list, err := a.UploadRecords(ctx, "fbs", 10)
	checkErr(t, "UploadRecords", err, nil)
	if len(list) != 2 || list[0].ID != "up2" || list[1].ID != "up1" || list[1].Report != nil || list[1].Created != 1 {
		t.Errorf("UploadRecords: got %+v, want up2 then up1 without report", list)
	}
	list, err = a.UploadRecords(ctx, "fbs", 1)
	checkErr(t, "UploadRecords(limit 1)", err, nil)
	if len(list) != 1 {
		t.Errorf("UploadRecords(limit 1): got %d, want 1", len(list))
	}
	_, err = a.UploadRecords(ctx, "fbs", 0)
	checkErr(t, "UploadRecords(limit 0)", err, aidmap.ErrInvalid)
}

// upload runs one upload with an actor and fails the test on error.
func upload(t *testing.T, s store.Store, id string, opts store.UploadOptions, add []aidmap.Site, retire ...string) store.UploadResult {
	t.Helper()
	ctx := context.Background()
	opts.Actor, opts.UploadID = "tok1", id
	if opts.Now.IsZero() {
		opts.Now = Base.Add(time.Hour)
	}
	u, err := s.BeginUpload(ctx, "fbs", opts)
	checkErr(t, "BeginUpload", err, nil)
	defer u.Rollback(ctx)
	checkErr(t, "Add", u.Add(ctx, add), nil)
	checkErr(t, "Retire", u.Retire(ctx, retire), nil)
	res, err := u.Commit(ctx)
	checkErr(t, "Commit", err, nil)
	return res
}

func siteJSON(t *testing.T, s aidmap.Site) string {
	t.Helper()
	b, err := store.MarshalHistory(&s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testHistory(t *testing.T, s store.Store, a store.Accounts) {
	ctx := context.Background()
	sites := Sites("fbs", "s", 3)
	upload(t, s, "up1", store.UploadOptions{}, sites)

	// No actor, no history; a dry run keeps none either.
	mustUpsert(t, s, "fbs", Sites("fbs", "quiet", 1))
	changed := sites[0]
	changed.Status = aidmap.StatusTemporarilyClosed
	upload(t, s, "dry", store.UploadOptions{DryRun: true}, []aidmap.Site{changed})

	// up2 updates s0, leaves s1 unchanged, retires s2 (and not quiet0: Retire names only s2).
	upload(t, s, "up2", store.UploadOptions{Now: Base.Add(2 * time.Hour)}, []aidmap.Site{changed, sites[1]}, sites[2].ID)

	all, err := a.History(ctx, "fbs", store.HistoryQuery{})
	checkErr(t, "History", err, nil)
	type entry struct{ upload, site, kind string }
	var got []entry
	for _, h := range all {
		got = append(got, entry{h.UploadID, h.SiteID, h.Kind()})
		if h.Actor != "tok1" || h.OrganizationID != "fbs" {
			t.Errorf("entry %d: actor %q org %q, want tok1 fbs", h.ID, h.Actor, h.OrganizationID)
		}
	}
	slices.SortFunc(got, func(x, y entry) int { return strings.Compare(x.upload+x.site, y.upload+y.site) })
	want := []entry{
		{"up1", sites[0].ID, "created"}, {"up1", sites[1].ID, "created"}, {"up1", sites[2].ID, "created"},
		{"up2", sites[0].ID, "updated"}, {"up2", sites[2].ID, "retired"},
	}
	slices.SortFunc(want, func(x, y entry) int { return strings.Compare(x.upload+x.site, y.upload+y.site) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("History: got %v, want %v", got, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Errorf("History is not newest first: %d after %d", all[i].ID, all[i-1].ID)
		}
	}

	// Before and after are the sites exactly.
	bySite, err := a.History(ctx, "fbs", store.HistoryQuery{SiteID: sites[0].ID, UploadID: "up2"})
	checkErr(t, "History(site, upload)", err, nil)
	if len(bySite) != 1 {
		t.Fatalf("History(site, upload): got %d entries, want 1", len(bySite))
	}
	h := bySite[0]
	if string(h.Before) != siteJSON(t, sites[0]) || string(h.After) != siteJSON(t, changed) {
		t.Errorf("entry: before %s after %s, want %s and %s", h.Before, h.After, siteJSON(t, sites[0]), siteJSON(t, changed))
	}
	if !h.At.Equal(Base.Add(2 * time.Hour)) {
		t.Errorf("At: got %v, want %v", h.At, Base.Add(2*time.Hour))
	}
	retired, err := a.History(ctx, "fbs", store.HistoryQuery{SiteID: sites[2].ID, UploadID: "up2"})
	checkErr(t, "History(retired)", err, nil)
	var after aidmap.Site
	if len(retired) != 1 || json.Unmarshal(retired[0].After, &after) != nil || after.Status != aidmap.StatusRetired ||
		string(retired[0].Before) != siteJSON(t, sites[2]) {
		t.Errorf("retired entry: got %+v", retired)
	}

	// Paging and other organisations.
	page, err := a.History(ctx, "fbs", store.HistoryQuery{Limit: 2})
	checkErr(t, "History(limit 2)", err, nil)
	rest, err := a.History(ctx, "fbs", store.HistoryQuery{BeforeID: page[1].ID})
	checkErr(t, "History(before)", err, nil)
	if len(page) != 2 || len(rest) != 3 {
		t.Errorf("paging: got %d then %d, want 2 then 3", len(page), len(rest))
	}
	none, err := a.History(ctx, "other", store.HistoryQuery{})
	checkErr(t, "History(other)", err, nil)
	if len(none) != 0 {
		t.Errorf("History(other): got %d entries, want none", len(none))
	}
}

func testRollback(t *testing.T, s store.Store, a store.Accounts) {
	ctx := context.Background()
	sites := Sites("fbs", "s", 3)
	upload(t, s, "up1", store.UploadOptions{}, sites[:2])
	changed := sites[0]
	changed.Hours = aidmap.Hours{Notes: "Closed until further notice"}
	// up2 updates s0, creates s2, and (replace) retires s1.
	upload(t, s, "up2", store.UploadOptions{RetireMissing: true}, []aidmap.Site{changed, sites[2]})
	if got := mustSite(t, s, sites[1].ID); got.Status != aidmap.StatusRetired {
		t.Fatalf("s1 after replace: status %s, want retired", got.Status)
	}

	_, err := store.Rollback(ctx, s, a, "fbs", "nope", "rb0", "tok1")
	checkErr(t, "Rollback(unknown)", err, aidmap.ErrNotFound)

	res, err := store.Rollback(ctx, s, a, "fbs", "up2", "rb1", "tok1")
	checkErr(t, "Rollback", err, nil)
	if res.Updated != 2 || res.Retired != 1 || res.Created != 0 {
		t.Errorf("Rollback: got %+v, want 2 updated (s0, s1) and 1 retired (s2)", res)
	}
	checkSite(t, "s0", mustSite(t, s, sites[0].ID), sites[0])
	checkSite(t, "s1", mustSite(t, s, sites[1].ID), sites[1])
	if got := mustSite(t, s, sites[2].ID); got.Status != aidmap.StatusRetired {
		t.Errorf("s2 (created by up2): status %s, want retired", got.Status)
	}
	hist, err := a.History(ctx, "fbs", store.HistoryQuery{UploadID: "rb1"})
	checkErr(t, "History(rb1)", err, nil)
	if len(hist) != 3 {
		t.Errorf("History(rb1): got %d entries, want 3", len(hist))
	}

	// up2 is undone now: undoing it again would overwrite the rollback's own changes.
	_, err = store.Rollback(ctx, s, a, "fbs", "up2", "rb2", "tok1")
	checkErr(t, "Rollback twice", err, aidmap.ErrConflict)
	// A rollback is not rolled back.
	_, err = store.Rollback(ctx, s, a, "fbs", "rb1", "rb2", "tok1")
	checkErr(t, "Rollback of a rollback", err, aidmap.ErrConflict)

	// up3 changes s0 again: up1 cannot be undone under it, and the error names s0.
	again := sites[0]
	again.Phone = "+1 604 555 0199"
	upload(t, s, "up3", store.UploadOptions{}, []aidmap.Site{again})
	_, err = store.Rollback(ctx, s, a, "fbs", "up1", "rb3", "tok1")
	checkErr(t, "Rollback of an overwritten upload", err, store.ErrLaterChanges)
	if err == nil || !strings.Contains(err.Error(), sites[0].ID) || strings.Contains(err.Error(), sites[1].ID) {
		t.Errorf("Rollback error %v names not exactly %s", err, sites[0].ID)
	}
	// Undone newest first, up3 then up1 (up2 and its rollback no longer count): up1's sites
	// are retired, as before it.
	_, err = store.Rollback(ctx, s, a, "fbs", "up3", "rb3", "tok1")
	checkErr(t, "Rollback(up3)", err, nil)
	checkSite(t, "s0 after undoing up3", mustSite(t, s, sites[0].ID), sites[0])
	res, err = store.Rollback(ctx, s, a, "fbs", "up1", "rb4", "tok1")
	checkErr(t, "Rollback(up1)", err, nil)
	if res.Retired != 2 {
		t.Errorf("Rollback(up1): got %+v, want 2 retired", res)
	}
	for _, site := range sites[:2] {
		if got := mustSite(t, s, site.ID); got.Status != aidmap.StatusRetired {
			t.Errorf("%s after undoing up1: status %s, want retired", site.ExternalID, got.Status)
		}
	}
	// Another organisation cannot roll it back: it has no history there.
	_, err = store.Rollback(ctx, s, a, "other", "up2", "rb4", "tok3")
	checkErr(t, "Rollback from another organisation", err, aidmap.ErrNotFound)
}

// testRollbackRacesUpload checks that a rollback and an upload of the same organisation are
// serialised by the store, with the rollback's check in its own transaction: a rollback begun
// while a later upload that changes the same site is still open waits for it, then refuses
// (ErrConflict) instead of restoring the site over the upload; and an upload's uploads answer
// ChangedLater inside their transaction (store.LaterChanger).
func testRollbackRacesUpload(t *testing.T, s store.Store, a store.Accounts) {
	ctx := context.Background()
	sites := Sites("fbs", "s", 2)
	upload(t, s, "up1", store.UploadOptions{}, sites)

	u, err := s.BeginUpload(ctx, "fbs", store.UploadOptions{Actor: "tok1", UploadID: "up2", Now: Base.Add(2 * time.Hour)})
	checkErr(t, "BeginUpload(up2)", err, nil)
	defer u.Rollback(ctx)
	if _, ok := u.(store.LaterChanger); !ok {
		t.Errorf("%T does not answer ChangedLater in its transaction (store.LaterChanger)", u)
	}
	changed := sites[0]
	changed.Name += " (moved)"
	checkErr(t, "Add(up2)", u.Add(ctx, []aidmap.Site{changed}), nil)

	done := make(chan error, 1)
	go func() {
		_, err := store.Rollback(ctx, s, a, "fbs", "up1", "rb1", "tok1")
		done <- err
	}()
	// Give the rollback a chance to run ahead of the upload's commit (it must wait for it).
	time.Sleep(50 * time.Millisecond)
	_, err = u.Commit(ctx)
	checkErr(t, "Commit(up2)", err, nil)
	checkErr(t, "Rollback(up1) racing up2", <-done, aidmap.ErrConflict)
	checkSite(t, "s0 after the race", mustSite(t, s, sites[0].ID), changed)
	checkSite(t, "s1 after the race", mustSite(t, s, sites[1].ID), sites[1])
}

// testAbandonUploads checks that uploads left queued or running without a recent heartbeat
// become abandoned with the reason, and that those with a fresh one, and finished ones, stay.
func testAbandonUploads(t *testing.T, s store.Store, a store.Accounts) {
	ctx := context.Background()
	recs := []store.UploadRecord{
		{ID: "old-running", Status: store.UploadRunning, CreatedAt: Base, StartedAt: Base},
		{ID: "old-queued", Status: store.UploadQueued, CreatedAt: Base},
		{ID: "beating", Status: store.UploadRunning, CreatedAt: Base, StartedAt: Base},
		{ID: "new-queued", Status: store.UploadQueued, CreatedAt: Base.Add(time.Hour)},
		{ID: "finished", Status: store.UploadDone, CreatedAt: Base, StartedAt: Base, FinishedAt: Base},
	}
	for _, r := range recs {
		r.OrganizationID, r.TokenID, r.Mode = "fbs", "tok1", "merge"
		checkErr(t, "PutUploadRecord", a.PutUploadRecord(ctx, r), nil)
	}
	checkErr(t, "TouchUploads", a.TouchUploads(ctx, []string{"beating", "unknown"}, Base.Add(time.Hour)), nil)
	now := Base.Add(time.Hour + time.Minute)
	n, err := a.AbandonUploads(ctx, Base.Add(30*time.Minute), now, "the server stopped")
	checkErr(t, "AbandonUploads", err, nil)
	if n != 2 {
		t.Errorf("AbandonUploads: got %d, want 2", n)
	}
	for id, want := range map[string]string{"old-running": store.UploadAbandoned, "old-queued": store.UploadAbandoned,
		"beating": store.UploadRunning, "new-queued": store.UploadQueued, "finished": store.UploadDone} {
		r, err := a.UploadRecord(ctx, "fbs", id)
		checkErr(t, "UploadRecord("+id+")", err, nil)
		if r.Status != want {
			t.Errorf("%s: status %s, want %s", id, r.Status, want)
		}
		if want == store.UploadAbandoned && (r.Error != "the server stopped" || !r.FinishedAt.Equal(now)) {
			t.Errorf("%s: error %q finished %v, want the reason and %v", id, r.Error, r.FinishedAt, now)
		}
	}
}
