package netting

import (
	"fmt"
	"math"
	"math/bits"
)

// network is the residual graph of the minimum-cost flow: party nodes, a source s feeding
// net debtors and a sink t draining net creditors. Arcs are stored grouped by tail (CSR),
// so that a node's arcs lie together in memory; rev links each arc to its reverse.
type network struct {
	n, s, t int32
	first   []int32 // first[v]..first[v+1]: the arcs of v
	head    []int32 // arc -> head node
	rev     []int32 // arc -> its reverse
	capa    []int64 // arc -> residual capacity
	cost    []int8  // arc -> cost: +1 obligation, -1 its reverse, 0 source and sink arcs
	pot     []int64 // node potentials

	pairs      int
	pairAmount []int64 // merged amount of each debtor->creditor pair
	pairArc    []int32 // the pair's forward arc, or -1 when it crosses components
	pairFrom   []int32
	pairTo     []int32
	comp       []int32 // strongly connected component of each party
}

// residualOf returns the amount of pair p left unsettled.
func (g *network) residualOf(p int) int64 {
	a := g.pairArc[p]
	if a < 0 {
		return g.pairAmount[p]
	}
	return g.capa[g.rev[a]] // flow on the arc = capacity of its reverse
}

// build merges parallel obligations, splits the graph into strongly connected components
// and builds the flow network on the obligations inside components.
func build(parties int, obs []Obligation) (*network, []int32, error) {
	g := &network{n: int32(parties)}
	pairOf := make([]int32, len(obs))
	index := make(map[uint64]int32, len(obs))
	for i, o := range obs {
		key := uint64(o.Debtor)<<32 | uint64(o.Creditor)
		p, ok := index[key]
		if !ok {
			p = int32(len(g.pairAmount))
			index[key] = p
			g.pairAmount = append(g.pairAmount, 0)
			g.pairFrom = append(g.pairFrom, o.Debtor)
			g.pairTo = append(g.pairTo, o.Creditor)
		}
		sum, carry := bits.Add64(uint64(g.pairAmount[p]), uint64(o.Amount), 0)
		if carry != 0 || sum > math.MaxInt64 {
			return nil, nil, fmt.Errorf("%w: obligations from party %d to %d", ErrOverflow, o.Debtor, o.Creditor)
		}
		g.pairAmount[p] = int64(sum)
		pairOf[i] = p
	}
	index = nil
	g.pairs = len(g.pairAmount)
	g.comp = scc(parties, g.pairFrom, g.pairTo, g.pairAmount)

	// Supplies from the obligations inside components.
	out := make([]uint64, parties)
	in := make([]uint64, parties)
	g.pairArc = make([]int32, g.pairs)
	intra := 0
	for p := 0; p < g.pairs; p++ {
		u, v, a := g.pairFrom[p], g.pairTo[p], g.pairAmount[p]
		if a == 0 || g.comp[u] != g.comp[v] {
			g.pairArc[p] = -1
			continue
		}
		intra++
		var c1, c2 uint64
		out[u], c1 = bits.Add64(out[u], uint64(a), 0)
		in[v], c2 = bits.Add64(in[v], uint64(a), 0)
		if c1|c2 != 0 || out[u] > math.MaxInt64 || in[v] > math.MaxInt64 {
			return nil, nil, fmt.Errorf("%w: the obligations of party %d", ErrOverflow, u)
		}
	}
	supply := make([]int64, parties)
	terminals := 0
	for v := range supply {
		supply[v] = int64(out[v]) - int64(in[v])
		if supply[v] != 0 {
			terminals++
		}
	}
	g.s, g.t = int32(parties), int32(parties)+1
	nodes := parties + 2
	// Arc k of the list below becomes arcs 2k (forward) and 2k+1 (reverse) before they
	// are placed by tail.
	type arc struct {
		u, v int32
		c    int64
		cost int8
	}
	list := make([]arc, 0, intra+terminals)
	for p := 0; p < g.pairs; p++ {
		if g.pairArc[p] == -1 {
			continue
		}
		g.pairArc[p] = int32(2 * len(list))
		list = append(list, arc{g.pairFrom[p], g.pairTo[p], g.pairAmount[p], 1})
	}
	for v, b := range supply {
		switch {
		case b > 0:
			list = append(list, arc{g.s, int32(v), b, 0})
		case b < 0:
			list = append(list, arc{int32(v), g.t, -b, 0})
		}
	}
	g.first = make([]int32, nodes+1)
	for _, a := range list {
		g.first[a.u+1]++
		g.first[a.v+1]++
	}
	for v := 0; v < nodes; v++ {
		g.first[v+1] += g.first[v]
	}
	m := 2 * len(list)
	g.head, g.rev, g.capa, g.cost = make([]int32, m), make([]int32, m), make([]int64, m), make([]int8, m)
	fill := append([]int32(nil), g.first[:nodes]...)
	place := make([]int32, m) // list arc 2k/2k+1 -> position
	for k, a := range list {
		f, r := fill[a.u], fill[a.v]
		fill[a.u]++
		fill[a.v]++
		g.head[f], g.capa[f], g.cost[f], g.rev[f] = a.v, a.c, a.cost, r
		g.head[r], g.capa[r], g.cost[r], g.rev[r] = a.u, 0, -a.cost, f
		place[2*k], place[2*k+1] = f, r
	}
	for p := range g.pairArc {
		if a := g.pairArc[p]; a >= 0 {
			g.pairArc[p] = place[a]
		}
	}
	g.pot = make([]int64, nodes)
	return g, pairOf, nil
}

