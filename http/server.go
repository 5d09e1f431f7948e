// Package http serves the clearing house over HTTP: a JSON API under /api/v1/ for traders'
// systems and tools, and HTML pages for traders, customs officers and analysts. Both call
// the same barter.Service, so the rules are the ones the CLI applies.
package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/barter-clearing/barter"
)

// Server is the HTTP front of a Service.
type Server struct {
	Service *barter.Service
	Logger  *slog.Logger
	// MaxBody bounds a request body, in bytes (default 1 MiB).
	MaxBody int64

	// Importers are the kinds of CSV file the server takes, in the order to import
	// them; set by the caller.
	Importers []Importer

	// ClearingHouse names the clearing house in the payments that settle clearing runs
	// (default CLEARING-HOUSE).
	ClearingHouse string

	// ReadObligations reads the obligations files uploaded on the clearing page; set
	// by the caller, as Importers are.
	ReadObligations ObligationsReader

	// BehindProxy says the server is reached through a reverse proxy that appends the
	// client's address to X-Forwarded-For: the sign-in throttle then tells clients apart
	// by that address instead of the proxy's.
	BehindProxy bool

	// KeepKeys is how long ListenAndServe keeps idempotency keys and their answers:
	// it forgets older ones when it starts and then every KeepKeys/4, between a
	// minute and an hour. 0 keeps them for ever.
	KeepKeys time.Duration

	mux     *http.ServeMux
	signIns *throttle // failed sign-ins by client
	handler http.Handler
	pages   pages
	reviews reviewCache
}

