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

// engine is what the shared queries run on (store.Engine): writes on the one writer
// connection, reads on the read-only ones.
func (s *Store) engine() store.Engine {
	return store.Engine{Name: "sqlite", Writer: conn{s.db}, Reader: conn{s.rdb}, Write: s.write,
		BeginTracked: store.TrackedBegin(s.begin, unavailable), RowID: "rowid"}
}

// write runs fn in a transaction on the writer connection (store.Engine.Write). BEGIN
// IMMEDIATE takes SQLite's write lock at once (dsn), so ForUpdate is empty.
func (s *Store) write(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(ctx, err)
	}
	defer tx.Rollback()
	if err := fn(writeTx{conn{tx}}); err != nil {
		return err
	}
	return unavailable(ctx, tx.Commit())
}

// writeTx is a write transaction (store.Tx): the store's version is meta's row, and
// followers poll for it.
type writeTx struct{ conn }

func (t writeTx) NextVersion(ctx context.Context) (int64, error) {
	var v int64
	err := t.QueryRow(ctx, sqlVersion).Scan(&v)
	return v + 1, err
}

func (t writeTx) SetVersion(ctx context.Context, v int64) error {
	_, err := t.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'version'`, v)
	return err
}

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
	var ts store.TimeScan[sql.NullInt64]
	return dbError(r.ctx, ts.Scan(r.row.Scan, dest, fromMicros))
}

type connRows struct {
	ctx  context.Context
	rows *sql.Rows
	ts   store.TimeScan[sql.NullInt64]
}

func (r *connRows) Scan(dest ...any) error {
	return dbError(r.ctx, r.ts.Scan(r.rows.Scan, dest, fromMicros))
}
func (r *connRows) Next() bool { return r.rows.Next() }
func (r *connRows) Err() error { return dbError(r.ctx, r.rows.Err()) }
func (r *connRows) Close()     { r.rows.Close() }

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
