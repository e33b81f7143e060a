package postgis

import (
	"testing"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestSMSState(t *testing.T) {
	testURL(t)
	storetest.SMSState(t, func(t *testing.T) store.Store { return openStore(t) })
}
