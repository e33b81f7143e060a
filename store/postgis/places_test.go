package postgis

import (
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestPlaceDecisions(t *testing.T) {
	testURL(t)
	storetest.PlaceDecisions(t, func(t *testing.T) store.Store { return openStore(t) })
}
