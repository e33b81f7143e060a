package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one schema change of a store engine: a file NNNN_what.sql, applied in number
// order. A published migration is never edited: an engine adds the next number instead. Both
// engines number their migrations alike, so a version means the same change in each.
type Migration struct {
	Version int    // NNNN
	Name    string // the file name, e.g. "0005_deployment_key.sql"
	SQL     string // the statements, run in one transaction
}

// Migrations returns an engine's migrations, the files migrations/NNNN_what.sql of fsys
// (embedded in the engine: //go:embed migrations/*.sql), in version order (LoadMigrations).
func Migrations(fsys fs.FS) ([]Migration, error) {
	return LoadMigrations(fsys, "migrations/*.sql")
}

// LoadMigrations reads the migrations matching pattern (e.g. "migrations/*.sql") from fsys,
// usually an engine's embedded files, and returns them in version order. A name that does not
// start with a positive number and "_", two files with one number, or no files at all is an
// error: a program with a broken schema list must not start.
func LoadMigrations(fsys fs.FS, pattern string) ([]Migration, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", pattern, err)
	}
	var out []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", base, err)
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(text)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrations %s: no files", pattern)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Migrator is what an engine gives the shared migration runner: how to read its schema version
// and how to apply one migration.
type Migrator interface {
	// SchemaVersion returns the newest applied migration's version, 0 for none. The table
	// that records applied migrations exists when it is called.
	SchemaVersion(ctx context.Context) (int, error)
	// ApplyMigration runs m and records it as applied in one transaction. It must do nothing
	// when m is already recorded (another process may have applied it since SchemaVersion).
	ApplyMigration(ctx context.Context, m Migration) error
}

// Migrate applies, in order, each of ms (from LoadMigrations) newer than the database's schema
// version, so an interrupted run resumes where it stopped. A database newer than the newest of
// ms is refused before anything runs: this program would not know its tables. Errors name the
// migration and are not wrapped with the engine's name: the caller adds it.
func Migrate(ctx context.Context, m Migrator, ms []Migration) error {
	have, err := m.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if err := CheckSchema(have, ms, false); err != nil {
		return err
	}
	for _, mig := range ms {
		if mig.Version <= have {
			continue
		}
		if err := m.ApplyMigration(ctx, mig); err != nil {
			return fmt.Errorf("%s: %w", mig.Name, err)
		}
	}
	return nil
}

// CheckSchema says whether a database at schema version have suits a program whose newest
// migration is the last of ms: never when the database is newer, and when exact is set (a
// process that may not migrate), only when it is at that version.
func CheckSchema(have int, ms []Migration, exact bool) error {
	want := 0
	if len(ms) > 0 {
		want = ms[len(ms)-1].Version
	}
	switch {
	case have > want:
		return fmt.Errorf("the database is at schema version %d, newer than this program's %d: use a newer aidmap", have, want)
	case exact && have < want:
		return fmt.Errorf("the database is at schema version %d, this program needs %d: run `aidmap migrate` (or start without disabling migrations)", have, want)
	}
	return nil
}