const inf = math.MaxInt64

// solve runs the primal-dual method: shortest distances on reduced costs give new
// potentials, then a maximum flow on the arcs of zero reduced cost; until no path is left
// from s to t. Reduced costs stay non-negative on residual arcs throughout, so the final
// potentials certify optimality.
func (g *network) solve() {
	nodes := len(g.pot)
	w := &work{dist: make([]int64, nodes), level: make([]int32, nodes), it: make([]int32, nodes),
		queue: make([]int32, 0, nodes), first: make([]int32, 0, nodes+1), loc: make([]int32, len(g.head))}
	for {
		dt := g.dijkstra(w.dist, &w.buckets)
		if dt == inf {
			break
		}
		for v := range g.pot {
			g.pot[v] += min(w.dist[v], dt)
		}
		g.maxflow(w)
	}
	g.certify()
}

// dijkstra computes distances from s on reduced costs with a bucket queue (reduced costs
// are small non-negative integers) and returns the distance of t; it stops once t is
// settled, leaving farther nodes at inf.
func (g *network) dijkstra(dist []int64, buckets *[][]int32) int64 {
	for v := range dist {
		dist[v] = inf
	}
	bs := (*buckets)[:0]
	push := func(v int32, d int64) {
		for int64(len(bs)) <= d {
			if len(bs) < cap(bs) {
				bs = bs[:len(bs)+1]
				bs[len(bs)-1] = bs[len(bs)-1][:0]
			} else {
				bs = append(bs, nil)
			}
		}
		bs[d] = append(bs[d], v)
	}
	dist[g.s] = 0
	push(g.s, 0)
	for d := int64(0); d < int64(len(bs)); d++ {
		if dist[g.t] <= d-1 {
			break
		}
		for len(bs[d]) > 0 {
			b := bs[d]
			u := b[len(b)-1]
			bs[d] = b[:len(b)-1]
			if dist[u] != d {
				continue
			}
			if u == g.t {
				continue
			}
			pu := g.pot[u]
			for a := g.first[u]; a < g.first[u+1]; a++ {
				if g.capa[a] == 0 {
					continue
				}
				v := g.head[a]
				nd := d + int64(g.cost[a]) + pu - g.pot[v]
				if nd < dist[v] {
					dist[v] = nd
					push(v, nd)
				}
			}
		}
	}
	*buckets = bs
	return dist[g.t]
}

// maxflow saturates the admissible graph (residual arcs of zero reduced cost) from s to t
// with Dinic's method: BFS levels, then blocking flows along level-increasing arcs. The
// arcs of zero reduced cost are first copied into a graph of their own (an arc and its
// reverse always share reduced cost 0, so the set does not change while flow moves); it
// is usually a small part of the whole, compact in memory, and Dinic's rounds scan only
// it. Its capacities are written back at the end.
func (g *network) maxflow(w *work) {
	nodes := int32(len(g.pot))
	w.first, w.head, w.capa, w.rev, w.arc = w.first[:0], w.head[:0], w.capa[:0], w.rev[:0], w.arc[:0]
	for u := int32(0); u < nodes; u++ {
		w.first = append(w.first, int32(len(w.arc)))
		pu := g.pot[u]
		for a := g.first[u]; a < g.first[u+1]; a++ {
			if int64(g.cost[a])+pu == g.pot[g.head[a]] {
				w.loc[a] = int32(len(w.arc))
				w.arc = append(w.arc, a)
				w.head = append(w.head, g.head[a])
				w.capa = append(w.capa, g.capa[a])
			}
		}
	}
	w.first = append(w.first, int32(len(w.arc)))
	for _, a := range w.arc {
		w.rev = append(w.rev, w.loc[g.rev[a]])
	}
	first, head, capa, rev, level, it := w.first, w.head, w.capa, w.rev, w.level, w.it
	path := w.path[:0]
	defer func() {
		w.path = path
		for k, a := range w.arc {
			g.capa[a] = capa[k]
		}
	}()
	for {
		for v := range level {
			level[v] = -1
		}
		level[g.s] = 0
		queue := append(w.queue[:0], g.s)
		for i := 0; i < len(queue) && level[g.t] < 0; i++ {
			u := queue[i]
			for a := first[u]; a < first[u+1]; a++ {
				if v := head[a]; level[v] < 0 && capa[a] > 0 {
					level[v] = level[u] + 1
					queue = append(queue, v)
				}
			}
		}
		w.queue = queue
		if level[g.t] < 0 {
			return
		}
		copy(it, first[:len(it)])
		// Blocking flow by iterative depth-first search; path holds the arcs from s.
		path = path[:0]
		u := g.s
		for {
			if u == g.t {
				bott := int64(inf)
				for _, a := range path {
					bott = min(bott, capa[a])
				}
				cut := -1
				for i, a := range path {
					capa[a] -= bott
					capa[rev[a]] += bott
					if cut < 0 && capa[a] == 0 {
						cut = i
					}
				}
				path = path[:cut]
				u = g.s
				if cut > 0 {
					u = head[path[cut-1]]
				}
				continue
			}
			advanced := false
			for ; it[u] < first[u+1]; it[u]++ {
				a := it[u]
				if v := head[a]; level[v] == level[u]+1 && capa[a] > 0 {
					path = append(path, a)
					u = v
					advanced = true
					break
				}
			}
			if advanced {
				continue
			}
			level[u] = -1 // dead end
			if u == g.s {
				break
			}
			last := path[len(path)-1]
			path = path[:len(path)-1]
			u = head[rev[last]]
			it[u]++
		}
	}
}

