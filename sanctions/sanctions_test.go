package sanctions_test

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/barter-clearing/barter/sanctions"
)

func unList(t *testing.T) *sanctions.List {
	t.Helper()
	f, err := os.Open("testdata/un-sc-consolidated-2017-07-03.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := sanctions.ParseUN(f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseUN(t *testing.T) {
	l := unList(t)
	var people, orgs int
	for _, e := range l.Entries {
		if e.Kind == sanctions.Individual {
			people++
		} else {
			orgs++
		}
	}
	if people != 650 || orgs != 371 || l.Generated.UTC().Format("2006-01-02 15:04") != "2017-07-04 00:27" {
		t.Errorf("%d individuals, %d entities, generated %v; want 650, 371, 2017-07-04 00:27 UTC", people, orgs, l.Generated)
	}
	i := slices.IndexFunc(l.Entries, func(e sanctions.Entry) bool { return e.Ref == "QDe.001" })
	if i < 0 || l.Entries[i].Name != "ABU SAYYAF GROUP" || l.Entries[i].Kind != sanctions.Entity || !slices.Contains(l.Entries[i].Aliases, "Al Harakat Al Islamiyya") {
		t.Errorf("QDe.001: %+v", l.Entries[max(i, 0)])
	}
	i = slices.IndexFunc(l.Entries, func(e sanctions.Entry) bool { return e.Ref == "KPi.033" })
	if i < 0 || l.Entries[i].Name != "RI WON HO" || l.Entries[i].Nationalities[0] != "Democratic People's Republic of Korea" {
		t.Errorf("KPi.033: %+v", l.Entries[max(i, 0)])
	}
	for _, bad := range []string{"", "<CONSOLIDATED_LIST>", `<OTHER_LIST dateGenerated="2017-07-03T20:27:45-04:00"></OTHER_LIST>`, "<CONSOLIDATED_LIST></CONSOLIDATED_LIST>"} {
		if _, err := sanctions.ParseUN(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseUN(%q): no error", bad)
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"Abu Sayyaf Group":             "ABU GROUP SAYYAF",
		"  Ábu  Sáyyaf-Group, Ltd. ":   "ABU GROUP SAYYAF",
		"Volga Foods LLC":              "FOODS VOLGA",
		"OOO \"Rostov Grain\"":         "GRAIN ROSTOV",
		"The Bank of Kunlun Co., Ltd.": "BANK KUNLUN",
		"ООО «Ромашка»":                "ROMASHKA", // Cyrillic, its legal form too
		"Юрий Щукин":                   "SHCHUKIN YURIY",
		"Юрии\u0306 Щукин":             "SHCHUKIN YURIY", // Й decomposed, as some keyboards send it
		"ПАО Объединённая зерновая":    "OBEDINENNAYA ZERNOVAYA",
		"": "",
	} {
		if got := strings.Join(sanctions.Words(in), " "); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScreen(t *testing.T) {
	s := sanctions.NewScreener(unList(t))
	for _, tt := range []struct {
		name, ref string // ref "": no hit
		min       float32
	}{
		{"Abu Sayyaf Group", "QDe.001", 1},
		{"ABU-SAYYAF GROUP LTD", "QDe.001", 1},    // punctuation and legal form
		{"Al Harakat al-Islamiyya", "QDe.001", 1}, // an alias
		{"Abu Sayaf Group", "QDe.001", 0.95},      // a letter short
		{"Won Ho Ri", "KPi.033", 1},               // words in another order
		{"Volga Foods", "", 0},
		{"Lahore Rice Mills", "", 0},
		{"Group", "", 0}, // a common word alone is not like a whole name
	} {
		hits := s.Screen(tt.name, 0.9)
		switch {
		case tt.ref == "" && len(hits) > 0:
			t.Errorf("%q: %d hits, first %s %q %.3f; want none", tt.name, len(hits), hits[0].Entry.Ref, hits[0].Listed, hits[0].Score)
		case tt.ref != "" && (len(hits) == 0 || hits[0].Entry.Ref != tt.ref || hits[0].Score < tt.min):
			t.Errorf("%q: %+v; want %s first, scoring %.2f or more", tt.name, hits, tt.ref, tt.min)
		}
	}
	for _, h := range s.Screen("Abu Sayyaf", 0.5) {
		if h.Score < 0.5 || h.Score > 1 {
			t.Errorf("score %v out of range", h.Score)
		}
	}
}

// TestScreen_Cyrillic: a party registered in Cyrillic is screened against names listed in
// Latin letters, and the other way round.
func TestScreen_Cyrillic(t *testing.T) {
	l := unList(t)
	l.Entries = append(l.Entries,
		sanctions.Entry{Ref: "T.1", Kind: sanctions.Individual, Name: "Yuriy Vasilyevich SHCHUKIN"},
		sanctions.Entry{Ref: "T.2", Kind: sanctions.Entity, Name: "Volzhskaya Zernovaya Kompaniya JSC"},
		sanctions.Entry{Ref: "T.3", Kind: sanctions.Entity, Name: "ООО Тайга Экспорт"})
	s := sanctions.NewScreener(l)
	for _, tt := range []struct{ name, ref string }{
		{"Щукин Юрий Васильевич", "T.1"},
		{"АО «Волжская зерновая компания»", "T.2"},
		{"Tayga Eksport LLC", "T.3"},
		{"Ромашка", ""},
		{"Омар Хусейн", "QDi.359"}, // an Arabic name, as Russian writes it
	} {
		hits := s.Screen(tt.name, 0.9)
		switch {
		case tt.ref == "" && len(hits) > 0:
			t.Errorf("%q: %d hits, first %s %q %.3f; want none", tt.name, len(hits), hits[0].Entry.Ref, hits[0].Listed, hits[0].Score)
		case tt.ref != "" && (len(hits) == 0 || hits[0].Entry.Ref != tt.ref):
			t.Errorf("%q: %+v; want %s first", tt.name, hits, tt.ref)
		}
	}
}

// FuzzParseUN: any input is read or refused, never a panic, and what is read has names.
func FuzzParseUN(f *testing.F) {
	f.Add(`<CONSOLIDATED_LIST dateGenerated="2017-07-03T20:27:45.483-04:00"><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>RI</FIRST_NAME><REFERENCE_NUMBER>KPi.033</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>`)
	f.Add(`<CONSOLIDATED_LIST dateGenerated="x"/>`)
	f.Add(`<CONSOLIDATED_LIST dateGenerated="2017-07-03T20:27:45Z"><ENTITIES><ENTITY><FIRST_NAME> </FIRST_NAME><ENTITY_ALIAS><ALIAS_NAME>A</ALIAS_NAME></ENTITY_ALIAS></ENTITY></ENTITIES></CONSOLIDATED_LIST>`)
	f.Fuzz(func(t *testing.T, in string) {
		l, err := sanctions.ParseUN(strings.NewReader(in))
		if err != nil {
			return
		}
		s := sanctions.NewScreener(l)
		for _, e := range l.Entries {
			if e.Name == "" || e.Ref == "" {
				t.Fatalf("entry without a name or reference: %+v", e)
			}
			for _, h := range s.Screen(e.Name, 0.9) {
				if h.Score < 0.9 || h.Score > 1 {
					t.Fatalf("score %v", h.Score)
				}
			}
		}
	})
}

// TestScreen_Concurrent screens from many goroutines at once, as a server does.
func TestScreen_Concurrent(t *testing.T) {
	s := sanctions.NewScreener(unList(t))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if hits := s.Screen("Ábu Sáyyaf Group", 0.9); len(hits) == 0 || hits[0].Entry.Ref != "QDe.001" {
					t.Errorf("concurrent screening: %+v", hits)
					return
				}
				if got := strings.Join(sanctions.Words("Čemal Ğül Trading"), " "); got != "CEMAL GUL TRADING" {
					t.Errorf("concurrent Words: %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}
