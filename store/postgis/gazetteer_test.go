package postgis

import (
	"context"
	"flag"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

// TestGazetteerAcrossConnections checks what a server relies on to reload: an import by
// another process (here another Store on the same schema) shows in GazetteerVersion and
// EachAddressPoint at once, is announced on the gazetteer channel at commit, and a failed
// import announces nothing.
func TestGazetteerAcrossConnections(t *testing.T) {
	ctx := context.Background()
	schema := newSchema(t)
	server := openIn(t, testURL(t), schema)
	importer := openIn(t, testURL(t), schema)

	listener, err := pgx.Connect(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(ctx)
	if _, err := listener.Exec(ctx, "LISTEN "+pgx.Identifier{server.gazetteerChannel()}.Sanitize()); err != nil {
		t.Fatal(err)
	}

	points := storetest.AddressPoints("p", 3000)
	for i := range 3 {
		_, v, err := importer.ReplaceAddressPoints(ctx, "city.csv", storetest.Batches(points[:1000*(i+1)], 10_000))
		if err != nil {
			t.Fatal(err)
		}
		after, err := server.GazetteerVersion(ctx)
		if err != nil || after != v {
			t.Fatalf("import %d: server sees version %d, %v, want %d", i, after, err, v)
		}
		n := 0
		each, err := server.EachAddressPoint(ctx, func(aidmap.AddressPoint) error { n++; return nil })
		if err != nil || each != v || n != 1000*(i+1) {
			t.Fatalf("import %d: server reads %d points at version %d, %v, want %d at %d", i, n, each, err, 1000*(i+1), v)
		}
		// The notification was sent at commit, so it is already waiting.
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		note, err := listener.WaitForNotification(waitCtx)
		cancel()
		if err != nil || note.Payload != strconv.FormatInt(v, 10) {
			t.Fatalf("import %d: notification: got %+v, %v, want payload %d", i, note, err, v)
		}
	}

	// A failed import sends nothing: a marker import after it must be the next notification.
	_, _, err = importer.ReplaceAddressPoints(ctx, "city.csv", func() ([]aidmap.AddressPoint, error) {
		return nil, io.ErrUnexpectedEOF
	})
	if err == nil {
		t.Fatal("ReplaceAddressPoints with a failing next: got no error")
	}
	_, v, err := importer.ReplaceAddressPoints(ctx, "marker", storetest.Batches(points[:1], 10_000))
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if note, err := listener.WaitForNotification(waitCtx); err != nil || note.Payload != strconv.FormatInt(v, 10) {
		t.Errorf("notification after a failed import: got %+v, %v, want the marker's %d", note, err, v)
	}
}

var gazetteerPoints = flag.Int("postgis.gazetteer-points", 1_000_000, "points the gazetteer benchmarks import and load")

// BenchmarkReplaceAddressPoints1M imports a million synthetic points (-postgis.gazetteer-points)
// as one source, replacing the previous import each time: encoding, the COPY and the commit,
// everything but generating the points (storetest.BenchReplaceAddressPoints).
func BenchmarkReplaceAddressPoints1M(b *testing.B) {
	storetest.BenchReplaceAddressPoints(b, *gazetteerPoints, openGazetteer, func(g store.Gazetteer) (int64, error) {
		// The live blocks only: the table also holds the dead rows of the earlier iterations
		// until autovacuum runs.
		var size int64
		err := g.(*Store).pool.QueryRow(context.Background(), `SELECT coalesce(sum(length(data)), 0) FROM address_blocks`).Scan(&size)
		return size, err
	})
}

// BenchmarkEachAddressPoint loads every point back, as a server does when it builds its
// geocoder (storetest.BenchEachAddressPoint).
func BenchmarkEachAddressPoint(b *testing.B) {
	storetest.BenchEachAddressPoint(b, *gazetteerPoints, openGazetteer)
}

func openGazetteer(b *testing.B) store.Gazetteer { return openStore(b) }
