package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
)

// Who makes each request. Until a user is registered (barter users add) the clearing
// house is open: anyone who reaches it may do anything, as on a demo or a single desk.
// Once there is one, every request must name its user: the API with an
// "Authorization: Bearer TOKEN" header, the pages with the session cookie that signing
// in sets. Everyone signed in may read; each change is open to some roles only, and a
// trader acts only for its own party.

type userKey struct{}

// userFrom returns the user a request was made by; nil while the clearing house is open.
func userFrom(r *http.Request) *barter.User {
	u, _ := r.Context().Value(userKey{}).(*barter.User)
	return u
}

// sessionCookie carries a page user's token.
const sessionCookie = "barter_session"

// sessionLength is how long signing in lasts.
const sessionLength = 12 * time.Hour

// authenticate finds the user of each request, or refuses it.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" || r.URL.Path == "/logout" {
			next.ServeHTTP(w, r)
			return
		}
		closed, err := s.Service.HasUsers(r.Context())
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		if !closed {
			next.ServeHTTP(w, r)
			return
		}
		token, fromCookie := "", false
		if h := r.Header.Get("Authorization"); h != "" {
			var ok bool
			if token, ok = strings.CutPrefix(h, "Bearer "); !ok {
				s.refuse(w, r, &barter.Error{Code: barter.EUnauthenticated, Field: "Authorization", Message: `must be "Bearer " and a token`})
				return
			}
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			token, fromCookie = c.Value, true
		}
		if token == "" {
			if !strings.HasPrefix(r.URL.Path, "/api/") && r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
				return
			}
			s.refuse(w, r, &barter.Error{Code: barter.EUnauthenticated, Field: "Authorization", Message: "sign in first: send the header Authorization: Bearer TOKEN"})
			return
		}
		u, err := s.Service.Authenticate(r.Context(), token)
		if err != nil {
			if fromCookie && r.Method == http.MethodGet {
				// The user was removed, or signed in elsewhere with another token.
				http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
				return
			}
			s.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// allow lets only users of the roles (and admins) through to h; with no roles, anyone
// signed in.
func (s *Server) allow(h http.Handler, roles ...barter.Role) http.Handler {
	if len(roles) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := userFrom(r); u != nil && !u.May(roles...) {
			names := make([]string, len(roles))
			for i, role := range roles {
				names[i] = string(role)
			}
			s.refuse(w, r, barter.Errorf(barter.EForbidden, "%s is %s; this is for %s", u.Name, u.Role, strings.Join(names, " or ")))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// refuse answers with an error: as JSON under /api/, as a page elsewhere.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if barter.ErrorCode(err) == barter.EUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="barter"`)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.writeError(w, r, err)
		return
	}
	status, body := s.errorOf(r, err)
	s.render(w, r, status, "error", view{Title: "error", Error: &body.Error, Heading: headings[body.Error.Code]})
}

// loginPage is the sign-in form; Next is where to go after it.
type loginPage struct {
	Next   string
	Open   bool // no user is registered: there is nothing to sign in to
	Failed bool
}

func (s *Server) loginForm(r *http.Request) (any, error) {
	closed, err := s.Service.HasUsers(r.Context())
	return loginPage{Next: localPath(query{r}.str("next")), Open: !closed}, err
}

// login checks the token typed and sets the session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
	if err := r.ParseForm(); err != nil {
		s.refuse(w, r, barter.Invalid("form", "%v", err))
		return
	}
	next := localPath(r.PostForm.Get("next"))
	u, err := s.Service.Authenticate(r.Context(), strings.TrimSpace(r.PostForm.Get("token")))
	if err != nil {
		status, body := s.errorOf(r, err)
		s.render(w, r, status, "login", view{Title: "sign in", Nav: "login", Data: loginPage{Next: next, Failed: true},
			Error: &body.Error, Heading: "The token was not accepted"})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: strings.TrimSpace(r.PostForm.Get("token")), Path: "/",
		MaxAge: int(sessionLength / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	s.Logger.Info("signed in", "user", u.Name, "role", u.Role)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout forgets the session cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// localPath keeps a redirect on this site: a path, not another site's address.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}
