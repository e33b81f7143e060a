package store

import (
	"context"
	"time"
)

// DB is the little of a connection or transaction that the queries both engines share
// (place decisions, tokens, upload records, history, reports) run on. Each engine adapts its
// driver to it (store/sqlite: database/sql; store/postgis: pgx) and with it what differs
// between the two, so that one query text and one scan serve both:
//   - placeholders are $1, $2...: PostgreSQL's, which SQLite reads as the Nth argument too;
//   - a time.Time argument is stored as the engine keeps times (SQLite: microseconds since
//     1970 in an integer; PostGIS: timestamptz), the zero time as NULL;
//   - a *time.Time destination reads such a column back in UTC, NULL as the zero time; a
//     *[]byte destination reads text, NULL as nil;
//   - errors come back as the domain's: no row wraps aidmap.ErrNotFound, a unique key
//     already taken aidmap.ErrConflict, a database out of reach aidmap.ErrUnavailable.
//
// SQL that the dialects write differently (upserts, arrays, JSON, locks) stays in the engine.
type DB interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Tx is a write transaction of an engine, as the writes both engines make alike (live data,
// reports) run in it: a DB, and the engine's way of taking the next store version, which is
// where the engines differ (SQLite: the transaction holds the one write lock from its start,
// the version is a row of meta; PostGIS: an advisory lock serialises writers so they commit
// in version order, the version is store_version's row, and followers hear of it by NOTIFY).
type Tx interface {
	DB
	// NextVersion takes the store's write lock until the transaction ends (where the engine
	// has one to take) and returns the version after the store's latest, for the rows this
	// transaction changes.
	NextVersion(ctx context.Context) (int64, error)
	// SetVersion makes v the store's latest version and, at commit, announces it to followers.
	SetVersion(ctx context.Context, v int64) error
}

// Engine is what an engine gives the shared queries (NewQueries).
type Engine struct {
	Name           string // the engine, first word of every error
	Writer, Reader DB     // the same DB when the engine has one pool
	// Write runs fn in one write transaction, committed when fn returns nil and rolled back
	// otherwise. fn's error comes back as it is; one beginning or committing the transaction
	// is the domain's, as DB's errors are.
	Write func(ctx context.Context, fn func(Tx) error) error
	// BeginTracked begins an upload of the organisation that remembers what it does to each
	// site (TrackedUpload), for UpsertSites: BeginUpload's, with its locks and errors.
	BeginTracked func(ctx context.Context, orgID string) (TrackedUpload, error)
	// RowID names a row's physical address, where a table has no key of its own (the
	// capacity log): its tie-breaker and its handle in batched deletes. SQLite: "rowid";
	// PostgreSQL: "ctid".
	RowID string
	// ForUpdate ends a SELECT of a row that the transaction then changes: " FOR UPDATE" where
	// writers lock rows (PostgreSQL), "" where a write transaction holds the whole store from
	// its start (SQLite's BEGIN IMMEDIATE).
	ForUpdate string
}

// Row is one row of a result.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result of many rows, read with Next and Scan; Close releases it.
type Rows interface {
	Row
	Next() bool
	Err() error
	Close()
}

// Collect reads every row of rows with scan, and closes rows.
func Collect[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// QueryAll runs a query and collects its rows with scan.
func QueryAll[T any](ctx context.Context, db DB, scan func(Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, scan)
}

// ScanString reads a row of one text column.
func ScanString(r Row) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}

// TimeArgs returns args with each time.Time replaced by conv of it, as an engine's DB
// stores times; args itself is left as it was.
func TimeArgs(args []any, conv func(time.Time) any) []any {
	copied := false
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if !copied {
				args, copied = append([]any(nil), args...), true
			}
			args[i] = conv(t)
		}
	}
	return args
}

// TimeScan is how an engine's Row and Rows read *time.Time destinations (DB): through a
// holder H the driver fills (SQLite: sql.NullInt64 of microseconds; PostGIS:
// pgtype.Timestamptz), turned into a time by conv. A result of many rows keeps one TimeScan,
// and with it its buffers, for all of them.
type TimeScan[H any] struct {
	args  []any
	times []H
}

// Scan calls scan with dest, a holder in place of each *time.Time, then sets the times.
func (ts *TimeScan[H]) Scan(scan func(...any) error, dest []any, conv func(H) time.Time) error {
	n := 0
	for _, d := range dest {
		if _, ok := d.(*time.Time); ok {
			n++
		}
	}
	if n == 0 {
		return scan(dest...)
	}
	if cap(ts.args) < len(dest) {
		ts.args, ts.times = make([]any, len(dest)), make([]H, len(dest))
	}
	args, times := ts.args[:len(dest)], ts.times[:len(dest)]
	for i, d := range dest {
		args[i] = d
		if _, ok := d.(*time.Time); ok {
			var zero H
			times[i] = zero
			args[i] = &times[i]
		}
	}
	err := scan(args...)
	clear(args) // keep none of the caller's pointers
	if err != nil {
		return err
	}
	for i, d := range dest {
		if d, ok := d.(*time.Time); ok {
			*d = conv(times[i])
		}
	}
	return nil
}
