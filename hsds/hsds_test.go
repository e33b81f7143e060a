package hsds

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestIDs(t *testing.T) {
	site := aidmap.SiteID("org", "ext")
	ids := map[string]Kind{site: 255}
	for k := KindService; k <= KindAccessibility; k++ {
		id := SiteObjectID(site, k)
		if !uuidRE.MatchString(id) || id[14] != '5' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Errorf("kind %d: %s is not a version 5 UUID", k, id)
		}
		if prev, ok := ids[id]; ok {
			t.Errorf("kind %d and %d share ID %s", k, prev, id)
		}
		ids[id] = k
		if back, ok := SiteOf(strings.ToUpper(id), k); !ok || back != site {
			t.Errorf("kind %d: %s maps back to %s, want %s", k, id, back, site)
		}
		if SiteObjectID(site, k) != id {
			t.Error("not deterministic")
		}
	}
}

// FuzzSiteOf: an ID either is not a UUID or maps to a UUID that maps back to it.
func FuzzSiteOf(f *testing.F) {
	f.Add(aidmap.SiteID("org", "ext"))
	f.Add("not-a-uuid")
	f.Add("ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ")
	f.Fuzz(func(t *testing.T, id string) {
		site, ok := SiteOf(id, KindService)
		if !ok {
			return
		}
		if back := SiteObjectID(site, KindService); back != strings.ToLower(id) {
			t.Fatalf("%q -> %q -> %q", id, site, back)
		}
	})
}