// NewServer returns a server of svc, logging to logger.
func NewServer(svc *barter.Service, logger *slog.Logger) *Server {
	s := &Server{Service: svc, Logger: logger, MaxBody: 1 << 20, ClearingHouse: "CLEARING-HOUSE", mux: http.NewServeMux(), signIns: newThrottle()}
	s.routes()
	// Browsers send forms to any site without asking; requests that change something
	// are refused when the browser says they come from another site.
	s.handler = http.NewCrossOriginProtection().Handler(s.authenticate(s.mux))
	return s
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ListenAndServe serves on addr until ctx is done, then shuts down, giving requests in
// flight a few seconds to finish. ready, when set, receives the address listened on.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return barter.Invalid("--addr", "%v", err)
	}
	// A matching run may take up to its 10-minute limit; nothing else comes near.
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 11 * time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn)}
	if ready != nil {
		ready(ln.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	// Keys are forgotten only while the server runs: it waits for that to stop too.
	ctx, stop := context.WithCancel(ctx)
	var forgetting sync.WaitGroup
	defer forgetting.Wait()
	defer stop()
	if s.KeepKeys > 0 {
		forgetting.Go(func() { s.forgetKeys(ctx) })
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shut)
}

// forgetKeys forgets idempotency keys older than KeepKeys now and then, until ctx ends.
func (s *Server) forgetKeys(ctx context.Context) {
	tick := time.NewTicker(min(max(s.KeepKeys/4, time.Minute), time.Hour))
	defer tick.Stop()
	for {
		n, err := s.Service.ForgetKeys(ctx, s.KeepKeys)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Logger.Warn("forgetting idempotency keys", "err", err)
		case n > 0:
			s.Logger.Info("forgot idempotency keys", "count", n, "older_than", s.KeepKeys)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Server) routes() {
	// Each route with the roles that may use it; none: anyone signed in.
	type route struct {
		h     func(*http.Request) (int, any, error)
		roles []barter.Role
	}
	customs, operator, trader := barter.RoleCustoms, barter.RoleOperator, barter.RoleTrader
	api := map[string]route{
		"GET /api/v1/positions":                             {s.positions, nil},
		"GET /api/v1/authorizations":                        {s.authorizations, nil},
		"POST /api/v1/authorizations":                       {s.apply, []barter.Role{trader}},
		"GET /api/v1/authorizations/{id}":                   {s.standing, nil},
		"POST /api/v1/authorizations/{id}/approve":          {s.approve, []barter.Role{customs}},
		"POST /api/v1/authorizations/{id}/reject":           {s.reject, []barter.Role{customs}},
		"POST /api/v1/declarations":                         {s.declare, []barter.Role{customs}},
		"GET /api/v1/declarations":                          {s.declarations, nil},
		"GET /api/v1/declarations/{number}":                 {s.declaration, nil},
		"POST /api/v1/declarations/{number}/reassessments":  {s.reassess, []barter.Role{customs}},
		"GET /api/v1/offers":                                {s.offers, nil},
		"GET /api/v1/offers/{id}":                           {s.offer, nil},
		"POST /api/v1/offers":                               {s.createOffer, []barter.Role{trader, operator}},
		"GET /api/v1/offers/{id}/gives-to/{to}":             {s.explainLeg, nil},
		"GET /api/v1/proposals":                             {s.proposals, nil},
		"GET /api/v1/proposals/{id}":                        {s.proposal, nil},
		"POST /api/v1/proposals":                            {s.propose, []barter.Role{operator}},
		"POST /api/v1/proposals/{id}/accept":                {s.respond(true), []barter.Role{trader}},
		"POST /api/v1/proposals/{id}/decline":               {s.respond(false), []barter.Role{trader}},
		"POST /api/v1/reconciliations":                      {s.reconcile, []barter.Role{customs}},
		"GET /api/v1/ledger/verify":                         {s.verify, nil},
		"GET /api/v1/report":                                {s.report, nil},
		"GET /api/v1/rulebooks":                             {s.rulebooks, nil},
		"GET /api/v1/clearing-runs":                         {s.clearingRuns, nil},
		"POST /api/v1/clearing-runs":                        {s.createClearingRun, []barter.Role{operator}},
		"GET /api/v1/clearing-runs/{id}":                    {s.clearingRun, nil},
		"GET /api/v1/clearing-runs/{id}/obligations":        {s.clearingObligations, nil},
		"GET /api/v1/clearing-runs/{id}/settlement":         {s.clearingSettlement, nil},
		"POST /api/v1/clearing-runs/{id}/commit":            {s.commitClearingRun, []barter.Role{operator}},
		"GET /api/v1/me":                                    {s.me, nil},
		"GET /api/v1/consortiums":                           {s.consortiums, nil},
		"GET /api/v1/consortiums/{id}":                      {s.consortium, nil},
		"POST /api/v1/consortiums":                          {s.registerConsortium, []barter.Role{customs}},
		"GET /api/v1/undertakings":                          {s.undertakings, nil},
		"POST /api/v1/undertakings":                         {s.recordUndertaking, []barter.Role{customs, trader}},
		"GET /api/v1/screening/hits":                        {s.screeningHits, nil},
		"POST /api/v1/screening/hits/{party}/{ref}/confirm": {s.decideHit(true), []barter.Role{customs}},
		"POST /api/v1/screening/hits/{party}/{ref}/clear":   {s.decideHit(false), []barter.Role{customs}},
	}
	for pattern, rt := range api {
		s.mux.Handle(pattern, s.allow(s.json(rt.h), rt.roles...))
	}
	// Who may import depends on the kind (see importRoles).
	s.mux.HandleFunc("POST /api/v1/imports/{kind}", s.importAPI)
	s.mux.Handle("POST /api/v1/screening/lists", s.allow(http.HandlerFunc(s.loadList), customs))
	s.mux.Handle("/api/", s.json(func(r *http.Request) (int, any, error) {
		return 0, nil, barter.Errorf(barter.ENotFound, "no API route %s %s", r.Method, r.URL.Path)
	}))
	s.pageRoutes()
}

// statusOf maps error codes to HTTP statuses: the one table of it.
var statusOf = map[barter.Code]int{
	barter.EInvalid:         http.StatusBadRequest,
	barter.EUnauthenticated: http.StatusUnauthorized,
	barter.EForbidden:       http.StatusForbidden,
	barter.ETooMany:         http.StatusTooManyRequests,
	barter.ENotFound:        http.StatusNotFound,
	barter.EConflict:        http.StatusConflict,
	barter.EInternal:        http.StatusInternalServerError,
}

// errorBody is the JSON of an error response.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    barter.Code `json:"code"`
	Field   string      `json:"field,omitempty"`
	Message string      `json:"message"`
}

// errorOf turns err into a status and the body users see; faults of the system are
// logged with their cause and shown without it.
func (s *Server) errorOf(r *http.Request, err error) (int, errorBody) {
	code := barter.ErrorCode(err)
	body := apiError{Code: code, Message: barter.ErrorMessage(err)}
	var e *barter.Error
	if errors.As(err, &e) {
		body.Field, body.Message = e.Field, e.Message
	}
	if code == barter.EInternal {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return status, errorBody{body}
}

// json adapts a handler returning a status and a value to net/http, writing the value or
// the error as JSON. A POST with an Idempotency-Key header is carried out at most once.
func (s *Server) json(h func(*http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
		}
		if r.Method == http.MethodPost && !isJSON(r.Header.Get("Content-Type")) {
			// Browsers send forms cross-site without asking; they cannot send JSON so.
			s.writeError(w, r, barter.Invalid("Content-Type", "must be application/json"))
			return
		}
		if key := r.Header.Get("Idempotency-Key"); key != "" && r.Method == http.MethodPost {
			s.once(w, r, key, h)
			return
		}
		status, v, err := h(r)
		if err != nil {
			status, v = s.errorOf(r, err)
		}
		writeJSON(w, status, encode(v))
	})
}

