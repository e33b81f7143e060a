package postgis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

// The tests run against the PostgreSQL server at AIDMAP_TEST_DATABASE_URL (scripts/test starts
// a throwaway one). The role must be a superuser, or the database must have PostGIS already;
// every test works in its own schema (or database) and drops it afterwards.

// testURL returns the test server's URL. Without one the test is skipped, except in CI, which
// must never silently skip PostGIS.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("AIDMAP_TEST_DATABASE_URL")
	if u == "" {
		msg := "AIDMAP_TEST_DATABASE_URL is not set: run scripts/test, which starts a throwaway PostGIS server, " +
			"or point the variable at one (postgres://user:password@host:port/db; tests create and drop their own schemas)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI must run the PostGIS tests")
		}
		t.Skip(msg)
	}
	return u
}

var admin struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// adminPool is a pool on the test database for setting up and inspecting what the store does.
func adminPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := testURL(t)
	admin.once.Do(func() {
		admin.pool, admin.err = pgxpool.New(context.Background(), u)
		if admin.err == nil {
			admin.err = admin.pool.Ping(context.Background())
		}
	})
	if admin.err != nil {
		t.Fatalf("connect to AIDMAP_TEST_DATABASE_URL: %v", admin.err)
	}
	return admin.pool
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newSchema names a fresh schema and drops it when the test ends (after the stores in it are
// closed: cleanups run last-registered first).
func newSchema(t testing.TB) string {
	t.Helper()
	pool := adminPool(t)
	schema := randomName("aidmap_test_")
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openIn opens a store on url in the given schema, closed when the test ends.
func openIn(t testing.TB, url, schema string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, append([]Option{WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openStore opens a store in a fresh schema of the test database.
func openStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openIn(t, testURL(t), newSchema(t), opts...)
}

func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t) })
}

// TestConformanceTextFormat runs the suite over the simple protocol, in which the server sends
// every column as text: sites are then read by Scan instead of decodeRaw.
func TestConformanceTextFormat(t *testing.T) {
	u, err := url.Parse(testURL(t))
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		t.Skipf("AIDMAP_TEST_DATABASE_URL is not a postgres:// URL (%v)", err)
	}
	q := u.Query()
	q.Set("default_query_exec_mode", "simple_protocol")
	u.RawQuery = q.Encode()
	storetest.Run(t, func(t *testing.T) store.Store {
		s := openIn(t, u.String(), newSchema(t))
		rows, err := s.pool.Query(context.Background(), `SELECT `+sqlSiteColumns+` FROM sites`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if rawDecodable(rows.FieldDescriptions()) {
			t.Fatal("the simple protocol sent binary columns: this test would not test the Scan path")
		}
		return s
	})
}

