package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	dir := t.TempDir()
	// A three-way exchange worth 270 beats the best pair (rice <-> coal, 130).
	in := writeFile(t, dir, "e.csv", "from,to,weight\nrice,wheat,100\nwheat,coal,90\ncoal,rice,80\nrice,coal,50\n")
	for _, tt := range []struct {
		k      string
		weight string
		lines  int
	}{{"3", "270.00", 3}, {"2", "130.00", 2}} {
		out := filepath.Join(dir, "c"+tt.k+".csv")
		stdout := mustRun(t, "sqlite:x.db", "match", "--edges", in, "--max-cycle", tt.k, "--out", out)
		var sum matchSummary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Weight != tt.weight || sum.Bound != tt.weight || !sum.Optimal || sum.Cycles != 1 || sum.GapPercent != "0.00" {
			t.Errorf("k=%s: summary %+v, want weight %s proven", tt.k, sum, tt.weight)
		}
		b, _ := os.ReadFile(out)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != "cycle,position,node" || len(lines) != tt.lines+1 {
			t.Errorf("k=%s: cycles.csv =\n%s", tt.k, b)
		}
	}
}

func TestMatch_BadRows(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "e.csv", "from,to,weight\nA,B,1\nA,A,1\nA,B,2\nB,C,-1\nC,,1\nC,A,0.001\n")
	out := filepath.Join(dir, "c.csv")
	_, errOut, err := run(t, "sqlite:x.db", "match", "--edges", in, "--max-cycle", "3", "--out", out)
	if err == nil {
		t.Fatal("bad edges accepted")
	}
	for _, want := range []string{in + ":3: to: ", in + ":4: to: the arc A -> B already appears on line 2", in + ":5: weight: ", in + ":6: to: is required", in + ":7: weight: "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("output written for bad input")
	}
	if _, _, err := run(t, "sqlite:x.db", "match", "--edges", in, "--max-cycle", "5", "--out", out); err == nil {
		t.Error("--max-cycle 5 accepted")
	}
}

func TestMatch_Offers(t *testing.T) {
	dir := t.TempDir()
	// Rice from Lahore to a Russian buyer, Russian wheat to a Pakistani cement maker, cement
	// back to the rice exporter; Afghan coal is wanted too, but Russia and Afghanistan may
	// not trade under Pakistan's rulebooks.
	in := writeFile(t, dir, "offers.csv", `id,party,country,regime,gives,value_min,value_max,delivery_from,delivery_to,wants,want_min,want_max,want_from,want_to
A,LRM,PK,2025,1006.30,100,120,2025-01-01,2025-03-31,27;2523,90,110,2025-01-01,2025-03-31
B,ROSTOV,RU,2025,1001.99,100,110,2025-01-01,2025-03-31,10,95,120,2025-01-01,2025-03-31
C,KABUL,AF,2025,2701.12,100,100,2025-01-01,2025-03-31,1001,100,100,2025-01-01,2025-03-31
D,CEMENT,PK,2025,2523.29,100,100,2025-02-01,2025-03-31,1001,100,105,2025-01-01,2025-03-31
`)
	out := filepath.Join(dir, "c.csv")
	stdout := mustRun(t, "sqlite:x.db", "match", "--offers", in, "--max-cycle", "3", "--out", out, "--as-of", "2025-01-15")
	var sum matchSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	// A->B 120 (B wants up to 120), B->D 105, D->A 100.
	if sum.Cycles != 1 || sum.Weight != "325.00" || !sum.Optimal {
		t.Errorf("summary = %+v", sum)
	}
	b, _ := os.ReadFile(out)
	if got := string(b); !strings.Contains(got, "1,1,A") || !strings.Contains(got, ",B\n") || !strings.Contains(got, ",D\n") || strings.Contains(got, ",C\n") {
		t.Errorf("cycles.csv =\n%s", got)
	}
	why := mustRun(t, "sqlite:x.db", "match", "--offers", in, "--explain", "B,C", "--as-of", "2025-01-15")
	if !strings.Contains(why, "B cannot give to C") || !strings.Contains(why, "no rulebook lets RU trade with AF") {
		t.Errorf("explain B,C:\n%s", why)
	}
	if why := mustRun(t, "sqlite:x.db", "match", "--offers", in, "--explain", "A,B"); !strings.Contains(why, "A can give to B") {
		t.Errorf("explain A,B:\n%s", why)
	}
	bad := writeFile(t, dir, "bad.csv", "id,party,country,gives,value_min,value_max,delivery_from,delivery_to,wants,want_min,want_max,want_from,want_to\nX,P,XX,1006,1,2,2025-01-01,2025-02-01,10,1,2,2025-01-01,2025-02-01\n")
	if _, errOut, err := run(t, "sqlite:x.db", "match", "--offers", bad, "--out", out); err == nil || !strings.Contains(errOut, bad+":2: country:") {
		t.Errorf("bad offers: %v %s", err, errOut)
	}
}

