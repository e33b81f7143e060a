package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// SMS Gateway for Android (github.com/capcom6/android-sms-gateway, docs at docs.sms-gate.app)
// tells a server of a received message with a webhook, and the server answers through the
// gateway's send API: the webhook's response body is not sent as an SMS.
//
// The webhook (docs-web docs/features/webhooks.md): a JSON POST
//
//	{"deviceId": "…", "event": "sms:received", "id": "…", "webhookId": "…",
//	 "payload": {"messageId": "…", "message": "…", "phoneNumber": "6505551212",
//	             "simNumber": 1, "receivedAt": "2024-06-22T15:46:11.000+07:00"}}
//
// signed: X-Signature is the lowercase hex HMAC-SHA256, under the signing key set in the app,
// of the raw body followed by the X-Timestamp header (Unix seconds); receivers accept
// timestamps within ±5 minutes. The device wants a 2xx within 30 s and otherwise retries the
// same event (same id) with backoff (10 s, 20 s, 40 s …, up to 14 times). Other events
// (system:ping, sms:sent …) come to the same URL when registered.
//
// The send API: POST {base}/messages (the client's current path; /message is the older one,
// still named in the local server's docs) with HTTP Basic auth (the app's username and
// password) and {"textMessage": {"text": "…"}, "phoneNumbers": ["+1…"]}; older versions took
// {"message": "…"} instead of textMessage. Base is http://<device-ip>:8080 in local mode or
// https://api.sms-gate.app/3rdparty/v1 in cloud mode. Checked against
// github.com/android-sms-gateway/client-go: smsgateway/client.go (BaseURL, Send posts to
// "/messages", Basic auth header) and smsgateway/domain_messages.go (Message.TextMessage,
// PhoneNumbers, the deprecated Message field); smsgateway/webhooks/webhook.go lists the events.

// androidWindow is how far X-Timestamp may be from the clock.
const androidWindow = 5 * time.Minute

// androidDedupe is how long a webhook's id is remembered, so a retry after a slow answer
// does not send a second reply. The device's retries after failures span hours (14
// doublings from 10 s), but those follow answers that were not 2xx and so claimed nothing.
const androidDedupe = 24 * time.Hour

// AndroidSignature returns X-Signature of an SMS Gateway for Android webhook: the lowercase hex
// HMAC-SHA256, under the signing key, of the raw body followed by X-Timestamp.
func AndroidSignature(key string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// androidEvent is an SMS Gateway for Android webhook.
type androidEvent struct {
	Event   string `json:"event"`
	ID      string `json:"id"`
	Payload struct {
		MessageID   string  `json:"messageId"`
		Message     *string `json:"message"`
		PhoneNumber string  `json:"phoneNumber"`
	} `json:"payload"`
}

// handleAndroid answers an SMS Gateway for Android webhook: checks its signature and time,
// ignores events other than sms:received (204) and retries of one already answered, and
// queues the reply to the gateway's send API. The answer (202) says what happened, never
// the reply: the device does not send it.
func (s *Server) handleAndroid(w http.ResponseWriter, r *http.Request) {
	ts := s.text
	if ts.cfg.AndroidSigningKey == "" {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "SMS Gateway for Android webhooks are not configured (--sms-android-signing-key)"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSMSBody))
	if err != nil {
		s.writeError(w, r, badParam("body", "must be at most 64 KiB"))
		return
	}
	stamp := r.Header.Get("X-Timestamp")
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		writeProblem(w, r, problem{Status: http.StatusForbidden, Detail: "X-Timestamp is missing or not Unix seconds"})
		return
	}
	if d := ts.now().Sub(time.Unix(sec, 0)); d > androidWindow || d < -androidWindow {
		writeProblem(w, r, problem{Status: http.StatusForbidden, Detail: "X-Timestamp is more than 5 minutes from this server's clock"})
		return
	}
	want := AndroidSignature(ts.cfg.AndroidSigningKey, body, stamp)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(r.Header.Get("X-Signature")))) {
		writeProblem(w, r, problem{Status: http.StatusForbidden, Detail: "X-Signature does not match the body and X-Timestamp under the signing key"})
		return
	}
	var ev androidEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		s.writeError(w, r, badParam("body", "must be an SMS Gateway for Android webhook (JSON)"))
		return
	}
	if ev.Event != "sms:received" {
		w.WriteHeader(http.StatusNoContent) // system:ping, sms:sent …: nothing to answer
		return
	}
	from, text := strings.TrimSpace(ev.Payload.PhoneNumber), ev.Payload.Message
	switch {
	case from == "":
		s.writeError(w, r, badParam("payload.phoneNumber", "is required: the sender's number"))
		return
	case text == nil:
		s.writeError(w, r, badParam("payload.message", "is required: the message"))
		return
	case ts.cfg.Android == nil:
		writeProblem(w, r, problem{Status: http.StatusServiceUnavailable, Detail: "no send API is configured for replies (--sms-android-url)"})
		return
	case ts.cfg.Android.full():
		// Before the delivery is claimed: the device retries, and the retry is answered.
		w.Header().Set("Retry-After", "10")
		writeProblem(w, r, problem{Status: http.StatusServiceUnavailable, Detail: "too many replies waiting to be sent; retry"})
		return
	}
	id := ev.ID
	if id == "" {
		id = ev.Payload.MessageID
	}
	if id != "" && !ts.engine.FirstDelivery(r.Context(), id, androidDedupe) {
		writeAndroidStatus(w, "duplicate")
		return
	}
	// Over the limit the message is dropped with a 2xx: a 429 would only make the device
	// send it again.
	if !ts.engine.Allow(r.Context(), from, ts.cfg.PerNumberPerMinute) {
		writeAndroidStatus(w, "limited")
		return
	}
	reply := ts.engine.Answer(r.Context(), from, *text)
	if !ts.cfg.Android.Enqueue(from, reply.Text) {
		writeAndroidStatus(w, "dropped")
		return
	}
	writeAndroidStatus(w, "queued")
}

