package postgis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aidmap/aidmap"
)

// DeploymentKey returns the deployment's secret key, generating it on the first call. Two
// replicas starting at once both try to insert; ON CONFLICT keeps the first, and each reads
// back the one stored.
func (s *Store) DeploymentKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.pool.QueryRow(ctx, `SELECT key FROM deployment_key WHERE id = 1`).Scan(&key)
	if err == nil && len(key) >= aidmap.KeySize {
		return key, nil
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgis: deployment key: %w", unavailable(ctx, err))
	}
	fresh := make([]byte, aidmap.KeySize)
	rand.Read(fresh) // never fails (crypto/rand)
	// Two statements: the SELECT's snapshot is taken after the INSERT, so it sees the key of a
	// replica whose insert won the conflict.
	if _, err := s.pool.Exec(ctx, `INSERT INTO deployment_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("postgis: deployment key: %w", unavailable(ctx, err))
	}
	if err := s.pool.QueryRow(ctx, `SELECT key FROM deployment_key WHERE id = 1`).Scan(&key); err != nil {
		return nil, fmt.Errorf("postgis: deployment key: %w", unavailable(ctx, err))
	}
	return key, nil
}

// SetDeploymentKey replaces the deployment key.
func (s *Store) SetDeploymentKey(ctx context.Context, key []byte) error {
	if len(key) < aidmap.KeySize {
		return fmt.Errorf("postgis: set deployment key: %w", aidmap.ErrNoKey)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO deployment_key (id, key) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET key = excluded.key, created_at = now()`, key); err != nil {
		return fmt.Errorf("postgis: set deployment key: %w", unavailable(ctx, err))
	}
	return nil
}