// TestRawDecodable checks that sites are read through decodeRaw in the default query mode.
func TestRawDecodable(t *testing.T) {
	s := openStore(t)
	rows, err := s.pool.Query(context.Background(), `SELECT `+sqlSiteColumns+` FROM sites`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rawDecodable(rows.FieldDescriptions()) {
		for _, f := range rows.FieldDescriptions() {
			t.Logf("%s: type %d, format %d", f.Name, f.DataTypeOID, f.Format)
		}
		t.Error("rawDecodable: got false, want true")
	}
}

func TestGeography(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	points := []struct{ lat, lon float64 }{
		{49.28273123456789, -123.12073412345678}, // Vancouver: lon far from lat, both signs
		{-33.8688, 151.2093},                     // Sydney
		{0, 0},
		{-90, 180},
		{89.999999, -179.999999},
		{0.1 + 0.2, -1e-300},
	}
	var sites []aidmap.Site
	for i, p := range points {
		site := storetest.NewSite("org", fmt.Sprint("p", i))
		site.Lat, site.Lon = p.lat, p.lon
		sites = append(sites, site)
	}
	if _, err := s.UpsertSites(ctx, "org", sites); err != nil {
		t.Fatal(err)
	}
	for _, site := range sites {
		var lat, lon float64
		var srid int
		err := s.pool.QueryRow(ctx, `SELECT ST_Y(geog::geometry), ST_X(geog::geometry), ST_SRID(geog) FROM sites WHERE id = $1`, site.ID).
			Scan(&lat, &lon, &srid)
		if err != nil {
			t.Fatal(err)
		}
		if lat != site.Lat || lon != site.Lon || srid != 4326 {
			t.Errorf("site %s geog: got lat %v lon %v SRID %d, want lat %v lon %v SRID 4326", site.ExternalID, lat, lon, srid, site.Lat, site.Lon)
		}
	}

	// The GiST index answers a radius query, and its distances agree with the domain's sphere
	// to within the spheroid's difference (under 0.5%).
	from := sites[0]
	var id string
	var metres float64
	err := s.pool.QueryRow(ctx, `SELECT id, ST_Distance(geog, ST_MakePoint($2, $1)::geography) FROM sites
		WHERE ST_DWithin(geog, ST_MakePoint($2, $1)::geography, 20000000) AND id <> $3
		ORDER BY geog <-> ST_MakePoint($2, $1)::geography LIMIT 1`, from.Lat+0.01, from.Lon, from.ID).Scan(&id, &metres)
	if err != nil {
		t.Fatal(err)
	}
	// The nearest other site to a point 0.01° north of Vancouver is the one near the north pole
	// or Sydney; whichever it is, the distance must match the sphere.
	var near aidmap.Site
	for _, site := range sites {
		if site.ID == id {
			near = site
		}
	}
	want := aidmap.DistanceM(from.Lat+0.01, from.Lon, near.Lat, near.Lon)
	if math.Abs(metres-want)/want > 0.005 {
		t.Errorf("distance to %s: got %.0f m, want about %.0f m", near.ExternalID, metres, want)
	}
}

// wakes returns a wake function for Listen and the channel it signals.
func wakes() (func(), chan struct{}) {
	ch := make(chan struct{}, 1)
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}, ch
}

// waitWake waits for a wake-up, with a deadline generous enough for a slow CI machine.
func waitWake(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no wake-up within 30 s", what)
	}
}

func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// startListen runs s.Listen until the test ends and checks that it returns ctx's error.
func startListen(t *testing.T, s *Store, wake func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Listen(ctx, wake) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Listen: got %v, want context.Canceled", err)
		}
	})
}

func TestListen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := testURL(t)
	schema := newSchema(t)
	follower := openIn(t, u, schema)
	writer := openIn(t, u, schema) // another process writing to the same database
	other := openStore(t)          // a store in another schema must not wake this one

	wake, ch := wakes()
	startListen(t, follower, wake)
	waitWake(t, ch, "listening starts")

	if err := other.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	if _, err := other.UpsertSites(ctx, "org", storetest.Sites("org", "o", 2)); err != nil {
		t.Fatal(err)
	}
	if err := writer.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Errorf("woken by a write to another schema")
	case <-time.After(200 * time.Millisecond):
	}

	res, err := writer.UpsertSites(ctx, "org", storetest.Sites("org", "s", 3))
	if err != nil {
		t.Fatal(err)
	}
	waitWake(t, ch, "after a write")
	if cs, err := follower.ChangesSince(ctx, 0, 10); err != nil || len(cs) != 3 || cs[2].Version != res.Version {
		t.Errorf("ChangesSince after the wake-up: got %d changes, %v, want 3 up to version %d", len(cs), err, res.Version)
	}

	// An unchanged re-upload changes nothing and notifies nobody.
	if _, err := writer.UpsertSites(ctx, "org", storetest.Sites("org", "s", 3)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Errorf("woken by an unchanged upload")
	case <-time.After(200 * time.Millisecond):
	}
}

