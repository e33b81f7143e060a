package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

func queued(id string, at time.Time) store.UploadRecord {
	return store.UploadRecord{ID: id, OrganizationID: "fbs", TokenID: "tok1", Status: store.UploadQueued,
		Mode: "merge", Filename: id + ".csv", CreatedAt: at}
}

// testQueueUpload checks that a queued upload is stored with its file, claimed oldest first
// exactly once, that records without a file are never claimed, that the queue bound holds,
// and that finishing deletes the file.
func testQueueUpload(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	now := Base.Add(time.Hour)
	checkErr(t, "QueueUpload(not queued)", a.QueueUpload(ctx, store.UploadRecord{ID: "x", OrganizationID: "fbs",
		Status: store.UploadRunning, CreatedAt: Base}, store.UploadFile{Body: []byte("x")}, 0), aidmap.ErrInvalid)
	// A record of the old kind, queued without a file: nobody can run it.
	checkErr(t, "PutUploadRecord", a.PutUploadRecord(ctx, queued("nofile", Base)), nil)
	for i, id := range []string{"second", "first", "third"} {
		at := Base.Add(time.Duration([]int{2, 1, 3}[i]) * time.Second)
		body := []byte("name,lat,lon\n" + id + ",49,-123\n\x00\xff") // bytes, not text
		checkErr(t, "QueueUpload("+id+")", a.QueueUpload(ctx, queued(id, at), store.UploadFile{Body: body, ConfirmRetire: i}, 0), nil)
		r, err := a.UploadRecord(ctx, "fbs", id)
		checkErr(t, "UploadRecord("+id+")", err, nil)
		if r.Status != store.UploadQueued || r.Filename != id+".csv" {
			t.Errorf("%s once queued: %+v", id, r)
		}
	}
	checkErr(t, "QueueUpload over the bound", a.QueueUpload(ctx, queued("fourth", Base.Add(4*time.Second)),
		store.UploadFile{Body: []byte("x")}, 4), store.ErrQueueFull) // nofile, first, second, third
	if _, err := a.UploadRecord(ctx, "fbs", "fourth"); !errors.Is(err, aidmap.ErrNotFound) {
		t.Errorf("an upload refused by the bound was stored: %v", err)
	}
	for i, want := range []string{"first", "second", "third"} {
		rec, file, err := a.ClaimUpload(ctx, now)
		checkErr(t, "ClaimUpload", err, nil)
		wantBody := "name,lat,lon\n" + want + ",49,-123\n\x00\xff"
		if rec.ID != want || rec.Status != store.UploadRunning || !rec.StartedAt.Equal(now) ||
			!bytes.Equal(file.Body, []byte(wantBody)) || file.ConfirmRetire != []int{1, 0, 2}[i] {
			t.Errorf("claim %d: got %s %s started %v, file %q confirm %d; want %s running at %v with its file",
				i, rec.ID, rec.Status, rec.StartedAt, file.Body, file.ConfirmRetire, want, now)
		}
		if r, _ := a.UploadRecord(ctx, "fbs", want); r.Status != store.UploadRunning {
			t.Errorf("%s after its claim: status %s, want running", want, r.Status)
		}
	}
	_, _, err := a.ClaimUpload(ctx, now)
	checkErr(t, "ClaimUpload of an empty queue", err, aidmap.ErrNotFound)

	// Finishing deletes the file: a finished upload cannot come back.
	done, err := a.UploadRecord(ctx, "fbs", "first")
	checkErr(t, "UploadRecord", err, nil)
	done.Status, done.FinishedAt, done.Created = store.UploadDone, now, 1
	checkErr(t, "FinishUpload", a.FinishUpload(ctx, done), nil)
	if r, _ := a.UploadRecord(ctx, "fbs", "first"); r.Status != store.UploadDone || r.Created != 1 {
		t.Errorf("finished: %+v", r)
	}
	n, err := a.AbandonUploads(ctx, now.Add(time.Hour), now.Add(time.Hour), "stopped")
	checkErr(t, "AbandonUploads", err, nil)
	if n != 3 { // second, third (running) and nofile (queued without a file)
		t.Errorf("AbandonUploads: %d, want 3", n)
	}
	_, err = a.RetryUpload(ctx, "fbs", "first")
	checkErr(t, "RetryUpload(done)", err, aidmap.ErrConflict)
	_, err = a.RetryUpload(ctx, "fbs", "nofile")
	checkErr(t, "RetryUpload(abandoned, no file)", err, aidmap.ErrConflict)
}