// isJSON reports whether a Content-Type header names JSON.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// once carries out a POST under an idempotency key. The service records the key in the
// transaction of the request's changes, so a retry finds it whether or not the first
// answer reached the client, and gets the first answer again instead of a second
// posting. A request that failed recorded nothing and may be retried as it is.
func (s *Server) once(w http.ResponseWriter, r *http.Request, key string, h func(*http.Request) (int, any, error)) {
	fail := func(err error) { s.writeError(w, r, err) }
	if len(key) > 255 {
		fail(barter.Invalid("Idempotency-Key", "is longer than 255 bytes"))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		fail(bodyError(err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// Each user has keys of its own: one user's key neither answers nor blocks another's.
	// (A user name has no spaces, so the first space ends it.)
	if u := userFrom(r); u != nil {
		key = u.Name + " " + key
	}
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + string(body)))
	fingerprint := hex.EncodeToString(sum[:])
	ctx := r.Context()
	stored, err := s.Service.StoredResponse(ctx, key)
	if err == nil {
		s.replay(w, r, stored, fingerprint)
		return
	}
	if barter.ErrorCode(err) != barter.ENotFound {
		fail(err)
		return
	}
	status, v, err := h(r.WithContext(barter.WithIdempotencyKey(ctx, key, fingerprint)))
	if errors.Is(err, barter.ErrKeyUsed) {
		// A retry raced this one and committed first.
		if stored, err := s.Service.StoredResponse(ctx, key); err == nil {
			s.replay(w, r, stored, fingerprint)
			return
		}
	}
	if err != nil {
		fail(err)
		return
	}
	out := encode(v)
	// The work is committed: keep its answer even if the client has hung up, which is
	// when a retry will come for it.
	keep := context.WithoutCancel(ctx)
	for attempt := 0; ; attempt++ {
		err := s.Service.SaveResponse(keep, key, status, out)
		if err == nil || barter.ErrorCode(err) == barter.ENotFound {
			break
		}
		if attempt == 2 {
			// A retry will be told that the answer was not kept.
			s.Logger.Error("keep idempotent answer", "key", key, "err", err)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	writeJSON(w, status, out)
}

// replay answers a retry with the first answer under its key.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, stored *barter.StoredResponse, fingerprint string) {
	var err error
	switch {
	case stored.Fingerprint != fingerprint:
		err = barter.Invalid("Idempotency-Key", "was used on %s for another request; use a new key for a new request", stored.Created.UTC().Format(time.RFC3339))
	case stored.Status == 0:
		err = &barter.Error{Code: barter.EConflict, Field: "Idempotency-Key", Message: "the request with this key is still being carried out, or was carried out and its answer was not kept; look the result up before trying anything else"}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Idempotent-Replayed", "true")
	writeJSON(w, stored.Status, stored.Body)
}

// encode writes v as indented JSON.
func encode(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// Every value the handlers return marshals; this is a fault of the code.
		b = []byte(`{"error": {"code": "internal", "message": "internal error"}}`)
	}
	return append(b, '\n')
}

// writeError answers with err as JSON.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, v := s.errorOf(r, err)
	writeJSON(w, status, encode(v))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// decode reads a JSON request body into v, refusing unknown fields and trailing data, and
// says which field is wrong.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return barter.Invalid("body", "is empty; a JSON object is expected")
		case errors.As(err, &syn):
			return barter.Invalid("body", "is not valid JSON at byte %d", syn.Offset)
		case errors.As(err, &typ) && typ.Type.Kind().String() == "string":
			return barter.Invalid(typ.Field, "must be a string (amounts and quantities are decimal strings such as \"1250.50\")")
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "body"
			}
			return barter.Invalid(field, "must be %s, not a JSON %s", kindOf(typ.Type), typ.Value)
		case errors.As(err, &tooBig):
			return bodyError(err)
		default:
			// Unknown fields and the like: the decoder's message names the field.
			return barter.Invalid("body", "%v", err)
		}
	}
	if dec.More() {
		return barter.Invalid("body", "has data after the JSON object")
	}
	return nil
}

