package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/barter-clearing/barter/match"
	"github.com/spf13/cobra"
)

func (a *app) matchCmd() *cobra.Command {
	var edges, out string
	var k int
	var limit time.Duration
	cmd := &cobra.Command{
		Use:   "match --edges edges.csv --max-cycle K --out cycles.csv",
		Short: "Find the exchange cycles that move the most value",
		Long: `Read who can give to whom (an arc from,to,weight when participant "to" wants what "from"
offers, weight the value that would change hands) and choose disjoint exchange cycles of
at most K participants (2 to 4) that move the most value: A gives to B, B to C, C to A.

For K = 2 the answer is exact (a maximum-weight matching of the pairs who want each
other's goods). For K >= 3 the search proves its answer optimal with an upper bound
from the linear relaxation, or, when --time-limit stops it, reports that bound so the
gap is known. The summary JSON says optimal only when the weight equals the proven bound.

The output has cycle,position,node: cycle numbers from 1, and in each cycle the node at
position p gives to the node at position p+1, the last to the first. Bad rows are
reported as FILE:LINE: field: reason, the exit status is non-zero, and no output is
written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if edges == "" || out == "" {
				return barter.Invalid("--edges/--out", "both files are required")
			}
			if k < 2 || k > 4 {
				return barter.Invalid("--max-cycle", "%d; want 2, 3 or 4", k)
			}
			return a.match(edges, out, k, limit)
		},
	}
	cmd.Flags().StringVar(&edges, "edges", "", "edges CSV: from,to,weight (required)")
	cmd.Flags().StringVar(&out, "out", "", "cycles CSV to write (required)")
	cmd.Flags().IntVar(&k, "max-cycle", 3, "longest exchange cycle, 2 to 4")
	cmd.Flags().DurationVar(&limit, "time-limit", time.Minute, "stop proving after this long and report the gap")
	return cmd
}

type matchSummary struct {
	Cycles       int     `json:"cycles"`
	Weight       string  `json:"weight"`
	Bound        string  `json:"bound"`
	Optimal      bool    `json:"optimal"`
	Gap          string  `json:"gap"` // bound minus weight
	Participants int     `json:"participants"`
	Arcs         int     `json:"arcs"`
	Candidates   int     `json:"candidate_cycles"`
	MaxCycle     int     `json:"max_cycle"`
	Seconds      float64 `json:"seconds"`
}

func (a *app) match(edgesPath, out string, k int, limit time.Duration) error {
	start := time.Now()
	f, err := os.Open(edgesPath)
	if err != nil {
		return barter.Invalid(edgesPath, "%v", errors.Unwrap(err))
	}
	defer f.Close()
	rows, err := csvfile.Edges(bufio.NewReaderSize(f, 1<<20))
	var he *csvfile.HeaderError
	if errors.As(err, &he) {
		fmt.Fprintf(a.errOut, "%s:1: %s\n", edgesPath, he)
		return errReported
	}
	if err != nil {
		return err
	}
	var party barter.Index
	id := party.ID
	seen := map[[2]int32]int{}
	var arcs []match.Arc
	bad := 0
	for r := range rows {
		if r.Err == nil {
			key := [2]int32{id(r.Value.From), id(r.Value.To)}
			if first, dup := seen[key]; dup {
				r.Err = barter.Invalid("to", "the arc %s -> %s already appears on line %d", r.Value.From, r.Value.To, first)
			} else {
				seen[key] = r.Line
				arcs = append(arcs, match.Arc{From: key[0], To: key[1], Weight: r.Value.Weight})
			}
		}
		if r.Err != nil {
			bad++
			var e *barter.Error
			if errors.As(r.Err, &e) {
				fmt.Fprintf(a.errOut, "%s:%d: %s: %s\n", edgesPath, r.Line, e.Field, e.Message)
			} else {
				fmt.Fprintf(a.errOut, "%s:%d: row: %v\n", edgesPath, r.Line, r.Err)
			}
		}
	}
	if bad > 0 {
		fmt.Fprintf(a.errOut, "%s: %d bad rows; nothing was written\n", edgesPath, bad)
		return errReported
	}
	names := party.Names
	res, err := match.Pack(len(names), arcs, match.Options{MaxCycle: k, TimeLimit: limit})
	if err != nil {
		return barter.Invalid(edgesPath, "%v", err)
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
		Optimal: res.Optimal, Gap: barter.FormatMinor(res.Bound-res.Weight, 2), Participants: len(names), Arcs: len(arcs),
		Candidates: res.Enumerated, MaxCycle: k, Seconds: time.Since(start).Seconds()}
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	return enc.Encode(sum)
}
