package barter

import (
	"context"
	"time"
)

// Store keeps the clearing house's records. Implementations (sqlite, postgres) hold no
// rules: the Service decides, the Store remembers. Every implementation passes the
// contract suite in internal/storetest.
type Store interface {
	// Update runs fn in a read-write transaction and commits it when fn returns nil.
	// Updates are serialised where they touch the same authorization, so no update is lost.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is the work a Store can do inside one transaction. Lookups return ENotFound when the
// record does not exist; inserts return EConflict when its key is taken.
type Tx interface {
	Party(ctx context.Context, id string) (*Party, error)
	CreateParty(ctx context.Context, p *Party) error
	Parties(ctx context.Context) ([]Party, error)
	// PartiesByID is Party for many ids at once; ids not registered are absent.
	PartiesByID(ctx context.Context, ids []string) (map[string]*Party, error)
	// CreateParties inserts parties: an import's batch in one statement. It returns
	// those it did not insert because another transaction registered their ids first
	// (and committed, if it ran alongside), instead of failing on the key.
	CreateParties(ctx context.Context, ps []*Party) (taken []*Party, err error)
	// Consortium returns a consortium's partner and members, lead first, then by ID;
	// in a write transaction it holds the consortium until the transaction ends.
	Consortium(ctx context.Context, id string) (*Consortium, error)
	// PutConsortium records a consortium, replacing its members.
	PutConsortium(ctx context.Context, c *Consortium) error
	// Consortiums lists the consortiums recorded, by ID.
	Consortiums(ctx context.Context) ([]Consortium, error)
	// CreateUndertaking files an undertaking and sets its ID.
	CreateUndertaking(ctx context.Context, u *Undertaking) error
	// Undertakings lists the undertakings for a counterparty (all for ""), by ID.
	Undertakings(ctx context.Context, counterparty string) ([]Undertaking, error)
	// CounterpartyCountries returns the counterparties of the authorizations a party
	// holds (applied for or approved), with their countries.
	CounterpartyCountries(ctx context.Context, party string) (map[string]string, error)

	CreateRate(ctx context.Context, r *Rate) error
	Rates(ctx context.Context) ([]Rate, error)

	// Authorization returns an authorization by number with its lines, and in a
	// read-write transaction holds it until commit, so concurrent postings to it queue.
	Authorization(ctx context.Context, number string) (*Authorization, error)
	AuthorizationByID(ctx context.Context, id int64) (*Authorization, error)
	// AuthorizationsByNumber is Authorization for many numbers at once; numbers that do
	// not exist are absent from the map.
	AuthorizationsByNumber(ctx context.Context, numbers []string) (map[string]*Authorization, error)
	// AuthorizationTerms is AuthorizationsByNumber as posting checks them: each line
	// has its direction and HS code alone. It holds them alike.
	AuthorizationTerms(ctx context.Context, numbers []string) (map[string]*Authorization, error)
	// Authorizations lists authorizations, without lines, by number; all when status is "".
	Authorizations(ctx context.Context, status Status) ([]Authorization, error)
	// CreateAuthorization inserts a and its lines and sets a.ID.
	CreateAuthorization(ctx context.Context, a *Authorization) error
	// UpdateAuthorization saves the number, status, dates and reason of a.
	UpdateAuthorization(ctx context.Context, a *Authorization) error
	AddLine(ctx context.Context, authorizationID int64, l *Line) error
	// CreateAuthorizations inserts numbered authorizations, without lines, and sets
	// the IDs of those it inserts: an import's batch in a few statements. It returns
	// those it did not insert (their IDs left 0) because another transaction took
	// their numbers first, as CreateParties.
	CreateAuthorizations(ctx context.Context, as []*Authorization) (taken []*Authorization, err error)
	// AddLines adds lines to authorizations, each at the position it names.
	AddLines(ctx context.Context, ls []NewLine) error
	// NextSerial returns the next number, from 1, of a named counter.
	NextSerial(ctx context.Context, name string) (int64, error)

	Declaration(ctx context.Context, number string) (*Declaration, error)
	// DeclarationsOf lists the declarations posted to an authorization (by its number),
	// by day and then number. It may read every declaration: it is for a person
	// looking at one authorization, not for posting.
	DeclarationsOf(ctx context.Context, authorization string) ([]Declaration, error)
	// EachDeclarationBetween calls fn with each declaration dated from one day to
	// another (both included), by day and then number, until fn returns an error. It
	// may read every declaration; fn must not keep d.
	EachDeclarationBetween(ctx context.Context, from, to Date, fn func(d *Declaration) error) error
	// PostedByChapter sums the declarations dated from one day to another (both
	// included) by HS chapter and direction, valued as posted, by chapter then direction.
	PostedByChapter(ctx context.Context, from, to Date) ([]ChapterTotal, error)
	// DeclarationsExist reports which of the numbers are posted.
	DeclarationsExist(ctx context.Context, numbers []string) (map[string]bool, error)
	// PrepareDeclarations lays out the rows of the declarations, each its own ledger
	// entry (see DeclarationEntry), and returns what stores them and sets their Entry
	// IDs from the ledger's sequence. The laying out is done on the calling goroutine,
	// so that an import does it while the store writes the batch before.
	PrepareDeclarations(decls []*Declaration) (write func(context.Context) error, err error)
	CreateReassessment(ctx context.Context, r *Reassessment) error
	// Reassessments lists a declaration's reassessments in the order they were made.
	Reassessments(ctx context.Context, declaration string) ([]Reassessment, error)

	// AppendEntry appends a ledger entry with its postings and sets e.ID. The entries of
	// declarations are not appended this way: PrepareDeclarations stores them.
	AppendEntry(ctx context.Context, e *Entry) error
	// FlowsOf returns, for each authorization, what was booked to its legs day by day
	// (by declarations and by other entries), sorted by day, as SetFlows last recorded
	// it; those with nothing booked are absent.
	FlowsOf(ctx context.Context, authorizations []string) (map[string][]Flow, error)
	// SetFlows records the flows of authorizations, after posting to them, for FlowsOf.
	// The caller holds the authorizations (AuthorizationTerms or AuthorizationsByNumber
	// in this transaction).
	SetFlows(ctx context.Context, flows map[string][]Flow) error
	// RebuildFlows recomputes the flows of every authorization from the ledger, holding
	// all authorizations while it does, and returns how many have flows and how many
	// of those differed.
	RebuildFlows(ctx context.Context) (authorizations, stale int, err error)
	// TotalsAsOf returns, per authorization, the totals of entries dated on or before asOf.
	TotalsAsOf(ctx context.Context, asOf Date) (map[string]Totals, error)
	// EntryCount counts the ledger's entries. Entries are only ever appended, so two
	// reads that count the same hold the same entries.
	EntryCount(ctx context.Context) (int64, error)
	// VerifyLedger checks every entry and returns what it found.
	VerifyLedger(ctx context.Context) (*LedgerReport, error)

	CreateReconciliation(ctx context.Context, r *Reconciliation) error

	// Offer returns an offer of the matching pool by id.
	Offer(ctx context.Context, id string) (*Offer, error)
	// CreateOffer adds an offer to the pool.
	CreateOffer(ctx context.Context, o *Offer) error
	// Offers lists offers by id; all when status is "".
	Offers(ctx context.Context, status OfferStatus) ([]Offer, error)
	// MoveOffer changes an offer's status from one to another, and reports false when
	// its status was not from (another run or answer got there first).
	MoveOffer(ctx context.Context, id string, from, to OfferStatus) (bool, error)
	// CreateProposal stores a proposal with its legs and sets p.ID.
	CreateProposal(ctx context.Context, p *Proposal) error
	// Proposal returns a proposal with its legs and authorizations, and in a read-write
	// transaction holds it until commit, so concurrent answers queue.
	Proposal(ctx context.Context, id int64) (*Proposal, error)
	// Proposals lists proposals with their legs and authorizations, newest first; all
	// when status is "".
	Proposals(ctx context.Context, status ProposalStatus) ([]Proposal, error)
	// UpdateProposal saves a proposal's status, its legs' responses, and the links to
	// authorizations not yet saved.
	UpdateProposal(ctx context.Context, p *Proposal) error
	// ProposalsDue lists the pending proposals whose deadline is before day, with
	// their legs.
	ProposalsDue(ctx context.Context, day Date) ([]Proposal, error)
	// MoveProposal changes a proposal's status from one to another, and reports false
	// when its status was not from.
	MoveProposal(ctx context.Context, id int64, from, to ProposalStatus) (bool, error)

	// CreateClearingRun stores a run with its obligations and sets r.ID.
	CreateClearingRun(ctx context.Context, r *ClearingRun) error
	// ClearingRun returns a run with its obligations in input order.
	ClearingRun(ctx context.Context, id int64) (*ClearingRun, error)
	// ClearingRunHead returns a run without its obligations.
	ClearingRunHead(ctx context.Context, id int64) (*ClearingRun, error)
	// ClearingObligations returns limit of a run's obligations (all when limit is
	// negative) from the offset-th on, in input order.
	ClearingObligations(ctx context.Context, id int64, offset, limit int) ([]ClearedObligation, error)
	// ClearingObligationCount counts a run's obligations.
	ClearingObligationCount(ctx context.Context, id int64) (int, error)
	// ClearingRuns lists runs without their obligations, newest first.
	ClearingRuns(ctx context.Context) ([]ClearingRun, error)
	// UpdateClearingRun saves a run's status, commit day and ledger entry.
	UpdateClearingRun(ctx context.Context, r *ClearingRun) error
	// ClearedFromPositions sums, per obligation ID, what committed runs made from
	// positions have cleared.
	ClearedFromPositions(ctx context.Context) (map[string]int64, error)

	// CreateUser registers a user with the hash of its token. Errors: EConflict when
	// the name is taken.
	CreateUser(ctx context.Context, u *User, tokenHash string) error
	// UserByToken returns the user whose token has the hash. Errors: ENotFound.
	UserByToken(ctx context.Context, tokenHash string) (*User, error)
	// Users lists the users by name.
	Users(ctx context.Context) ([]User, error)
	// DeleteUser removes a user. Errors: ENotFound.
	DeleteUser(ctx context.Context, name string) error
	// UserCount counts the users.
	UserCount(ctx context.Context) (int, error)
	// CreateSession records a sign-in of a user until it expires, by the hash of its
	// ID, and forgets sessions expired before now.
	CreateSession(ctx context.Context, idHash, user string, expires, now time.Time) error
	// SessionUser returns the user of a session not expired at now. Errors: ENotFound.
	SessionUser(ctx context.Context, idHash string, now time.Time) (*User, error)
	// DeleteSession forgets a session; forgetting one that is not there is no error.
	DeleteSession(ctx context.Context, idHash string) error

	// LockScreening holds, until commit, the right to screen parties: a list loaded and
	// a party registered at once are then screened one after the other, so that neither
	// misses the other.
	LockScreening(ctx context.Context) error
	// SanctionsListExists reports whether a version of the sanctions list is stored.
	SanctionsListExists(ctx context.Context, version string) (bool, error)
	// CreateSanctionsList stores a version of the sanctions list with its entries.
	CreateSanctionsList(ctx context.Context, l *SanctionsList) error
	// LatestSanctionsVersion returns the newest version stored; "" when there is none.
	LatestSanctionsVersion(ctx context.Context) (string, error)
	// SanctionsList returns a stored version with its entries. Errors: ENotFound.
	SanctionsList(ctx context.Context, version string) (*SanctionsList, error)
	// SaveHits records screening hits, leaving those recorded already as they are, and
	// returns how many were new.
	SaveHits(ctx context.Context, hs []ScreeningHit) (int, error)
	// ScreeningHits lists the hits on a version, of one status or all when status is
	// "", by party and reference.
	ScreeningHits(ctx context.Context, version string, status HitStatus) ([]ScreeningHit, error)
	// ScreeningHit returns one hit. Errors: ENotFound.
	ScreeningHit(ctx context.Context, party, version, ref string) (*ScreeningHit, error)
	// DecidedHits returns the confirmed and cleared hits on every version, the newest
	// version first.
	DecidedHits(ctx context.Context) ([]ScreeningHit, error)
	// DecideHit saves a hit's status, reason and decision.
	DecideHit(ctx context.Context, h *ScreeningHit) error
	// BlockedParties returns, for each party with an open or confirmed hit on the newest
	// version, one such hit, confirmed ones first.
	BlockedParties(ctx context.Context) (map[string]ScreeningHit, error)

	// ClaimKey records an idempotency key with r's fingerprint and time, and reports
	// false when the key is already recorded. A claim racing another of the same key
	// waits for it and reports false if it commits.
	ClaimKey(ctx context.Context, r *StoredResponse) (bool, error)
	// SaveResponse keeps the answer under a claimed key.
	SaveResponse(ctx context.Context, key string, status int, body []byte) error
	// StoredResponse returns what is recorded under a key.
	StoredResponse(ctx context.Context, key string) (*StoredResponse, error)
	// ForgetKeys deletes the idempotency keys claimed before a time (to the second),
	// with their answers, and returns how many.
	ForgetKeys(ctx context.Context, before time.Time) (int64, error)
}

// PositionsSource starts the source of clearing runs made from positions.
const PositionsSource = "positions as of "

// Reconciliation is one run of the net-off check.
type Reconciliation struct {
	ID        int64
	AsOf      Date
	Cancelled []Cancellation
}

// Cancellation is an authorization cancelled by a reconciliation, with the reason.
type Cancellation struct {
	Authorization string
	Reason        string
}

// NewLine is a line to add to an authorization at position Seq, from 1.
type NewLine struct {
	AuthorizationID int64
	Seq             int
	Line            Line
}
