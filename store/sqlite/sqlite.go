// Package sqlite is the embedded store: store.Store on one SQLite file, through the pure-Go
// driver modernc.org/sqlite (no cgo), so the aidmap binary needs no database server.
//
// The database runs in WAL mode: one writer connection (writes are serialised in Go, then by
// SQLite's BEGIN IMMEDIATE against other processes) and a pool of read connections that never
// block it. Schema changes are numbered SQL files in migrations/, embedded in the binary and
// applied by Open and Migrate.
//
// It imports the domain, the store contract, the standard library and the driver.
package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Store is a store.Store on one SQLite database file.
type Store struct {
	store.Queries // what both engines answer with the same SQL: writes on db, reads on rdb

	path string
	db   *sql.DB      // the one writer connection; also runs migrations
	rdb  *sql.DB      // read-only connections
	ckpt checkpointer // checkpoints after large uploads, beside the writer (upload.go)
}

var _ store.Store = (*Store)(nil)
var _ store.PlaceDecisions = (*Store)(nil)

// busyTimeout is how long a connection waits for another process's lock (an `aidmap ingest`
// next to `aidmap serve`) before giving up with ErrUnavailable.
const busyTimeout = 10 * time.Second

// Open opens (creating when missing, with its parent directories) the database at path and
// brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &Store{path: abs}

	// The writer first: it switches the file to WAL and creates the schema before any reader
	// looks at it.
	s.db, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.db.SetMaxOpenConns(1)
	s.db.SetMaxIdleConns(1)
	s.db.SetConnMaxLifetime(0)
	s.db.SetConnMaxIdleTime(0)
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, unavailable(ctx, err))
	}
	if err := s.Migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}

	s.rdb, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		s.db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.rdb.SetMaxOpenConns(n)
	s.rdb.SetMaxIdleConns(n)
	s.rdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.rdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, unavailable(ctx, err))
	}
	s.Queries = store.NewQueries(s.engine())
	return s, nil
}

// dsn returns the driver's data source name for the file at the absolute path abs: a file: URI
// (so any byte in the path is escaped) with the settings every connection needs.
func dsn(abs string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: the database is the system of record, and writes come one upload per transaction,
	// so an fsync per commit costs nothing noticeable.
	q.Add("_pragma", "synchronous(FULL)")
	if write {
		// Take the write lock at BEGIN, so a transaction never fails half-way trying to upgrade
		// a read lock held by another process.
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "mmap_size(268435456)")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close releases both connection pools.
func (s *Store) Close() error {
	var errs []error
	errs = append(errs, s.ckpt.close())
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	errs = append(errs, s.db.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Ping checks that the database file can be read and written.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", unavailable(ctx, err))
	}
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", unavailable(ctx, err))
	}
	return nil
}

// unavailable marks err as aidmap.ErrUnavailable when it says the database cannot be used right
// now (locked by another process beyond busyTimeout, cannot be opened, disk full or I/O
// failing), unless the cause is ctx ending.
func unavailable(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
			return fmt.Errorf("%w: %w", aidmap.ErrUnavailable, err)
		}
	}
	return err
}

// Version returns the version of the latest change.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.rdb.QueryRowContext(ctx, sqlVersion).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: version: %w", unavailable(ctx, err))
	}
	return v, nil
}

const sqlVersion = `SELECT value FROM meta WHERE key = 'version'`

// Site returns one site or ErrNotFound.
func (s *Store) Site(ctx context.Context, id string) (aidmap.Site, error) {
	// Query rather than QueryRow: Row.Scan does not take the RawBytes rawSite scans doc into.
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+sqlSiteColumns+` FROM sites WHERE id = ?`, id)
	if err != nil {
		return aidmap.Site{}, fmt.Errorf("sqlite: site %q: %w", id, unavailable(ctx, err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return aidmap.Site{}, fmt.Errorf("sqlite: site %q: %w", id, unavailable(ctx, err))
		}
		return aidmap.Site{}, fmt.Errorf("sqlite: site %q: %w", id, aidmap.ErrNotFound)
	}
	var r rawSite
	if err := rows.Scan(r.dest()...); err != nil {
		return aidmap.Site{}, fmt.Errorf("sqlite: site %q: %w", id, err)
	}
	site, err := r.decode()
	if err != nil {
		return aidmap.Site{}, fmt.Errorf("sqlite: site %q: %w", id, err)
	}
	return site, nil
}

// EachSite streams every site in ID order from one read transaction, so the sites and the
// returned version are one consistent snapshot however long fn takes (WAL lets writers go on
// meanwhile).
func (s *Store) EachSite(ctx context.Context, fn func(aidmap.Site) error) (int64, error) {
	v, err := s.eachSite(ctx, fn)
	if err != nil {
		return 0, fmt.Errorf("sqlite: each site: %w", err)
	}
	return v, nil
}

