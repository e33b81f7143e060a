package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// Accounts is the optional part of a store that keeps who may write what: API tokens of
// organisations, the record of each upload made over HTTP, and the history of every change an
// actor made. A Store that also implements Accounts lets aidmap accept uploads over HTTP;
// one that does not still serves the map.
//
// History is written by the Upload API itself: an upload opened with UploadOptions.Actor
// records, in its own transaction, one HistoryEntry per site it created, updated or retired,
// so the history is exactly what was committed (nothing for a dry run or a rolled-back one).
//
// Errors wrap the domain's sentinels as Store's do.
type Accounts interface {
	// CreateToken stores a new token. Its ID and Hash must be unique (else ErrConflict); Role
	// must be valid and OrganizationID name an existing organisation, or be empty only for a
	// deployment-wide admin (else ErrInvalid / ErrNotFound).
	CreateToken(ctx context.Context, tok Token) error
	// TokenByHash returns the token whose Hash is hash, revoked and expired ones included (the
	// caller decides: Token.Usable), or ErrNotFound.
	TokenByHash(ctx context.Context, hash [32]byte) (Token, error)
	// Tokens lists the tokens of one organisation, or every token when orgID is empty, ordered
	// by creation then ID.
	Tokens(ctx context.Context, orgID string) ([]Token, error)
	// RevokeToken marks the token revoked at the given time; revoking a revoked token keeps
	// the first time. An unknown ID is ErrNotFound.
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// PutUploadRecord creates or replaces the record of an upload (by ID).
	PutUploadRecord(ctx context.Context, rec UploadRecord) error
	// UploadRecord returns one upload of the organisation, or ErrNotFound (also when the
	// upload exists but belongs to another organisation).
	UploadRecord(ctx context.Context, orgID, id string) (UploadRecord, error)
	// UploadRecords lists the organisation's uploads, newest first, at most limit (a limit
	// below 1 is ErrInvalid). Their Report is left out: it can be megabytes.
	UploadRecords(ctx context.Context, orgID string, limit int) ([]UploadRecord, error)
	// TouchUploads records that the uploads with these IDs are still being worked on, at at:
	// the heartbeat of the process running them. Unknown IDs are ignored.
	TouchUploads(ctx context.Context, ids []string, at time.Time) error
	// AbandonUploads marks every upload still queued or running whose last heartbeat (or,
	// without one, its start or creation) is before staleBefore as UploadAbandoned, finished
	// at now, with reason as its Error, and returns how many. Their process died (kill -9, a
	// shutdown that could not wait): their transaction was rolled back, nothing of them was
	// written. Any process sharing the store may call it, since the running ones keep their
	// heartbeat fresh.
	AbandonUploads(ctx context.Context, staleBefore, now time.Time, reason string) (int, error)
	// A queued upload whose file is stored (QueueUpload) is never abandoned: any process
	// sharing the store may claim it. An abandoned upload keeps its file, for RetryUpload.

	// QueueUpload stores the record of an accepted upload (Status UploadQueued, else
	// ErrInvalid) with its file, in one transaction, so that any process sharing the store
	// can claim and run it. When maxQueued > 0 and the store already holds that many queued
	// uploads (of every organisation), it stores nothing and returns ErrQueueFull. The bound
	// is checked without a lock: concurrent callers may pass it by one each.
	QueueUpload(ctx context.Context, rec UploadRecord, file UploadFile, maxQueued int) error
	// ClaimUpload takes the oldest queued upload whose file is stored, marks it UploadRunning
	// (started and heartbeat at now) and returns it with its file; ErrNotFound when there is
	// none. Two callers, in one process or many, never claim the same upload.
	ClaimUpload(ctx context.Context, now time.Time) (UploadRecord, UploadFile, error)
	// FinishUpload records the final state of an upload (as PutUploadRecord) and deletes its
	// stored file, in one transaction.
	FinishUpload(ctx context.Context, rec UploadRecord) error
	// RetryUpload puts an abandoned upload of the organisation back in the queue (status
	// UploadQueued, its start, end, heartbeat and error cleared) and returns it. ErrNotFound
	// when there is no such upload; ErrConflict when it is not abandoned or its file is no
	// longer stored (it is uploaded again instead): a *FileExpiredError when
	// ExpireUploadFiles deleted it.
	RetryUpload(ctx context.Context, orgID, id string) (UploadRecord, error)
	// DismissUpload marks an abandoned upload of the organisation UploadDismissed, finished
	// at now, deletes its stored file and returns it. ErrNotFound when there is no such
	// upload; ErrConflict when it is not abandoned.
	DismissUpload(ctx context.Context, orgID, id string, now time.Time) (UploadRecord, error)
	// ExpireUploadFiles deletes the stored file of every upload that is neither queued nor
	// running and ended (FinishedAt; without one, CreatedAt) before endedBefore, records now
	// as its FileExpiredAt, and returns how many. The records stay. Any number of processes
	// sharing the store may call it at once: each file expires once, and an upload retried
	// at the same moment is either queued with its file or expired, never queued without it.
	ExpireUploadFiles(ctx context.Context, endedBefore, now time.Time) (int, error)

	// History returns history entries of the organisation matching q, newest first.
	History(ctx context.Context, orgID string, q HistoryQuery) ([]HistoryEntry, error)
	// ChangedLater returns the IDs of sites that the upload changed and that a later change
	// (of another upload) changed again: the sites a rollback of the upload would overwrite.
	// Changes undone since do not count: those of an upload that was rolled back, and those
	// of rollbacks of other uploads (a rollback of this upload does: it cannot be undone twice).
	ChangedLater(ctx context.Context, orgID, uploadID string) ([]string, error)
}

