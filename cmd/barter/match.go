package main

import (
	"bufio"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/barter-clearing/barter/match"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

func (a *app) matchCmd() *cobra.Command {
	var edges, offers, out, asOf, explain string
	var k int
	var limit time.Duration
	var goal matchGoal
	cmd := &cobra.Command{
		Use:   "match (--edges edges.csv | --offers offers.csv) --max-cycle K --out cycles.csv",
		Short: "Find the exchange cycles that move the most value",
		Long: `Read who can give to whom (an arc from,to,weight when participant "to" wants what "from"
offers, weight the value that would change hands) and choose disjoint exchange cycles of
at most K participants (2 to 4) that move the most value: A gives to B, B to C, C to A.

For K = 2 the answer is exact (a maximum-weight matching of the pairs who want each
other's goods). For K >= 3 the search proves its answer optimal with an upper bound
from the linear relaxation, or, when --time-limit stops it, reports that bound so the
gap is known. The summary JSON says optimal only when the weight equals the proven bound.

With --offers the graph is built from offers first: an arc from offer A to offer B when
B wants what A gives (a wanted chapter or heading matches every code in it), A's value
fits B's wanted range within the rulebook's tolerance, the delivery windows overlap, the
countries may trade, and neither party is blocked; its weight is the value that can
move. --explain A,B says why there is or is no arc from A to B.

--objective parties serves the most participants first and moves the most value among
such packings; --priority A,B,... serves the named participants first (traders near
their net-off deadline, say). The summary then adds served and served_bound.

The output has cycle,position,node: cycle numbers from 1, and in each cycle the node at
position p gives to the node at position p+1, the last to the first. Bad rows are
reported as FILE:LINE: field: reason, the exit status is non-zero, and no output is
written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A soft limit on the heap keeps the largest pools (tens of millions of
			// cycles) well within 4 GiB: the collector works harder as the search nears
			// it, rather than letting garbage double the heap.
			debug.SetMemoryLimit(3 << 30)
			if (edges == "") == (offers == "") {
				return barter.Invalid("--edges/--offers", "give one of them")
			}
			day, err := a.asOf(asOf)
			if err != nil {
				return err
			}
			var names []string
			var arcs []match.Arc
			if offers != "" {
				names, arcs, err = a.readOffers(offers, day, explain)
			} else {
				names, arcs, err = a.readEdges(edges)
			}
			if err != nil || explain != "" {
				return err
			}
			if out == "" {
				return barter.Invalid("--out", "is required")
			}
			if k < 2 || k > 4 {
				return barter.Invalid("--max-cycle", "%d; want 2, 3 or 4", k)
			}
			src := edges + offers
			return a.match(src, names, arcs, out, k, limit, goal)
		},
	}
	cmd.Flags().StringVar(&edges, "edges", "", "edges CSV: from,to,weight")
	cmd.Flags().StringVar(&offers, "offers", "", "offers CSV to build the graph from (see barter match --help)")
	cmd.Flags().StringVar(&explain, "explain", "", "with --offers: say why there is or is no arc FROM,TO, and stop")
	a.asOfFlag(cmd, &asOf)
	cmd.Flags().StringVar(&out, "out", "", "cycles CSV to write (required)")
	cmd.Flags().IntVar(&k, "max-cycle", 3, "longest exchange cycle, 2 to 4")
	cmd.Flags().DurationVar(&limit, "time-limit", time.Minute, "stop proving after this long and report the gap")
	cmd.Flags().StringVar(&goal.objective, "objective", "value", "what to maximise: value, or parties (the participants served, then value)")
	cmd.Flags().StringSliceVar(&goal.first, "priority", nil, "participants (nodes or offer ids) to serve first, comma-separated, e.g. those near their net-off deadline")
	return cmd
}

type matchSummary struct {
	Cycles       int     `json:"cycles"`
	Weight       string  `json:"weight"`
	Bound        string  `json:"bound"`
	Optimal      bool    `json:"optimal"`
	Gap          string  `json:"gap"`         // bound minus weight
	GapPercent   string  `json:"gap_percent"` // the gap as a percentage of the bound, 2 decimals, half-even
	Participants int     `json:"participants"`
	Arcs         int     `json:"arcs"`
	Candidates   int     `json:"candidate_cycles"`
	MaxCycle     int     `json:"max_cycle"`
	Seconds      float64 `json:"seconds"`
	// With --objective parties or --priority: the participants served first, how many
	// of them the cycles serve, and a bound on that; weight and bound are then among
	// packings serving at least as many.
	Objective   string `json:"objective,omitempty"`
	Served      *int   `json:"served,omitempty"`
	ServedBound *int   `json:"served_bound,omitempty"`
}

// matchGoal is what a match run maximises first: the value (the default), the
// participants served (parties), or the named priority participants served.
type matchGoal struct {
	objective string
	first     []string // --priority: participants to serve first
}

func (g matchGoal) name() string {
	if g.objective == "parties" {
		return "parties served, then value"
	}
	return "priority parties served, then value"
}

// priority returns the participants to serve first, or nil to maximise value alone.
func (g matchGoal) priority(names []string) ([]bool, error) {
	switch g.objective {
	case "", "value":
		if len(g.first) == 0 {
			return nil, nil
		}
		index := make(map[string]int, len(names))
		for i, n := range names {
			index[n] = i
		}
		prio := make([]bool, len(names))
		for _, p := range g.first {
			i, ok := index[p]
			if !ok {
				return nil, barter.Invalid("--priority", "%q is not a participant", p)
			}
			prio[i] = true
		}
		return prio, nil
	case "parties":
		if len(g.first) > 0 {
			return nil, barter.Invalid("--priority", "does not go with --objective parties")
		}
		prio := make([]bool, len(names))
		for i := range prio {
			prio[i] = true
		}
		return prio, nil
	}
	return nil, barter.Invalid("--objective", "%q is not value or parties", g.objective)
}

// readEdges reads an edges file, reporting every bad row, a repeated arc among them.
func (a *app) readEdges(path string) ([]string, []match.Arc, error) {
	var party barter.Index
	seen := map[[2]int32]int{}
	var arcs []match.Arc
	_, err := readCSV(a, path, csvfile.Edges, func(line int, e *csvfile.Edge) error {
		key := [2]int32{party.ID(e.From), party.ID(e.To)}
		if first, dup := seen[key]; dup {
			return barter.Invalid("to", "the arc %s -> %s already appears on line %d", e.From, e.To, first)
		}
		seen[key] = line
		arcs = append(arcs, match.Arc{From: key[0], To: key[1], Weight: e.Weight})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return party.Names, arcs, nil
}

// match packs the cycles and writes them.
func (a *app) match(src string, names []string, arcs []match.Arc, out string, k int, limit time.Duration, goal matchGoal) error {
	start := time.Now()
	prio, err := goal.priority(names)
	if err != nil {
		return err
	}
	res, err := match.Pack(len(names), arcs, match.Options{MaxCycle: k, TimeLimit: limit, Priority: prio})
	if err != nil {
		return barter.Invalid(src, "%v", err)
	}
	err = writeAtomically(out, func(w *bufio.Writer) error {
		w.WriteString("cycle,position,node\n")
		for i, c := range res.Cycles {
			for p, v := range c.Nodes {
				w.WriteString(strconv.Itoa(i+1) + "," + strconv.Itoa(p+1) + ",")
				writeCSVField(w, names[v])
				w.WriteByte('\n')
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sum := matchSummary{Cycles: len(res.Cycles), Weight: barter.FormatMinor(res.Weight, 2), Bound: barter.FormatMinor(res.Bound, 2),
		Optimal: res.Optimal, Gap: barter.FormatMinor(res.Bound-res.Weight, 2), GapPercent: gapPercent(res.Weight, res.Bound), Participants: len(names), Arcs: len(arcs),
		Candidates: res.Enumerated, MaxCycle: k, Seconds: time.Since(start).Seconds()}
	if prio != nil {
		sum.Objective, sum.Served, sum.ServedBound = goal.name(), &res.Served, &res.ServedBound
	}
	return a.writeJSON(sum)
}

// readOffers reads offers and builds the compatibility graph: an arc from A to B when B
// can take what A gives, weighted by the value that can move. With explain "A,B" it
// prints why there is or is no such arc instead.
func (a *app) readOffers(path string, day barter.Date, explain string) ([]string, []match.Arc, error) {
	offers, err := readCSV(a, path, csvfile.Offers, uniqueIDs("id", func(o *barter.Offer) string { return o.ID }))
	if err != nil {
		return nil, nil, err
	}
	seen := make(map[string]int, len(offers))
	for i, o := range offers {
		seen[o.ID] = i
	}
	rbs := barter.StandardRulebooks()
	if explain != "" {
		from, to, ok := strings.Cut(explain, ",")
		_, fromOK := seen[from]
		_, toOK := seen[to]
		if !ok || !fromOK || !toOK {
			return nil, nil, barter.Invalid("--explain", "want FROM,TO with two offer ids of %s", path)
		}
		var fa, fb *barter.Offer
		for k := range offers {
			switch offers[k].ID {
			case from:
				fa = &offers[k]
			case to:
				fb = &offers[k]
			}
		}
		if can, why := rbs.CanGive(fa, fb, day); can {
			fmt.Fprintf(a.out, "%s can give to %s: worth %s\n", from, to, barter.FormatMinor(barter.LegValue(fa, fb), 2))
		} else {
			fmt.Fprintf(a.out, "%s cannot give to %s:\n", from, to)
			for _, w := range why {
				fmt.Fprintf(a.out, "  - %s\n", w)
			}
		}
		return nil, nil, nil
	}
	names := make([]string, len(offers))
	for i := range offers {
		names[i] = offers[i].ID
	}
	return names, rbs.OfferArcs(offers, day), nil
}

// gapPercent is how far weight falls short of bound, as a percentage of bound with 2
// decimals rounded half-even (negative should weight exceed bound); 0 when bound is not
// positive.
func gapPercent(weight, bound int64) string {
	if bound <= 0 {
		return "0.00"
	}
	// In hundredths of a percent: |gap| × 10,000 / bound, the remainder deciding.
	den := decimal.NewFromInt(bound)
	gap := decimal.NewFromInt(bound - weight)
	q, r := gap.Abs().Shift(4).QuoRem(den, 0)
	switch c := r.Mul(decimal.NewFromInt(2)).Cmp(den); {
	case c > 0, c == 0 && q.Mod(decimal.NewFromInt(2)).Sign() != 0:
		q = q.Add(decimal.NewFromInt(1))
	}
	if gap.Sign() < 0 {
		q = q.Neg()
	}
	return q.Shift(-2).StringFixed(2)
}