// testClaimUploadRace checks that uploads claimed by many callers at once are each claimed
// exactly once, and that queued uploads with a file are never abandoned (any runner takes them).
func testClaimUploadRace(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	const n = 24
	for i := range n {
		id := fmt.Sprintf("up%02d", i)
		checkErr(t, "QueueUpload", a.QueueUpload(ctx, queued(id, Base.Add(time.Duration(i)*time.Millisecond)),
			store.UploadFile{Body: []byte(id)}, 0), nil)
	}
	if n, err := a.AbandonUploads(ctx, Base.Add(time.Hour), Base.Add(time.Hour), "stopped"); err != nil || n != 0 {
		t.Fatalf("AbandonUploads of queued uploads with their files: %d %v, want 0", n, err)
	}
	var (
		mu      sync.Mutex
		claimed = map[string]int{}
		wg      sync.WaitGroup
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				rec, file, err := a.ClaimUpload(ctx, Base.Add(time.Hour))
				if errors.Is(err, aidmap.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("ClaimUpload: %v", err)
					return
				}
				if string(file.Body) != rec.ID {
					t.Errorf("claimed %s with the file of %q", rec.ID, file.Body)
				}
				mu.Lock()
				claimed[rec.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("claimed %d uploads, want %d", len(claimed), n)
	}
	for id, c := range claimed {
		if c != 1 {
			t.Errorf("%s claimed %d times", id, c)
		}
	}
}

// testRetryDismissUpload checks that an abandoned upload keeps its file and can be put back in
// the queue (and claimed again, file and all), or dismissed (and then neither retried nor
// dismissed again); another organisation's upload is not found.
func testRetryDismissUpload(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	now := Base.Add(time.Hour)
	for _, id := range []string{"a", "b"} {
		checkErr(t, "QueueUpload", a.QueueUpload(ctx, queued(id, Base), store.UploadFile{Body: []byte("file " + id), ConfirmRetire: 7, Verify: id == "a"}, 0), nil)
		_, _, err := a.ClaimUpload(ctx, Base)
		checkErr(t, "ClaimUpload", err, nil)
	}
	_, err := a.RetryUpload(ctx, "fbs", "a")
	checkErr(t, "RetryUpload(running)", err, aidmap.ErrConflict)
	n, err := a.AbandonUploads(ctx, Base.Add(time.Minute), now, "the server stopped")
	checkErr(t, "AbandonUploads", err, nil)
	if n != 2 {
		t.Fatalf("AbandonUploads: %d, want 2", n)
	}
	_, err = a.RetryUpload(ctx, "other", "a")
	checkErr(t, "RetryUpload(another organisation's)", err, aidmap.ErrNotFound)
	_, err = a.DismissUpload(ctx, "fbs", "nosuch", now)
	checkErr(t, "DismissUpload(unknown)", err, aidmap.ErrNotFound)

	rec, err := a.RetryUpload(ctx, "fbs", "a")
	checkErr(t, "RetryUpload", err, nil)
	if rec.Status != store.UploadQueued || rec.Error != "" || !rec.StartedAt.IsZero() || !rec.FinishedAt.IsZero() {
		t.Errorf("retried: %+v, want queued without start, end or error", rec)
	}
	rec, file, err := a.ClaimUpload(ctx, now)
	checkErr(t, "ClaimUpload(retried)", err, nil)
	if rec.ID != "a" || string(file.Body) != "file a" || file.ConfirmRetire != 7 || !file.Verify {
		t.Errorf("claimed after retry: %s %q %d, want a with its file", rec.ID, file.Body, file.ConfirmRetire)
	}

	rec, err = a.DismissUpload(ctx, "fbs", "b", now)
	checkErr(t, "DismissUpload", err, nil)
	if rec.Status != store.UploadDismissed || !rec.FinishedAt.Equal(now) {
		t.Errorf("dismissed: %+v", rec)
	}
	_, err = a.DismissUpload(ctx, "fbs", "b", now)
	checkErr(t, "DismissUpload twice", err, aidmap.ErrConflict)
	_, err = a.RetryUpload(ctx, "fbs", "b")
	checkErr(t, "RetryUpload(dismissed)", err, aidmap.ErrConflict)
}
