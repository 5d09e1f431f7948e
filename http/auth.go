package http

import (
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

// userFrom returns the user a request was made by; nil while the clearing house is open.
func userFrom(r *http.Request) *barter.User { return barter.UserFrom(r.Context()) }

// sessionCookie carries the ID of a page user's session (see barter.Service.SignIn).
const sessionCookie = "barter_session"

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
		// A page read without a signed-in user goes to the sign-in page, and back after.
		toSignIn := func() bool {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet && r.Method != http.MethodHead {
				return false
			}
			http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
			return true
		}
		var u *barter.User
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || token == "" {
				s.refuse(w, r, &barter.Error{Code: barter.EUnauthenticated, Field: "Authorization", Message: `must be "Bearer " and a token`})
				return
			}
			u, err = s.authenticateToken(w, r, strings.TrimSpace(token))
		} else if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			u, err = s.Service.SessionUser(r.Context(), c.Value)
			if barter.ErrorCode(err) == barter.EUnauthenticated && toSignIn() {
				return // the session ended, or its user was removed
			}
		} else {
			if toSignIn() {
				return
			}
			err = &barter.Error{Code: barter.EUnauthenticated, Field: "Authorization", Message: "sign in first: send the header Authorization: Bearer TOKEN"}
		}
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(barter.WithUser(r.Context(), u)))
	})
}

// authenticateToken finds the user of an API token, through the throttle.
func (s *Server) authenticateToken(w http.ResponseWriter, r *http.Request, token string) (u *barter.User, err error) {
	err = s.checked(w, r, func() (err error) {
		u, err = s.Service.Authenticate(r.Context(), token)
		return err
	})
	return u, err
}

// checked runs a check of a token unless the client must wait after failing too often,
// and counts its outcome: a wrong token is a failure, a right one forgets the failures.
func (s *Server) checked(w http.ResponseWriter, r *http.Request, check func() error) error {
	client := s.clientOf(r)
	if wait := s.signIns.wait(client); wait > 0 {
		return tooMany(w, wait)
	}
	err := check()
	switch {
	case err == nil:
		s.signIns.succeed(client)
	case barter.ErrorCode(err) == barter.EUnauthenticated:
		s.signIns.fail(client)
	}
	return err
}

// allow lets only users of the roles (and admins) through to h; with no roles, anyone
// signed in.
func (s *Server) allow(h http.Handler, roles ...barter.Role) http.Handler {
	if len(roles) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := userFrom(r); u != nil && !u.May(roles...) {
			s.refuse(w, r, barter.Errorf(barter.EForbidden, "%s is %s; this is for %s", u.Name, u.Role, barter.JoinRoles(roles, " or ")))
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
	var u *barter.User
	var id string
	err := s.checked(w, r, func() (err error) {
		u, id, err = s.Service.SignIn(r.Context(), strings.TrimSpace(r.PostForm.Get("token")))
		return err
	})
	if err != nil {
		status, body := s.errorOf(r, err)
		w.Header().Set("WWW-Authenticate", `Bearer realm="barter"`)
		heading := "The token was not accepted"
		if body.Error.Code == barter.ETooMany {
			heading = headings[barter.ETooMany]
		}
		s.render(w, r, status, "login", view{Title: "sign in", Nav: "login", Data: loginPage{Next: next, Failed: true},
			Error: &body.Error, Heading: heading})
		return
	}
	http.SetCookie(w, sessionCookieOf(r, id, int(barter.SessionLength/time.Second)))
	s.Logger.Info("signed in", "user", u.Name, "role", u.Role)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session and forgets its cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Service.SignOut(r.Context(), c.Value); err != nil {
			s.refuse(w, r, err)
			return
		}
	}
	http.SetCookie(w, sessionCookieOf(r, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// sessionCookieOf is the session cookie: out of scripts' reach, not sent along from other
// sites' pages, and over HTTPS only when the request came so (itself, or through a proxy
// that ends TLS and says so).
func sessionCookieOf(r *http.Request, id string, maxAge int) *http.Cookie {
	secure := r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	return &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// localPath keeps a redirect on this site: a path of its own, never another site's
// address however written (//host, /\host, or with characters browsers drop).
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(p, "/") ||
		strings.HasPrefix(p, "//") || strings.ContainsFunc(p, func(c rune) bool { return c < ' ' || c == 0x7f || c == '\\' }) {
		return "/"
	}
	return p
}