// Role says what a token may do.
type Role string

// Roles. An editor uploads and edits its organisation's sites; an admin of an organisation
// may do the same; an admin token with no organisation is deployment-wide and may act for
// every organisation.
const (
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleEditor || r == RoleAdmin }

// Token is an API token as stored: never the secret itself, only its SHA-256.
type Token struct {
	ID             string
	OrganizationID string // empty for a deployment-wide admin
	Role           Role
	Hash           [32]byte // SHA-256 of the secret
	CreatedAt      time.Time
	ExpiresAt      time.Time // zero: never
	RevokedAt      time.Time // zero: not revoked
}

// Validate checks the token can be stored.
func (t *Token) Validate() error {
	switch {
	case t.ID == "":
		return &aidmap.FieldError{Field: "id", Reason: "is required"}
	case !t.Role.Valid():
		return &aidmap.FieldError{Field: "role", Value: string(t.Role), Reason: "must be editor or admin"}
	case t.OrganizationID == "" && t.Role != RoleAdmin:
		return &aidmap.FieldError{Field: "organization_id", Reason: "is required for an editor (only an admin token may be deployment-wide)"}
	case t.Hash == [32]byte{}:
		return &aidmap.FieldError{Field: "hash", Reason: "is required"}
	}
	return nil
}

// Usable returns nil if the token may be used at now, else why not.
func (t *Token) Usable(now time.Time) error {
	if !t.RevokedAt.IsZero() {
		return fmt.Errorf("token %s was revoked: %w", t.ID, aidmap.ErrForbidden)
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return fmt.Errorf("token %s expired: %w", t.ID, aidmap.ErrForbidden)
	}
	return nil
}

// Allows reports whether the token may act for the organisation.
func (t *Token) Allows(orgID string) bool {
	if t.OrganizationID == "" {
		return t.Role == RoleAdmin
	}
	return t.OrganizationID == orgID
}

// Upload statuses.
const (
	UploadQueued  = "queued"
	UploadRunning = "running"
	UploadDone    = "done"
	UploadFailed  = "failed"
	// UploadAbandoned is an upload whose process stopped before it finished: nothing of it
	// was written (see Accounts.AbandonUploads). It can be uploaded again.
	UploadAbandoned = "abandoned"
	// UploadDismissed is an abandoned upload its organisation chose not to retry.
	UploadDismissed = "dismissed"
)

// UploadFile is what a queued upload needs to run besides its record: the file as it was
// sent, and the request's confirmation of the sites it may retire (confirm_retire=N; 0 none).
type UploadFile struct {
	Body          []byte
	ConfirmRetire int
	// Verify is the request's verify=true: the upload counts as a verification of every site
	// it lists, by its token.
	Verify bool
}

