package web

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap/sms"
	"github.com/aidmap/aidmap/store"
)

// SMS configures the text-message webhooks. Each is off (404) until given its secret.
// Phone numbers and message texts are never logged or stored: the request log names only
// the route (the webhooks' paths and query strings hold neither), and the engine keeps only
// a keyed hash of the number with counters and the last search (rate limits, "more"), in
// State.
type SMS struct {
	// TwilioToken is the Twilio account's auth token: it checks X-Twilio-Signature on
	// POST /api/v1/sms/twilio. Empty turns the route off.
	TwilioToken string
	// PublicURL is the scheme and host Twilio is configured to call (https://aid.example.org),
	// which the signature covers; empty takes them from the request (Host, and TLS or
	// X-Forwarded-Proto).
	PublicURL string
	// Secret is the shared secret of POST /api/v1/sms/gateway (self-hosted Android or modem
	// gateways), sent as X-Aidmap-Secret or Authorization: Bearer. Empty turns it off.
	Secret string
	// PerNumberPerMinute limits messages from one number; 0 is 5.
	PerNumberPerMinute int
	// Example is a place of the deployment's area for the instructions ("V6A 2K5").
	Example string
	// AndroidSigningKey is the signing key set in SMS Gateway for Android: it checks
	// X-Signature on the app's webhooks, which come to POST /api/v1/sms/gateway with that
	// header (smsandroid.go). Empty turns them off.
	AndroidSigningKey string
	// Android sends the replies to those webhooks through the gateway's send API; required
	// with AndroidSigningKey (without it they are answered 503).
	Android *AndroidOutbox
	// State keeps the per-number limits, "more" and webhook IDs already answered where every
	// replica sees them (the store); nil keeps them in this process's memory.
	State store.SMSState
	// Salt keys the hashes of numbers; replicas sharing State need the same one. Nil draws
	// a random one.
	Salt []byte
	// Logger reports State's and sending's failures (never a number or a text); nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock of the engine and of X-Timestamp; nil is time.Now.
	Now func() time.Time
}

// textService answers text messages for the webhooks and GET /api/v1/text.
type textService struct {
	engine *sms.Engine
	cfg    SMS
	now    func() time.Time
}

func newTextService(cfg SMS, src Source, g Geocoder) *textService {
	ec := sms.Config{Index: src.Index, Example: cfg.Example, State: cfg.State, Salt: cfg.Salt, Logger: cfg.Logger, Now: cfg.Now}
	if g != nil {
		ec.Geocoder = g
	}
	if cfg.PerNumberPerMinute < 1 {
		cfg.PerNumberPerMinute = 5
	}
	ts := &textService{engine: sms.New(ec), cfg: cfg, now: cfg.Now}
	if ts.now == nil {
		ts.now = time.Now
	}
	return ts
}

// maxSMSBody bounds a webhook's body: a message and a gateway's fields.
const maxSMSBody = 64 << 10

// limited applies the per-number rate limit, counted in State across replicas: a 429
// problem when over it. The key is the number's keyed hash, never the number.
func (ts *textService) limited(w http.ResponseWriter, r *http.Request, from string) bool {
	if !ts.engine.Allow(r.Context(), from, ts.cfg.PerNumberPerMinute) {
		w.Header().Set("Retry-After", "60")
		writeProblem(w, r, problem{Status: http.StatusTooManyRequests,
			Detail: "too many messages from this number; wait the number of seconds in Retry-After"})
		return true
	}
	return false
}

