package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// Reports is the optional part of a store that keeps the public's reports of problems with
// sites ("closed", "wrong hours"...): the organisation's corrections inbox. A report holds
// only what the person chose and typed, never who sent it (no address, no account).
//
// Errors wrap the domain's sentinels as Store's do.
type Reports interface {
	// AddReport stores a new report (Status ReportOpen). Its ID must be new (else
	// ErrConflict); Kind must be valid, Note at most MaxReportNote bytes of UTF-8, and
	// OrganizationID an existing organisation (else ErrInvalid / ErrNotFound). A "closed"
	// report with a Reporter updates the site's ClosedReports (ClosedReporters of its open
	// reports), giving the site a new version in the change feed; so does handling one
	// (ResolveReport), which also forgets its Reporter.
	AddReport(ctx context.Context, r Report) error
	// Reports returns the organisation's reports with the given status (every status when
	// empty), newest first, at most limit (below 1 is ErrInvalid).
	Reports(ctx context.Context, orgID, status string, limit int) ([]Report, error)
	// ResolveReport marks an open report of the organisation accepted or dismissed, by the
	// token by at at, and returns it. ErrNotFound when the organisation has no such report
	// (also when another organisation has it); ErrConflict when it is not open; ErrInvalid
	// for another status.
	ResolveReport(ctx context.Context, orgID, id, status, by string, at time.Time) (Report, error)
	// CountReports returns how many reports were made about the site since since: the
	// per-site rate limit, shared by every process using the store.
	CountReports(ctx context.Context, siteID string, since time.Time) (int, error)
}

// Report statuses.
const (
	ReportOpen      = "open"
	ReportAccepted  = "accepted"  // a steward took it up (and edits the site)
	ReportDismissed = "dismissed" // a steward found nothing wrong
)

// ReportKinds are what a person can report about a site.
var ReportKinds = []string{"closed", "wrong_hours", "moved", "wrong_phone", "other"}

// MaxReportNote is the longest note a report may carry, in bytes: 500 characters of any
// script (the web form's limit) fit.
const MaxReportNote = 2000