// listenerPID returns the backend PID of the Listen connection of the store in schema.
func listenerPID(t *testing.T, schema string) int32 {
	t.Helper()
	var pid int32
	err := adminPool(t).QueryRow(context.Background(),
		`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, "aidmap listen "+schema).Scan(&pid)
	if err != nil {
		t.Fatalf("find the listening connection: %v", err)
	}
	return pid
}

func TestListenReconnects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := testURL(t)
	schema := newSchema(t)
	follower := openIn(t, u, schema)
	follower.listenIdle = 200 * time.Millisecond // exercise the idle ping too
	writer := openIn(t, u, schema)
	if err := writer.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}

	wake, ch := wakes()
	startListen(t, follower, wake)
	waitWake(t, ch, "listening starts")
	time.Sleep(500 * time.Millisecond) // a few idle pings
	drain(ch)
	pid := listenerPID(t, schema)

	if _, err := adminPool(t).Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	waitWake(t, ch, "reconnecting after pg_terminate_backend")
	if again := listenerPID(t, schema); again == pid {
		t.Errorf("listening backend PID: got %d again, want a new connection", again)
	}
	drain(ch)
	if _, err := writer.UpsertSites(ctx, "org", storetest.Sites("org", "s", 1)); err != nil {
		t.Fatal(err)
	}
	waitWake(t, ch, "a write after reconnecting")
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := testURL(t)
	ms, err := store.Migrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	countMigrations := func(t *testing.T, schema string) int {
		var n int
		err := adminPool(t).QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("idempotent", func(t *testing.T) {
		t.Parallel()
		schema := newSchema(t)
		s := openIn(t, u, schema)
		for range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
		openIn(t, u, schema) // and Open again
		if n := countMigrations(t, schema); n != len(ms) {
			t.Errorf("schema_migrations: got %d rows, want %d", n, len(ms))
		}
	})

	t.Run("concurrent opens", func(t *testing.T) {
		t.Parallel()
		schema := newSchema(t)
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() {
				s, err := Open(ctx, u, WithSchema(schema))
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("Open: %v", err)
			}
		}
		if n := countMigrations(t, schema); n != len(ms) {
			t.Errorf("schema_migrations: got %d rows, want %d", n, len(ms))
		}
	})

	t.Run("waits for the migration lock", func(t *testing.T) {
		t.Parallel()
		schema := newSchema(t)
		conn, err := adminPool(t).Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, lockMigrate, schemaKey(schema)); err != nil {
			t.Fatal(err)
		}
		opened := make(chan error, 1)
		go func() {
			s, err := Open(ctx, u, WithSchema(schema))
			if err == nil {
				s.Close()
			}
			opened <- err
		}()
		select {
		case err := <-opened:
			t.Fatalf("Open returned (%v) while another process held the migration lock", err)
		case <-time.After(300 * time.Millisecond):
		}
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockMigrate, schemaKey(schema)); err != nil {
			t.Fatal(err)
		}
		if err := <-opened; err != nil {
			t.Fatalf("Open after the lock was released: %v", err)
		}
	})

	t.Run("without migrate", func(t *testing.T) {
		t.Parallel()
		schema := newSchema(t)
		_, err := Open(ctx, u, WithSchema(schema), WithoutMigrate())
		if err == nil || !strings.Contains(err.Error(), "aidmap migrate") {
			t.Fatalf("Open WithoutMigrate on an empty schema: got %v, want an error saying to run aidmap migrate", err)
		}
		openIn(t, u, schema)
		openIn(t, u, schema, WithoutMigrate())
	})
}

// rewriteURL returns the test URL changed by edit, skipping the test when it is not a URL.
func rewriteURL(t *testing.T, edit func(*url.URL)) string {
	t.Helper()
	u, err := url.Parse(testURL(t))
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skip("AIDMAP_TEST_DATABASE_URL is not a postgres:// URL")
	}
	edit(u)
	return u.String()
}

// checkOneLine fails unless err is a single line without secret.
func checkOneLine(t *testing.T, err error, secret string) {
	t.Helper()
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("error %q: want one line", err)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("error %q: contains the password", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	testURL(t)

	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		_, err = Open(ctx, "postgres://aidmap:s3cret-pw@"+addr+"/aidmap?connect_timeout=5")
		if !errors.Is(err, aidmap.ErrUnavailable) {
			t.Fatalf("Open: got %v, want an error wrapping ErrUnavailable", err)
		}
		checkOneLine(t, err, "s3cret-pw")
		for _, want := range []string{addr, "check that the server is running"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q: does not say %q", err, want)
			}
		}
	})

	t.Run("invalid URL", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{
			"postgres://aidmap:s3cret-pw@localhost:notaport/aidmap",
			"postgres://aidmap:s3cret-pw@[::1/aidmap",
			"host=localhost password=s3cret-pw port=notaport",
			"host=localhost password='s3cret-pw' sslmode=sometimes",
		} {
			_, err := Open(ctx, u)
			if err == nil {
				t.Fatalf("Open(%q): got no error", u)
			}
			checkOneLine(t, err, "s3cret-pw")
			if !strings.Contains(err.Error(), "invalid database URL") {
				t.Errorf("Open: got %q, want it to say the URL is invalid", err)
			}
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		u := rewriteURL(t, func(u *url.URL) {
			if _, ok := u.User.Password(); !ok {
				t.Skip("the test server's URL has no password (trust authentication)")
			}
			u.User = url.UserPassword(u.User.Username(), "wrong-s3cret")
		})
		_, err := Open(ctx, u)
		if err == nil {
			t.Fatal("Open with a wrong password: got no error")
		}
		checkOneLine(t, err, "wrong-s3cret")
		if !strings.Contains(err.Error(), "check the user name and password") {
			t.Errorf("error %q: does not say to check the password", err)
		}
		if errors.Is(err, aidmap.ErrUnavailable) {
			t.Errorf("error %q: wraps ErrUnavailable, want a configuration error", err)
		}
	})

	t.Run("missing database", func(t *testing.T) {
		t.Parallel()
		u := rewriteURL(t, func(u *url.URL) { u.Path = "/aidmap_no_such_database" })
		_, err := Open(ctx, u)
		if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "createdb") {
			t.Fatalf("Open on a missing database: got %v, want it to say it does not exist and how to create it", err)
		}
		checkOneLine(t, err, "")
	})
}

func TestMissingPostGIS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := adminPool(t)
	db := randomName("aidmap_nopostgis_")
	// template0 never has extensions (scripts/test installs PostGIS in template1).
	if _, err := pool.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{db}.Sanitize()+` TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{db}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", db, err)
		}
	})
	u := rewriteURL(t, func(u *url.URL) { u.Path = "/" + db })

	_, err := Open(ctx, u, WithoutCreateExtension())
	if err == nil {
		t.Fatal("Open on a database without PostGIS: got no error")
	}
	checkOneLine(t, err, "")
	for _, want := range []string{db, "does not have the PostGIS extension", "CREATE EXTENSION postgis", "superuser"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: does not say %q", err, want)
		}
	}

	// Allowed to, a superuser installs it.
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatalf("Open creating the extension: %v", err)
	}
	s.Close()
}

