package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/internal/pgtest"
	"github.com/aidmap/aidmap/store/postgis"
)

// These tests run aidmap against real PostgreSQL+PostGIS clusters of their own (internal/pgtest),
// so they can stop and start the server without disturbing other tests.

// waitUntil polls cond until it holds or the (generous) deadline passes. It returns how long
// it took, for the log: speed is reported, never asserted.
func waitUntil(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	return waitUntilWithin(t, what, 30*time.Second, cond)
}

// waitUntilWithin is waitUntil with a bound for conditions that take real work first (a
// batch of 100,000 sites written by a race-detector binary on a busy CI machine).
func waitUntilWithin(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func siteCount(base string) int {
	var info infoJSON
	resp, err := http.Get(base + "/api/v1/info")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	if err := jsonDecode(resp, &info); err != nil {
		return -1
	}
	return info.Sites
}

func TestPostGISReplicas(t *testing.T) {
	c := pgtest.Start(t)
	url := c.URL("aidmap")
	// Two replicas on one database; the first seeds the demo data.
	a := startServer(t, "--database-url", url, "--demo-sites", "100")
	b := startServer(t, "--database-url", url, "--demo=true", "--demo-sites", "100")
	if na, nb := siteCount(a), siteCount(b); na != 100 || nb != 100 {
		t.Fatalf("got %d and %d sites, want 100 in both replicas (seeded once)", na, nb)
	}

	// A writer (here the store itself, as the ingest command or an upload will be) adds sites.
	ctx := context.Background()
	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	extra := demo.Sites(130, 1)[100:]
	if _, err := st.UpsertSites(ctx, "demo", extra); err != nil {
		t.Fatal(err)
	}
	took := waitUntil(t, "both replicas see the new sites", func() bool { return siteCount(a) == 130 && siteCount(b) == 130 })
	t.Logf("both replicas saw a write after %v", took)

	var s siteJSON
	if resp := getJSON(t, b, "/api/v1/sites/"+extra[0].ID, &s); resp.StatusCode != 200 || s.Name != extra[0].Name {
		t.Fatalf("replica b: got %d %+v, want the new site", resp.StatusCode, s)
	}
}

func TestPostGISOutage(t *testing.T) {
	c := pgtest.Start(t)
	url := c.URL("aidmap")
	// --rate-limit 0: four readers in a loop are a load generator, not people.
	base := startServer(t, "--database-url", url, "--demo-sites", "200", "--rate-limit", "0")

	// A steady read load for the whole test: not one read may fail.
	var (
		reads, failed atomic.Int64
		stop          = make(chan struct{})
		wg            sync.WaitGroup
		firstErr      atomic.Pointer[string]
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := []string{
					"/api/v1/sites/nearest?lat=49.28&lon=-123.1&limit=10",
					"/api/v1/sites?lat=49.26&lon=-123.1&radius_m=3000&limit=20",
					"/api/v1/sites?bbox=-123.3,49.1,-122.8,49.4&limit=50",
				}[i%3]
				resp, err := client.Get(base + path)
				reads.Add(1)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					if err == nil {
						err = fmt.Errorf("%s: status %d", path, resp.StatusCode)
					}
					msg := err.Error()
					firstErr.CompareAndSwap(nil, &msg)
				}
				if resp != nil {
					resp.Body.Close()
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	ready := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	c.Stop()
	waitUntil(t, "readyz reports the outage", func() bool { return ready() == http.StatusServiceUnavailable })
	time.Sleep(2 * time.Second) // reads go on against the index alone

	c.Start()
	waitUntil(t, "readyz recovers", func() bool { return ready() == http.StatusOK })

	// The replica caught up on its own: a write after recovery shows up without a restart.
	ctx := context.Background()
	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UpsertSites(ctx, "demo", demo.Sites(210, 1)[200:]); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the replica sees a write made after the outage", func() bool { return siteCount(base) == 210 })

	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		first := ""
		if p := firstErr.Load(); p != nil {
			first = *p
		}
		t.Fatalf("%d of %d reads failed during the outage; first: %s", n, reads.Load(), first)
	}
	t.Logf("%d reads, none failed, across a database outage", reads.Load())
}

// TestPostGISKilledImport kills an import in the middle of writing and checks that the data
// written before is intact and that running the import again applies cleanly.
func TestPostGISKilledImport(t *testing.T) {
	c := pgtest.Start(t)
	url := c.URL("aidmap")
	ctx := context.Background()
	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org := demo.Organization()
	if err := st.UpsertOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	before := demo.Sites(50, 9)
	if _, err := st.UpsertSites(ctx, "demo", before); err != nil {
		t.Fatal(err)
	}

	// A dump of a large set, written by the SQLite store through the real commands.
	dir := t.TempDir()
	dump := filepath.Join(dir, "big.ndjson")
	big := filepath.Join(dir, "big")
	seed := exec.Command(binary, "migrate", "--data-dir", big)
	seed.Env = cleanEnv()
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// More than two of Import's batches (100,000 sites each), so that when the first batch is
	// seen committed, the next one is being written.
	const n = 230_000
	writeWorldDump(t, big, dump, n)

	imp := exec.Command(binary, "import", "--database-url", url, dump)
	imp.Env = cleanEnv()
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once its first batch has committed (the version moves): the next is in flight.
	waitUntilWithin(t, "the import starts writing", 3*time.Minute, func() bool {
		v, err := st.Version(ctx)
		return err == nil && v > int64(len(before))
	})
	_ = imp.Process.Signal(syscall.SIGKILL)
	_ = imp.Wait()

	for _, s := range before {
		got, err := st.Site(ctx, s.ID)
		if err != nil || got.Name != s.Name || got.Lat != s.Lat {
			t.Fatalf("site %s after the kill: got %+v, %v", s.ID, got.Name, err)
		}
	}
	// Each batch is all-or-nothing: the one in flight left nothing behind.
	mid := 0
	if _, err := st.EachSite(ctx, func(aidmap.Site) error { mid++; return nil }); err != nil {
		t.Fatal(err)
	}
	if written := mid - len(before); written <= 0 || written >= n || written%100_000 != 0 {
		t.Fatalf("after the kill: %d sites written by the import, want whole batches of 100000 and fewer than %d", written, n)
	}
	again := exec.Command(binary, "import", "--database-url", url, dump)
	again.Env = cleanEnv()
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("import after the kill: %v\n%s", err, out)
	}
	got := 0
	if _, err := st.EachSite(ctx, func(aidmap.Site) error { got++; return nil }); err != nil {
		t.Fatal(err)
	}
	if got != len(before)+n {
		t.Fatalf("got %d sites after the second import, want %d", got, len(before)+n)
	}
}

