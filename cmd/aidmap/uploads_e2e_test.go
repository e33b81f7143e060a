package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/internal/pgtest"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
)

// replica is one `aidmap serve` process that a test may kill -9.
type replica struct {
	url    string
	cmd    *exec.Cmd
	exited chan error
	killed bool
}

// startReplica is startServer for a process the test may kill: it returns the process too.
// Unless killed, it is stopped with SIGTERM at the end of the test and must exit cleanly.
func startReplica(t *testing.T, args ...string) *replica {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		logs strings.Builder
	)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listeningURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	r := &replica{cmd: cmd, exited: make(chan error, 1)}
	go func() { r.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if r.killed {
			return
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-r.exited:
			if err != nil {
				mu.Lock()
				t.Errorf("aidmap serve did not exit cleanly on SIGTERM: %v\n%s", err, logs.String())
				mu.Unlock()
			}
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("aidmap serve did not stop within 60s of SIGTERM")
		}
	})
	select {
	case r.url = <-found:
		return r
	case err := <-r.exited:
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("aidmap serve exited before listening: %v\n%s", err, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("aidmap serve did not start listening within 2 minutes")
	}
	return nil
}

func (r *replica) kill9(t *testing.T) {
	t.Helper()
	r.killed = true
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-r.exited
}

// call sends an authorised request and decodes a JSON answer into v (when not nil).
func call(t *testing.T, method, url, token string, body []byte, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "text/csv")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// sitesCSV is n sites of the organisation; name tells versions apart.
func sitesCSV(n int, name string) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,lat,lon,category\n")
	for i := range n {
		fmt.Fprintf(&b, "S%d,%s %d,%.5f,%.5f,food bank\n", i, name, i, 49.0+float64(i%1000)*0.0005, -123.0-float64(i/1000)*0.0005)
	}
	return b.Bytes()
}