func TestMissingPostGISMessage(t *testing.T) {
	tests := []struct {
		available bool
		want      []string
	}{
		{false, []string{`database "aidmap"`, "not installed on the database server", "apt-get install postgresql-16-postgis-3", "CREATE EXTENSION postgis"}},
		{true, []string{"installed on the server but not enabled", "CREATE EXTENSION postgis", "superuser"}},
	}
	for _, tt := range tests {
		got := missingPostGIS("aidmap", 16, tt.available, "")
		for _, want := range tt.want {
			if !strings.Contains(got, want) {
				t.Errorf("missingPostGIS(available %v) = %q: does not say %q", tt.available, got, want)
			}
		}
	}
}

// proxy forwards TCP connections to the test server, and can cut them all, as a network
// failure or a stopped server would.
type proxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, addr: "127.0.0.1:0", conns: make(map[net.Conn]bool)}
	p.start(t)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	schema := newSchema(t)
	var target string
	u := rewriteURL(t, func(u *url.URL) {
		target = u.Host
		if u.Port() == "" {
			target = net.JoinHostPort(u.Hostname(), "5432")
		}
	})
	if strings.HasPrefix(target, "/") || target == ":5432" {
		t.Skip("the test server is not reached over TCP")
	}
	p := startProxy(t, target)
	u = rewriteURL(t, func(u *url.URL) {
		u.Host = p.addr
		q := u.Query()
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
	})
	s := openIn(t, u, schema)
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	wake, ch := wakes()
	startListen(t, s, wake)
	waitWake(t, ch, "listening starts")

	p.stop() // the database goes away
	drain(ch)
	if err := s.Ping(ctx); !errors.Is(err, aidmap.ErrUnavailable) {
		t.Errorf("Ping: got %v, want an error wrapping ErrUnavailable", err)
	}
	if _, err := s.UpsertSites(ctx, "org", storetest.Sites("org", "s", 2)); !errors.Is(err, aidmap.ErrUnavailable) {
		t.Errorf("UpsertSites: got %v, want an error wrapping ErrUnavailable", err)
	}
	if _, err := s.ChangesSince(ctx, 0, 10); !errors.Is(err, aidmap.ErrUnavailable) {
		t.Errorf("ChangesSince: got %v, want an error wrapping ErrUnavailable", err)
	}
	time.Sleep(1500 * time.Millisecond) // Listen fails to reconnect at least once

	p.start(t) // and comes back on the same address
	waitWake(t, ch, "Listen after the database came back")
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := s.Ping(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping after the database came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := s.UpsertSites(ctx, "org", storetest.Sites("org", "s", 2)); err != nil {
		t.Errorf("UpsertSites after the database came back: %v", err)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	s.Close()
	if err := s.Ping(context.Background()); !errors.Is(err, aidmap.ErrUnavailable) {
		t.Errorf("Ping after Close: got %v, want an error wrapping ErrUnavailable", err)
	}
}

func TestErrorClassification(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error
	}{
		{"closed pool", bg, puddle.ErrClosedPool, aidmap.ErrUnavailable},
		{"admin shutdown", bg, &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, aidmap.ErrUnavailable},
		{"cannot connect now", bg, &pgconn.PgError{Code: "57P03"}, aidmap.ErrUnavailable},
		{"too many connections", bg, &pgconn.PgError{Code: "53300"}, aidmap.ErrUnavailable},
		{"connection refused", bg, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, aidmap.ErrUnavailable},
		{"EOF", bg, io.ErrUnexpectedEOF, aidmap.ErrUnavailable},
		{"NUL byte", bg, &pgconn.PgError{Code: "22021", Message: "invalid byte sequence for encoding \"UTF8\": 0x00"}, aidmap.ErrInvalid},
		{"canceled", canceled, errors.New("timeout: context already done"), context.Canceled},
		{"syntax error", bg, &pgconn.PgError{Code: "42601"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unavailable(tt.ctx, tt.err)
			if !errors.Is(got, tt.err) {
				t.Errorf("unavailable(%v): got %v, want it to wrap the error", tt.err, got)
			}
			for _, sentinel := range []error{aidmap.ErrUnavailable, aidmap.ErrInvalid, context.Canceled} {
				if is, want := errors.Is(got, sentinel), sentinel == tt.want; is != want {
					t.Errorf("unavailable(%v) = %v: errors.Is %v got %v, want %v", tt.err, got, sentinel, is, want)
				}
			}
		})
	}
}

func TestFieldErrorKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	if err := s.UpsertOrganization(ctx, storetest.NewOrganization("org")); err != nil {
		t.Fatal(err)
	}
	// Large enough that encoding runs in parallel: the first bad site in batch order is named.
	sites := storetest.Sites("org", "s", 3*store.ParallelEncode)
	sites[len(sites)-1].Lat = 100
	sites[store.ParallelEncode+1].Name = " "
	_, err := s.UpsertSites(ctx, "org", sites)
	want := fmt.Sprintf(`postgis: upload: add: site %d (external ID "s%d"): name: is required`, store.ParallelEncode+1, store.ParallelEncode+1)
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	var fe *aidmap.FieldError
	if !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("errors.As FieldError: got %#v, want one for name", fe)
	}
}
