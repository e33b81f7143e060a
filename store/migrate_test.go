package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aidmap/aidmap/store"
)

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int  // versions in order
		wantErr string // substring of the error
	}{
		{
			name:  "sorted by number, not by name",
			files: fstest.MapFS{"m/10_c.sql": file("c"), "m/2_b.sql": file("b"), "m/0001_a.sql": file("a")},
			want:  []int{1, 2, 10},
		},
		{name: "no number", files: fstest.MapFS{"m/init.sql": file("")}, wantErr: "positive number"},
		{name: "zero", files: fstest.MapFS{"m/0000_init.sql": file("")}, wantErr: "positive number"},
		{name: "negative", files: fstest.MapFS{"m/-1_init.sql": file("")}, wantErr: "positive number"},
		{name: "same number", files: fstest.MapFS{"m/0003_a.sql": file(""), "m/3_b.sql": file("")}, wantErr: "same number"},
		{name: "none", files: fstest.MapFS{"m/readme.txt": file("")}, wantErr: "no files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := store.LoadMigrations(tt.files, "m/*.sql")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("versions: got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("versions: got %v, want %v", got, tt.want)
				}
			}
			if ms[0].Name != "0001_a.sql" || ms[0].SQL != "a" {
				t.Errorf("first: got %q %q, want 0001_a.sql and its text", ms[0].Name, ms[0].SQL)
			}
		})
	}
}

// recorder is a database reduced to its schema_migrations table: the engines' own tests run
// store.Migrate against real SQLite and PostGIS; this one checks the runner's order and rules.
type recorder struct {
	applied []int
	failAt  int
}

func (r *recorder) SchemaVersion(context.Context) (int, error) {
	if len(r.applied) == 0 {
		return 0, nil
	}
	return r.applied[len(r.applied)-1], nil
}

func (r *recorder) ApplyMigration(_ context.Context, m store.Migration) error {
	if m.Version == r.failAt {
		return errors.New("syntax error")
	}
	r.applied = append(r.applied, m.Version)
	return nil
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	ms := []store.Migration{{Version: 1, Name: "0001_a.sql"}, {Version: 2, Name: "0002_b.sql"}, {Version: 5, Name: "0005_c.sql"}}

	t.Run("applies what is missing, in order, and resumes", func(t *testing.T) {
		r := &recorder{failAt: 5}
		err := store.Migrate(ctx, r, ms)
		if err == nil || !strings.Contains(err.Error(), "0005_c.sql: syntax error") {
			t.Fatalf("got %v, want the failing migration named", err)
		}
		r.failAt = 0
		if err := store.Migrate(ctx, r, ms); err != nil {
			t.Fatal(err)
		}
		if err := store.Migrate(ctx, r, ms); err != nil { // up to date: nothing to do
			t.Fatal(err)
		}
		if got := r.applied; len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 5 {
			t.Errorf("applied %v, want [1 2 5] once each", got)
		}
	})
	t.Run("refuses a newer database before running anything", func(t *testing.T) {
		r := &recorder{applied: []int{7}}
		err := store.Migrate(ctx, r, ms)
		if err == nil || !strings.Contains(err.Error(), "schema version 7, newer than this program's 5") {
			t.Fatalf("got %v", err)
		}
		if len(r.applied) != 1 {
			t.Errorf("applied %v after refusing", r.applied)
		}
	})
}

func TestCheckSchema(t *testing.T) {
	ms := []store.Migration{{Version: 1}, {Version: 4}}
	tests := []struct {
		have    int
		exact   bool
		wantErr string
	}{
		{have: 4, exact: true},
		{have: 2, exact: false},
		{have: 2, exact: true, wantErr: "needs 4: run `aidmap migrate`"},
		{have: 0, exact: true, wantErr: "schema version 0"},
		{have: 5, exact: false, wantErr: "newer than this program's 4"},
		{have: 5, exact: true, wantErr: "newer than this program's 4"},
	}
	for _, tt := range tests {
		err := store.CheckSchema(tt.have, ms, tt.exact)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("CheckSchema(%d, exact=%v): %v", tt.have, tt.exact, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("CheckSchema(%d, exact=%v): got %v, want %q", tt.have, tt.exact, err, tt.wantErr)
		}
	}
}