// work is the scratch memory of the solver, allocated once.
type work struct {
	dist        []int64
	level, it   []int32
	queue, path []int32
	buckets     [][]int32
	// The admissible graph of a phase.
	first, head, rev, arc []int32
	capa                  []int64
	loc                   []int32 // arc of the network -> its index in the admissible graph
}

// certify makes the potentials hold across components too. Within a component the
// solver's potentials already satisfy the optimality conditions; an obligation from one
// component to another is never cleared, which needs p[creditor] >= p[debtor]+1. Shifting
// each component by a constant keeps its own conditions, so the components are shifted in
// topological order of the condensation (Tarjan numbers them in reverse).
func (g *network) certify() {
	ncomp := int32(0)
	for _, c := range g.comp {
		ncomp = max(ncomp, c+1)
	}
	shift := make([]int64, ncomp)
	// Inter-component obligations, bucketed by the debtor's component.
	count := make([]int32, ncomp+1)
	for p := 0; p < g.pairs; p++ {
		if u, v := g.pairFrom[p], g.pairTo[p]; g.comp[u] != g.comp[v] && g.pairAmount[p] > 0 {
			count[g.comp[u]+1]++
		}
	}
	for c := int32(0); c < ncomp; c++ {
		count[c+1] += count[c]
	}
	byComp := make([]int32, count[ncomp])
	fill := append([]int32(nil), count[:ncomp]...)
	for p := 0; p < g.pairs; p++ {
		if u, v := g.pairFrom[p], g.pairTo[p]; g.comp[u] != g.comp[v] && g.pairAmount[p] > 0 {
			byComp[fill[g.comp[u]]] = int32(p)
			fill[g.comp[u]]++
		}
	}
	// Tarjan emits components sinks first, so the highest number comes first in
	// topological order.
	for c := ncomp - 1; c >= 0; c-- {
		for _, p := range byComp[count[c]:count[c+1]] {
			u, v := g.pairFrom[p], g.pairTo[p]
			need := shift[c] + g.pot[u] + 1 - g.pot[v]
			if cv := g.comp[v]; need > shift[cv] {
				shift[cv] = need
			}
		}
	}
	for v := int32(0); v < g.n; v++ {
		g.pot[v] += shift[g.comp[v]]
	}
}

// scc numbers the strongly connected components of the graph of pairs with a positive
// amount (Tarjan's algorithm, iterative). Components are numbered in reverse topological
// order: every arc between components goes from a higher number to a lower one.
func scc(n int, from, to []int32, amount []int64) []int32 {
	first := make([]int32, n+1)
	for p, u := range from {
		if amount[p] > 0 {
			first[u+1]++
		}
	}
	for v := 0; v < n; v++ {
		first[v+1] += first[v]
	}
	adj := make([]int32, first[n])
	fill := append([]int32(nil), first[:n]...)
	for p, u := range from {
		if amount[p] > 0 {
			adj[fill[u]] = to[p]
			fill[u]++
		}
	}
	index := make([]int32, n)
	low := make([]int32, n)
	comp := make([]int32, n)
	for v := range index {
		index[v] = -1
	}
	onStack := make([]bool, n)
	var stack, call []int32
	edge := make([]int32, n) // next arc to explore per node
	next, ncomp := int32(0), int32(0)
	for root := int32(0); root < int32(n); root++ {
		if index[root] >= 0 {
			continue
		}
		call = append(call[:0], root)
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		edge[root] = first[root]
		for len(call) > 0 {
			u := call[len(call)-1]
			if edge[u] < first[u+1] {
				w := adj[edge[u]]
				edge[u]++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					edge[w] = first[w]
					call = append(call, w)
				} else if onStack[w] {
					low[u] = min(low[u], index[w])
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				parent := call[len(call)-1]
				low[parent] = min(low[parent], low[u])
			}
			if low[u] == index[u] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == u {
						break
					}
				}
				ncomp++
			}
		}
	}
	return comp
}
