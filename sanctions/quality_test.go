package sanctions_test

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/barter-clearing/barter/sanctions"
)

// TestScreen_Quality measures screening on the UN list of 2017-07-03: how many listed
// people it still finds when their names are written otherwise, and how many made-up
// Pakistani, Afghan and Russian trading names it flags. The bounds are a little below
// what it does, so that a change that makes it worse fails.
func TestScreen_Quality(t *testing.T) {
	l := unList(t)
	s := sanctions.NewScreener(l)
	rng := rand.New(rand.NewPCG(1, 2))
	variants := []struct {
		name    string
		minFind float64 // the least share found
		write   func(string) (string, bool)
	}{
		{"without hyphens", 0.85, func(n string) (string, bool) { return strings.ReplaceAll(n, "-", ""), strings.Contains(n, "-") }},
		{"first and last name only", 0.95, func(n string) (string, bool) {
			w := strings.Fields(n)
			return w[0] + " " + w[len(w)-1], len(w) >= 3
		}},
		{"a middle name left out", 0.95, func(n string) (string, bool) {
			w := strings.Fields(n)
			if len(w) < 3 {
				return "", false
			}
			i := 1 + rng.IntN(len(w)-2)
			return strings.Join(append(append([]string{}, w[:i]...), w[i+1:]...), " "), true
		}},
		{"Haji in front", 0.98, func(n string) (string, bool) { return "Haji " + n, true }},
		{"two words run together", 0.9, func(n string) (string, bool) {
			w := strings.Fields(n)
			if len(w) < 2 {
				return "", false
			}
			i := rng.IntN(len(w) - 1)
			return strings.Join(append(append(append([]string{}, w[:i]...), w[i]+w[i+1]), w[i+2:]...), " "), true
		}},
		{"another transliteration", 0.98, func(n string) (string, bool) {
			u := strings.ToUpper(n)
			for _, p := range [][2]string{{"AHMAD", "AHMED"}, {"MOHAMMED", "MUHAMMAD"}, {"MUHAMMAD", "MOHAMMAD"}, {"ABD AL", "ABDUL"}, {"HUSSEIN", "HUSSAIN"}, {"OMAR", "UMAR"}} {
				if strings.Contains(u, p[0]) {
					return strings.Replace(u, p[0], p[1], 1), true
				}
			}
			return "", false
		}},
		{"a letter changed in each long word", 0.7, func(n string) (string, bool) {
			w := strings.Fields(n)
			changed := false
			for i, x := range w {
				if r := []rune(x); len(r) >= 6 {
					r[len(r)/2] = 'X'
					w[i], changed = string(r), true
				}
			}
			return strings.Join(w, " "), changed
		}},
	}
	for _, v := range variants {
		found, all := 0, 0
		for i, e := range l.Entries {
			q, ok := v.write(e.Name)
			if e.Kind != sanctions.Individual || !ok {
				continue
			}
			all++
			for _, h := range s.Screen(q, 0.9) {
				if h.Entry == &l.Entries[i] {
					found++
					break
				}
			}
		}
		if share := float64(found) / float64(all); share < v.minFind {
			t.Errorf("%s: found %d of %d (%.0f %%); want %.0f %% at least", v.name, found, all, 100*share, 100*v.minFind)
		} else {
			t.Logf("%s: found %d of %d (%.0f %%)", v.name, found, all, 100*share)
		}
	}
	first := []string{"Muhammad", "Ahmed", "Ali", "Hassan", "Imran", "Bilal", "Usman", "Asif", "Tariq", "Zahid", "Nadeem", "Farhan", "Kamran",
		"Abdul Rehman", "Gul", "Shah", "Noor", "Sergey", "Ivan", "Dmitry", "Alexey", "Olga", "Natalia", "Rahim", "Karim", "Javed", "Saima", "Ayesha"}
	last := []string{"Khan", "Ahmed", "Hussain", "Qureshi", "Malik", "Butt", "Sheikh", "Chaudhry", "Raza", "Siddiqui", "Baig", "Mirza", "Ivanov",
		"Petrov", "Sokolov", "Popov", "Karimi", "Ahmadzai", "Stanikzai", "Wardak", "Popal", "Durrani", "Hotak", "Akbari"}
	goods := []string{"Rice", "Textile", "Cotton", "Sugar", "Steel", "Cement", "Fruit", "Grain", "Oil", "Chemical", "Leather", "Surgical", "Sports",
		"Pharma", "Food", "Agro", "Logistics", "Energy", "Coal", "Wheat"}
	kinds := []string{"Trading Co", "Traders", "Industries", "Mills", "Exports", "Import Export (Pvt) Ltd", "Enterprises", "International", "Group",
		"Corporation", "Holdings LLC", "Bank"}
	flagged := map[bool]int{}
	const n = 3000
	for i := range n {
		person := i%3 == 0
		q := last[rng.IntN(len(last))] + " " + goods[rng.IntN(len(goods))] + " " + kinds[rng.IntN(len(kinds))]
		if person {
			q = first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
		}
		if len(s.Screen(q, 0.9)) > 0 {
			flagged[person]++
		}
	}
	// People's names share words with listed people far more than firms' names do.
	if flagged[false] > n*2/3/100 || flagged[true] > n/3*12/100 {
		t.Errorf("made-up names flagged: %d of %d firms, %d of %d people; want at most 1 %% and 12 %%", flagged[false], n*2/3, flagged[true], n/3)
	}
	t.Logf("made-up names flagged: %d of %d firms, %d of %d people", flagged[false], n*2/3, flagged[true], n/3)
}

// BenchmarkScreen screens made-up trading names against the UN list of 2017-07-03.
func BenchmarkScreen(b *testing.B) {
	f, err := os.Open("testdata/un-sc-consolidated-2017-07-03.xml")
	if err != nil {
		b.Fatal(err)
	}
	l, err := sanctions.ParseUN(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	s := sanctions.NewScreener(l)
	names := []string{"Ahmed Rice Mills (Pvt) Ltd", "Karimi Dried Fruit Traders", "OOO Volga Grain Export", "Muhammad Asif Chaudhry", "Kabul Coal Company"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Screen(names[i%len(names)], 0.9)
	}
}
