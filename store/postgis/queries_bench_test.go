package postgis

import (
	"context"
	"testing"
	"time"

	"github.com/aidmap/aidmap/store"
)

// BenchmarkTokenByHash measures the look-up every authenticated request makes, and
// BenchmarkTokens a list of 50 rows read the same way (#15: store.Queries over store.DB).
func BenchmarkTokenByHash(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	_, id, hash := store.NewTokenSecret()
	if err := s.CreateToken(ctx, store.Token{ID: id, Role: store.RoleAdmin, Hash: hash, CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.TokenByHash(ctx, hash); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokens(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	for range 50 {
		_, id, hash := store.NewTokenSecret()
		if err := s.CreateToken(ctx, store.Token{ID: id, Role: store.RoleAdmin, Hash: hash, CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if ts, err := s.Tokens(ctx, ""); err != nil || len(ts) != 50 {
			b.Fatal(err, len(ts))
		}
	}
}
