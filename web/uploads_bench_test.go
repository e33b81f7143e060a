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
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
	"github.com/aidmap/aidmap/store/sqlite"
)

// BenchmarkUploadHTTP posts a CSV of new sites to /api/v1/orgs/{org}/uploads and waits for
// the upload to be done: the whole path (body read and checked, queued in the store with its
// file, claimed, read, written, recorded). Each iteration uploads to a new organisation, so
// every row is created. PostGIS runs when AIDMAP_TEST_DATABASE_URL is set. It reports rows/s
// and the process's peak RSS (VmHWM), which includes building the CSV.
//
//	go test ./web -run '^$' -bench UploadHTTP -benchtime 1x
func BenchmarkUploadHTTP(b *testing.B) {
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
				b.Skip("AIDMAP_TEST_DATABASE_URL is not set")
			}
			st, err := postgis.Open(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
	}
	for _, name := range []string{"sqlite", "postgis"} {
		for _, rows := range []int{100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/rows=%d", name, rows), func(b *testing.B) {
				if testing.Short() && rows > 100_000 {
					b.Skip("-short")
				}
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
