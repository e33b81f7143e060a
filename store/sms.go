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
