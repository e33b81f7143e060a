package sqlite

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// DeploymentKey returns the deployment's secret key, generating it on the first call. The
// insert is a no-op when another process got there first, and the key is read back after it,
// so every caller sees the one stored key.
func (s *Store) DeploymentKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT key FROM deployment_key WHERE id = 1`).Scan(&key)
	if err == nil && len(key) >= aidmap.KeySize {
		return key, nil
	}
	fresh := make([]byte, aidmap.KeySize)
	rand.Read(fresh) // never fails (crypto/rand)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO deployment_key (id, key, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
		fresh, time.Now().UnixMicro()); err != nil {
		return nil, fmt.Errorf("sqlite: deployment key: %w", unavailable(ctx, err))
	}
	if err := s.db.QueryRowContext(ctx, `SELECT key FROM deployment_key WHERE id = 1`).Scan(&key); err != nil {
		return nil, fmt.Errorf("sqlite: deployment key: %w", unavailable(ctx, err))
	}
	return key, nil
}

// SetDeploymentKey replaces the deployment key.
func (s *Store) SetDeploymentKey(ctx context.Context, key []byte) error {
	if len(key) < aidmap.KeySize {
		return fmt.Errorf("sqlite: set deployment key: %w", aidmap.ErrNoKey)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO deployment_key (id, key, created_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET key = excluded.key, created_at = excluded.created_at`, key, time.Now().UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: set deployment key: %w", unavailable(ctx, err))
	}
	return nil
}
