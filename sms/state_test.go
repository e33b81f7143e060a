package sms

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/postgis"
	"github.com/aidmap/aidmap/store/sqlite"
)

// TestReplicasShareState: two engines (two replicas behind a load balancer) on one store
// with one salt: "more" sent to the other replica continues the search, and the per-number
// limit counts messages to both. The store holds neither the number nor the message.
func TestReplicasShareState(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testReplicas(t, st, st)

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"6045550100", "604 555 0100", "food V6A", "delivery-1"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q", filepath.Base(f), secret)
			}
		}
	}
}

// TestReplicasSharePostGIS runs the same over PostGIS with two stores (two replicas' pools)
// on one schema, when AIDMAP_TEST_DATABASE_URL names a server (scripts/test starts one).
func TestReplicasSharePostGIS(t *testing.T) {
	u := os.Getenv("AIDMAP_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("AIDMAP_TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("sms_test_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		conn.Close(context.Background())
	})
	open := func() *postgis.Store {
		s, err := postgis.Open(ctx, u, postgis.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	testReplicas(t, a, b)
	var rows int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "sms_state"}.Sanitize()+
		` WHERE position(convert_to('6045550100', 'UTF8') in key) > 0 OR position(convert_to('food', 'UTF8') in coalesce(session, '')) > 0`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("rows holding the number or the message: %d, %v", rows, err)
	}
}

func testReplicas(t *testing.T, stateA, stateB store.SMSState) {
	ctx := context.Background()
	now := testNow
	ix := testIndex(demo.Sites(300, 1))
	replica := func(st store.SMSState) *Engine {
		return New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil),
			Now: func() time.Time { return now }, Salt: []byte("deployment"), State: st})
	}
	a, b := replica(stateA), replica(stateB)

	first := a.Answer(ctx, "+16045550100", "food V6A 2K5")
	second := b.Answer(ctx, "+1 604 555 0100", "more")
	third := a.Answer(ctx, "+16045550100", "more")
	if !strings.Contains(first.Text, "1. ") || !strings.Contains(second.Text, "4. ") || !strings.Contains(third.Text, "7. ") {
		t.Fatalf("more did not continue across replicas:\n%s\n---\n%s\n---\n%s", first.Text, second.Text, third.Text)
	}
	if !strings.HasPrefix(second.Text, strings.SplitN(first.Text, "\n", 2)[0]) {
		t.Errorf("more names another place:\n%s\n---\n%s", first.Text, second.Text)
	}

	for i := range 5 {
		e := a
		if i%2 == 1 {
			e = b
		}
		if !e.Allow(ctx, "+16045550100", 5) {
			t.Fatalf("message %d refused, want 5 a minute across replicas", i+1)
		}
	}
	if b.Allow(ctx, "+16045550100", 5) || a.Allow(ctx, "+16045550100", 5) {
		t.Error("a sixth message in the minute allowed")
	}
	now = now.Add(time.Minute)
	if !b.Allow(ctx, "+16045550100", 5) {
		t.Error("refused in the next minute")
	}
	if !a.FirstDelivery(ctx, "delivery-1", time.Hour) || b.FirstDelivery(ctx, "delivery-1", time.Hour) {
		t.Error("a delivery retried to the other replica is not seen as a retry")
	}
}

func TestSessionEncoding(t *testing.T) {
	s := session{lat: 49.2811, lon: -123.0988, needs: 5, open: true, lang: "fa", near: "V6A, Vancouver", shown: 6}
	got, err := decodeSession(s.encode())
	if err != nil || got != s {
		t.Fatalf("got %+v, %v, want %+v", got, err, s)
	}
	for _, b := range [][]byte{nil, {2}, s.encode()[:10], append(s.encode(), 0)} {
		if _, err := decodeSession(b); err == nil {
			t.Errorf("%x decoded", b)
		}
	}
}

// BenchmarkAnswerSQLiteState measures a webhook's work with the state in a SQLite store, as
// a server keeps it: the per-number limit, the search, and the search kept for "more" (two
// writes a message), for numbers that change every message.
// go test ./sms -run '^$' -bench AnswerSQLiteState
func BenchmarkAnswerSQLiteState(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "aidmap.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ix := testIndex(demo.Sites(300, 1))
	e := New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil),
		Now: func() time.Time { return testNow }, State: st})
	i := 0
	for b.Loop() {
		number := "+1604555" + strconv.Itoa(1000+i%5000)
		if e.Allow(ctx, number, 1<<30) {
			e.Answer(ctx, number, benchMessages[i%len(benchMessages)])
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
}
