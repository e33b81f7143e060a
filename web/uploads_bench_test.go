package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/internal/pgtest"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
	"github.com/aidmap/aidmap/store/sqlite"
)

// BenchmarkUploadHTTP posts a CSV of new sites to /api/v1/orgs/{org}/uploads and waits for
// the upload to be done: the whole path (body read and checked, queued in the store with its
// file, claimed, read, written, recorded). Each iteration uploads to a new organisation, so
// every row is created. PostGIS runs on AIDMAP_TEST_DATABASE_URL when it is set, else on a
// throwaway cluster of its own (internal/pgtest; skipped when PostgreSQL is not installed). It
// reports rows/s, the process's peak RSS (VmHWM, which includes building the CSV) and the CPU
// seconds the process used per million rows (user + system, the whole process: on PostGIS the
// server's own work is not in it).
//
//	go test ./web -run '^$' -bench UploadHTTP -benchtime 1x
//	scripts/bench-upload   (1M rows on both stores, with the load average)
func BenchmarkUploadHTTP(b *testing.B) {
	var serverCPU func() time.Duration // PostGIS: the server's CPU time so far
	stores := map[string]func(b *testing.B) AccountStore{
		"sqlite": func(b *testing.B) AccountStore {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "aidmap.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		"postgis": func(b *testing.B) AccountStore {
			url := os.Getenv("AIDMAP_TEST_DATABASE_URL")
			if url == "" {
				url = pgtest.Start(b).URL("aidmap")
			}
			st, err := postgis.Open(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			serverCPU = postgresCPU(b, url)
			return st
		},
	}
	for _, name := range []string{"sqlite", "postgis"} {
		for _, rows := range []int{100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/rows=%d", name, rows), func(b *testing.B) {
				if testing.Short() && rows > 100_000 {
					b.Skip("-short")
				}
				serverCPU = nil
				st := stores[name](b)
				body := benchCSV(rows)
				secret, id, hash := store.NewTokenSecret()
				if err := st.CreateToken(context.Background(), store.Token{ID: id, Role: store.RoleAdmin, Hash: hash, CreatedAt: time.Now()}); err != nil {
					b.Fatal(err)
				}
				src := snapshot{ix: geo.NewIndex(demo.Sites(1, 1), 9), orgs: map[string]aidmap.Organization{}}
				srv := NewServer(Config{Source: src, Store: st, Uploads: Uploads{Store: st, MaxBodyBytes: 512 << 20,
					MaxRows: rows, PerTokenPerMinute: -1}})
				hs := httptest.NewServer(srv.Handler())
				defer hs.Close()
				cpu0 := cpuTime()
				var server0 time.Duration
				if serverCPU != nil {
					server0 = serverCPU()
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					org := fmt.Sprintf("bench%d", time.Now().UnixNano())
					if err := st.UpsertOrganization(context.Background(), aidmap.Organization{ID: org, Name: org}); err != nil {
						b.Fatal(err)
					}
					req, _ := http.NewRequest("POST", hs.URL+"/api/v1/orgs/"+org+"/uploads?name=sites.csv", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+secret)
					resp, err := http.DefaultClient.Do(req)
					if err != nil || resp.StatusCode != http.StatusAccepted {
						b.Fatalf("POST: %v %v", resp, err)
					}
					resp.Body.Close()
					if err := srv.WaitUploads(context.Background()); err != nil {
						b.Fatal(err)
					}
					recs, err := st.UploadRecords(context.Background(), org, 1)
					if err != nil || len(recs) != 1 || recs[0].Status != store.UploadDone || recs[0].Created != rows {
						b.Fatalf("upload: %+v %v", recs, err)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(peakRSS())/(1<<20), "peakMB")
				b.ReportMetric((cpuTime()-cpu0).Seconds()*1e6/(float64(rows)*float64(b.N)), "cpu-s/1M")
				if serverCPU != nil {
					b.ReportMetric((serverCPU()-server0).Seconds()*1e6/(float64(rows)*float64(b.N)), "server-cpu-s/1M")
				}
			})
		}
	}
}

// benchCSV is n new sites as CSV, spread over a large area.
func benchCSV(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("id,name,lat,lon,category,phone\n")
	for i := range n {
		fmt.Fprintf(&buf, "B%d,Site %d,%.5f,%.5f,food bank,604-555-%04d\n", i, i, 45+float64(i%5000)*0.001, -120-float64(i/5000)*0.01, i%10000)
	}
	return buf.Bytes()
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU returns a function giving the CPU time used so far by the PostgreSQL server at
// url, when it runs on this machine and its processes can be read (else nil): the postmaster's
// own and its reaped children's, plus its live children's. It is found through a backend's
// parent.
func postgresCPU(b *testing.B, url string) func() time.Duration {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		return nil
	}
	defer conn.Close(context.Background())
	var backend int
	if err := conn.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return nil
	}
	stat := func(pid int) (ppid int, own, reaped time.Duration, ok bool) {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, 0, 0, false
		}
		// Fields after the command (which may hold spaces): state ppid ... utime(14) stime
		// cutime cstime, counted from 1 at the pid.
		_, rest, _ := strings.Cut(string(raw), ") ")
		f := strings.Fields(rest)
		if len(f) < 15 {
			return 0, 0, 0, false
		}
		n := func(i int) time.Duration {
			v, _ := strconv.ParseInt(f[i-3], 10, 64)
			return time.Duration(v) * time.Second / 100 // clock ticks (USER_HZ 100)
		}
		ppid, _ = strconv.Atoi(f[1])
		return ppid, n(14) + n(15), n(16) + n(17), true
	}
	postmaster, _, _, ok := stat(backend)
	if !ok {
		return nil
	}
	return func() time.Duration {
		_, own, reaped, _ := stat(postmaster)
		total := own + reaped
		dirs, _ := os.ReadDir("/proc")
		for _, d := range dirs {
			pid, err := strconv.Atoi(d.Name())
			if err != nil {
				continue
			}
			if ppid, own, _, ok := stat(pid); ok && ppid == postmaster {
				total += own
			}
		}
		return total
	}
}

// peakRSS is the process's peak resident set (VmHWM), in bytes; 0 when unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
