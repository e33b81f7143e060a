package pgtest

import "testing"

func TestClusterStopStart(t *testing.T) {
	c := Start(t)
	if got := c.Psql("aidmap", "SELECT 1"); got != "1" {
		t.Fatalf("got %q, want 1", got)
	}
	c.Stop()
	c.Start()
	if got := c.Psql("aidmap", "SELECT current_database()"); got != "aidmap" {
		t.Fatalf("after restart: got %q, want aidmap", got)
	}
}