// handleTwilio answers Twilio's incoming-message webhook (a form POST with From and Body,
// signed with the account's auth token) with TwiML: one <Message>.
func (s *Server) handleTwilio(w http.ResponseWriter, r *http.Request) {
	ts := s.text
	if ts.cfg.TwilioToken == "" {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "the Twilio webhook is not configured (--sms-twilio-token)"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSMSBody)
	if err := r.ParseForm(); err != nil {
		s.writeError(w, r, badParam("body", "must be a form (application/x-www-form-urlencoded) of at most 64 KiB"))
		return
	}
	if !ValidTwilioSignature(ts.cfg.TwilioToken, ts.requestURL(r), r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		writeProblem(w, r, problem{Status: http.StatusForbidden, Detail: "X-Twilio-Signature is missing or does not match this URL and body"})
		return
	}
	from, hasFrom := r.PostForm["From"]
	body, hasBody := r.PostForm["Body"]
	switch {
	case !hasFrom || len(from) != 1 || strings.TrimSpace(from[0]) == "":
		s.writeError(w, r, badParam("From", "is required: the sender's number"))
		return
	case !hasBody || len(body) != 1:
		s.writeError(w, r, badParam("Body", "is required: the message text"))
		return
	}
	if ts.limited(w, r, from[0]) {
		return
	}
	reply := ts.engine.Answer(r.Context(), from[0], body[0])
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Response><Message>")
	_ = xml.EscapeText(&b, []byte(reply.Text))
	b.WriteString("</Message></Response>\n")
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

// requestURL is the URL Twilio signed: PublicURL (or the request's scheme and host) and the
// request's path and query.
func (ts *textService) requestURL(r *http.Request) string {
	base := strings.TrimRight(ts.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + r.URL.RequestURI()
}

// TwilioSignature computes X-Twilio-Signature: the base64 HMAC-SHA1, under the auth token,
// of the full URL followed by each POST parameter's name and value, sorted by name.
func TwilioSignature(token, fullURL string, params url.Values) string {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(fullURL))
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		for _, v := range vs {
			m.Write([]byte(k))
			m.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ValidTwilioSignature reports whether sig is the signature of the request, in constant time.
func ValidTwilioSignature(token, fullURL string, params url.Values, sig string) bool {
	if sig == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(TwilioSignature(token, fullURL, params)), []byte(sig))
}

// gatewayMessage is an incoming message from a self-hosted gateway: flat ({"from", "text"}),
// or the webhook of SMS Gateway for Android ({"event": "sms:received", "payload":
// {"phoneNumber", "message"}}).
type gatewayMessage struct {
	From        *string `json:"from"`
	Text        *string `json:"text"`
	PhoneNumber *string `json:"phoneNumber"`
	Message     *string `json:"message"`
	Payload     *struct {
		PhoneNumber *string `json:"phoneNumber"`
		Sender      *string `json:"sender"`
		Message     *string `json:"message"`
	} `json:"payload"`
}

func (m *gatewayMessage) fields() (from, text *string) {
	from, text = m.From, m.Text
	if from == nil {
		from = m.PhoneNumber
	}
	if text == nil {
		text = m.Message
	}
	if p := m.Payload; p != nil {
		if from == nil {
			from = p.PhoneNumber
		}
		if from == nil {
			from = p.Sender
		}
		if text == nil {
			text = p.Message
		}
	}
	return from, text
}

// handleGateway answers a self-hosted gateway: JSON in, JSON out ({"to", "message",
// "encoding", "segments", "lang"}), for the gateway to send. A request signed with
// X-Signature is SMS Gateway for Android's webhook, answered by handleAndroid: that app does
// not send a response body, so its replies go through its send API.
func (s *Server) handleGateway(w http.ResponseWriter, r *http.Request) {
	ts := s.text
	if r.Header.Get("X-Signature") != "" || (ts.cfg.Secret == "" && ts.cfg.AndroidSigningKey != "") {
		s.handleAndroid(w, r)
		return
	}
	if ts.cfg.Secret == "" {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "the SMS gateway webhook is not configured (--sms-secret)"})
		return
	}
	got := r.Header.Get("X-Aidmap-Secret")
	if got == "" {
		got, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(ts.cfg.Secret)) != 1 {
		writeProblem(w, r, problem{Status: http.StatusForbidden, Detail: "X-Aidmap-Secret is missing or wrong"})
		return
	}
	var m gatewayMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSMSBody))
	if err := dec.Decode(&m); err != nil {
		var tooBig *http.MaxBytesError
		reason := "must be a JSON object such as {\"from\":\"+16045550100\",\"text\":\"food V6A 2K5\"}"
		if errors.As(err, &tooBig) {
			reason = "is larger than 64 KiB"
		}
		s.writeError(w, r, badParam("body", reason))
		return
	}
	from, text := m.fields()
	switch {
	case from == nil || strings.TrimSpace(*from) == "":
		s.writeError(w, r, badParam("from", "is required: the sender's number (from, phoneNumber or payload.phoneNumber)"))
		return
	case text == nil:
		s.writeError(w, r, badParam("text", "is required: the message (text, message or payload.message)"))
		return
	}
	if ts.limited(w, r, *from) {
		return
	}
	reply := ts.engine.Answer(r.Context(), *from, *text)
	b := make([]byte, 0, 128+len(reply.Text)*2)
	b = append(b, `{"to":`...)
	b = appendString(b, *from)
	b = append(b, `,"message":`...)
	b = appendString(b, reply.Text)
	b = append(b, `,"encoding":`...)
	b = appendString(b, string(reply.Encoding))
	b = append(b, `,"segments":`...)
	b = strconv.AppendInt(b, int64(reply.Segments), 10)
	b = append(b, `,"lang":`...)
	b = appendString(b, reply.Lang)
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