// ErrQueueFull is returned (wrapping aidmap.ErrUnavailable) by QueueUpload when the store
// already holds as many queued uploads as it was told to.
var ErrQueueFull = fmt.Errorf("too many uploads are queued: %w", aidmap.ErrUnavailable)

// UploadRecord is what is kept of one upload made over HTTP (or one rollback, or one site
// edit): who made it, what became of it and the full report. FileExpiredAt is when the
// stored file of an upload that ended without running (abandoned) was deleted for being kept
// too long (Accounts.ExpireUploadFiles): it can no longer be retried, only uploaded again.
type UploadRecord struct {
	ID             string          `json:"id"`
	OrganizationID string          `json:"organization_id"`
	TokenID        string          `json:"token_id"`
	Status         string          `json:"status"` // UploadQueued, ...
	Mode           string          `json:"mode"`   // merge, replace, rollback, edit
	DryRun         bool            `json:"dry_run"`
	Filename       string          `json:"filename,omitempty"`
	RollbackOf     string          `json:"rollback_of,omitempty"` // the upload this one undid
	CreatedAt      time.Time       `json:"created_at"`
	StartedAt      time.Time       `json:"started_at,omitzero"`
	FinishedAt     time.Time       `json:"finished_at,omitzero"`
	Created        int             `json:"created"`
	Updated        int             `json:"updated"`
	Unchanged      int             `json:"unchanged"`
	Retired        int             `json:"retired"`
	Rejected       int             `json:"rejected"`
	Error          string          `json:"error,omitempty"`
	FileExpiredAt  time.Time       `json:"file_expired_at,omitzero"`
	Report         json.RawMessage `json:"report,omitempty"`
}

// HistoryQuery narrows History. Zero fields match everything.
type HistoryQuery struct {
	SiteID   string
	UploadID string
	BeforeID int64 // only entries with a smaller ID: paging, newest first
	Limit    int   // at most this many; below 1 means 100
}

// Bounds returns the page size and the ID the page starts below, with the defaults applied:
// what both stores' queries take.
func (q HistoryQuery) Bounds() (limit int, beforeID int64) {
	limit, beforeID = q.Limit, q.BeforeID
	if limit < 1 {
		limit = 100
	}
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	return limit, beforeID
}

// HistoryEntry is one change of one site: who (the token ID), when, and the site before and
// after as its JSON (aidmap.Site's exact form). Before is nil for a created site.
type HistoryEntry struct {
	ID             int64           `json:"id"`
	OrganizationID string          `json:"organization_id"`
	SiteID         string          `json:"site_id"`
	UploadID       string          `json:"upload_id"`
	Actor          string          `json:"actor"`
	At             time.Time       `json:"at"`
	Before         json.RawMessage `json:"before"`
	After          json.RawMessage `json:"after"`
	// RollbackOf is the upload this entry's upload undid, when it was a rollback.
	RollbackOf string `json:"rollback_of,omitempty"`
}

// Kind says what the change did: created, retired or updated.
func (h *HistoryEntry) Kind() string {
	switch {
	case len(h.Before) == 0:
		return "created"
	case statusOf(h.After) == aidmap.StatusRetired && statusOf(h.Before) != aidmap.StatusRetired:
		return "retired"
	}
	return "updated"
}

func statusOf(doc json.RawMessage) aidmap.Status {
	var s struct {
		Status aidmap.Status `json:"status"`
	}
	json.Unmarshal(doc, &s)
	return s.Status
}

// ErrLaterChanges is wrapped (with ErrConflict) by Rollback when later uploads changed sites
// of the upload to undo.
var ErrLaterChanges = errors.New("later changes to the same sites")

// LaterChanger is an Upload (of a store that implements Accounts) that answers ChangedLater
// inside its own transaction, which holds the organisation's write lock: what it finds stays
// true until the upload commits, whichever process writes next. Both stores' uploads are.
type LaterChanger interface {
	ChangedLater(ctx context.Context, uploadID string) ([]string, error)
}

