package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNet(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "ob.csv", "id,debtor,creditor,amount\no1,S,X,10\no2,X,T,10\no3,T,S,10\no4,S,T,10\no5,X,S,4.50\n")
	outPath := filepath.Join(dir, "result.csv")
	stdout := mustRun(t, "sqlite:unused.db", "net", "--in", in, "--out", outPath)
	var sum netSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, stdout)
	}
	if sum.Obligations != 5 || sum.Parties != 3 || sum.Gross != "44.50" || sum.Cleared != "34.50" || sum.Residual != "10.00" || !sum.Optimal {
		t.Errorf("summary = %+v", sum)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	want := "id,cleared,remaining\no1,10.00,0.00\no2,5.50,4.50\no3,10.00,0.00\no4,4.50,5.50\no5,4.50,0.00\n"
	if string(b) != want {
		t.Errorf("result.csv =\n%s\nwant\n%s", b, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "unused.db")); err == nil {
		t.Error("net opened the database; it needs none")
	}
}

func TestNet_Currencies(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "ob.csv", "id,debtor,creditor,amount,currency\na,P,Q,5,CNY\nb,Q,P,5,PKR\nc,Q,P,3,CNY\n")
	stdout := mustRun(t, "sqlite:x.db", "net", "--in", in, "--out", filepath.Join(dir, "r.csv"))
	var sum netSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Currencies) != 2 || sum.Currencies[0].Currency != "CNY" || sum.Currencies[0].Cleared != "6.00" || sum.Currencies[1].Cleared != "0.00" {
		t.Errorf("currencies = %+v; want CNY clearing 6.00 and PKR nothing (currencies never mix)", sum.Currencies)
	}
}

func TestNet_BadRows(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "bad.csv", `id,debtor,creditor,amount
o1,A,B,10
o2,A,,5
o3,A,B,-5
o4,A,B,1.234
o5,C,C,1
o1,B,A,2
o7,A,B,abc
o8,A,B,
`)
	outPath := filepath.Join(dir, "result.csv")
	_, errOut, err := run(t, "sqlite:x.db", "net", "--in", in, "--out", outPath)
	if err == nil {
		t.Fatal("net accepted bad rows")
	}
	for _, want := range []string{
		in + ":3: creditor: is required",
		in + ":4: amount: ",
		in + ":5: amount: ",
		in + ":6: creditor: ",
		in + ":7: id: \"o1\" already appears on line 2",
		in + ":8: amount: ",
		in + ":9: amount: is required",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(outPath); !os.IsNotExist(err) {
		t.Errorf("an output file was written for bad input: %v", err)
	}
	header := writeFile(t, dir, "h.csv", "id,from,to,amount\n")
	if _, errOut, err := run(t, "sqlite:x.db", "net", "--in", header, "--out", outPath); err == nil || !strings.Contains(errOut, header+":1: header:") {
		t.Errorf("bad header: %v %s", err, errOut)
	}
}

func TestNet_Settlement(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "ob.csv", "id,debtor,creditor,amount\no1,S,X,10\no2,X,T,10\no3,T,S,10\no4,S,T,10\no5,X,S,4\n")
	set, pain := filepath.Join(dir, "settle.csv"), filepath.Join(dir, "payouts.xml")
	mustRun(t, "sqlite:x.db", "net", "--in", in, "--out", filepath.Join(dir, "r.csv"), "--settlement", set, "--pain001", pain,
		"--clearing-house", "CH", "--currency", "CNY", "--execution-date", "2026-12-01")
	b, err := os.ReadFile(set)
	if err != nil {
		t.Fatal(err)
	}
	// Net positions: S owes 20 and is owed 14 (-6), X owes 14 and is owed 10 (-4), T +10.
	want := "payer,payee,amount,currency\nS,CH,6.00,CNY\nX,CH,4.00,CNY\nCH,T,10.00,CNY\n"
	if string(b) != want {
		t.Errorf("settlement =\n%s\nwant\n%s", b, want)
	}
	x, err := os.ReadFile(pain)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pain.001.001.09", `<InstdAmt Ccy="CNY">10.00</InstdAmt>`, "<Nm>T</Nm>", "<Dt>2026-12-01</Dt>", "<NbOfTxs>1</NbOfTxs>"} {
		if !strings.Contains(string(x), want) {
			t.Errorf("pain.001 lacks %q:\n%s", want, x)
		}
	}
}

