package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/barter-clearing/barter/iso20022"
	"github.com/barter-clearing/barter/netting"
	"github.com/spf13/cobra"
)

// settleOptions say where and how to write the settlement of the residual.
type settleOptions struct {
	csv, pain001  string
	clearingHouse string
	currency      string // for obligations with no currency column
	execution     string
	unit, rates   string // clear every currency together in this unit, at these rates
}

func (a *app) netCmd() *cobra.Command {
	var in, out string
	var so settleOptions
	cmd := &cobra.Command{
		Use:   "net --in obligations.csv --out result.csv",
		Short: "Find the multilateral set-off that clears the most debt",
		Long: `Read obligations (who owes whom how much) and find the set-off that clears the most
debt while leaving every party's net position unchanged: obligations that form cycles
cancel, and only the residual needs money. The result is optimal, and proven so: the
solver's certificate is checked independently before anything is written.

The input has the header id,debtor,creditor,amount (amount a decimal with at most 2
fraction digits) and an optional currency column; each currency clears separately, unless --unit and --rates name a unit of account:
then every amount is converted to it (half to even, 2 decimals) and all clear together,
and cleared and remaining amounts are in the unit.
The output has id,cleared,remaining for every obligation, in input order. A summary
is printed as JSON. Bad rows are reported as FILE:LINE: field: reason, the exit status
is non-zero, and no output file is written.

With --settlement and --pain001 it also writes the settlement of the residual through
the clearing house as central counterparty: each net debtor pays the clearing house its
net debit and the clearing house pays each net creditor, per currency (the fewest
payments that settle every position), as CSV and as an ISO 20022 pain.001 credit-transfer
initiation for the payouts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" || out == "" {
				return barter.Invalid("--in/--out", "both files are required")
			}
			return a.net(in, out, so)
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "obligations CSV (required)")
	cmd.Flags().StringVar(&out, "out", "", "result CSV to write (required)")
	cmd.Flags().StringVar(&so.csv, "settlement", "", "write the settlement instructions (payer,payee,amount,currency) here")
	cmd.Flags().StringVar(&so.pain001, "pain001", "", "write the clearing house's payouts as ISO 20022 pain.001 XML here")
	cmd.Flags().StringVar(&so.clearingHouse, "clearing-house", "CLEARING-HOUSE", "name of the clearing house in settlement instructions")
	cmd.Flags().StringVar(&so.currency, "currency", "PKR", "currency of obligations without a currency column")
	cmd.Flags().StringVar(&so.execution, "execution-date", "", "requested execution date of the payments, YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&so.unit, "unit", "", "clear all currencies together in this unit of account (needs --rates)")
	cmd.Flags().StringVar(&so.rates, "rates", "", "rates CSV (date,currency,rate: 1 currency = rate units) for --unit; the latest rate on or before --execution-date applies")
	return cmd
}

// netSummary is the JSON printed by barter net. Amounts are decimal strings.
type netSummary struct {
	Obligations int           `json:"obligations"`
	Parties     int           `json:"parties"`
	Gross       string        `json:"gross"`
	Cleared     string        `json:"cleared"`
	Residual    string        `json:"residual"`
	Optimal     bool          `json:"optimal"`
	Currencies  []netCurrency `json:"currencies"`
	Seconds     float64       `json:"seconds"`       // the whole command
	Solve       float64       `json:"solve_seconds"` // solving and checking alone
}

type netCurrency struct {
	Currency    string `json:"currency"`
	Obligations int    `json:"obligations"`
	Parties     int    `json:"parties"`
	Gross       string `json:"gross"`
	Cleared     string `json:"cleared"`
	Residual    string `json:"residual"`
}

func (a *app) net(in, out string, so settleOptions) error {
	start := time.Now()
	execution, err := a.executionDate(so)
	if err != nil {
		return err
	}
	if !barter.IsCurrency(so.currency) {
		return barter.Invalid("--currency", "%q is not an ISO 4217 currency code", so.currency)
	}
	obs, err := readCSV(a, in, csvfile.Obligations, uniqueIDs("id", func(o *barter.Obligation) string { return o.ID }))
	if err != nil {
		return err
	}
	for i := range obs {
		if obs[i].Currency == "" {
			obs[i].Currency = so.currency
		}
	}
	if so.unit != "" || so.rates != "" {
		if err := a.convertToUnit(obs, so, execution); err != nil {
			return err
		}
	}
	// Each currency clears on its own.
	byCurrency := map[string][]int{}
	for i := range obs {
		byCurrency[obs[i].Currency] = append(byCurrency[obs[i].Currency], i)
	}
	currencies := make([]string, 0, len(byCurrency))
	for c := range byCurrency {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	cleared := make([]int64, len(obs))
	var instructions []barter.Payment
	allParties := map[string]struct{}{}
	sum := netSummary{Obligations: len(obs), Optimal: true}
	gross, clearedTotal := new(big.Int), new(big.Int)
	solveStart := time.Now()
	for _, c := range currencies {
		idx := byCurrency[c]
		var party barter.Index
		id := party.ID
		nobs := make([]netting.Obligation, len(idx))
		for k, i := range idx {
			nobs[k] = netting.Obligation{Debtor: id(obs[i].Debtor), Creditor: id(obs[i].Creditor), Amount: obs[i].Amount}
		}
		res, err := netting.Solve(party.Len(), nobs)
		if err != nil {
			return barter.Invalid(in, "%v", err)
		}
		if err := netting.Check(party.Len(), nobs, res); err != nil {
			return fmt.Errorf("the set-off failed its own check: %w", err)
		}
		for k, i := range idx {
			cleared[i] = res.Cleared[k]
		}
		if so.csv != "" || so.pain001 != "" {
			net, err := netting.NetPositions(party.Len(), nobs, res.Cleared)
			if err != nil {
				return barter.Invalid(in, "%v", err)
			}
			instructions = append(instructions, barter.Settle(party.Names, net, c, so.clearingHouse)...)
		}
		t := netting.Sum(nobs, res.Cleared)
		gross.Add(gross, t.Gross)
		clearedTotal.Add(clearedTotal, t.Cleared)
		sum.Currencies = append(sum.Currencies, netCurrency{Currency: c, Obligations: len(idx), Parties: party.Len(),
			Gross: bigMinor(t.Gross), Cleared: bigMinor(t.Cleared), Residual: bigMinor(t.Residual)})
		for _, name := range party.Names {
			allParties[name] = struct{}{}
		}
	}
	sum.Solve = time.Since(solveStart).Seconds()
	sum.Parties = len(allParties)
	sum.Gross, sum.Cleared = bigMinor(gross), bigMinor(clearedTotal)
	sum.Residual = bigMinor(new(big.Int).Sub(gross, clearedTotal))
	if err := writeNetResult(out, obs, cleared); err != nil {
		return err
	}
	if err := writeSettlement(so, instructions, a.now(), execution, a.errOut); err != nil {
		return err
	}
	sum.Seconds = time.Since(start).Seconds()
	return a.writeJSON(sum)
}

// writeNetResult writes id,cleared,remaining for every obligation, in input order.
func writeNetResult(out string, obs []barter.Obligation, cleared []int64) error {
	return writeAtomically(out, func(w *bufio.Writer) error {
		w.WriteString("id,cleared,remaining\n")
		for i, o := range obs {
			writeCSVField(w, o.ID)
			w.WriteByte(',')
			w.WriteString(barter.FormatMinor(cleared[i], 2))
			w.WriteByte(',')
			w.WriteString(barter.FormatMinor(o.Amount-cleared[i], 2))
			w.WriteByte('\n')
		}
		return nil
	})
}

// writeCSVField writes s, quoted when it needs to be.
func writeCSVField(w *bufio.Writer, s string) {
	needs := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			needs = true
			break
		}
	}
	if !needs && (s == "" || (s[0] != ' ' && s[len(s)-1] != ' ')) {
		w.WriteString(s)
		return
	}
	w.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			w.WriteByte('"')
		}
		w.WriteByte(s[i])
	}
	w.WriteByte('"')
}

// bigMinor formats a count of hundredths as a decimal with 2 places.
func bigMinor(n *big.Int) string {
	if n.IsInt64() {
		return barter.FormatMinor(n.Int64(), 2)
	}
	q, r := new(big.Int).QuoRem(n, big.NewInt(100), new(big.Int))
	return fmt.Sprintf("%s.%02d", q, r.Abs(r).Int64())
}

// executionDate is the day payments are to be executed: --execution-date, or today.
func (a *app) executionDate(so settleOptions) (barter.Date, error) {
	if so.execution == "" {
		return barter.DateOf(a.now()), nil
	}
	d, err := barter.ParseDate(so.execution)
	if err != nil {
		return d, barter.Invalid("--execution-date", "%v", err)
	}
	return d, nil
}

// writeSettlement writes the instructions as CSV and the clearing house's payouts as
// pain.001, each to a temporary file renamed into place.
func writeSettlement(so settleOptions, ins []barter.Payment, now time.Time, execution barter.Date, errOut io.Writer) error {
	if so.csv != "" {
		if err := writeAtomically(so.csv, func(w *bufio.Writer) error { return csvfile.WritePayments(w, ins) }); err != nil {
			return err
		}
	}
	if so.pain001 == "" {
		return nil
	}
	m := barter.Payouts(so.clearingHouse, "NET-", ins, now, execution)
	if m == nil {
		fmt.Fprintf(errOut, "%s: not written: the clearing house has nothing to pay out\n", so.pain001)
		return nil
	}
	return writeAtomically(so.pain001, func(w *bufio.Writer) error { return iso20022.WritePain001(w, m) })
}

// writeAtomically writes a file through a temporary one renamed into place, so that the
// file is either complete or absent.
func writeAtomically(path string, fn func(w *bufio.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".barter-*")
	if err != nil {
		return barter.Invalid(path, "%v", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := errors.Join(fn(w), w.Flush(), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// convertToUnit restates every obligation in the unit of account at the latest rate on or
// before day, rounded half to even to 2 decimals, so that all currencies clear together.
func (a *app) convertToUnit(obs []barter.Obligation, so settleOptions, day barter.Date) error {
	if !barter.IsCurrency(so.unit) || so.rates == "" {
		return barter.Invalid("--unit/--rates", "give a unit of account (ISO 4217) and a rates file together")
	}
	rates, err := readCSV(a, so.rates, csvfile.Rates, nil)
	if err != nil {
		return err
	}
	table := barter.NewRateTable(rates)
	for i := range obs {
		o := &obs[i]
		if o.Currency == so.unit {
			continue
		}
		r, ok := table.Lookup(o.Currency, day)
		if !ok {
			return barter.Invalid("--rates", "no %s rate on or before %s (obligation %s)", o.Currency, day, o.ID)
		}
		v, err := barter.MinorUnits(barter.RoundHome(barter.FromMinorUnits(o.Amount).Mul(r.Rate)))
		if err != nil {
			return barter.Invalid("--rates", "obligation %s: %v", o.ID, err)
		}
		o.Amount, o.Currency = v, so.unit
	}
	return nil
}
