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
	var ts store.TimeScan[pgtype.Timestamptz]
	return dbError(r.ctx, ts.Scan(r.row.Scan, dest, fromTimestamptz))
}

type connRows struct {
	ctx  context.Context
	rows pgx.Rows
	ts   store.TimeScan[pgtype.Timestamptz]
}

func (r *connRows) Scan(dest ...any) error {
	return dbError(r.ctx, r.ts.Scan(r.rows.Scan, dest, fromTimestamptz))
}
func (r *connRows) Next() bool { return r.rows.Next() }
func (r *connRows) Err() error { return dbError(r.ctx, r.rows.Err()) }
func (r *connRows) Close()     { r.rows.Close() }

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
