package barter

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Role is what a user of the clearing house may do.
type Role string

// Roles. Everyone signed in may read; the roles say who may change what.
const (
	RoleAdmin    Role = "admin"    // everything
	RoleCustoms  Role = "customs"  // decide applications, post declarations, reconcile
	RoleOperator Role = "operator" // matching runs, clearing runs, file imports
	RoleTrader   Role = "trader"   // for one party: apply, offer, answer proposals
	RoleAnalyst  Role = "analyst"  // read only
)

// roles lists the roles, for errors.
var roles = []Role{RoleAdmin, RoleCustoms, RoleOperator, RoleTrader, RoleAnalyst}

// User is someone who signs in to the clearing house with a token. A trader acts for
// one party.
type User struct {
	Name    string
	Role    Role
	Party   string // for traders
	Created time.Time
	// Consortiums are those a trader's party is a member of, found when the user signs
	// in: the members answer for a consortium's trade jointly and severally, and each
	// sees its records as the consortium's own.
	Consortiums []string
}

// May reports whether the user has one of the roles; an admin may do anything.
func (u *User) May(roles ...Role) bool {
	return u.Role == RoleAdmin || slices.Contains(roles, u.Role)
}

// ActFor refuses a trader acting for another party than its own. Nobody else acts for a
// party; the routes decide what their roles may do.
func (u *User) ActFor(party string) error {
	if u == nil || u.Role != RoleTrader || party == u.Party {
		return nil
	}
	return &Error{Code: EForbidden, Field: "party", Message: "you act for " + u.Party + ", not " + party}
}

type userKey struct{}

// WithUser returns a context for requests of u: the Service then lets u do only what
// its role may, and shows a trader only what concerns its party. Under such a context,
// every method that changes something, and those that read across all parties (clearing
// runs, the whole ledger), may also return EForbidden; a trader asking for another
// party's authorization or proposal gets ENotFound, as for one that does not exist.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user of a context; nil when the clearing house acts itself (the
// command line, or a server with no user registered).
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// require refuses the context's user unless its role is one of roles; what names the
// action, for the message.
func require(ctx context.Context, what string, roles ...Role) error {
	u := UserFrom(ctx)
	if u == nil || u.May(roles...) {
		return nil
	}
	return Errorf(EForbidden, "%s is %s; %s is for %s", u.Name, u.Role, what, JoinRoles(slices.Concat(roles, []Role{RoleAdmin}), " or "))
}

// notTraders refuses traders what concerns every party at once.
func notTraders(ctx context.Context, what string) error {
	return require(ctx, what, RoleCustoms, RoleOperator, RoleAnalyst)
}

// sees reports whether the context's user may see a record of the parties: anyone but a
// trader may, and a trader one of its own party or of a consortium it is a member of.
func sees(ctx context.Context, parties ...string) bool {
	u := UserFrom(ctx)
	return u == nil || u.Role != RoleTrader || slices.ContainsFunc(parties, func(p string) bool {
		return p == u.Party || slices.Contains(u.Consortiums, p)
	})
}

// withConsortiums finds the consortiums a trader's party is a member of (User.Consortiums).
func withConsortiums(ctx context.Context, tx Tx, u *User) (*User, error) {
	if u == nil || u.Role != RoleTrader {
		return u, nil
	}
	cs, err := tx.Consortiums(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Has(u.Party) {
			u.Consortiums = append(u.Consortiums, c.ID)
		}
	}
	return u, nil
}

// tokenPrefix starts every token, so that one pasted in the wrong place is recognised.
const tokenPrefix = "bt_"

// newSecret returns 256 random bits, written after a prefix that says what they are.
func newSecret(prefix string) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// tokenHash is what the store keeps of a token: enough to check one, nothing to sign in
// with.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddUser registers a user and returns the token it signs in with. Only the token's hash
// is kept: the token is shown this once. Errors: EInvalid, EConflict (the name is taken).
func (s *Service) AddUser(ctx context.Context, name string, role Role, party string) (*User, string, error) {
	if err := require(ctx, "registering users"); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || strings.ContainsAny(name, " \t\n"):
		return nil, "", Invalid("name", "%q is not a user name: give one word", name)
	case !slices.Contains(roles, role):
		return nil, "", Invalid("role", "%q is not a role: the roles are %s", role, joinRoles())
	case role == RoleTrader && party == "":
		return nil, "", Invalid("party", "a trader acts for a party: give its ID")
	case role != RoleTrader && party != "":
		return nil, "", Invalid("party", "only traders act for a party")
	}
	token, err := newSecret(tokenPrefix)
	if err != nil {
		return nil, "", err
	}
	u := &User{Name: name, Role: role, Party: party, Created: s.now().UTC()}
	err = s.update(ctx, func(tx Tx) error {
		if party != "" {
			if _, err := tx.Party(ctx, party); err != nil {
				return err
			}
		}
		return tx.CreateUser(ctx, u, tokenHash(token))
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// joinRoles lists every role, for errors.
func joinRoles() string { return JoinRoles(roles, ", ") }

// JoinRoles writes roles in a list for people to read.
func JoinRoles(rs []Role, sep string) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, sep)
}

// Authenticate returns the user a token belongs to. Errors: EUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	var u *User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.UserByToken(ctx, tokenHash(token)); err != nil {
			return err
		}
		u, err = withConsortiums(ctx, tx, u)
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnauthenticated, "the token is not one of this clearing house's")
	}
	return u, err
}

// SessionLength is how long a sign-in on the pages lasts.
const SessionLength = 12 * time.Hour

// SignIn checks a user's token and opens a session for the pages, whose ID it returns:
// the ID lasts SessionLength, and signing out ends it. Errors: EUnauthenticated.
func (s *Service) SignIn(ctx context.Context, token string) (*User, string, error) {
	u, err := s.Authenticate(ctx, token)
	if err != nil {
		return nil, "", err
	}
	id, err := newSecret("bs_")
	if err != nil {
		return nil, "", err
	}
	now := s.clock()
	err = s.update(ctx, func(tx Tx) error { return tx.CreateSession(ctx, tokenHash(id), u.Name, now.Add(SessionLength), now) })
	if err != nil {
		return nil, "", err
	}
	return u, id, nil
}

// SessionUser returns the user of an open session. Errors: EUnauthenticated.
func (s *Service) SessionUser(ctx context.Context, id string) (*User, error) {
	var u *User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.SessionUser(ctx, tokenHash(id), s.clock()); err != nil {
			return err
		}
		u, err = withConsortiums(ctx, tx, u)
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnauthenticated, "the session has ended: sign in again")
	}
	return u, err
}

// SignOut ends a session; ending one already ended is no error.
func (s *Service) SignOut(ctx context.Context, id string) error {
	return s.update(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, tokenHash(id)) })
}

// Users lists the users by name.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	if err := require(ctx, "the list of users"); err != nil {
		return nil, err
	}
	var us []User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		us, err = tx.Users(ctx)
		return err
	})
	return us, err
}

// RemoveUser removes a user; its token no longer signs in. Errors: ENotFound.
func (s *Service) RemoveUser(ctx context.Context, name string) error {
	if err := require(ctx, "removing users"); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error { return tx.DeleteUser(ctx, name) })
}

// HasUsers reports whether any user is registered: until one is, the clearing house is
// open to anyone who can reach it, as a demo or a single-user desk is.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	var n int
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		n, err = tx.UserCount(ctx)
		return err
	})
	return n > 0, err
}
