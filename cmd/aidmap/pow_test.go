package main

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"math/bits"
	"net/http"
	"strconv"
	"testing"
)

// reportProof asks the server at base for a report's proof-of-work challenge and solves it,
// as the map page does: the JSON members to add to a report (`,"challenge":…,"pow":…`), or
// "" when the server asks for none.
func reportProof(t *testing.T, client *http.Client, base string) string {
	t.Helper()
	resp, err := client.Get(base + "/api/v1/reports/challenge")
	if err != nil {
		t.Fatalf("GET challenge: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var c struct {
		Challenge string
		Bits      int
	}
	if err := json.Unmarshal(b, &c); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET challenge: %d %s", resp.StatusCode, b)
	}
	if c.Bits == 0 {
		return ""
	}
	for i := 0; ; i++ {
		pow := strconv.Itoa(i)
		sum := sha256.Sum256([]byte(c.Challenge + pow))
		zeros := 0
		for _, x := range sum {
			zeros += bits.LeadingZeros8(x)
			if x != 0 {
				break
			}
		}
		if zeros >= c.Bits {
			q, _ := json.Marshal(c.Challenge)
			return `,"challenge":` + string(q) + `,"pow":"` + pow + `"`
		}
	}
}
