package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// conn adapts a database/sql connection pool or transaction to store.DB: times are
// microseconds since 1970 in an integer column, NULL for the zero time.
type conn struct {
	q interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}
}

// writer is the one writer connection, reader the read-only ones.
func (s *Store) writer() store.DB { return conn{s.db} }
func (s *Store) reader() store.DB { return conn{s.rdb} }

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, q, sqlArgs(args)...)
	if err != nil {
		return 0, dbError(ctx, err)
	}
	n, err := res.RowsAffected()
	return n, dbError(ctx, err)
}

func (c conn) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	rows, err := c.q.QueryContext(ctx, q, sqlArgs(args)...)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	return &connRows{ctx: ctx, rows: rows}, nil
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	return connRow{ctx: ctx, row: c.q.QueryRowContext(ctx, q, sqlArgs(args)...)}
}

// sqlArgs stores times as microseconds.
func sqlArgs(args []any) []any {
	return store.TimeArgs(args, func(t time.Time) any { return micros(t) })
}

type connRow struct {
	ctx context.Context
	row *sql.Row
}

func (r connRow) Scan(dest ...any) error {
	var ts timeScan
	return ts.scan(r.ctx, r.row.Scan, dest)
}

type connRows struct {
	ctx  context.Context
	rows *sql.Rows
	ts   timeScan
}

func (r *connRows) Scan(dest ...any) error { return r.ts.scan(r.ctx, r.rows.Scan, dest) }
func (r *connRows) Next() bool             { return r.rows.Next() }
func (r *connRows) Err() error             { return dbError(r.ctx, r.rows.Err()) }
func (r *connRows) Close()                 { r.rows.Close() }

// timeScan scans into destinations among which *time.Time ones read a microseconds column
// (NULL: the zero time) through a holder. A result of many rows keeps its buffers for the
// next row.
type timeScan struct {
	args  []any
	times []sql.NullInt64
}

func (ts *timeScan) scan(ctx context.Context, scan func(...any) error, dest []any) error {
	n := 0
	for _, d := range dest {
		if _, ok := d.(*time.Time); ok {
			n++
		}
	}
	if n == 0 {
		return dbError(ctx, scan(dest...))
	}
	if cap(ts.args) < len(dest) {
		ts.args, ts.times = make([]any, len(dest)), make([]sql.NullInt64, len(dest))
	}
	args, times := ts.args[:len(dest)], ts.times[:len(dest)]
	for i, d := range dest {
		args[i] = d
		if _, ok := d.(*time.Time); ok {
			times[i] = sql.NullInt64{}
			args[i] = &times[i]
		}
	}
	err := scan(args...)
	clear(args) // keep none of the caller's pointers
	if err != nil {
		return dbError(ctx, err)
	}
	for i, d := range dest {
		if d, ok := d.(*time.Time); ok {
			*d = fromMicros(times[i])
		}
	}
	return nil
}

// dbError translates err into the domain's errors (store.DB).
func dbError(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %w", aidmap.ErrNotFound, err)
	case strings.Contains(err.Error(), "UNIQUE constraint failed"):
		return fmt.Errorf("%w: %w", aidmap.ErrConflict, err)
	}
	return unavailable(ctx, err)
}