// TestPostGISUploadsOnReplicas runs two serve replicas on one PostGIS database: an upload on A
// is answered by B; A is killed (kill -9) while running a 200,000-row upload, B marks it
// abandoned and the store is unchanged; a rollback on A racing an upload on B, and racing
// `aidmap ingest`, is refused (409) and no site ends in a mixed state.
func TestPostGISUploadsOnReplicas(t *testing.T) {
	c := pgtest.Start(t)
	url := c.URL("aidmap")
	if _, errs, code := aidmapCmd(t, "org", "create", "--name", "Food Bank Society", "--slug", "fbs", "--database-url", url); code != 0 {
		t.Fatalf("org create: %s", errs)
	}
	secret, errs, code := aidmapCmd(t, "token", "create", "--org", "fbs", "--database-url", url)
	if code != 0 {
		t.Fatalf("token create: %s", errs)
	}
	tok := strings.TrimSpace(secret)
	flags := []string{"--database-url", url, "--demo=false", "--upload-rate", "-1", "--upload-stale-after", "6s"}
	a := startReplica(t, flags...)
	b := startReplica(t, flags...)
	ctx := context.Background()
	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	status := func(base, id string) store.UploadRecord {
		var rec store.UploadRecord
		if code := call(t, "GET", base+"/api/v1/orgs/fbs/uploads/"+id, tok, nil, &rec); code != 200 {
			t.Fatalf("GET upload %s: %d", id, code)
		}
		return rec
	}
	post := func(base string, body []byte) string {
		var acc struct{ ID string }
		if code := call(t, "POST", base+"/api/v1/orgs/fbs/uploads?name=sites.csv", tok, body, &acc); code != 202 {
			t.Fatalf("POST upload: %d", code)
		}
		return acc.ID
	}
	waitStatus := func(base, id string, want ...string) store.UploadRecord {
		var rec store.UploadRecord
		waitUntilWithin(t, "upload "+id+" "+strings.Join(want, "/"), 5*time.Minute, func() bool {
			rec = status(base, id)
			for _, w := range want {
				if rec.Status == w {
					return true
				}
			}
			return false
		})
		return rec
	}
	// orgLocked reports whether a writer holds an organisation's lock: the store takes it with
	// pg_advisory_xact_lock(bigint), the only advisory lock of one key (objsubid 1), so neither
	// the store-wide locks of two keys (migrations, the writer lock) nor a rollback waiting for
	// it count. A running upload is not enough: it reads its file before it takes the lock, and
	// a rollback in that window would win the race this test means to lose.
	orgLocked := func() bool {
		return c.Psql("aidmap", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted") != "0"
	}
	// mixed reports whether the first n sites are not all of one version.
	versions := func(n int) map[string]int {
		got := map[string]int{}
		for i := range n {
			s, err := st.Site(ctx, aidmap.SiteID("fbs", fmt.Sprint("S", i)))
			if err != nil {
				got["missing"]++
				continue
			}
			got[strings.Fields(s.Name)[0]+" "+string(s.Status)]++
		}
		return got
	}

	// 1. Upload on A; B answers its status and report.
	first := post(a.url, sitesCSV(3, "First"))
	rec := waitStatus(b.url, first, store.UploadDone)
	if rec.Created != 3 || len(rec.Report) == 0 {
		t.Errorf("upload on A read from B: created %d, report %d bytes; want 3 and the report", rec.Created, len(rec.Report))
	}

	// 2. A rollback on A racing a 50,000-row upload on B that changes the same sites: the
	// upload holds the organisation's lock, the rollback waits for it and is refused.
	second := post(b.url, sitesCSV(50_000, "Second"))
	// Done already also races as meant: the rollback then comes after the upload.
	waitUntilWithin(t, "upload "+second+" holds the organisation's lock", 5*time.Minute, func() bool {
		return orgLocked() || status(b.url, second).Status == store.UploadDone
	})
	var problem map[string]any
	rbCode := call(t, "POST", a.url+"/api/v1/orgs/fbs/uploads/"+first+"/rollback", tok, nil, &problem)
	rec = waitStatus(a.url, second, store.UploadDone, store.UploadFailed)
	if rec.Status != store.UploadDone {
		t.Fatalf("upload racing a rollback: %s %q", rec.Status, rec.Error)
	}
	if rbCode != 409 {
		t.Errorf("rollback racing a later upload of the same sites: %d %v, want 409", rbCode, problem)
	}
	if v := versions(3); len(v) != 1 || v["Second active"] != 3 {
		t.Errorf("after the race: sites %v, want all three as the upload left them", v)
	}

	// 3. The same with aidmap ingest as the racer, caught holding the organisation's lock.
	third := post(a.url, sitesCSV(3, "Third"))
	waitStatus(a.url, third, store.UploadDone)
	file := filepath.Join(t.TempDir(), "fourth.csv")
	if err := os.WriteFile(file, sitesCSV(50_000, "Fourth"), 0o644); err != nil {
		t.Fatal(err)
	}
	ing := exec.Command(binary, "ingest", file, "--org", "fbs", "--database-url", url, "--progress", "none")
	ing.Env = cleanEnv()
	var ingOut bytes.Buffer
	ing.Stdout, ing.Stderr = &ingOut, &ingOut
	if err := ing.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntilWithin(t, "aidmap ingest holds the organisation's lock", 5*time.Minute, orgLocked)
	rbCode = call(t, "POST", a.url+"/api/v1/orgs/fbs/uploads/"+third+"/rollback", tok, nil, &problem)
	if err := ing.Wait(); err != nil {
		t.Fatalf("aidmap ingest: %v\n%s", err, ingOut.String())
	}
	if rbCode != 409 {
		t.Errorf("rollback racing aidmap ingest of the same sites: %d %v, want 409", rbCode, problem)
	}
	if v := versions(3); len(v) != 1 || v["Fourth active"] != 3 {
		t.Errorf("after the race with ingest: sites %v, want all three as ingest left them", v)
	}

	// 4. A is killed with kill -9 while it runs a 200,000-row upload: B marks it abandoned
	// (a stale heartbeat), nothing of it is written, and it can be dismissed.
	before, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Only A may run it: B is stopped until A is dead.
	big := sitesCSV(200_000, "Killed")
	b.killed = true
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	<-b.exited
	killed := post(a.url, big)
	waitUntilWithin(t, "the big upload running on A", 5*time.Minute, func() bool {
		return status(a.url, killed).Status == store.UploadRunning
	})
	a.kill9(t)
	b = startReplica(t, flags...)
	rec = waitStatus(b.url, killed, store.UploadAbandoned)
	if !strings.Contains(rec.Error, "nothing of it was written") {
		t.Errorf("abandoned upload: error %q", rec.Error)
	}
	if after, err := st.Version(ctx); err != nil || after != before {
		t.Errorf("store version %d → %d (%v) after the killed upload, want unchanged", before, after, err)
	}
	if v := versions(3); len(v) != 1 || v["Fourth active"] != 3 {
		t.Errorf("after the kill: sites %v, want unchanged", v)
	}
	var dismissed store.UploadRecord
	if code := call(t, "POST", b.url+"/api/v1/orgs/fbs/uploads/"+killed+"/dismiss", tok, nil, &dismissed); code != 200 || dismissed.Status != store.UploadDismissed {
		t.Errorf("dismiss the abandoned upload: %d %s", code, dismissed.Status)
	}
}