// Report is one problem the public reported with a site.
type Report struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	SiteID         string    `json:"site_id"` // the stored ID (for a confidential site, not its public one)
	Kind           string    `json:"kind"`    // one of ReportKinds
	Note           string    `json:"note,omitempty"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	HandledAt      time.Time `json:"handled_at,omitzero"`
	HandledBy      string    `json:"handled_by,omitempty"` // the token that accepted or dismissed it
	// Reporter tells reports of one person about one site apart without saying who: a keyed
	// hash of their address and the site (web), never the address. Only "closed" reports
	// carry one, and only where the deployment counts them ("reported as possibly closed");
	// never published, and cleared when the report is handled. Empty: not counted.
	Reporter string `json:"-"`
}

// ValidReportKind reports whether kind is one of ReportKinds.
func ValidReportKind(kind string) bool {
	for _, k := range ReportKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Validate checks that r can be stored: the error is a *aidmap.FieldError.
func (r *Report) Validate() error {
	switch {
	case r.ID == "":
		return &aidmap.FieldError{Field: "id", Reason: "is required"}
	case r.OrganizationID == "":
		return &aidmap.FieldError{Field: "organization_id", Reason: "is required"}
	case r.SiteID == "":
		return &aidmap.FieldError{Field: "site_id", Reason: "is required"}
	case !ValidReportKind(r.Kind):
		return &aidmap.FieldError{Field: "kind", Value: strings.ToValidUTF8(r.Kind, "?"), Reason: "must be one of " + strings.Join(ReportKinds, ", ")}
	case !utf8.ValidString(r.Note) || strings.ContainsRune(r.Note, 0):
		return &aidmap.FieldError{Field: "note", Reason: "must be text (UTF-8, no NUL)"}
	case len(r.Reporter) > 128:
		return &aidmap.FieldError{Field: "reporter", Reason: "is longer than 128 bytes"}
	case len(r.Note) > MaxReportNote:
		return &aidmap.FieldError{Field: "note", Reason: fmt.Sprintf("is longer than %d bytes", MaxReportNote)}
	}
	return nil
}

// NewReport checks a report given to AddReport (Validate) and returns it as the store keeps
// it: CreatedAt now when zero, and a Reporter only on a "closed" report (only those are
// counted, ClosedReporters).
func NewReport(r Report) (Report, error) {
	if err := r.Validate(); err != nil {
		return Report{}, err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	if r.Kind != "closed" {
		r.Reporter = ""
	}
	return r, nil
}

// CheckResolution checks the status given to ResolveReport: accepted or dismissed.
func CheckResolution(status string) error {
	if status != ReportAccepted && status != ReportDismissed {
		return fmt.Errorf("status %q: %w", status, aidmap.ErrInvalid)
	}
	return nil
}

// CheckOpen says whether the stored report r may be resolved: only an open one
// (aidmap.ErrConflict otherwise).
func CheckOpen(r Report) error {
	if r.Status != ReportOpen {
		return fmt.Errorf("it is %s already: %w", r.Status, aidmap.ErrConflict)
	}
	return nil
}

// AddReport stores a new report (Reports).
func (q Queries) AddReport(ctx context.Context, r Report) error {
	r, err := NewReport(r)
	if err != nil {
		return q.fail(fmt.Errorf("add report: %w", err))
	}
	if _, err := q.Organization(ctx, r.OrganizationID); err != nil {
		return q.fail(fmt.Errorf("add report: %w", err))
	}
	err = q.write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO reports (id, organization_id, site_id, kind, note, status, created_at, reporter)
			VALUES ($1, $2, $3, $4, $5, 'open', $6, $7)`, r.ID, r.OrganizationID, r.SiteID, r.Kind, r.Note, r.CreatedAt, r.Reporter); err != nil {
			return err
		}
		if r.Reporter != "" {
			return refreshClosed(ctx, tx, r.SiteID)
		}
		return nil
	})
	if errors.Is(err, aidmap.ErrConflict) {
		// The ID is taken: say so without the driver's words.
		return q.fail(fmt.Errorf("add report %s: %w", r.ID, aidmap.ErrConflict))
	}
	if err != nil {
		return q.fail(fmt.Errorf("add report %s: %w", r.ID, err))
	}
	return nil
}

// ResolveReport accepts or dismisses an open report (Reports).
func (q Queries) ResolveReport(ctx context.Context, orgID, id, status, by string, at time.Time) (Report, error) {
	if err := CheckResolution(status); err != nil {
		return Report{}, q.fail(fmt.Errorf("resolve report %s: %w", id, err))
	}
	var r Report
	err := q.write(ctx, func(tx Tx) error {
		var err error
		r, err = ScanReport(tx.QueryRow(ctx, `SELECT `+ReportColumns+` FROM reports
			WHERE id = $1 AND organization_id = $2`+q.forUpdate, id, orgID))
		if err != nil {
			return err
		}
		if err := CheckOpen(r); err != nil {
			return err
		}
		var reporter string
		if err := tx.QueryRow(ctx, `SELECT reporter FROM reports WHERE id = $1`, id).Scan(&reporter); err != nil {
			return err
		}
		// Handled, the report no longer counts, and who sent it is forgotten.
		if _, err := tx.Exec(ctx, `UPDATE reports SET status = $1, handled_at = $2, handled_by = $3, reporter = '' WHERE id = $4`,
			status, at, by, id); err != nil {
			return err
		}
		if reporter != "" {
			return refreshClosed(ctx, tx, r.SiteID)
		}
		return nil
	})
	if err != nil {
		return Report{}, q.fail(fmt.Errorf("resolve report %s: %w", id, err))
	}
	r.Status, r.HandledAt, r.HandledBy = status, time.UnixMicro(at.UnixMicro()).UTC(), by
	return r, nil
}
