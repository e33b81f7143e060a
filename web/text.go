package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTextQuery bounds q of /api/v1/text: three SMS segments' worth.
const maxTextQuery = 480

// handleText answers GET /api/v1/text?q=food+V6A2K5 with the reply a text message would get,
// as text/plain, so the SMS service can be tried with curl (and reused by USSD or voice).
// There is no sender, so "more" is not remembered. The query is never logged (the request
// log names the route only) and the answer is private.
func (s *Server) handleText(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	switch {
	case strings.TrimSpace(q) == "":
		s.writeError(w, r, badParam("q", "is required: a need and a place, such as food V6A 2K5"))
		return
	case len(q) > maxTextQuery || !utf8.ValidString(q):
		s.writeError(w, r, badParam("q", "must be valid UTF-8 text of at most "+strconv.Itoa(maxTextQuery)+" bytes"))
		return
	}
	reply := s.text.engine.Answer(r.Context(), "", q)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Language", reply.Lang)
	h.Set("X-SMS-Encoding", string(reply.Encoding))
	h.Set("X-SMS-Segments", strconv.Itoa(reply.Segments))
	_, _ = w.Write([]byte(reply.Text + "\n"))
}