// TestDemoFiles runs the example files shipped with the demo, as the README shows them.
func TestDemoFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.csv")
	stdout := mustRun(t, "sqlite:x.db", "match", "--offers", "demo/offers.csv", "--max-cycle", "3", "--out", out, "--as-of", "2025-01-31")
	var sum matchSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Cycles != 2 || !sum.Optimal {
		t.Errorf("demo offers: %+v; want a three-way and a two-way exchange, proven", sum)
	}
	net := mustRun(t, "sqlite:x.db", "net", "--in", "demo/obligations.csv", "--out", filepath.Join(t.TempDir(), "r.csv"))
	if !strings.Contains(net, `"cleared": "1525000000.00"`) {
		t.Errorf("demo obligations:\n%s", net)
	}
}

// TestMatch_Goals checks --objective parties and --priority: the pair a<->b moves the
// most value (200), the cycle a->c->d serves three participants for 30.
func TestMatch_Goals(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "e.csv", "from,to,weight\na,b,100\nb,a,100\na,c,10\nc,d,10\nd,a,10\n")
	for _, tt := range []struct {
		args           []string
		weight, nodes  string
		served, bound  int
		wantObjectives bool
	}{
		{nil, "200.00", "a b", 0, 0, false},
		{[]string{"--objective", "parties"}, "30.00", "a c d", 3, 3, true},
		{[]string{"--priority", "c"}, "30.00", "a c d", 1, 1, true},
		{[]string{"--priority", "b"}, "200.00", "a b", 1, 1, true},
	} {
		out := filepath.Join(dir, "c.csv")
		stdout := mustRun(t, "sqlite:x.db", append([]string{"match", "--edges", in, "--out", out}, tt.args...)...)
		var sum matchSummary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Weight != tt.weight || !sum.Optimal || (sum.Served != nil) != tt.wantObjectives ||
			(sum.Served != nil && (*sum.Served != tt.served || *sum.ServedBound != tt.bound)) {
			t.Errorf("%v: summary %s", tt.args, stdout)
		}
		b, _ := os.ReadFile(out)
		var nodes []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
			nodes = append(nodes, l[strings.LastIndex(l, ",")+1:])
		}
		if strings.Join(nodes, " ") != tt.nodes {
			t.Errorf("%v: cycle %v; want %s", tt.args, nodes, tt.nodes)
		}
	}
	if _, _, err := run(t, "sqlite:x.db", "match", "--edges", in, "--out", filepath.Join(dir, "x.csv"), "--priority", "zz"); err == nil {
		t.Error("an unknown priority participant was accepted")
	}
}

func TestGapPercent(t *testing.T) {
	for _, tt := range []struct {
		weight, bound int64 // hundredths
		want          string
	}{
		{492287925, 505194750, "2.55"}, // 2.5548...
		{100, 100, "0.00"},
		{0, 0, "0.00"},
		{0, 100, "100.00"},
		{19999, 20000, "0.00"}, // 0.005 %: half to even, down
		{19997, 20000, "0.02"}, // 0.015 %: half to even, up
		{19998, 20000, "0.01"},
		{1, 3, "66.67"},
		{20003, 20000, "-0.02"}, // -0.015 %: half to even, away from 0
		{20001, 20000, "0.00"},
		{5, -1, "0.00"},
	} {
		if got := gapPercent(tt.weight, tt.bound); got != tt.want {
			t.Errorf("gapPercent(%d, %d) = %s, want %s", tt.weight, tt.bound, got, tt.want)
		}
	}
}