func TestClearing(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	in := writeFile(t, dir, "ob.csv", "id,debtor,creditor,amount,currency\no1,S,X,10,CNY\no2,X,T,10,CNY\no3,T,S,10,CNY\no4,S,T,10,CNY\no5,X,S,4,CNY\n")
	out := mustRun(t, dsn, "clearing", "create", "--in", in)
	for _, want := range []string{"created clearing run 1 (draft)", "44.00", "34.00", "77.3", "S -> X -> T -> S"} {
		if !strings.Contains(out, want) {
			t.Errorf("create output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, dsn, "clearing", "settle", "1"); err == nil || !strings.Contains(err.Error(), "draft") {
		t.Errorf("settling a draft: %v; want it refused", err)
	}
	if out := mustRun(t, dsn, "clearing", "commit", "1", "--as-of", "2025-01-31"); !strings.Contains(out, "committed clearing run 1") {
		t.Errorf("commit: %s", out)
	}
	// S owes 6 net and X 4; T is owed 10.
	set, pain := filepath.Join(dir, "pay.csv"), filepath.Join(dir, "payouts.xml")
	mustRun(t, dsn, "clearing", "settle", "1", "--settlement", set, "--pain001", pain, "--execution-date", "2025-02-01")
	if b, err := os.ReadFile(set); err != nil || string(b) != "payer,payee,amount,currency\nS,CLEARING-HOUSE,6.00,CNY\nX,CLEARING-HOUSE,4.00,CNY\nCLEARING-HOUSE,T,10.00,CNY\n" {
		t.Errorf("settlement file: %q, %v", b, err)
	}
	if b, err := os.ReadFile(pain); err != nil || !strings.Contains(string(b), "<ReqdExctnDt>") || !strings.Contains(string(b), "2025-02-01") || !strings.Contains(string(b), "<CtrlSum>10.00</CtrlSum>") {
		t.Errorf("payouts file: %s, %v", b, err)
	}
	if out := mustRun(t, dsn, "clearing", "settle", "1"); !strings.Contains(out, "6.00") || !strings.Contains(out, "10.00") || strings.Count(out, "CLEARING-HOUSE") != 3 {
		t.Errorf("settle without files lists the payments:\n%s", out)
	}
	if _, _, err := run(t, dsn, "clearing", "commit", "1"); err == nil {
		t.Error("a run was committed twice")
	}
	if out := mustRun(t, dsn, "clearing", "verify", "1"); !strings.Contains(out, "reproduced") {
		t.Errorf("verify: %s", out)
	}
	if out := mustRun(t, dsn, "ledger", "verify"); !strings.Contains(out, "debits 34.00, credits 34.00") {
		t.Errorf("ledger: %s", out)
	}
	if out := mustRun(t, dsn, "clearing", "list"); !strings.Contains(out, "committed") {
		t.Errorf("list: %s", out)
	}
}

func TestNet_UnitOfAccount(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "ob.csv", "id,debtor,creditor,amount,currency\na,P,Q,100,USD\nb,Q,P,28000,PKR\nc,Q,P,10,CNY\n")
	rates := writeFile(t, dir, "rates.csv", "date,currency,rate\n2024-01-01,USD,280\n2024-01-01,CNY,38.5\n2025-01-01,USD,300\n")
	out := filepath.Join(dir, "r.csv")
	stdout := mustRun(t, "sqlite:x.db", "net", "--in", in, "--out", out, "--unit", "PKR", "--rates", rates, "--execution-date", "2024-06-30")
	var sum netSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	// At 280 PKR a dollar, the dollar debt and the rupee debt cancel; 385 PKR remains.
	if len(sum.Currencies) != 1 || sum.Gross != "56385.00" || sum.Cleared != "56000.00" || sum.Residual != "385.00" {
		t.Errorf("summary = %+v", sum)
	}
	b, _ := os.ReadFile(out)
	if want := "id,cleared,remaining\na,28000.00,0.00\nb,28000.00,0.00\nc,0.00,385.00\n"; string(b) != want {
		t.Errorf("result =\n%s\nwant\n%s", b, want)
	}
	if _, _, err := run(t, "sqlite:x.db", "net", "--in", in, "--out", out, "--unit", "PKR", "--rates", rates, "--execution-date", "2023-06-30"); err == nil {
		t.Error("cleared with no rate in force")
	}
}