// writeWorldDump writes a dump of n generated sites (organisation "bench") to path, through a
// SQLite store in dir and `aidmap export`.
func writeWorldDump(t *testing.T, dir, path string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := openSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertOrganization(ctx, aidmap.Organization{ID: "bench", Name: "Bench"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertSites(ctx, "bench", demo.World(n, 3)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	exp := exec.Command(binary, "export", "--data-dir", dir, "--out", path)
	exp.Env = cleanEnv()
	if out, err := exp.CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
}

func TestPostGISConfigErrors(t *testing.T) {
	if reason := pgtest.Available(); reason != "" && os.Getenv("CI") == "" {
		t.Skip(reason)
	}
	c := pgtest.Start(t)
	for _, tc := range []struct {
		name, url, want string
	}{
		{"nothing listening", "postgres://aidmap@127.0.0.1:1/aidmap?sslmode=disable&connect_timeout=2", "127.0.0.1"},
		{"wrong database", strings.Replace(c.URL("aidmap"), "/aidmap?", "/nosuchdb?", 1), "nosuchdb"},
		{"not a URL", "postgres://%zz", "database URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, "migrate", "--database-url", tc.url)
			cmd.Env = cleanEnv()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("got %v, want exit status 1\n%s", err, out)
			}
			if strings.Contains(string(out), "goroutine") || !strings.Contains(string(out), tc.want) || strings.Count(strings.TrimSpace(string(out)), "\n") > 2 {
				t.Errorf("want a short message mentioning %q, got:\n%s", tc.want, out)
			}
		})
	}
}
