package postgis

import (
	"testing"

	"github.com/aidmap/aidmap/store/storetest"
)

func BenchmarkTokenByHash(b *testing.B) { storetest.BenchTokenByHash(b, openStore(b)) }
func BenchmarkTokens(b *testing.B)      { storetest.BenchTokens(b, openStore(b)) }
