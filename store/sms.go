package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// SMSState is the optional part of a store that keeps what answering text messages needs
// when several replicas answer them behind a load balancer: per-number counters (the rate
// limits), a number's last search (for "more") and the delivery IDs of webhooks already
// answered (a gateway's retries). Every row is under a key the caller derives, a keyed hash
// of a phone number or of a delivery ID: never a phone number and never a message's text.
// Every row expires; SweepSMS deletes the expired ones.
//
// Errors wrap the domain's sentinels as Store's do.
type SMSState interface {
	// HitSMS counts one event under key and returns how many the key has in its current
	// window, this one included. A window starts at the first event after the last one
	// ended and lasts window (more than zero); the row is kept at least until it ends.
	// Concurrent hits on one key from any number of processes are all counted.
	HitSMS(ctx context.Context, key []byte, now time.Time, window time.Duration) (int, error)
	// PutSMSSession stores data under key until expires, replacing what was there (counters
	// are kept). Data is what the caller encodes of a search, at most MaxSMSSession bytes.
	PutSMSSession(ctx context.Context, key, data []byte, expires time.Time) error
	// SMSSession returns the data stored under key, or ErrNotFound when there is none or it
	// expired at now.
	SMSSession(ctx context.Context, key []byte, now time.Time) ([]byte, error)
	// SweepSMS deletes every row whose counters and data have all expired at now and
	// returns how many it deleted.
	SweepSMS(ctx context.Context, now time.Time) (int64, error)
}

// MaxSMSKey and MaxSMSSession bound what SMSState keeps, in bytes (larger is ErrInvalid): a
// hash, and a search's point, needs, language, place label and offset.
const (
	MaxSMSKey     = 64
	MaxSMSSession = 1024
)

// CheckSMS checks a key and a session's data against SMSState's bounds (MaxSMSKey,
// MaxSMSSession).
func CheckSMS(key, data []byte) error {
	if len(key) == 0 || len(key) > MaxSMSKey {
		return fmt.Errorf("key of %d bytes (want 1 to %d): %w", len(key), MaxSMSKey, aidmap.ErrInvalid)
	}
	if len(data) > MaxSMSSession {
		return fmt.Errorf("session of %d bytes (want at most %d): %w", len(data), MaxSMSSession, aidmap.ErrInvalid)
	}
	return nil
}

// HitSMS counts one event under key in its current window (SMSState). The upsert is one
// statement: SQLite's one writer makes it atomic, and on PostgreSQL INSERT … ON CONFLICT DO
// UPDATE takes the row's lock, so hits from every replica are counted. (A CASE, not max or
// greatest, takes the later time: the dialects name that function differently.)
func (q Queries) HitSMS(ctx context.Context, key []byte, now time.Time, window time.Duration) (int, error) {
	if err := CheckSMS(key, nil); err != nil {
		return 0, q.fail(fmt.Errorf("hit sms: %w", err))
	}
	if window <= 0 {
		return 0, q.fail(fmt.Errorf("hit sms: window %v: %w", window, aidmap.ErrInvalid))
	}
	var n int
	err := q.writer.QueryRow(ctx, `INSERT INTO sms_state AS s (key, hits, window_end, expires) VALUES ($1, 1, $2, $2)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN s.window_end > $3 THEN s.hits + 1 ELSE 1 END,
			window_end = CASE WHEN s.window_end > $3 THEN s.window_end ELSE $2 END,
			expires = CASE WHEN s.expires > $2 THEN s.expires ELSE $2 END
		RETURNING hits`, key, now.Add(window), now).Scan(&n)
	if err != nil {
		return 0, q.fail(fmt.Errorf("hit sms: %w", err))
	}
	return n, nil
}

// PutSMSSession stores a number's last search (SMSState).
func (q Queries) PutSMSSession(ctx context.Context, key, data []byte, expires time.Time) error {
	if err := CheckSMS(key, data); err != nil {
		return q.fail(fmt.Errorf("put sms session: %w", err))
	}
	if data == nil {
		data = []byte{}
	}
	_, err := q.writer.Exec(ctx, `INSERT INTO sms_state AS s (key, session, session_expires, expires) VALUES ($1, $2, $3, $3)
		ON CONFLICT (key) DO UPDATE SET session = $2, session_expires = $3,
			expires = CASE WHEN s.expires > $3 THEN s.expires ELSE $3 END`,
		key, data, expires)
	if err != nil {
		return q.fail(fmt.Errorf("put sms session: %w", err))
	}
	return nil
}
