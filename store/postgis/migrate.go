package postgis

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles are the schema changes, named NNNN_what.sql and applied in number order. A
// published migration is never edited: add the next number instead.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", base)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(text)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// Migrate brings the database up to date: it creates the store's schema when WithSchema names
// one, makes sure PostGIS is installed in the database (see WithoutCreateExtension), then
// applies the migrations the database has not had yet, each in its own transaction and
// recorded in schema_migrations, so an interrupted run resumes where it stopped.
//
// It holds a session advisory lock throughout, so replicas starting together apply each
// migration exactly once: the others wait, then find nothing to do. Open calls it unless
// WithoutMigrate.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("postgis: migrate: %w", err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgis: migrate: %w", unavailable(ctx, err))
	}
	if err := s.migrate(ctx, conn, ms); err != nil {
		// The connection may still hold the lock or be mid-transaction: never reuse it.
		conn.Conn().Close(context.Background())
		conn.Release()
		return err
	}
	conn.Release()
	return nil
}

func (s *Store) migrate(ctx context.Context, conn *pgxpool.Conn, ms []migration) error {
	wrap := func(err error) error { return fmt.Errorf("postgis: migrate %s: %w", s.target, unavailable(ctx, err)) }
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, lockMigrate, s.lockKey); err != nil {
		return wrap(err)
	}
	if err := s.ensurePostGIS(ctx, conn); err != nil {
		return err
	}
	if s.opts.schema != "" {
		if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{s.opts.schema}.Sanitize()); err != nil {
			return wrap(err)
		}
	}
	_, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`)
	if err != nil {
		return wrap(err)
	}
	newest, err := schemaVersion(ctx, conn)
	if err != nil {
		return wrap(err)
	}
	if known := ms[len(ms)-1].version; newest > known {
		return fmt.Errorf("postgis: migrate %s: the database is at schema version %d, newer than this program's %d: use a newer aidmap",
			s.target, newest, known)
	}
	for _, m := range ms {
		if m.version <= newest {
			continue
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		}); err != nil {
			return fmt.Errorf("postgis: migrate %s: %s: %w", s.target, m.name, unavailable(ctx, err))
		}
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockMigrate, s.lockKey); err != nil {
		return wrap(err)
	}
	return nil
}

// schemaVersion returns the newest applied migration, 0 for none.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// checkSchema is what Open does instead of migrating under WithoutMigrate: it fails unless
// every migration has been applied.
func (s *Store) checkSchema(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("postgis: open: %w", err)
	}
	want := ms[len(ms)-1].version
	got, err := schemaVersion(ctx, s.pool)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		got, err = 0, nil
	}
	if err != nil {
		return fmt.Errorf("postgis: open %s: check schema: %w", s.target, unavailable(ctx, err))
	}
	if got < want {
		return fmt.Errorf("postgis: open %s: the database is at schema version %d, this program needs %d: run `aidmap migrate` (or start without disabling migrations)",
			s.target, got, want)
	}
	if got > want {
		return fmt.Errorf("postgis: open %s: the database is at schema version %d, newer than this program's %d: use a newer aidmap",
			s.target, got, want)
	}
	return nil
}

// ensurePostGIS makes sure the postgis extension is installed in the database, creating it
// when allowed, and otherwise fails with an error that says how to install it.
func (s *Store) ensurePostGIS(ctx context.Context, conn *pgxpool.Conn) error {
	var installed, available bool
	var serverVersion int
	err := conn.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis'),
			EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'),
			current_setting('server_version_num')::int`).Scan(&installed, &available, &serverVersion)
	if err != nil {
		return fmt.Errorf("postgis: migrate %s: check for PostGIS: %w", s.target, unavailable(ctx, err))
	}
	if installed {
		return nil
	}
	db := conn.Conn().Config().Database
	if !s.opts.createExtension {
		return fmt.Errorf("postgis: migrate %s: %s", s.target, missingPostGIS(db, serverVersion/10000, available, ""))
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// One CREATE EXTENSION at a time per database: stores in other schemas may be
		// migrating the same database at this moment.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockExtension); err != nil {
			return err
		}
		stmt := `CREATE EXTENSION IF NOT EXISTS postgis`
		if s.opts.schema != "" {
			stmt += ` SCHEMA public` // shared by the stores of every schema
		}
		_, err := tx.Exec(ctx, stmt)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && ctx.Err() == nil {
		switch pgErr.Code {
		case "58P01", "0A000": // undefined_file (no control file), feature_not_supported
			return fmt.Errorf("postgis: migrate %s: %s", s.target, missingPostGIS(db, serverVersion/10000, false, pgErr.Message))
		case "42501": // insufficient_privilege
			return fmt.Errorf("postgis: migrate %s: %s", s.target, missingPostGIS(db, serverVersion/10000, true, pgErr.Message))
		}
	}
	if err != nil {
		return fmt.Errorf("postgis: migrate %s: create extension postgis: %w", s.target, unavailable(ctx, err))
	}
	return nil
}

// missingPostGIS says how to get PostGIS into database db on a server of the given major
// version: install the package when the server does not have it, then create the extension.
func missingPostGIS(db string, major int, available bool, cause string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "database %q does not have the PostGIS extension", db)
	if cause != "" {
		fmt.Fprintf(&b, " (%s)", oneLine(cause))
	}
	if !available {
		fmt.Fprintf(&b, ": PostGIS is not installed on the database server; install it there "+
			"(Debian/Ubuntu: apt-get install postgresql-%d-postgis-3; other systems: the PostGIS package for PostgreSQL %d), then", major, major)
	} else {
		b.WriteString(": PostGIS is installed on the server but not enabled in this database;")
	}
	fmt.Fprintf(&b, " run CREATE EXTENSION postgis; in database %q as a superuser (or a role allowed to, when postgis is a trusted extension), "+
		"or let aidmap do it by connecting once as a superuser", db)
	return b.String()
}