func writeAndroidStatus(w http.ResponseWriter, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"` + status + `"}` + "\n"))
}

// AndroidSend configures the replies sent through SMS Gateway for Android's send API.
type AndroidSend struct {
	// URL is the API's base: http://<device-ip>:8080 (local mode) or
	// https://api.sms-gate.app/3rdparty/v1 (cloud); a URL ending in /message or /messages is
	// used as it is.
	URL string
	// User and Password are the app's credentials (HTTP Basic auth).
	User, Password string
	// Queue bounds the replies waiting to be sent; 0 is 256. When full, webhooks are
	// answered 503 and the device retries.
	Queue int
	// Workers send in parallel; 0 is 2 (a phone sends one SMS at a time anyway).
	Workers int
	// Timeout bounds each attempt; 0 is 15 s. An attempt that fails for the network, a 429
	// or a 5xx is tried again twice, after 1 s and 4 s.
	Timeout time.Duration
	// Client sends the requests; nil is a plain http.Client.
	Client *http.Client
	// Logger reports failures: status and error, never the number or the text.
	Logger *slog.Logger
}

// AndroidOutbox sends replies through the send API from a bounded queue, so a webhook is
// answered in milliseconds however slow the phone is.
type AndroidOutbox struct {
	url, user, password string
	timeout             time.Duration
	client              *http.Client
	logger              *slog.Logger
	queue               chan outgoingSMS

	sent, failed, dropped atomic.Int64
}

type outgoingSMS struct{ to, text string }

// StartAndroidOutbox checks cfg and starts its workers, which stop when ctx ends (replies
// still queued then are not sent).
func StartAndroidOutbox(ctx context.Context, cfg AndroidSend) (*AndroidOutbox, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("send API URL %q: want http(s)://host[:port][/path], without credentials (give those as user and password)", cfg.URL)
	}
	if cfg.User == "" || cfg.Password == "" {
		return nil, errors.New("send API: a username and a password are required (the app's, for HTTP Basic auth)")
	}
	endpoint := strings.TrimRight(cfg.URL, "/")
	if !strings.HasSuffix(endpoint, "/message") && !strings.HasSuffix(endpoint, "/messages") {
		endpoint += "/messages"
	}
	o := &AndroidOutbox{url: endpoint, user: cfg.User, password: cfg.Password, timeout: cfg.Timeout,
		client: cfg.Client, logger: cfg.Logger}
	if cfg.Queue <= 0 {
		cfg.Queue = 256
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if o.timeout <= 0 {
		o.timeout = 15 * time.Second
	}
	if o.client == nil {
		o.client = &http.Client{}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	o.queue = make(chan outgoingSMS, cfg.Queue)
	for range cfg.Workers {
		go o.run(ctx)
	}
	return o, nil
}

// Enqueue queues a reply; false when the queue is full (the reply is dropped and logged).
func (o *AndroidOutbox) Enqueue(to, text string) bool {
	select {
	case o.queue <- outgoingSMS{to, text}:
		return true
	default:
		o.dropped.Add(1)
		o.logger.Warn("sms: reply dropped: the send queue is full")
		return false
	}
}

func (o *AndroidOutbox) full() bool { return len(o.queue) == cap(o.queue) }

// Counts returns how many replies were sent, failed after every attempt, and were dropped.
func (o *AndroidOutbox) Counts() (sent, failed, dropped int64) {
	return o.sent.Load(), o.failed.Load(), o.dropped.Load()
}

func (o *AndroidOutbox) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-o.queue:
			if err := o.send(ctx, m); err != nil {
				o.logger.Warn("sms: reply not sent through the Android gateway", "error", err)
				o.failed.Add(1)
				continue
			}
			o.sent.Add(1)
		}
	}
}

// send posts one reply, trying again after a network error, a 429 or a 5xx. Its errors name
// the status and the network's error, never the number or the text.
func (o *AndroidOutbox) send(ctx context.Context, m outgoingSMS) error {
	body, err := json.Marshal(struct {
		TextMessage struct {
			Text string `json:"text"`
		} `json:"textMessage"`
		PhoneNumbers []string `json:"phoneNumbers"`
	}{TextMessage: struct {
		Text string `json:"text"`
	}{m.text}, PhoneNumbers: []string{m.to}})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	var last error
	for attempt, wait := range []time.Duration{0, time.Second, 4 * time.Second} {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		retry, err := o.post(ctx, body)
		if err == nil {
			return nil
		}
		last = fmt.Errorf("attempt %d: %w", attempt+1, err)
		if !retry {
			break
		}
	}
	return last
}

func (o *AndroidOutbox) post(ctx context.Context, body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.SetBasicAuth(o.user, o.password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := o.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is configuration, not news; the error is
		}
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // its body may echo the number: never logged
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return false, nil
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500, fmt.Errorf("send API answered %s", resp.Status)
}
