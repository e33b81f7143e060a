package web

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// solvePoW finds a pow for challenge with at least bits leading zero bits, as the page does.
func solvePoW(t testing.TB, challenge string, bits int) string {
	t.Helper()
	for i := 0; i < 1<<26; i++ {
		pow := strconv.Itoa(i)
		if sum := sha256.Sum256([]byte(challenge + pow)); leadingZeroBits(sum[:]) >= bits {
			return pow
		}
	}
	t.Fatal("no solution")
	return ""
}

func TestReportProofOfWork(t *testing.T) {
	now := testNow
	e := newReportsEnv(t, Reports{PerIPPerHour: -1, PoWBits: 10, Now: func() time.Time { return now }})
	challenge := func() string {
		t.Helper()
		resp, b := e.do("GET", "/api/v1/reports/challenge", "", "", nil)
		var c struct {
			Challenge string
			Bits      int
			ExpiresAt time.Time `json:"expires_at"`
		}
		if err := json.Unmarshal(b, &c); err != nil || resp.StatusCode != 200 || c.Bits != 10 || c.Challenge == "" ||
			!c.ExpiresAt.Equal(now.Add(powWindow).Truncate(time.Second)) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET challenge: %d %s", resp.StatusCode, b)
		}
		return c.Challenge
	}
	body := func(c, pow string, extra string) string {
		return `{"kind":"other","note":"n"` + extra + `,"challenge":"` + c + `","pow":"` + pow + `"}`
	}
	open := func() int {
		_, in := e.inbox("fbs", "")
		return in.Count
	}

	c := challenge()
	pow := solvePoW(t, c, 10)
	if code, b := e.report(e.public.ID, body(c, pow, "")); code != 202 {
		t.Fatalf("solved: %d %s, want 202", code, b)
	}
	if open() != 1 {
		t.Fatalf("inbox after one report: %d", open())
	}

	for _, tc := range []struct {
		name, body string
		status     int
		param      string
	}{
		{"missing", `{"kind":"other"}`, 400, "pow"},
		{"replayed", body(c, pow, ""), 429, ""},
		{"not ours", body(strings.Repeat("A", 32), "1", ""), 400, "challenge"},
		{"tampered", body(c[:len(c)-2]+"AA", pow, ""), 400, "challenge"},
		{"garbage", body("not base64!", "1", ""), 400, "challenge"},
		{"unsolved", func() string {
			c := challenge()
			for i := 0; ; i++ { // a pow that does not solve it
				if sum := sha256.Sum256([]byte(c + strconv.Itoa(i))); leadingZeroBits(sum[:]) < 10 {
					return body(c, strconv.Itoa(i), "")
				}
			}
		}(), 400, "pow"},
		{"too long", func() string { c := challenge(); return body(c, strings.Repeat("0", 65), "") }(), 400, "pow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, b := e.report(e.public.ID, tc.body)
			if code != tc.status || !strings.Contains(b, "application/problem") && !strings.Contains(b, `"status":`) {
				t.Fatalf("got %d %s, want %d", code, b, tc.status)
			}
			if tc.param != "" && !strings.Contains(b, `"name":"`+tc.param+`"`) {
				t.Errorf("problem %s does not name %s", b, tc.param)
			}
			if tc.status == 429 && !strings.Contains(b, "already used") {
				t.Errorf("replay problem %s does not say so", b)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		c := challenge()
		pow := solvePoW(t, c, 10)
		now = now.Add(powWindow + time.Second)
		code, b := e.report(e.public.ID, body(c, pow, ""))
		if code != 400 || !strings.Contains(b, "expired") {
			t.Errorf("expired challenge: %d %s, want 400 saying it expired", code, b)
		}
	})
	t.Run("honeypot with a solved challenge", func(t *testing.T) {
		c := challenge()
		if code, b := e.report(e.public.ID, body(c, solvePoW(t, c, 10), `,"website":"http://spam"`)); code != 202 {
			t.Fatalf("honeypot: %d %s, want 202 as if kept", code, b)
		}
	})
	if n := open(); n != 1 {
		t.Errorf("inbox: %d reports, want only the first", n)
	}
	t.Run("another replica with the same key", func(t *testing.T) {
		// Every replica derives the key from the deployment key: one's challenge is good at another.
		a := newPoW(10, []byte("shared key"), func() time.Time { return testNow })
		b := newPoW(10, []byte("shared key"), func() time.Time { return testNow })
		c, _ := a.challenge()
		if err := b.check(c, solvePoW(t, c, 10)); err != nil {
			t.Errorf("challenge of a replica refused by another: %+v", err)
		}
		other := newPoW(10, []byte("another deployment"), func() time.Time { return testNow })
		if err := other.check(c, solvePoW(t, c, 10)); err == nil || err.param != "challenge" {
			t.Errorf("challenge of another deployment accepted: %+v", err)
		}
	})
}

func TestReportChallengeWithoutPoW(t *testing.T) {
	e := newReportsEnv(t, Reports{PerIPPerHour: -1})
	resp, b := e.do("GET", "/api/v1/reports/challenge", "", "", nil)
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"bits":0}` {
		t.Errorf("challenge without proof of work: %d %s, want {\"bits\":0}", resp.StatusCode, b)
	}
	if code, b := e.report(e.public.ID, `{"kind":"other"}`); code != 202 {
		t.Errorf("report without pow where none is asked: %d %s", code, b)
	}
}
