// Package sanctions reads sanctions lists and screens names against them, so that no
// party of a barter trade is one the list names. It reads what it is given and keeps
// nothing.
//
// Screening compares names as words: each name is put in capitals, stripped of accents,
// punctuation, the legal forms of companies and honorifics, and common transliterations
// of a word are folded into one spelling. Words are compared by Jaro-Winkler similarity
// and weighted by their rarity on the list (see Screener). A score at or above the
// threshold is a possible match, for a person to confirm or clear: screening finds, it
// does not judge.
package sanctions

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// legalForms are words of company names that say what kind of company, not which;
// honorifics say what a person is called, not who.
var legalForms = map[string]bool{
	"LTD": true, "LIMITED": true, "LLC": true, "LLP": true, "INC": true, "CO": true, "COMPANY": true, "CORP": true,
	"CORPORATION": true, "PVT": true, "PRIVATE": true, "PLC": true, "GMBH": true, "AG": true, "SA": true, "SARL": true,
	"OOO": true, "ZAO": true, "OAO": true, "PAO": true, "AO": true, "JSC": true, "PJSC": true, "OJSC": true, "CJSC": true,
	"FZE": true, "FZCO": true, "THE": true, "AND": true, "OF": true, // Cyrillic forms are transliterated first
	"HAJI": true, "HAJJI": true, "MULLAH": true, "MULLA": true, "MAULVI": true, "MAULAVI": true, "MAWLAWI": true,
	"MAULANA": true, "DR": true, "MR": true, "MRS": true, "MS": true,
}

// spellings folds common transliterations of a word to one spelling.
var spellings = map[string]string{
	"MOHAMMED": "MUHAMMAD", "MOHAMMAD": "MUHAMMAD", "MOHAMED": "MUHAMMAD", "MOHAMAD": "MUHAMMAD", "MUHAMMED": "MUHAMMAD",
	"MUHAMAD": "MUHAMMAD", "MOHAMMEED": "MUHAMMAD", "MOHD": "MUHAMMAD", "MUHAMMET": "MUHAMMAD", "MEHMET": "MUHAMMAD",
	"AHMED": "AHMAD", "AHMET": "AHMAD", "ABDEL": "ABDUL", "ABDOUL": "ABDUL", "ABDUL": "ABDUL",
	"HUSSAIN": "HUSAYN", "HUSSEIN": "HUSAYN", "HUSAIN": "HUSAYN", "HOSSEIN": "HUSAYN", "HUSEIN": "HUSAYN",
	"HASSAN": "HASAN", "YOUSUF": "YUSUF", "YOUSEF": "YUSUF", "YUSSEF": "YUSUF", "YOUSSEF": "YUSUF",
	"OSAMA": "USAMA", "OMAR": "UMAR", "OTHMAN": "UTHMAN", "OSMAN": "UTHMAN",
	// The same names romanized from Cyrillic, where Х is KH.
	"MUKHAMMAD": "MUHAMMAD", "MUKHAMMED": "MUHAMMAD", "MUKHAMED": "MUHAMMAD", "MAKHMUD": "MAHMUD",
	"AKHMED": "AHMAD", "AKHMAD": "AHMAD", "AKHMET": "AHMAD",
	"KHUSEYN": "HUSAYN", "KHUSEIN": "HUSAYN", "KHUSSEYN": "HUSAYN", "KHUSAYN": "HUSAYN", "GUSEYN": "HUSAYN",
	"KHASAN": "HASAN", "KHASSAN": "HASAN", "GASAN": "HASAN",
}

// cyrillic romanizes the Cyrillic alphabet of Russian (and the letters Ukrainian and
// Belarusian add) as the BGN/PCGN system does, the spelling most lists use for Russian
// names (Yuriy, Shchukin), leaving out the soft and hard signs. Capitals only: names are
// put in capitals first.
var cyrillic = map[rune]string{
	'А': "A", 'Б': "B", 'В': "V", 'Г': "G", 'Д': "D", 'Е': "E", 'Ё': "E", 'Ж': "ZH", 'З': "Z", 'И': "I",
	'Й': "Y", 'К': "K", 'Л': "L", 'М': "M", 'Н': "N", 'О': "O", 'П': "P", 'Р': "R", 'С': "S", 'Т': "T",
	'У': "U", 'Ф': "F", 'Х': "KH", 'Ц': "TS", 'Ч': "CH", 'Ш': "SH", 'Щ': "SHCH", 'Ъ': "", 'Ы': "Y", 'Ь': "",
	'Э': "E", 'Ю': "YU", 'Я': "YA", 'І': "I", 'Ї': "YI", 'Є': "YE", 'Ґ': "G", 'Ў': "U",
}

