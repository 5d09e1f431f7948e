// Package sanctions reads sanctions lists and screens names against them, so that no
// party of a barter trade is one the list names. It reads what it is given and keeps
// nothing.
//
// Screening compares names as words: each name is put in capitals, stripped of accents
// and punctuation and of the legal forms of companies, and its words sorted. Names with
// no word of three letters or more in common are never compared; the others are scored
// by Jaro-Winkler similarity (1 for the same words). A score at or above the threshold is
// a possible match, for a person to confirm or clear: screening finds, it does not judge.
package sanctions

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/hbollon/go-edlib"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Kind says whether a listed entry is a person or an organisation.
type Kind string

// Kinds of entries.
const (
	Individual Kind = "individual"
	Entity     Kind = "entity"
)

// Entry is one listed person or organisation.
type Entry struct {
	Ref           string // the list's reference number, such as QDe.001
	Kind          Kind
	Name          string // as listed
	Aliases       []string
	Nationalities []string
	ListedOn      string
}

// List is one version of a sanctions list.
type List struct {
	Source    string
	Generated time.Time // the version: when the list was generated
	Entries   []Entry
}

// unName is an entry of the UN list as its XML has it.
type unName struct {
	DataID        string   `xml:"DATAID"`
	First         string   `xml:"FIRST_NAME"`
	Second        string   `xml:"SECOND_NAME"`
	Third         string   `xml:"THIRD_NAME"`
	Fourth        string   `xml:"FOURTH_NAME"`
	Ref           string   `xml:"REFERENCE_NUMBER"`
	ListedOn      string   `xml:"LISTED_ON"`
	Nationalities []string `xml:"NATIONALITY>VALUE"`
	Original      string   `xml:"NAME_ORIGINAL_SCRIPT"`
	Aliases       []string `xml:"INDIVIDUAL_ALIAS>ALIAS_NAME"`
	EntityAliases []string `xml:"ENTITY_ALIAS>ALIAS_NAME"`
}

// ParseUN reads the United Nations Security Council Consolidated List in its published
// XML format (schema sc-sanctions.xsd), entry by entry.
func ParseUN(r io.Reader) (*List, error) {
	dec := xml.NewDecoder(r)
	l := &List{Source: "UN Security Council Consolidated List"}
	seenRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("sanctions list: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "CONSOLIDATED_LIST":
			seenRoot = true
			for _, a := range start.Attr {
				if a.Name.Local == "dateGenerated" {
					if l.Generated, err = time.Parse(time.RFC3339Nano, a.Value); err != nil {
						return nil, fmt.Errorf("sanctions list: dateGenerated %q: %w", a.Value, err)
					}
				}
			}
		case "INDIVIDUAL", "ENTITY":
			var u unName
			if err := dec.DecodeElement(&u, &start); err != nil {
				return nil, fmt.Errorf("sanctions list: %s: %w", start.Name.Local, err)
			}
			e := Entry{Ref: strings.TrimSpace(u.Ref), Kind: Individual, ListedOn: strings.TrimSpace(u.ListedOn)}
			if start.Name.Local == "ENTITY" {
				e.Kind = Entity
			}
			e.Name = strings.Join(strings.Fields(strings.Join([]string{u.First, u.Second, u.Third, u.Fourth}, " ")), " ")
			for _, a := range append(append(u.Aliases, u.EntityAliases...), u.Original) {
				if a = strings.Join(strings.Fields(a), " "); a != "" && !slices.Contains(e.Aliases, a) {
					e.Aliases = append(e.Aliases, a)
				}
			}
			for _, n := range u.Nationalities {
				if n = strings.TrimSpace(n); n != "" {
					e.Nationalities = append(e.Nationalities, n)
				}
			}
			if e.Ref == "" {
				e.Ref = "DATAID " + strings.TrimSpace(u.DataID)
			}
			if e.Name != "" {
				l.Entries = append(l.Entries, e)
			}
		}
	}
	if !seenRoot {
		return nil, fmt.Errorf("sanctions list: no CONSOLIDATED_LIST element: not the UN consolidated list")
	}
	if l.Generated.IsZero() {
		return nil, fmt.Errorf("sanctions list: no dateGenerated: the list's version is unknown")
	}
	return l, nil
}

// legalForms are words of company names that say what kind of company, not which.
var legalForms = map[string]bool{
	"LTD": true, "LIMITED": true, "LLC": true, "LLP": true, "INC": true, "CO": true, "COMPANY": true, "CORP": true,
	"CORPORATION": true, "PVT": true, "PRIVATE": true, "PLC": true, "GMBH": true, "AG": true, "SA": true, "SARL": true,
	"OOO": true, "ZAO": true, "OAO": true, "PAO": true, "AO": true, "JSC": true, "PJSC": true, "OJSC": true, "CJSC": true,
	"FZE": true, "FZCO": true, "THE": true, "AND": true, "OF": true,
}

var unaccent = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// Words returns a name's words for comparison: in capitals, without accents,
// punctuation or legal forms, sorted.
func Words(name string) []string {
	plain, _, err := transform.String(unaccent, name)
	if err != nil {
		plain = name
	}
	fields := strings.FieldsFunc(strings.ToUpper(plain), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	words := fields[:0]
	for _, f := range fields {
		if !legalForms[f] {
			words = append(words, f)
		}
	}
	sort.Strings(words)
	return words
}

// Hit is a listed entry whose name, or one of whose aliases, is like the name screened.
type Hit struct {
	Entry  *Entry
	Listed string  // the name or alias that matched
	Score  float32 // 1 for the same words
}

// Screener screens names against one list.
type Screener struct {
	list  *List
	names []listedName
	index map[string][]int32 // word: the names it is in
}

type listedName struct {
	entry int32
	text  string // as listed
	words string // its words, sorted, joined by spaces
}

// NewScreener indexes a list's names and aliases by their words.
func NewScreener(l *List) *Screener {
	s := &Screener{list: l, index: map[string][]int32{}}
	for i, e := range l.Entries {
		for _, n := range append([]string{e.Name}, e.Aliases...) {
			ws := Words(n)
			if len(ws) == 0 {
				continue
			}
			k := int32(len(s.names))
			s.names = append(s.names, listedName{entry: int32(i), text: n, words: strings.Join(ws, " ")})
			for _, w := range slices.Compact(ws) {
				if len([]rune(w)) >= 3 {
					s.index[w] = append(s.index[w], k)
				}
			}
		}
	}
	return s
}

// List returns the list screened against.
func (s *Screener) List() *List { return s.list }

// Screen returns the entries like a name, scoring at least threshold (0 to 1), best
// first; each entry once, by its most like name.
func (s *Screener) Screen(name string, threshold float32) []Hit {
	ws := Words(name)
	if len(ws) == 0 {
		return nil
	}
	query := strings.Join(ws, " ")
	best := map[int32]Hit{}
	seen := map[int32]bool{}
	for _, w := range slices.Compact(ws) {
		for _, k := range s.index[w] {
			if seen[k] {
				continue
			}
			seen[k] = true
			n := s.names[k]
			score := float32(1)
			if n.words != query {
				score = edlib.JaroWinklerSimilarity(query, n.words)
			}
			if score < threshold {
				continue
			}
			if h, ok := best[n.entry]; !ok || score > h.Score {
				best[n.entry] = Hit{Entry: &s.list.Entries[n.entry], Listed: n.text, Score: score}
			}
		}
	}
	hits := make([]Hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Entry.Ref < hits[j].Entry.Ref
	})
	return hits
}
