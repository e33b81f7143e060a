package postgis

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aidmap/aidmap/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS // the schema changes (store.Migrations)

// Migrate brings the database up to date: it creates the store's schema when WithSchema names
// one, makes sure PostGIS is installed in the database (see WithoutCreateExtension), then
// runs the shared runner (store.Migrate), which records each migration in schema_migrations.
//
// It holds a session advisory lock throughout, so replicas starting together apply each
// migration exactly once: the others wait, then find nothing to do. Open calls it unless
// WithoutMigrate.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := store.Migrations(migrationFiles)
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

func (s *Store) migrate(ctx context.Context, conn *pgxpool.Conn, ms []store.Migration) error {
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
	// The advisory lock makes this process the only one migrating, so ApplyMigration need not
	// check again whether another applied it meanwhile.
	if err := store.Migrate(ctx, migrator{conn}, ms); err != nil {
		return wrap(err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockMigrate, s.lockKey); err != nil {
		return wrap(err)
	}
	return nil
}

// migrator is the PostGIS side of store.Migrate, on the connection that holds the migration lock.
type migrator struct{ conn *pgxpool.Conn }

func (m migrator) SchemaVersion(ctx context.Context) (int, error) { return schemaVersion(ctx, m.conn) }

func (m migrator) ApplyMigration(ctx context.Context, mig store.Migration) error {
	return pgx.BeginFunc(ctx, m.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, mig.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, mig.Version, mig.Name)
		return err
	})
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
	ms, err := store.Migrations(migrationFiles)
	if err != nil {
		return fmt.Errorf("postgis: open: %w", err)
	}
	got, err := schemaVersion(ctx, s.pool)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		got, err = 0, nil
	}
	if err != nil {
		return fmt.Errorf("postgis: open %s: check schema: %w", s.target, unavailable(ctx, err))
	}
	if err := store.CheckSchema(got, ms, true); err != nil {
		return fmt.Errorf("postgis: open %s: %w", s.target, err)
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