// Rollback undoes upload uploadID of the organisation with a new upload (newID, by actor):
// every site it created is retired, every site it updated or retired is written back as it was
// before. It refuses (ErrConflict) when a later upload changed any of the same sites, naming
// up to ten of them, since restoring them would silently undo that later work; later uploads
// that were rolled back themselves do not count, so uploads can be undone newest first. A
// rollback is not rolled back (ErrConflict): the file is uploaded again instead. A dry-run
// upload changed nothing and an unknown one is ErrNotFound.
//
// The check and the restore are one transaction holding the organisation's write lock (the
// upload's), so no write of another process (an upload on another replica, aidmap ingest)
// can come between them: either it committed before and the check sees it, or it waits.
func Rollback(ctx context.Context, s Store, a Accounts, orgID, uploadID, newID, actor string) (UploadResult, error) {
	up, err := s.BeginUpload(ctx, orgID, UploadOptions{Actor: actor, UploadID: newID, RollbackOf: uploadID})
	if err != nil {
		return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
	}
	defer up.Rollback(ctx)
	var later []string
	if lc, ok := up.(LaterChanger); ok {
		later, err = lc.ChangedLater(ctx, uploadID)
	} else {
		later, err = a.ChangedLater(ctx, orgID, uploadID)
	}
	if err != nil {
		return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
	}
	if len(later) > 0 {
		names := later[:min(10, len(later))]
		return UploadResult{}, fmt.Errorf("store: rollback %s: %d sites were changed again later (%v): %w: %w",
			uploadID, len(later), names, ErrLaterChanges, aidmap.ErrConflict)
	}
	if first, err := a.History(ctx, orgID, HistoryQuery{UploadID: uploadID, Limit: 1}); err != nil {
		return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
	} else if len(first) > 0 && first[0].RollbackOf != "" {
		return UploadResult{}, fmt.Errorf("store: rollback %s: it is itself a rollback; upload the file again instead: %w", uploadID, aidmap.ErrConflict)
	}
	var (
		batch  []aidmap.Site
		retire []string
		before int64
		any    bool
	)
	for {
		entries, err := a.History(ctx, orgID, HistoryQuery{UploadID: uploadID, BeforeID: before, Limit: 1000})
		if err != nil {
			return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
		}
		for _, e := range entries {
			any = true
			before = e.ID
			if len(e.Before) == 0 {
				retire = append(retire, e.SiteID)
				continue
			}
			var site aidmap.Site
			if err := json.Unmarshal(e.Before, &site); err != nil {
				return UploadResult{}, fmt.Errorf("store: rollback %s: site %s: %w", uploadID, e.SiteID, err)
			}
			batch = append(batch, site)
		}
		if len(batch) > 0 {
			if err := up.Add(ctx, batch); err != nil {
				return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
			}
			batch = batch[:0]
		}
		if len(entries) < 1000 {
			break
		}
	}
	if !any {
		if _, err := a.UploadRecord(ctx, orgID, uploadID); err != nil {
			return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
		}
	}
	if err := up.Retire(ctx, retire); err != nil {
		return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
	}
	res, err := up.Commit(ctx)
	if err != nil {
		return UploadResult{}, fmt.Errorf("store: rollback %s: %w", uploadID, err)
	}
	return res, nil
}

// MarshalHistory encodes a site as history keeps it.
func MarshalHistory(s *aidmap.Site) ([]byte, error) { return json.Marshal(s) }

// TokenPrefix starts every token secret, so a leaked one is recognisable (secret scanners,
// people reading logs) and cannot be mistaken for a password.
const TokenPrefix = "aidmap_"

// NewTokenSecret returns a new token secret (TokenPrefix and 32 random bytes in unpadded
// base64url), its hash as stored, and a new token ID. The secret is shown once and never kept.
func NewTokenSecret() (secret, id string, hash [32]byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, NewID("tok_"), HashTokenSecret(secret)
}

// HashTokenSecret returns the SHA-256 of a token secret: what the store keeps and looks up.
func HashTokenSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// NewID returns prefix followed by 12 random bytes in hex: IDs for tokens and uploads that
// reveal nothing about how many exist.
func NewID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