// romanize writes the Cyrillic letters of an upper-case name in Latin ones.
func romanize(upper string) string {
	if !strings.ContainsFunc(upper, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
		return upper
	}
	var b strings.Builder
	for _, r := range upper {
		if l, ok := cyrillic[r]; ok {
			b.WriteString(l)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wordsOf returns a name's words for comparison, in the name's order: in capitals, in
// Latin letters, without accents, punctuation, legal forms or honorifics, common
// transliterations folded.
func wordsOf(name string) []string {
	// Romanized before accents go, composed first: Й is not И with a breve, but Y.
	name = romanize(strings.ToUpper(norm.NFC.String(name)))
	// A chain keeps state as it works: one a call, so that screenings may run at once.
	unaccent := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	plain, _, err := transform.String(unaccent, name)
	if err != nil {
		plain = name
	}
	fields := strings.FieldsFunc(strings.ToUpper(plain), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	ws := fields[:0]
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if legalForms[f] || len([]rune(f)) == 1 && !unicode.IsDigit([]rune(f)[0]) {
			continue // initials say too little to compare
		}
		if f == "ABD" && i+1 < len(fields) && (fields[i+1] == "AL" || fields[i+1] == "EL") {
			f, i = "ABDUL", i+1 // Abd al-X is Abdul X
		}
		if canon, ok := spellings[f]; ok {
			f = canon
		}
		ws = append(ws, f)
	}
	return ws
}

// Words returns a name's words for comparison, sorted (see wordsOf).
func Words(name string) []string {
	ws := wordsOf(name)
	sort.Strings(ws)
	return ws
}

// Hit is a listed entry whose name, or one of whose aliases, is like the name screened.
type Hit struct {
	Entry  *Entry
	Listed string  // the name or alias that matched
	Score  float32 // 1 for the same words
}

// Screener screens names against one list.
//
// Two names are compared word by word: each word of one is paired with the most like
// word of the other (or two of its words run together, for Jalal-ud-Din against
// Jalaluddin), and the pairs' likeness is weighted by how rare the word is on the list, so
// that a rare surname counts for more than Muhammad. The score is how much of the
// shorter name the longer covers, a little less when the longer has words the shorter
// lacks; a name of one word must also cover the other.
type Screener struct {
	list   *List
	names  []listedName
	index  map[string][]int32 // key (see keys): the names with a word of it
	weight map[string]float32 // word: how much it tells, by its rarity on the list
	rare   float32            // the weight of a word not on the list
}

type listedName struct {
	entry int32
	text  string // as listed
	words
}

// words are a name's words in order, with each two neighbours run together.
type words struct {
	w, joined []string // joined[i] is w[i]+w[i+1]
}

func newWords(ws []string) words {
	j := make([]string, 0, max(len(ws)-1, 0))
	for i := 0; i+1 < len(ws); i++ {
		j = append(j, ws[i]+ws[i+1])
	}
	return words{ws, j}
}

// keys are what a word is found by: itself and, for a long word, its first and last three
// letters, so that it is still found spelled one letter differently.
func keys(w string) []string {
	r := []rune(w)
	if len(r) < 6 {
		return []string{w}
	}
	return []string{w, "<" + string(r[:3]), string(r[len(r)-3:]) + ">"}
}

// NewScreener indexes a list's names and aliases by their words.
func NewScreener(l *List) *Screener {
	s := &Screener{list: l, index: map[string][]int32{}, weight: map[string]float32{}}
	df := map[string]int{}
	for i, e := range l.Entries {
		for _, n := range append([]string{e.Name}, e.Aliases...) {
			ws := wordsOf(n)
			if len(ws) == 0 {
				continue
			}
			k := int32(len(s.names))
			s.names = append(s.names, listedName{entry: int32(i), text: n, words: newWords(ws)})
			seen := map[string]bool{}
			for _, w := range ws {
				if !seen[w] {
					seen[w] = true
					df[w]++
					for _, key := range keys(w) {
						s.index[key] = append(s.index[key], k)
					}
				}
			}
		}
	}
	n := float64(len(s.names) + 1)
	for w, c := range df {
		s.weight[w] = float32(math.Log(n / float64(c)))
	}
	s.rare = float32(math.Log(n))
	return s
}

// List returns the list screened against.
func (s *Screener) List() *List { return s.list }

func (s *Screener) weightOf(w string) float32 {
	if v, ok := s.weight[w]; ok {
		return max(v, 0.1)
	}
	return s.rare
}

// wordLike scores two words: 1 when the same; their Jaro-Winkler similarity when of
// like length and similar enough; else 0.
func wordLike(a, b string) float32 {
	if a == b {
		return 1
	}
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	if 4*min(la, lb) < 3*max(la, lb) {
		return 0 // a short word is not a long one's beginning
	}
	if a[0] != b[0] && a[len(a)-1] != b[len(b)-1] {
		return 0 // both ends differ: not a spelling of the same word (and far cheaper to tell)
	}
	if j := edlib.JaroWinklerSimilarity(a, b); j >= 0.85 {
		return j
	}
	return 0
}

// cover returns how much of x's weight y's words match, as a share and as weight, each
// word of x (or two of them run together) paired with its most like word of y (or two of
// y's run together).
func (s *Screener) cover(x, y words) (share, weight float32) {
	best := make([]float32, len(x.w))
	// like scores a word of x against y's words and, unless it is two of x's words run
	// together itself, against two of y's run together.
	like := func(w string, joined bool) float32 {
		var b float32
		for _, v := range y.w {
			b = max(b, wordLike(w, v))
		}
		if !joined {
			for _, v := range y.joined {
				b = max(b, wordLike(w, v))
			}
		}
		return b
	}
	for i, w := range x.w {
		best[i] = max(best[i], like(w, false))
		if i < len(x.joined) {
			if j := like(x.joined[i], true); j > 0 {
				best[i], best[i+1] = max(best[i], j), max(best[i+1], j)
			}
		}
	}
	var got, all float32
	for i, w := range x.w {
		wt := s.weightOf(w)
		got, all = got+wt*best[i], all+wt
	}
	return got / all, got
}

// evidenceShare is the least a match must rest on, as a share of the weight of a word
// found once on the list: about one rare word, or two common ones. A name of common words
// alone (Ahmed, Abdul Rehman) is like too many people to screen by.
const evidenceShare = 0.55

// score compares two names' words (see Screener).
func (s *Screener) score(a, b words) float32 {
	short, long := a, b
	if len(short.w) > len(long.w) {
		short, long = long, short
	}
	cs, es := s.cover(short, long)
	cl, el := s.cover(long, short)
	if max(es, el) < evidenceShare*s.rare {
		return 0
	}
	if len(short.w) >= 2 {
		return cs * (0.9 + 0.1*cl)
	}
	// A name of one word must be the other name's one word, or two of its words run
	// together (Jalaluddin, Jalal-ud-Din), not merely like several of them.
	var one, all float32
	for i, w := range long.w {
		wt := s.weightOf(w)
		all += wt
		one = max(one, wt*wordLike(w, short.w[0]))
		if i < len(long.joined) {
			one = max(one, (wt+s.weightOf(long.w[i+1]))*wordLike(long.joined[i], short.w[0]))
		}
	}
	return min(cs, one/all)
}

// Screen returns the entries like a name, scoring at least threshold (0 to 1), best
// first; each entry once, by its most like name.
func (s *Screener) Screen(name string, threshold float32) []Hit {
	ws := wordsOf(name)
	if len(ws) == 0 {
		return nil
	}
	query := newWords(ws)
	best := map[int32]Hit{}
	seen := map[int32]bool{}
	// A key that many names share (Muhammad, Abd...) finds no one in particular: a match
	// must rest on rarer words too (see evidenceShare), which find the name themselves.
	common := max(50, len(s.names)/40)
	for _, w := range ws {
		for _, key := range keys(w) {
			if len(s.index[key]) > common {
				continue
			}
			for _, k := range s.index[key] {
				if seen[k] {
					continue
				}
				seen[k] = true
				n := s.names[k]
				score := s.score(query, n.words)
				if score < threshold {
					continue
				}
				if h, ok := best[n.entry]; !ok || score > h.Score {
					best[n.entry] = Hit{Entry: &s.list.Entries[n.entry], Listed: n.text, Score: score}
				}
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
