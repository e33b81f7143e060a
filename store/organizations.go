package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap"
)

// UpsertOrganization creates or updates an organisation (Store). A zero CreatedAt becomes
// now; an update never changes CreatedAt.
func (q Queries) UpsertOrganization(ctx context.Context, org aidmap.Organization) error {
	if org.ID == "" {
		return q.fail(fmt.Errorf("upsert organization: %w", &aidmap.FieldError{Field: "id", Reason: "is required"}))
	}
	created := org.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := q.writer.Exec(ctx, `
		INSERT INTO organizations (id, name, website, demo, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, website = excluded.website, demo = excluded.demo`,
		org.ID, org.Name, org.Website, org.Demo, created)
	if err != nil {
		return q.fail(fmt.Errorf("upsert organization %q: %w", org.ID, err))
	}
	return nil
}
