package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

// engine is what the shared queries run on (store.Engine): the pool.
func (s *Store) engine() store.Engine {
	db := conn{s.pool}
	return store.Engine{Name: "postgis", Writer: db, Reader: db, Write: s.write, BeginTracked: store.TrackedBegin(s.begin, unavailable),
		RowID: "ctid", ForUpdate: " FOR UPDATE"}
}

// write runs fn in a transaction (store.Engine.Write).
func (s *Store) write(ctx context.Context, fn func(store.Tx) error) error {
	var fnErr error // the domain's already (conn)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		fnErr = fn(writeTx{conn{tx}, s})
		return fnErr
	})
	if err == nil || err == fnErr {
		return err
	}
	return unavailable(ctx, err) // beginning, committing or rolling back
}

// writeTx is a write transaction as one of the store's writers (store.Tx; the package
// comment says why): the write lock, store_version, NOTIFY at commit.
type writeTx struct {
	conn
	s *Store
}

func (t writeTx) NextVersion(ctx context.Context) (int64, error) {
	if _, err := t.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, t.s.lockKey); err != nil {
		return 0, err
	}
	var v int64
	err := t.QueryRow(ctx, sqlVersion).Scan(&v)
	return v + 1, err
}

func (t writeTx) SetVersion(ctx context.Context, v int64) error {
	if _, err := t.Exec(ctx, `UPDATE store_version SET version = $1`, v); err != nil {
		return err
	}
	_, err := t.Exec(ctx, `SELECT pg_notify($1, $2)`, t.s.channel, strconv.FormatInt(v, 10))
	return err
}

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
