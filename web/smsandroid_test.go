package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap/demo"
)

// androidDevice plays SMS Gateway for Android's send API: it checks Basic auth and the JSON
// of POST /messages and hands each message it accepts to sent.
type androidDevice struct {
	srv  *httptest.Server
	sent chan androidSent
}

type androidSent struct {
	TextMessage  struct{ Text string } `json:"textMessage"`
	PhoneNumbers []string              `json:"phoneNumbers"`
}

func newAndroidDevice(t *testing.T, user, password string) *androidDevice {
	d := &androidDevice{sent: make(chan androidSent, 16)}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/messages":
			http.Error(w, "not found", http.StatusNotFound)
			return
		case !ok || u != user || p != password:
			http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
			return
		case r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "want JSON", http.StatusBadRequest)
			return
		}
		var m androidSent
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil || m.TextMessage.Text == "" || len(m.PhoneNumbers) != 1 {
			http.Error(w, "bad message", http.StatusBadRequest)
			t.Errorf("send API got a bad message (%v): %+v", err, m)
			return
		}
		d.sent <- m
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"id":"x","state":"Pending","recipients":[{"phoneNumber":"` + m.PhoneNumbers[0] + `","state":"Pending"}]}`))
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// webhook posts an event as the device does: signed as the docs' Go snippet verifies it,
// hex(HMAC-SHA256(key, payload + timestamp)), at the given time.
func (e *smsEnv) webhook(t *testing.T, key string, at time.Time, body string) (*http.Response, string) {
	t.Helper()
	timestamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(body + timestamp))
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/sms/gateway", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Timestamp", timestamp)
	req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
	return do(t, req)
}

func received(id, from, text string) string {
	b, _ := json.Marshal(map[string]any{"deviceId": "ffffffffceb0b1db0000018e937c815b", "event": "sms:received", "id": id,
		"payload": map[string]any{"messageId": "msg-" + id, "message": text, "phoneNumber": from, "simNumber": 1,
			"receivedAt": "2024-06-22T15:46:11.000+07:00"}, "webhookId": "LreFUt-Z3sSq0JufY9uWB"})
	return string(b)
}

// next waits for the device to be asked to send a message (a 2-minute hang guard).
func (d *androidDevice) next(t *testing.T) androidSent {
	t.Helper()
	select {
	case m := <-d.sent:
		return m
	case <-time.After(2 * time.Minute):
		t.Fatal("the send API was never called")
		return androidSent{}
	}
}

func TestSMSAndroidGateway(t *testing.T) {
	device := newAndroidDevice(t, "sms", "app-password")
	var logs lockedLog
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	outbox, err := StartAndroidOutbox(t.Context(), AndroidSend{URL: device.srv.URL, User: "sms", Password: "app-password", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e := newSMSEnv(t, SMS{AndroidSigningKey: "signing-key", Android: outbox, PerNumberPerMinute: 3, Logger: logger}, demo.Sites(300, 1))
	now := time.Now()

	resp, body := e.webhook(t, "signing-key", now, received("evt-1", "6505551212", "food V6A 2K5"))
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(body, `"queued"`) {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "1. ") {
		t.Errorf("the webhook's answer holds the reply, which the device never sends: %s", body)
	}
	m := device.next(t)
	if m.PhoneNumbers[0] != "6505551212" || !strings.Contains(m.TextMessage.Text, "1. ") {
		t.Errorf("sent %+v", m)
	}
	checkFits(t, m.TextMessage.Text)

	// A retry of the same event (the answer was slow) is answered but not sent again: the
	// next message the device is asked to send is the next event's.
	resp, body = e.webhook(t, "signing-key", now.Add(10*time.Second), received("evt-1", "6505551212", "food V6A 2K5"))
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(body, `"duplicate"`) {
		t.Fatalf("retry: status %d: %s", resp.StatusCode, body)
	}
	resp, _ = e.webhook(t, "signing-key", now, received("evt-2", "6505551212", "more"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("more: status %d", resp.StatusCode)
	}
	if m := device.next(t); !strings.Contains(m.TextMessage.Text, "4. ") {
		t.Errorf("after the retry the device sent %q, want the answer to more", m.TextMessage.Text)
	}

	for _, tc := range []struct {
		name, key string
		at        time.Time
		body      string
		status    int
	}{
		{"ping", "signing-key", now, `{"deviceId":"d","event":"system:ping","id":"p1","payload":{"health":{"status":"pass"}},"webhookId":"w"}`, 204},
		{"sent", "signing-key", now, `{"deviceId":"d","event":"sms:sent","id":"s1","payload":{"messageId":"m","phoneNumber":"6505551212","sentAt":"2024-06-22T15:46:11.000+07:00"},"webhookId":"w"}`, 204},
		{"bad signature", "another-key", now, received("evt-3", "6505551212", "food V6A"), 403},
		{"stale", "signing-key", now.Add(-6 * time.Minute), received("evt-4", "6505551212", "food V6A"), 403},
		{"from the future", "signing-key", now.Add(6 * time.Minute), received("evt-5", "6505551212", "food V6A"), 403},
		{"within the window", "signing-key", now.Add(-4 * time.Minute), received("evt-6", "6505551213", "help"), 202},
		{"no number", "signing-key", now, `{"event":"sms:received","id":"evt-7","payload":{"message":"food"}}`, 400},
		{"not JSON", "signing-key", now, `event=sms:received`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.webhook(t, tc.key, tc.at, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
		})
	}
	if m := device.next(t); m.PhoneNumbers[0] != "6505551213" {
		t.Errorf("sent to %v, want the one accepted event's sender", m.PhoneNumbers)
	}

	// No timestamp at all, or a tampered body under a good signature's timestamp.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/sms/gateway", strings.NewReader(received("evt-8", "1", "food")))
	req.Header.Set("X-Signature", "00")
	if resp, _ := do(t, req); resp.StatusCode != 403 {
		t.Errorf("no X-Timestamp: status %d, want 403", resp.StatusCode)
	}

	// A flood from one number: over 3 a minute the messages are taken (2xx: a 429 would
	// only make the device retry) and not answered.
	statuses := ""
	for i := range 4 {
		_, body := e.webhook(t, "signing-key", now, received("flood-"+strconv.Itoa(i), "6505550000", "food V6A"))
		statuses += body
	}
	if strings.Count(statuses, `"queued"`) != 3 || !strings.Contains(statuses, `"limited"`) {
		t.Errorf("flood of 4: %s", statuses)
	}
	for range 3 {
		device.next(t)
	}

	for _, secret := range []string{"6505551212", "6505550000", "V6A 2K5", "signing-key", "app-password"} {
		if strings.Contains(e.logs.String()+logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s%s", secret, e.logs.String(), logs.String())
		}
	}
	// The device has answered all six; a worker counts its last answer just after.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		sent, failed, dropped := outbox.Counts()
		if failed != 0 || dropped != 0 || sent > 6 {
			t.Fatalf("sent %d, failed %d, dropped %d, want 6 sent", sent, failed, dropped)
		}
		if sent == 6 || time.Now().After(deadline) {
			break
		}
	}
}

// TestSMSAndroidSendFailure: the send API refusing the credentials is logged with its
// status, never with the number or the text, and not retried.
func TestSMSAndroidSendFailure(t *testing.T) {
	device := newAndroidDevice(t, "sms", "app-password")
	var logs lockedLog
	outbox, err := StartAndroidOutbox(t.Context(), AndroidSend{URL: device.srv.URL + "/", User: "sms", Password: "wrong",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !outbox.Enqueue("+16045550100", "1. Food bank, <1km") {
		t.Fatal("not queued")
	}
	deadline := time.Now().Add(2 * time.Minute) // a hang guard
	for {
		if _, failed, _ := outbox.Counts(); failed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the failure was never counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "401") || strings.Contains(logs.String(), "6045550100") || strings.Contains(logs.String(), "Food bank") {
		t.Errorf("log: %s", logs.String())
	}
}

func TestStartAndroidOutboxChecks(t *testing.T) {
	for _, cfg := range []AndroidSend{
		{URL: "", User: "u", Password: "p"},
		{URL: "ftp://phone:8080", User: "u", Password: "p"},
		{URL: "http://u:p@phone:8080", User: "u", Password: "p"},
		{URL: "http://phone:8080"},
	} {
		if _, err := StartAndroidOutbox(t.Context(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	for in, want := range map[string]string{
		"http://192.168.1.5:8080":                      "http://192.168.1.5:8080/messages",
		"https://api.sms-gate.app/3rdparty/v1/":        "https://api.sms-gate.app/3rdparty/v1/messages",
		"https://api.sms-gate.app/3rdparty/v1/message": "https://api.sms-gate.app/3rdparty/v1/message",
	} {
		o, err := StartAndroidOutbox(t.Context(), AndroidSend{URL: in, User: "u", Password: "p"})
		if err != nil || o.url != want {
			t.Errorf("%s: got %v, %v, want %s", in, o, err, want)
		}
	}
}

// TestAndroidSignature checks the signature against one computed by hand with openssl:
// printf '%s' '{"event":"system:ping"}1700000000' | openssl dgst -sha256 -hmac key
func TestAndroidSignature(t *testing.T) {
	got := AndroidSignature("key", []byte(`{"event":"system:ping"}`), "1700000000")
	if len(got) != 64 || strings.ToLower(got) != got {
		t.Fatalf("got %q, want 64 lowercase hex digits", got)
	}
	if got != androidWant {
		t.Errorf("got %s, want %s", got, androidWant)
	}
}

const androidWant = "a4b3e47893cfc69eed1153dd71ee2ef07b8feb052facf2897a4d94461cdbfc81"

// lockedLog is a log written by the outbox's workers and read by the test.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
