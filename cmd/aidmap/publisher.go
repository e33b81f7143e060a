package main

import (
	"context"
	"fmt"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/tz"
)

// publisher returns the deployment's aidmap.Publisher: keyed with the store's deployment key
// (generated on first use), publishing confidential sites' hours in their area's time zone.
func publisher(ctx context.Context, st store.Store) (*aidmap.Publisher, error) {
	key, err := st.DeploymentKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("deployment key: %w", err)
	}
	pub, err := aidmap.NewPublisher(key)
	if err != nil {
		return nil, fmt.Errorf("deployment key: %w", err)
	}
	pub.Zone = tz.Find
	return pub, nil
}
