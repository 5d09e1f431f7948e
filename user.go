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

// Roles lists the roles, for help and errors.
var Roles = []Role{RoleAdmin, RoleCustoms, RoleOperator, RoleTrader, RoleAnalyst}

// User is someone who signs in to the clearing house with a token. A trader acts for
// one party.
type User struct {
	Name    string
	Role    Role
	Party   string // for traders
	Created time.Time
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

// tokenPrefix starts every token, so that one pasted in the wrong place is recognised.
const tokenPrefix = "bt_"

// tokenHash is what the store keeps of a token: enough to check one, nothing to sign in
// with.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddUser registers a user and returns the token it signs in with. Only the token's hash
// is kept: the token is shown this once. Errors: EInvalid, EConflict (the name is taken).
func (s *Service) AddUser(ctx context.Context, name string, role Role, party string) (*User, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" || strings.ContainsAny(name, " \t\n"):
		return nil, "", Invalid("name", "%q is not a user name: give one word", name)
	case !slices.Contains(Roles, role):
		return nil, "", Invalid("role", "%q is not a role: the roles are %s", role, joinRoles())
	case role == RoleTrader && party == "":
		return nil, "", Invalid("party", "a trader acts for a party: give its ID")
	case role != RoleTrader && party != "":
		return nil, "", Invalid("party", "only traders act for a party")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	u := &User{Name: name, Role: role, Party: party, Created: s.now().UTC()}
	err := s.update(ctx, func(tx Tx) error {
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

func joinRoles() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Authenticate returns the user a token belongs to. Errors: EUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	var u *User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByToken(ctx, tokenHash(token))
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnauthenticated, "the token is not one of this clearing house's")
	}
	return u, err
}

// Users lists the users by name.
func (s *Service) Users(ctx context.Context) ([]User, error) {
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
