package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

var _ store.SMSState = (*Store)(nil)

// HitSMS counts one event under key in its current window (store.SMSState). INSERT … ON
// CONFLICT DO UPDATE takes the row's lock, so hits from every replica are counted.
func (s *Store) HitSMS(ctx context.Context, key []byte, now time.Time, window time.Duration) (int, error) {
	if err := store.CheckSMS(key, nil); err != nil {
		return 0, fmt.Errorf("postgis: hit sms: %w", err)
	}
	if window <= 0 {
		return 0, fmt.Errorf("postgis: hit sms: window %v: %w", window, aidmap.ErrInvalid)
	}
	var n int
	err := s.pool.QueryRow(ctx, `INSERT INTO sms_state AS s (key, hits, window_end, expires) VALUES ($1, 1, $2, $2)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN s.window_end > $3 THEN s.hits + 1 ELSE 1 END,
			window_end = CASE WHEN s.window_end > $3 THEN s.window_end ELSE $2 END,
			expires = greatest(s.expires, $2)
		RETURNING hits`, key, now.Add(window), now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgis: hit sms: %w", unavailable(ctx, err))
	}
	return n, nil
}

// PutSMSSession stores a number's last search (store.SMSState).
func (s *Store) PutSMSSession(ctx context.Context, key, data []byte, expires time.Time) error {
	if err := store.CheckSMS(key, data); err != nil {
		return fmt.Errorf("postgis: put sms session: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sms_state AS s (key, session, session_expires, expires) VALUES ($1, $2, $3, $3)
		ON CONFLICT (key) DO UPDATE SET session = $2, session_expires = $3, expires = greatest(s.expires, $3)`,
		key, data, expires)
	if err != nil {
		return fmt.Errorf("postgis: put sms session: %w", unavailable(ctx, err))
	}
	return nil
}
