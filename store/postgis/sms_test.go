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

// BenchmarkSMSState: storetest.BenchSMSState on PostGIS.
func BenchmarkSMSState(b *testing.B) { storetest.BenchSMSState(b, openStore(b)) }

// BenchmarkSetCapacity: storetest.BenchSetCapacity on PostGIS.
func BenchmarkSetCapacity(b *testing.B) { storetest.BenchSetCapacity(b, openStore(b)) }
