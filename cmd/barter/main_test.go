package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
)

// run runs barter with args against the database dsn and returns its output streams.
func run(t *testing.T, dsn string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs(append([]string{"--db", dsn}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, dsn string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, dsn, args...)
	if err != nil {
		t.Fatalf("barter %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func positions(t *testing.T, dsn, asOf string) []barterhttp.Position {
	t.Helper()
	var ps []barterhttp.Position
	out := mustRun(t, dsn, "positions", "--as-of", asOf, "--format", "json")
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatalf("positions json: %v\n%s", err, out)
	}
	return ps
}

func TestDemo(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	out := mustRun(t, dsn, "demo")
	for _, want := range []string{"balanced", "open", "overdue", "import followed by export", "KPEX-E-2024-701"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	again := mustRun(t, dsn, "demo")
	if !strings.Contains(again, "27 already present") {
		t.Errorf("second demo did not skip what was there:\n%s", again)
	}
	ps := positions(t, dsn, "2025-01-31")
	status := map[string]string{}
	for _, p := range ps {
		status[p.Authorization] = p.Status
	}
	for _, p := range ps {
		// Coal imported 1,252,050,000.00: exports within 20 % of it balance.
		if p.Authorization == "BT-1902284-0001" && (p.ExportsDue != "166140000.00" || p.ImportsDue != "0.00") {
			t.Errorf("%s: exports due %s, imports due %s; want 1,252,050,000.00 x 0.8 - 835,500,000.00 = 166140000.00 and 0.00", p.Authorization, p.ExportsDue, p.ImportsDue)
		}
	}
	for auth, want := range map[string]string{"BT-4271381-0001": "balanced", "BT-4271381-0002": "open", "BT-3556710-0001": "overdue", "BT-2213578-0001": "overdue",
		"BT-7100042-0001": "balanced"} { // the consortium's, its members' exports pooled
		if status[auth] != want {
			t.Errorf("%s is %q, want %q", auth, status[auth], want)
		}
	}
	rec := mustRun(t, dsn, "reconcile", "--as-of", "2025-01-31")
	if !strings.Contains(rec, "2 authorizations cancelled") {
		t.Errorf("reconcile: %s", rec)
	}
	for _, p := range positions(t, dsn, "2025-01-31") {
		if p.Authorization == "BT-3556710-0001" && p.Status != "cancelled" {
			t.Errorf("after reconcile %s is %s", p.Authorization, p.Status)
		}
	}
	if out := mustRun(t, dsn, "ledger", "verify"); !strings.Contains(out, "ok") {
		t.Errorf("ledger verify: %s", out)
	}
	// The consortium's declarations: its wheat, then the lead's rice and the member's kinnow.
	if out := mustRun(t, dsn, "declarations", "--authorization", "BT-7100042-0001"); !regexp.MustCompile(`(?s)KPAF-I-2024-801.*KPEX-E-2025-802.*KPEX-E-2025-803.*3 declarations posted to BT-7100042-0001`).MatchString(out) {
		t.Errorf("declarations:\n%s", out)
	}
	var gds []struct{ Number, Value string }
	if err := json.Unmarshal([]byte(mustRun(t, dsn, "declarations", "--authorization", "BT-7100042-0001", "--format", "json")), &gds); err != nil ||
		len(gds) != 3 || gds[0].Number != "KPAF-I-2024-801" || gds[0].Value != "1480882500.00" {
		t.Errorf("declarations as JSON: %+v, %v", gds, err)
	}
	if out := mustRun(t, dsn, "rulebooks"); !regexp.MustCompile(`2023\s+AF,IR,RU\s+import first\s+90\s+20 %\s+no\s+no`).MatchString(out) {
		t.Errorf("rulebooks:\n%s", out)
	}
	// The regulator's report on the last quarter of 2024.
	if out := mustRun(t, dsn, "report", "--quarter", "2024Q4"); !regexp.MustCompile(`(?s)Report on 2024-10-01 to 2024-12-31.*RU\s+3\s+8,825,600,500.00\s+4,403,103,000.00.*27\s+import\s+3\s+1,250,700,000.00.*issued: 5\s+2 under rulebook 2023\s+3 under rulebook 2025.*BT-3556710-0001`).MatchString(out) {
		t.Errorf("report on 2024Q4:\n%s", out)
	}
	var rep barterhttp.Report
	if err := json.Unmarshal([]byte(mustRun(t, dsn, "report", "--from", "2024-10-01", "--to", "2024-12-31", "--format", "json")), &rep); err != nil ||
		len(rep.Partners) != 3 || rep.Partners[2].Imports != "8825600500.00" || rep.Standing["overdue"].Count != 2 {
		t.Errorf("report as JSON: %+v, %v", rep, err)
	}
	if _, errOut, err := run(t, dsn, "report", "--quarter", "2024Q5"); err == nil || !strings.Contains(errOut+err.Error(), "--quarter") {
		t.Errorf("report on 2024Q5: %v %q", err, errOut)
	}
	if out := mustRun(t, dsn, "positions", "--as-of", "2025-01-31", "--party", "ROSTOV"); !strings.Contains(out, "BT-7100042-0001") || !strings.Contains(out, "2 authorizations as of") {
		t.Errorf("positions of ROSTOV:\n%s", out)
	}
	if out := mustRun(t, dsn, "declarations", "--number", "KPAF-I-2024-103"); !strings.Contains(out, "3550000 USD") || !strings.Contains(out, "not reassessed") {
		t.Errorf("declarations --number:\n%s", out)
	}
	if _, errOut, err := run(t, dsn, "declarations"); err == nil || !strings.Contains(errOut+err.Error(), "--authorization") {
		t.Errorf("declarations without --authorization: %v %q", err, errOut)
	}
	table := mustRun(t, dsn, "positions", "--as-of", "2025-01-31")
	if !strings.Contains(table, "AUTHORIZATION") || !strings.Contains(table, "3,920,110,000.00") {
		t.Errorf("positions table:\n%s", table)
	}
}

func TestImport(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "b.db")
	parties := writeFile(t, dir, "parties.csv", "id,name,country,tax_id,kind\nT1,Trader,PK,1234567,private\nF1,Foreign,RU,77,private\n")
	rates := writeFile(t, dir, "rates.csv", "date,currency,rate\n2024-01-01,USD,280\n")
	auths := writeFile(t, dir, "auths.csv", "number,party,counterparty,regime,issued\nBT-1,T1,F1,2023,2024-01-10\n")
	lines := writeFile(t, dir, "lines.csv", "authorization,direction,hs_code,description,quantity,unit,value,currency\nBT-1,import,0713,pulses,10,t,1000,USD\nBT-1,export,1006,rice,10,t,1000,USD\n")
	for _, step := range [][2]string{{"parties", parties}, {"rates", rates}, {"authorizations", auths}, {"lines", lines}} {
		mustRun(t, dsn, "import", step[0], step[1])
	}
	bad := writeFile(t, dir, "gds.csv", `number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value
GD-1,BT-1,import,2024-01-15,071320,10,t,USD,100,
GD-2,BT-1,import,2024-01-15,071399,10,t,USD,100,
GD-3,BT-1,export,2024-01-16,100630,10,t,USD,500,
GD-4,BT-1,import,2024-01-15,071320,10,t,USD,1.234567,
`)
	_, errOut, err := run(t, dsn, "import", "declarations", bad)
	if err == nil {
		t.Fatal("import of a file with bad rows succeeded")
	}
	for _, want := range []string{
		bad + ":3: hs_code: ",
		bad + ":4: assessed_value: ",
		bad + ":5: declared_value: ",
		"3 of 4 rows rejected; nothing was imported",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(bad) + `:\d+: \w+: .+$`); len(re.FindAllString(errOut, -1)) != 3 {
		t.Errorf("want 3 lines FILE:LINE: field: reason, got:\n%s", errOut)
	}
	if ps := positions(t, dsn, "2024-02-01"); len(ps) != 1 || ps[0].Imports != "0.00" {
		t.Errorf("after a rejected file positions = %+v; want nothing imported", ps)
	}
	good := writeFile(t, dir, "good.csv", "number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value\nGD-1,BT-1,import,2024-01-15,071320,10,t,USD,100,\nGD-3,BT-1,export,2024-01-16,100630,10,t,USD,110,\n")
	if out := mustRun(t, dsn, "import", "declarations", good); !strings.Contains(out, "imported 2 declarations") {
		t.Errorf("import: %s", out)
	}
	ps := positions(t, dsn, "2024-02-01")
	want := barterhttp.Position{Authorization: "BT-1", Party: "T1", Counterparty: "F1", Regime: "2023", Issued: "2024-01-10",
		Imports: "28000.00", Exports: "30800.00", Imbalance: "2800.00", Deadline: "2024-04-09", DaysLeft: 68, Status: "balanced", ExportsDue: "0.00", ImportsDue: "0.00"}
	if len(ps) != 1 || ps[0] != want {
		t.Errorf("positions = %+v\nwant %+v", ps, want)
	}
	if _, errOut, err := run(t, dsn, "import", "widgets", good); err == nil || !strings.Contains(errOut+err.Error(), "widgets") {
		t.Errorf("unknown kind: %v %s", err, errOut)
	}
	header := writeFile(t, dir, "header.csv", "number,authorization\n")
	if _, errOut, err := run(t, dsn, "import", "declarations", header); err == nil || !strings.Contains(errOut, header+":1: header: missing column") {
		t.Errorf("bad header: %v %s", err, errOut)
	}
}

func TestDeclareAndReassess(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	mustRun(t, dsn, "demo")
	args := []string{"declare", "--number", "GD-NEW", "--authorization", "BT-4271381-0002", "--direction", "export", "--date", "2025-01-30",
		"--hs-code", "0701.90", "--quantity", "1000", "--unit", "t", "--currency", "USD", "--declared-value", "250000"}
	if out := mustRun(t, dsn, args...); !strings.Contains(out, "posted GD-NEW") || !strings.Contains(out, "69625000.00 PKR") {
		t.Errorf("declare: %s", out)
	}
	if out := mustRun(t, dsn, args...); !strings.Contains(out, "already posted GD-NEW") {
		t.Errorf("declare again: %s", out)
	}
	if out := mustRun(t, dsn, "reassess", "GD-NEW", "--assessed-value", "260000", "--as-of", "2025-01-31"); !strings.Contains(out, "change 2785000.00") {
		t.Errorf("reassess: %s", out)
	}
}

func TestDSN(t *testing.T) {
	if _, _, err := run(t, "mysql://x", "positions"); err == nil || !strings.Contains(err.Error(), "--db") {
		t.Errorf("unknown DSN: %v", err)
	}
	t.Setenv("BARTER_DB", "sqlite:"+filepath.Join(t.TempDir(), "env.db"))
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs([]string{"positions", "--as-of", "2025-01-01"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("BARTER_DB: %v %s", err, errOut.String())
	}
	if _, err := os.Stat(strings.TrimPrefix(os.Getenv("BARTER_DB"), "sqlite:")); err != nil {
		t.Errorf("BARTER_DB was not used: %v", err)
	}
}

// TestUsageErrors checks that a mistyped command line is answered as the user's
// mistake, pointing to --help, not as an internal error.
func TestUsageErrors(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	for _, args := range [][]string{{"reassess", "GD-1", "--assessed", "10"}, {"reassess"}, {"frobnicate"}, {"consortiums", "frobnicate"}} {
		_, _, err := run(t, dsn, args...)
		if barter.ErrorCode(err) != barter.EInvalid || !strings.Contains(barter.ErrorMessage(err), "--help") {
			t.Errorf("barter %s: %v (code %s); want an invalid request pointing to --help", strings.Join(args, " "), err, barter.ErrorCode(err))
		}
	}
}

// TestCounterpart compares Iran's records with the demo's declarations against its
// Iranian authorization: two months agree, one differs, and a shipment Iran recorded
// under an authorization unknown here stands on its side only.
func TestCounterpart(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "demo.db")
	mustRun(t, dsn, "demo")
	file := writeFile(t, dir, "iran.csv", "reference,authorization,direction,date,currency,value\n"+
		"Z-1,BT-5120947-0001,import,2024-09-10,USD,1500000\nZ-2,BT-5120947-0001,export,2024-09-25,USD,1450000\n"+
		"Z-3,BT-5120947-0001,import,2024-10-20,USD,1500000\nZ-4,BT-5120947-0001,export,2024-11-02,USD,1200000\n"+
		"Z-5,BT-5120947-0001,export,2024-11-05,USD,700000\nZ-6,BT-9999999-0001,export,2024-11-20,USD,650000\n")
	out := mustRun(t, dsn, "counterpart", file, "--country", "IR")
	for _, want := range []string{`2024-09-01 to 2024-11-30`, `BT-5120947-0001\s+export\s+2024-11\s+USD\s+1450000\s+1900000\s+1\s+2\s+differs`,
		`BT-9999999-0001\s+export\s+2024-11\s+USD\s+0\s+650000\s+0\s+1\s+unknown here`,
		`5 lines: 3 agree, 1 differ, 0 declared here only, 0 recorded there only, 1 against no authorization here`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("counterpart output lacks %q:\n%s", want, out)
		}
	}
	bad := writeFile(t, dir, "bad.csv", "reference,authorization,direction,date,currency,value\nZ-1,BT-1,import,2024-09-10,USD,-5\nZ-2,BT-1,import,2024-09-10,USD,5\nZ-2,BT-1,import,2024-09-11,USD,5\n")
	if _, errOut, err := run(t, dsn, "counterpart", bad, "--country", "ir"); err == nil || !strings.Contains(errOut, "bad.csv:2: value: must not be negative") ||
		!strings.Contains(errOut, "bad.csv:4: reference:") {
		t.Errorf("bad rows: %v %q", err, errOut)
	}
	if _, errOut, err := run(t, dsn, "counterpart", file); err == nil || !strings.Contains(errOut+err.Error(), "--country") {
		t.Errorf("without --country: %v %q", err, errOut)
	}
}
