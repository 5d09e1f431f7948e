package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/barter-clearing/barter/match"
	"github.com/barter-clearing/barter/match/matchgen"
	"github.com/barter-clearing/barter/netting"
	"github.com/barter-clearing/barter/netting/netgen"
)

// netgenMain writes a generated obligation network as the CSV that `barter net` reads
// and, optionally, as a DIMACS minimum-cost-flow file and a CPLEX LP file for other
// solvers (LEMON, GLPK, CLP), so that all are measured on the same instance.
//
//	barter-bench netgen -parties 100000 -obligations 1000000 -csv ob.csv -dimacs ob.min -lp ob.lp
func netgenMain(args []string) error {
	fs := flag.NewFlagSet("netgen", flag.ContinueOnError)
	parties := fs.Int("parties", 100_000, "parties")
	obligations := fs.Int("obligations", 1_000_000, "obligations")
	seed := fs.Uint64("seed", 1, "random seed")
	csvPath := fs.String("csv", "", "write id,debtor,creditor,amount here")
	dimacs := fs.String("dimacs", "", "write a DIMACS min-cost-flow problem here")
	lp := fs.String("lp", "", "write a CPLEX LP max-circulation problem here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	obs := netgen.Generate(*seed, *parties, *obligations)
	write := func(path string, fn func(w *bufio.Writer)) error {
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fn(w)
		return errors.Join(w.Flush(), f.Close())
	}
	return errors.Join(
		write(*csvPath, func(w *bufio.Writer) {
			fmt.Fprintln(w, "id,debtor,creditor,amount")
			for i, o := range obs {
				fmt.Fprintf(w, "o%d,p%d,p%d,%d.%02d\n", i, o.Debtor, o.Creditor, o.Amount/100, o.Amount%100)
			}
		}),
		write(*dimacs, func(w *bufio.Writer) { writeDIMACS(w, *parties, obs) }),
		write(*lp, func(w *bufio.Writer) { writeLP(w, *parties, obs) }),
	)
}

// writeDIMACS writes the residual formulation: supply = what a party owes minus what it
// is owed, capacity = amount, cost 1 per unit left unsettled. Its optimum is the residual.
func writeDIMACS(w *bufio.Writer, parties int, obs []netting.Obligation) {
	supply := make([]int64, parties)
	for _, o := range obs {
		supply[o.Debtor] += o.Amount
		supply[o.Creditor] -= o.Amount
	}
	fmt.Fprintf(w, "p min %d %d\n", parties, len(obs))
	for v, b := range supply {
		if b != 0 {
			fmt.Fprintf(w, "n %d %d\n", v+1, b)
		}
	}
	for _, o := range obs {
		fmt.Fprintf(w, "a %d %d 0 %d 1\n", o.Debtor+1, o.Creditor+1, o.Amount)
	}
}

// writeLP writes the max-circulation LP: maximise the cleared total subject to every
// party's cleared in = cleared out and 0 <= cleared <= amount.
func writeLP(w *bufio.Writer, parties int, obs []netting.Obligation) {
	in := make([][]int, parties)
	out := make([][]int, parties)
	fmt.Fprintln(w, "Maximize")
	fmt.Fprint(w, " cleared:")
	for i, o := range obs {
		fmt.Fprintf(w, " + c%d", i)
		if i%20 == 19 {
			fmt.Fprintln(w)
		}
		in[o.Creditor] = append(in[o.Creditor], i)
		out[o.Debtor] = append(out[o.Debtor], i)
	}
	fmt.Fprintln(w, "\nSubject To")
	for v := 0; v < parties; v++ {
		if len(in[v])+len(out[v]) == 0 {
			continue
		}
		fmt.Fprintf(w, " b%d:", v)
		for _, i := range in[v] {
			fmt.Fprintf(w, " + c%d", i)
		}
		for _, i := range out[v] {
			fmt.Fprintf(w, " - c%d", i)
		}
		fmt.Fprintln(w, " = 0")
	}
	fmt.Fprintln(w, "Bounds")
	for i, o := range obs {
		fmt.Fprintf(w, " 0 <= c%d <= %d\n", i, o.Amount)
	}
	fmt.Fprintln(w, "End")
}

// matchgenMain writes a generated barter-exchange pool as the edges CSV that `barter
// match` reads.
//
//	barter-bench matchgen -participants 1000 -categories 50 -wants 2 -csv edges.csv
func matchgenMain(args []string) error {
	fs := flag.NewFlagSet("matchgen", flag.ContinueOnError)
	n := fs.Int("participants", 1000, "participants")
	categories := fs.Int("categories", 50, "categories of goods")
	wants := fs.Int("wants", 2, "categories each participant wants")
	seed := fs.Uint64("seed", 1, "random seed")
	path := fs.String("csv", "edges.csv", "write from,to,weight here")
	lp := fs.String("lp", "", "also write the cycle formulation as a CPLEX LP file here (for cbc)")
	k := fs.Int("k", 3, "longest cycle in the LP file")
	degree := fs.Float64("degree", 0, "if set, ignore categories: each ordered pair is an arc with probability degree/(participants-1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var arcs []match.Arc
	if *degree > 0 {
		arcs = matchgen.Uniform(*seed, *n, *degree)
	} else {
		arcs = matchgen.Generate(*seed, *n, *categories, *wants)
	}
	if *lp != "" {
		if err := writeCycleLP(*lp, *n, arcs, *k); err != nil {
			return err
		}
	}
	f, err := os.Create(*path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "from,to,weight")
	for _, a := range arcs {
		fmt.Fprintf(w, "p%d,p%d,%d.%02d\n", a.From, a.To, a.Weight/100, a.Weight%100)
	}
	return errors.Join(w.Flush(), f.Close())
}

// writeCycleLP writes the cycle formulation of a barter-exchange pool: a binary x_c per
// cycle of length at most k, maximising the weight (in whole units, as barter match
// reports it) subject to each participant being in at most one chosen cycle.
func writeCycleLP(path string, n int, arcs []match.Arc, k int) error {
	cycles, err := match.Enumerate(n, arcs, k, 0)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	through := make([][]int, n)
	fmt.Fprint(w, "Maximize\n obj:")
	for c, cy := range cycles {
		fmt.Fprintf(w, " + %d.%02d x%d", cy.Weight/100, cy.Weight%100, c)
		if c%8 == 7 {
			fmt.Fprint(w, "\n")
		}
		for _, v := range cy.Nodes {
			through[v] = append(through[v], c)
		}
	}
	fmt.Fprint(w, "\nSubject To\n")
	for v, cs := range through {
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(w, " p%d:", v)
		for i, c := range cs {
			fmt.Fprintf(w, " + x%d", c)
			if i%16 == 15 {
				fmt.Fprint(w, "\n")
			}
		}
		fmt.Fprint(w, " <= 1\n")
	}
	fmt.Fprint(w, "Binary\n")
	for c := range cycles {
		fmt.Fprintf(w, " x%d\n", c)
	}
	fmt.Fprint(w, "End\n")
	return errors.Join(w.Flush(), f.Close())
}
