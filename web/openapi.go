package web

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDoc is the OpenAPI 3.1 document of the HTTP API (GET /api/openapi.json). It is a
// static file rather than generated from the handlers: handlers parse their parameters by
// hand, so there is nothing to generate it from, and openapi_test.go walks the router to
// check that every route is documented and every documented path is served, and validates
// real responses against its schemas, so it cannot drift silently.
//
//go:embed openapi.json
var openAPIDoc []byte

// handleOpenAPI serves the OpenAPI document.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The media type registered for OpenAPI documents in JSON is still draft; plain JSON is
	// what every tool (Swagger UI, Redoc, openapi-generator) accepts.
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDoc)))
	_, _ = w.Write(openAPIDoc)
}
