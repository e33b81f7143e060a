package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/aidmap/aidmap/store"
)

// migrationFiles are the schema changes (store.Migrations).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate brings the schema up to date with the shared runner (store.Migrate), recording
// each migration in schema_migrations. It is safe to call on an up-to-date database and from
// several processes at once (each migration takes the write lock, then checks whether it is
// still needed). Open calls it.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := store.Migrations(migrationFiles)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL -- microseconds since the Unix epoch
	) STRICT`)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", unavailable(ctx, err))
	}
	if err := store.Migrate(ctx, migrator{s}, ms); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", s.path, unavailable(ctx, err))
	}
	return nil
}

// migrator is the SQLite side of store.Migrate.
type migrator struct{ s *Store }

func (m migrator) SchemaVersion(ctx context.Context) (int, error) {
	var newest sql.NullInt64
	err := m.s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&newest)
	return int(newest.Int64), err
}

func (m migrator) ApplyMigration(ctx context.Context, mig store.Migration) error {
	tx, err := m.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations WHERE version = ?`, mig.Version).Scan(&one)
	if err == nil {
		return nil // applied by another process since SchemaVersion
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if _, err := tx.ExecContext(ctx, mig.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		mig.Version, mig.Name, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}