// kindOf names a Go type as JSON would.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "a whole number"
	}
	return "a " + t.Kind().String()
}

// bodyError says why a request body could not be read.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return barter.Invalid("body", "is larger than %d bytes", tooBig.Limit)
	}
	return barter.Invalid("body", "could not be read: %v", err)
}

// query reads optional query parameters.
type query struct{ r *http.Request }

func (q query) date(name string, def barter.Date) (barter.Date, error) {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	d, err := barter.ParseDate(v)
	if err != nil {
		return d, barter.Invalid(name, "%v", err)
	}
	return d, nil
}

func (q query) int(name string, def, lo, hi int) (int, error) {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, barter.Invalid(name, "%q is not a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}

func (q query) str(name string) string { return q.r.URL.Query().Get(name) }

// pathID reads a numeric path parameter.
func pathID(r *http.Request, noun string) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, barter.Invalid("id", "%q is not a %s ID", v, noun)
	}
	return id, nil
}

// page is a slice of a list with what a client needs to ask for the next one.
type page[T any] struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Items  []T `json:"items"`
}

// pageBounds reads the page a request asks for: ?offset=&limit=, 100 by default, at
// most 10,000.
func pageBounds(r *http.Request) (limit, offset int, err error) {
	q := query{r}
	if limit, err = q.int("limit", 100, 1, 10_000); err != nil {
		return 0, 0, err
	}
	offset, err = q.int("offset", 0, 0, 1<<31-1)
	return limit, offset, err
}

// paginate cuts the slice the request asks for (see pageBounds) out of all.
func paginate[T, U any](r *http.Request, all []T, conv func(*T) U) (page[U], error) {
	limit, offset, err := pageBounds(r)
	if err != nil {
		return page[U]{}, err
	}
	p := page[U]{Total: len(all), Offset: offset, Limit: limit, Items: []U{}}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		p.Items = append(p.Items, conv(&all[i]))
	}
	return p, nil
}

func (s *Server) today() barter.Date {
	if s.Service.Now != nil {
		return barter.DateOf(s.Service.Now())
	}
	return barter.DateOf(time.Now())
}

// created is the status of a write: 201 when it made something, 200 when the same
// request had already done so.
func created(duplicate bool) int {
	if duplicate {
		return http.StatusOK
	}
	return http.StatusCreated
}
