package web

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store"
)

// TestUploadRecordShared checks that an upload's record is in the store from the moment it is
// accepted: a second server on the same store (another replica) answers its status, and it
// lists it.
func TestUploadRecordShared(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	// Replica B: another server on the same store.
	src := snapshot{ix: geo.NewIndex(demo.Sites(10, 7), 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	b := httptest.NewServer(NewServer(Config{Source: src, Store: e.st, Uploads: Uploads{Store: e.st}}).Handler())
	defer b.Close()

	resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads", "fbs", "text/csv", []byte(uploadCSV))
	if resp.StatusCode != 202 {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	var acc struct{ ID string }
	json.Unmarshal(body, &acc)
	// Whatever the runner on A has got to, B knows the upload at once.
	rec, err := e.st.UploadRecord(context.Background(), "fbs", acc.ID)
	if err != nil {
		t.Fatalf("the record is not in the store once accepted: %v", err)
	}
	if rec.Status != store.UploadQueued && rec.Status != store.UploadRunning && rec.Status != store.UploadDone {
		t.Errorf("accepted upload: status %s", rec.Status)
	}
	e.server.WaitUploads(context.Background())
	for _, path := range []string{"/api/v1/orgs/fbs/uploads/" + acc.ID, "/api/v1/orgs/fbs/uploads"} {
		req := httptest.NewRequest("GET", b.URL+path, nil)
		req.RequestURI = ""
		req.Header.Set("Authorization", "Bearer "+e.secrets["fbsadmin"])
		r, err := b.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		json.NewDecoder(r.Body).Decode(&got)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.Contains(mustJSON(got), acc.ID) {
			t.Errorf("replica B GET %s: %d %v", path, r.StatusCode, got)
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestAbandonedUploads checks that an upload left running by a process that stopped becomes
// abandoned with the reason when a server sweeps, and that rolling it back says so (409,
// not "is running").
func TestAbandonedUploads(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	ctx := context.Background()
	dead := store.UploadRecord{ID: "up_dead", OrganizationID: "fbs", TokenID: "tok", Status: store.UploadRunning,
		Mode: "replace", CreatedAt: testNow.Add(-time.Hour), StartedAt: testNow.Add(-time.Hour)}
	live := dead
	live.ID, live.CreatedAt, live.StartedAt = "up_live", testNow, testNow
	for _, r := range []store.UploadRecord{dead, live} {
		if err := e.st.PutUploadRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.server.SweepUploads(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SweepUploads: %d %v, want 1", n, err)
	}
	got := e.finished("fbs", "fbs", "up_dead")
	if got.Status != store.UploadAbandoned || !strings.Contains(got.Error, "nothing of it was written") {
		t.Errorf("dead upload: %s %q, want abandoned with the reason", got.Status, got.Error)
	}
	if r, _ := e.st.UploadRecord(ctx, "fbs", "up_live"); r.Status != store.UploadRunning {
		t.Errorf("an upload with a fresh start was abandoned: %s", r.Status)
	}
	resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_dead/rollback", "fbs", "", nil)
	if resp.StatusCode != 409 || !strings.Contains(string(body), "abandoned") || strings.Contains(string(body), "is running") {
		t.Errorf("rollback of an abandoned upload: %d %s", resp.StatusCode, body)
	}
}
