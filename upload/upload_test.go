package upload

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.UpsertOrganization(context.Background(), aidmap.Organization{ID: "fbs", Name: "Food Bank Society"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitFor polls the upload's record until cond holds; the deadline only guards against a hang.
func waitFor(t *testing.T, st Store, id string, cond func(store.UploadRecord) bool) store.UploadRecord {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec, err := st.UploadRecord(context.Background(), "fbs", id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(rec) {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload %s: still %s", id, rec.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const sitesCSV = "id,name,lat,lon,category\nA,Food Bank A,49.28,-123.12,food bank\nB,Meal Hall,49.26,-123.10,free meal\n"

func TestSubmitRuns(t *testing.T) {
	st := openStore(t)
	svc := New(Config{Store: st})
	ctx := context.Background()
	if _, err := svc.Submit(ctx, Request{Org: "fbs", Name: "sites.xlsx", Body: []byte("PK\x03\x04\x14\x00cut off")}); err == nil {
		t.Error("Submit of an unreadable file: no error")
	}
	if _, err := svc.Submit(ctx, Request{Org: "nosuch", Body: []byte(sitesCSV)}); !errors.Is(err, aidmap.ErrNotFound) {
		t.Errorf("Submit to an unknown organisation: %v, want ErrNotFound", err)
	}
	rec, err := svc.Submit(ctx, Request{Org: "fbs", TokenID: "tok", Name: "sites.csv", Body: []byte(sitesCSV)})
	if err != nil || rec.Status != store.UploadQueued {
		t.Fatalf("Submit: %+v %v", rec, err)
	}
	if err := svc.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Status(ctx, "fbs", rec.ID)
	if err != nil || got.Status != store.UploadDone || got.Created != 2 || len(got.Report) == 0 {
		t.Fatalf("after Wait: %+v %v, want done with 2 created and the report", got, err)
	}
	if _, err := st.RetryUpload(ctx, "fbs", rec.ID); !errors.Is(err, aidmap.ErrConflict) {
		t.Errorf("retry of a finished upload: %v, want ErrConflict", err)
	}
}

// stuckStore's uploads wait for their context to end: an upload that cannot finish before
// shutdown.
type stuckStore struct {
	*sqlite.Store
	started chan struct{}
}

func (s stuckStore) BeginUpload(ctx context.Context, _ string, _ store.UploadOptions) (store.Upload, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestShutdownRequeues checks that an upload a shutdown cannot wait for is stopped, wrote
// nothing, and goes back in the queue with its file, for another process to run to the end.
func TestShutdownRequeues(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	g := stuckStore{Store: st, started: make(chan struct{}, 1)}
	a := New(Config{Store: g})
	rec, err := a.Submit(ctx, Request{Org: "fbs", TokenID: "tok", Name: "sites.csv", Body: []byte(sitesCSV)})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.started:
	case <-time.After(60 * time.Second):
		t.Fatal("the upload never started")
	}
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := a.Shutdown(sctx); err == nil {
		t.Error("Shutdown with an upload still running: no error")
	}
	got := waitFor(t, st, rec.ID, func(r store.UploadRecord) bool { return r.Status != store.UploadRunning })
	if got.Status != store.UploadQueued {
		t.Fatalf("after shutdown: %s %q, want queued again", got.Status, got.Error)
	}
	if v, _ := st.Version(ctx); v != 0 {
		t.Errorf("store version %d after the stopped upload, want 0 (nothing written)", v)
	}
	// Another process (here another service on the same store) takes it and finishes it.
	b := New(Config{Store: st, PollEvery: 10 * time.Millisecond})
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	go b.Run(bctx)
	got = waitFor(t, st, rec.ID, func(r store.UploadRecord) bool { return r.Status == store.UploadDone })
	if got.Created != 2 {
		t.Errorf("run elsewhere: created %d, want 2", got.Created)
	}
}
