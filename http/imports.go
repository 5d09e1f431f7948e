package http

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/barter-clearing/barter"
)

// Importer reads a CSV file of one kind of record into the service, whole or not at all,
// as `barter import` does. The command wires them, so that this package needs no CSV
// reader of its own.
type Importer struct {
	Kind    string   // the name in routes and forms: parties, declarations, ...
	Columns []string // the required columns, for the form and the errors
	Run     func(ctx context.Context, svc *barter.Service, in io.Reader, o barter.ImportOptions) (barter.ImportReport, error)
}

// importRoles says who may import each kind: the same people who may make its records
// one by one. Kinds not listed are for admins.
var importRoles = map[string][]barter.Role{
	"parties":        {barter.RoleCustoms},
	"rates":          {barter.RoleCustoms},
	"authorizations": {barter.RoleCustoms}, // they arrive approved, as customs approve them
	"lines":          {barter.RoleCustoms},
	"declarations":   {barter.RoleCustoms},
	"offers":         {barter.RoleOperator},
}

// mayImport refuses a user an import of a kind its role may not make.
func mayImport(u *barter.User, kind string) error {
	if u == nil || u.May(importRoles[kind]...) {
		return nil
	}
	return barter.Errorf(barter.EForbidden, "%s is %s; importing %s is not for %s", u.Name, u.Role, kind, u.Role)
}

// maxImport bounds an uploaded file, in bytes. Larger files go through the command line,
// which streams them with progress.
const maxImport = 256 << 20

// importAttempts is how many times an import undone by a deadlock is tried in all.
const importAttempts = 3

// maxListedErrors bounds the bad rows an answer lists; the count covers them all.
const maxListedErrors = 1000

// ImportReport is the answer to an import: what it did, or every bad row (up to a
// thousand) when it did nothing.
type ImportReport struct {
	Kind       string     `json:"kind"`
	File       string     `json:"file,omitempty"`
	Rows       int        `json:"rows"`
	Written    int        `json:"written"`
	Duplicates int        `json:"duplicates"`
	Rejected   int        `json:"rejected"`
	Errors     []RowError `json:"errors"`
	Error      *apiError  `json:"error,omitempty"` // why nothing was read at all
}

// RowError is a rejected row: FILE:LINE: field: reason.
type RowError struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// runImport imports one file and says what happened, with the status to answer with:
// 201 when it wrote records, 200 when all were there already, 400 when it was refused.
func (s *Server) runImport(r *http.Request, kind, file string, in io.Reader) (int, ImportReport) {
	rep := ImportReport{Kind: kind, File: file, Errors: []RowError{}}
	i := slices.IndexFunc(s.Importers, func(imp Importer) bool { return imp.Kind == kind })
	if i < 0 {
		kinds := make([]string, len(s.Importers))
		for j, imp := range s.Importers {
			kinds[j] = imp.Kind
		}
		rep.Error = &apiError{Code: barter.ENotFound, Field: "kind", Message: "no import of " + kind + "; the kinds are " + strings.Join(kinds, ", ")}
		return http.StatusNotFound, rep
	}
	imp := s.Importers[i]
	if err := mayImport(userFrom(r), kind); err != nil {
		status, body := s.errorOf(r, err)
		rep.Error = &body.Error
		return status, rep
	}
	bad := 0
	o := barter.ImportOptions{OnError: func(e barter.RowError) {
		bad++
		if len(rep.Errors) < maxListedErrors {
			rep.Errors = append(rep.Errors, RowError{e.Line, e.Field, e.Reason})
		}
	}}
	// The upload is kept in a temporary file as it is read, so that an import undone
	// by a deadlock can be read again from the start, as barter import does with its
	// file. Where no such file can be made, the import runs once.
	var spool *os.File
	if f, err := os.CreateTemp("", "barter-upload-*.csv"); err == nil {
		spool = f
		defer func() { spool.Close(); os.Remove(spool.Name()) }()
		in = io.TeeReader(in, spool)
	} else {
		s.Logger.Warn("an upload will not be tried again after a deadlock", "err", err)
	}
	done, err := imp.Run(r.Context(), s.Service, in, o)
	for attempt := 2; spool != nil && errors.Is(err, barter.ErrDeadlock) && bad == 0 && attempt <= importAttempts; attempt++ {
		// The rest of the upload joins what was read, and the whole is read again.
		if attempt == 2 {
			if _, cerr := io.Copy(io.Discard, in); cerr != nil {
				break
			}
		}
		if _, serr := spool.Seek(0, io.SeekStart); serr != nil {
			break
		}
		s.Logger.Warn("an import met another holding the same records in the other order; nothing was written; importing again",
			"kind", kind, "file", file, "attempt", attempt, "of", importAttempts)
		done, err = imp.Run(r.Context(), s.Service, spool, o)
	}
	rep.Rows, rep.Written, rep.Duplicates, rep.Rejected = done.Rows, done.Written, done.Duplicates, done.Rejected
	switch {
	case err == nil && rep.Written > 0:
		return http.StatusCreated, rep
	case err == nil:
		return http.StatusOK, rep
	}
	status, body := s.errorOf(r, err)
	rep.Error = &body.Error
	return status, rep
}

// importAPI takes a CSV file as the body of POST /api/v1/imports/{kind}.
func (s *Server) importAPI(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		s.writeError(w, r, barter.Invalid("Content-Type", "must be text/csv"))
		return
	}
	status, rep := s.runImport(r, r.PathValue("kind"), "", http.MaxBytesReader(w, r.Body, maxImport))
	writeJSON(w, status, encode(rep))
}

// importPage is the page of file imports: a form per kind, and the report of the last.
type importPage struct {
	Kinds  []Importer
	Report *ImportReport
}

func (s *Server) importForms() importPage { return importPage{Kinds: s.Importers} }

// importForm takes a file uploaded from the imports page. The file is read as it
// arrives, not held in memory; the form sends the kind before the file.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImport)
	page := s.importForms()
	fail := func(err error) {
		status, body := s.errorOf(r, err)
		s.render(w, r, status, "imports", view{Title: "imports", Nav: "imports", Data: page, Error: &body.Error, Heading: headings[body.Error.Code]})
	}
	mr, err := r.MultipartReader()
	if err != nil {
		fail(barter.Invalid("form", "%v", err))
		return
	}
	kind := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			fail(barter.Invalid("file", "no file was sent"))
			return
		}
		if err != nil {
			fail(bodyError(err))
			return
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			kind = string(b)
		case "file":
			if kind == "" {
				fail(barter.Invalid("kind", "is required, before the file"))
				return
			}
			status, rep := s.runImport(r, kind, part.FileName(), part)
			page.Report = &rep
			s.render(w, r, status, "imports", view{Title: "imports", Nav: "imports", Data: page})
			return
		}
	}
}
