package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// conn adapts a pgx pool or transaction to store.DB: times are timestamptz, NULL for the
// zero time.
type conn struct {
	q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
		Query(context.Context, string, ...any) (pgx.Rows, error)
		QueryRow(context.Context, string, ...any) pgx.Row
	}
}

func (s *Store) db() store.DB { return conn{s.pool} }

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, q, pgArgs(args)...)
	if err != nil {
		return 0, dbError(ctx, err)
	}
	return tag.RowsAffected(), nil
}

func (c conn) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	rows, err := c.q.Query(ctx, q, pgArgs(args)...)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	return &connRows{ctx: ctx, rows: rows}, nil
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	return connRow{ctx: ctx, row: c.q.QueryRow(ctx, q, pgArgs(args)...)}
}

// pgArgs stores times as timestamptz, the zero time as NULL.
func pgArgs(args []any) []any {
	return store.TimeArgs(args, func(t time.Time) any { return timestamptz(t) })
}

type connRow struct {
	ctx context.Context
	row pgx.Row
}

func (r connRow) Scan(dest ...any) error {
	var ts timeScan
	return ts.scan(r.ctx, r.row.Scan, dest)
}

type connRows struct {
	ctx  context.Context
	rows pgx.Rows
	ts   timeScan
}

func (r *connRows) Scan(dest ...any) error { return r.ts.scan(r.ctx, r.rows.Scan, dest) }
func (r *connRows) Next() bool             { return r.rows.Next() }
func (r *connRows) Err() error             { return dbError(r.ctx, r.rows.Err()) }
func (r *connRows) Close()                 { r.rows.Close() }

// timeScan scans into destinations among which *time.Time ones read a timestamptz column
// (NULL: the zero time) through a holder. A result of many rows keeps its buffers for the
// next row.
type timeScan struct {
	args  []any
	times []pgtype.Timestamptz
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
		ts.args, ts.times = make([]any, len(dest)), make([]pgtype.Timestamptz, len(dest))
	}
	args, times := ts.args[:len(dest)], ts.times[:len(dest)]
	for i, d := range dest {
		args[i] = d
		if _, ok := d.(*time.Time); ok {
			times[i] = pgtype.Timestamptz{}
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
			*d = fromTimestamptz(times[i])
		}
	}
	return nil
}

// dbError translates err into the domain's errors (store.DB).
func dbError(ctx context.Context, err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %w", aidmap.ErrNotFound, err)
	case errors.As(err, &pgErr) && pgErr.Code == "23505": // unique_violation
		return fmt.Errorf("%w: %w", aidmap.ErrConflict, err)
	}
	return unavailable(ctx, err)
}