func (s *Store) eachSite(ctx context.Context, fn func(aidmap.Site) error) (int64, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, unavailable(ctx, err)
	}
	defer tx.Rollback()
	// The first read fixes the transaction's snapshot, so the version read here is the one
	// the rows below reflect.
	var v int64
	if err := tx.QueryRowContext(ctx, sqlVersion).Scan(&v); err != nil {
		return 0, unavailable(ctx, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+sqlSiteColumns+` FROM sites ORDER BY id`)
	if err != nil {
		return 0, unavailable(ctx, err)
	}
	defer rows.Close()

	// Batch after batch is scanned and decoded while fn runs on the one before: the driver's
	// work and fn's overlap.
	var r rawSite
	dest := r.dest()
	err = store.ReadAhead(ctx, eachSiteBatch, func(batch []aidmap.Site) ([]aidmap.Site, bool, error) {
		for len(batch) < eachSiteBatch {
			if !rows.Next() {
				return batch, true, unavailable(ctx, rows.Err())
			}
			if err := rows.Scan(dest...); err != nil {
				return batch, true, err
			}
			site, err := r.decode()
			if err != nil {
				return batch, true, err
			}
			batch = append(batch, site)
		}
		return batch, false, nil
	}, fn)
	if err != nil {
		return 0, err
	}
	return v, nil
}

// eachSiteBatch is how many sites EachSite's reader decodes ahead of fn.
const eachSiteBatch = 1000

// ChangesSince returns the latest state of the sites changed after version, oldest change
// first.
func (s *Store) ChangesSince(ctx context.Context, version int64, limit int) ([]store.Change, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: changes since %d: limit %d: %w", version, limit, aidmap.ErrInvalid)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+sqlSiteColumns+` FROM sites WHERE version > ? ORDER BY version LIMIT ?`, version, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: changes since %d: %w", version, unavailable(ctx, err))
	}
	defer rows.Close()
	var (
		out  []store.Change
		r    rawSite
		dest = r.dest()
	)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqlite: changes since %d: %w", version, err)
		}
		site, err := r.decode()
		if err != nil {
			return nil, fmt.Errorf("sqlite: changes since %d: %w", version, err)
		}
		out = append(out, store.Change{Version: r.version, Site: site})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: changes since %d: %w", version, unavailable(ctx, err))
	}
	return out, nil
}

// encoding is how SQLite lays a site out in its row (store.SiteEncoding): categories in doc.
var encoding = store.SiteEncoding{}

// siteRow is a site encoded for the sites table (store.SiteRow) with the types of the driver.
type siteRow struct {
	id, orgID, externalID, name string
	lat, lon                    float64
	status                      string
	confidential                bool
	updatedAt, verifiedAt       sql.NullInt64 // microseconds since the Unix epoch; NULL for zero
	hash                        [sha256.Size]byte
	doc                         []byte
}

// toRow converts the shared row to SQLite's.
func toRow(r store.SiteRow) siteRow {
	return siteRow{id: r.ID, orgID: r.OrganizationID, externalID: r.ExternalID, name: r.Name,
		lat: r.Lat, lon: r.Lon, status: r.Status, confidential: r.Confidential,
		updatedAt: micros(r.UpdatedAt), verifiedAt: micros(r.VerifiedAt), hash: r.Hash, doc: r.Doc}
}

// shared converts SQLite's row to the shared one.
func (r *siteRow) shared() store.SiteRow {
	return store.SiteRow{ID: r.id, OrganizationID: r.orgID, ExternalID: r.externalID, Name: r.name,
		Lat: r.lat, Lon: r.lon, Status: r.status, Confidential: r.confidential,
		UpdatedAt: fromMicros(r.updatedAt), VerifiedAt: fromMicros(r.verifiedAt), Hash: r.hash, Doc: r.doc}
}

// encodeBatch checks every site of a batch and encodes it (store.EncodeBatch).
func encodeBatch(orgID string, sites []aidmap.Site) ([]siteRow, error) {
	return store.EncodeBatch(encoding, orgID, sites, toRow)
}

// contentHash is the row's content hash (store.SiteEncoding.Hash).
func (r *siteRow) contentHash() [sha256.Size]byte {
	sr := r.shared()
	return encoding.Hash(&sr)
}

func micros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

const sqlSiteColumns = `id, organization_id, external_id, name, lat, lon, status, confidential,
	updated_at, verified_at, version, doc, live`

// rawSite holds one scanned row of sqlSiteColumns. doc is a RawBytes so a streaming scan does
// not copy it; it is valid only until the next Scan.
type rawSite struct {
	site                  aidmap.Site
	status                string
	updatedAt, verifiedAt sql.NullInt64
	version               int64
	doc                   sql.RawBytes
	live                  sql.RawBytes // live data (capacity.go), NULL when none
}

func (r *rawSite) dest() []any {
	s := &r.site
	return []any{&s.ID, &s.OrganizationID, &s.ExternalID, &s.Name, &s.Lat, &s.Lon, &r.status,
		&s.Confidential, &r.updatedAt, &r.verifiedAt, &r.version, &r.doc, &r.live}
}

// decode decodes the scanned row into a new Site.
func (r *rawSite) decode() (aidmap.Site, error) {
	sr := store.SiteRow{ID: r.site.ID, OrganizationID: r.site.OrganizationID, ExternalID: r.site.ExternalID,
		Name: r.site.Name, Lat: r.site.Lat, Lon: r.site.Lon, Status: r.status, Confidential: r.site.Confidential,
		UpdatedAt: fromMicros(r.updatedAt), VerifiedAt: fromMicros(r.verifiedAt), Doc: r.doc}
	return encoding.Decode(&sr, r.live)
}
