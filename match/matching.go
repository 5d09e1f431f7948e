package match

import (
	"cmp"
	"fmt"
	"slices"
)

// This file implements exact maximum-weight matching in general graphs: Edmonds' blossom
// algorithm with the primal-dual method, in the O(n^3) form described by Galil
// ("Efficient Algorithms for Finding Maximum Matching in Graphs", ACM Computing Surveys,
// 1986). The structure follows Joris van Rantwijk's mwmatching.py, the implementation
// behind NetworkX's max_weight_matching, so the names below (labelEnd, blossomEndps,
// delta1..delta4, ...) can be read side by side with it. Galil's paper explains the
// terms used in the comments (S- and T-vertices, blossoms, sub-blossoms, stages).
//
// Three departures from the Python original matter for speed on large sparse graphs.
//
// First, the search forest survives an augmentation. The original starts every stage
// (one augmentation) from scratch: it removes all labels and rescans the edges of every
// S-vertex, which costs O(m) per augmentation even when the augmenting path is short,
// and dominated the running time by far (about 25 million vertex scans for 10,000
// vertices). An augmentation only invalidates the two alternating trees that the
// augmenting path joins, so here only those are dissolved (dissolveTrees): their
// vertices become unlabelled, and the least-slack bookkeeping that referred to them is
// recomputed from their neighbourhoods. The other trees, their labels, blossoms and
// least-slack edges stay valid, because the duals do not change during an
// augmentation. The algorithm thus runs as a single long stage.
//
// Second, the per-substage work (the delta computations and the dual update) touches
// only the vertices and blossoms that are labelled, which are remembered in lists,
// instead of sweeping all 2n vertex and blossom numbers.
//
// Third, the lists and scratch space live in the matcher and are reused, so the inner
// loops do not allocate; a blossom number's child lists are kept when it is recycled.

// Edge is an undirected edge between vertices U and V (0-based, U != V) of weight W > 0.
type Edge struct {
	U, V int32
	W    int64
}

// weightLimit is the largest edge weight MaxWeightMatching accepts. Dual variables are
// kept as exact int64 values of at most twice the largest weight, and slacks of at most
// four times it, so this bound keeps them well inside the int64 range.
const weightLimit = 1 << 60

// MaxWeightMatching returns a maximum-weight matching (not necessarily maximum
// cardinality) of the graph with n vertices: mate[v] is v's partner or -1, and the total
// weight of the matched edges. Exact (Edmonds' blossom algorithm with dual variables).
//
// Self-loops (U == V) and edges of weight W <= 0 are ignored: they can never be in a
// maximum-weight matching. Of parallel edges between the same pair of vertices only the
// heaviest is kept. The result does not depend on the order of edges. It panics if a
// vertex is outside [0, n), if an edge weighs more than 2^60, or if n or the number of
// edges is too large for blossoms and edge endpoints to be numbered in int32. The caller must make sure that the total of the
// matching fits in an int64. Time is O(n^3) in the worst case, memory O(n + len(edges)).
func MaxWeightMatching(n int, edges []Edge) (mate []int32, total int64) {
	if n < 0 || n > 1<<30 {
		panic(fmt.Sprintf("match: %d vertices out of range", n))
	}
	mate = make([]int32, n)
	for v := range mate {
		mate[v] = -1
	}
	es := normalize(n, edges)
	if len(es) == 0 {
		return mate, 0
	}
	m := newMatcher(n, es)
	m.solve()
	for v := range n {
		if p := m.mate[v]; p >= 0 {
			mate[v] = m.endpoint[p]
			if int32(v) < mate[v] {
				total += es[p/2].W
			}
		}
	}
	return mate, total
}

// normalize checks the edges and returns a new slice holding, for each pair of vertices
// joined by at least one edge of positive weight, the heaviest such edge with U < V,
// sorted by (U, V). Sorting makes the result independent of the caller's edge order.
func normalize(n int, edges []Edge) []Edge {
	es := make([]Edge, 0, len(edges))
	for i, e := range edges {
		if e.U < 0 || int(e.U) >= n || e.V < 0 || int(e.V) >= n {
			panic(fmt.Sprintf("match: edge %d joins %d and %d of %d vertices", i, e.U, e.V, n))
		}
		if e.W > weightLimit {
			panic(fmt.Sprintf("match: edge %d weighs %d, more than 2^60", i, e.W))
		}
		if e.U == e.V || e.W <= 0 {
			continue
		}
		if e.U > e.V {
			e.U, e.V = e.V, e.U
		}
		es = append(es, e)
	}
	// Heaviest first among parallel edges, so that the first of each run is kept.
	slices.SortFunc(es, func(a, b Edge) int {
		if c := cmp.Compare(a.U, b.U); c != 0 {
			return c
		}
		if c := cmp.Compare(a.V, b.V); c != 0 {
			return c
		}
		return cmp.Compare(b.W, a.W)
	})
	es = slices.CompactFunc(es, func(a, b Edge) bool { return a.U == b.U && a.V == b.V })
	if len(es) >= 1<<30 {
		panic(fmt.Sprintf("match: %d distinct edges, too many", len(es)))
	}
	return es
}

// Labels of top-level blossoms (and, inside T-blossoms, of vertices). labelCrumb is
// or-ed onto an S label while scanBlossom traces the alternating tree.
const (
	labelFree  = 0
	labelS     = 1
	labelT     = 2
	labelCrumb = 4
)

// matcher holds the state of one run of the algorithm.
//
// Vertices are numbered 0..n-1 and non-trivial blossoms n..2n-1; a vertex is also a
// trivial blossom, so arrays indexed by blossom have 2n entries. Edges are numbered
// 0..len(edges)-1, and edge k has the two endpoints 2k (vertex U) and 2k+1 (vertex V);
// p^1 is the other endpoint of the same edge. Edges are referred to by their endpoints
// wherever the direction in which an edge was used matters.
type matcher struct {
	n     int32
	edges []Edge

	// endpoint[p] is the vertex at endpoint p.
	endpoint []int32
	// adj[adjStart[v]:adjStart[v+1]] are the remote endpoints of the edges at vertex v.
	adjStart []int32
	adj      []int32

	// mate[v] is the remote endpoint of v's matched edge, or -1 if v is single.
	mate []int32

	// label[b] is the label of top-level blossom b (labelFree, labelS or labelT). For a
	// vertex v inside a T-blossom, label[v] is labelT iff v is reachable from an S-vertex
	// outside the blossom; this is needed to relabel when the T-blossom is expanded.
	label []int8
	// labelEnd[b] is the remote endpoint of the edge through which top-level blossom b
	// got its label, or -1 if b's base is single. For a vertex v inside a T-blossom with
	// label[v] == labelT, labelEnd[v] is the endpoint through which v is reachable.
	labelEnd []int32

	// inBlossom[v] is the top-level blossom that contains vertex v.
	inBlossom []int32
	// blossomParent[b] is the blossom immediately containing b, or -1 if b is top-level.
	blossomParent []int32
	// blossomChilds[b] lists the sub-blossoms of non-trivial blossom b, starting with
	// the one containing the base and going round the blossom's odd cycle.
	blossomChilds [][]int32
	// blossomBase[b] is the base vertex of blossom b, or -1 if number b is unused.
	blossomBase []int32
	// blossomEndps[b][i] is the endpoint, in blossomChilds[b][i], of the edge that
	// connects that sub-blossom to the next one round the cycle.
	blossomEndps [][]int32

	// bestEdge[v], for a free vertex v (or an unreached vertex inside a T-blossom), is
	// the least-slack edge from v to an S-vertex, or -1. For a top-level S-blossom b,
	// bestEdge[b] is the least-slack edge from b to a different S-blossom, or -1. These
	// make delta2 and delta3 cheap to compute.
	bestEdge []int32
	// blossomBestEdges[b], for a non-trivial top-level S-blossom b with
	// haveBestEdges[b], holds for each neighbouring S-blossom the least-slack edge to
	// it. Without it, addBlossom would rescan every edge of every sub-blossom.
	blossomBestEdges [][]int32
	haveBestEdges    []bool

	// unusedBlossoms is a stack of the free non-trivial blossom numbers.
	unusedBlossoms []int32

	// dualVar[v] is twice the dual variable u(v) of vertex v, and dualVar[b] is the dual
	// variable z(b) of non-trivial blossom b. Doubling u keeps every value integral
	// when the weights are integers: the slack of edge (i, j) is then
	// dualVar[i] + dualVar[j] - 2w, and delta3 (half a slack between two S-vertices) is
	// exact because all labelled vertices have duals of the same parity.
	dualVar []int64

	// allowEdge[k] means that edge k is known to have zero slack. False means that
	// the slack may or may not be zero.
	allowEdge []bool

	// queue holds S-vertices whose edges have not been scanned yet. It may also hold
	// vertices that have stopped being S-vertices since they were queued (their tree was
	// dissolved); scan skips those.
	queue []int32

	// treeOf[v], for a labelled vertex v, is the root (a single vertex) of the
	// alternating tree that contains v. Stale for unlabelled vertices.
	treeOf []int32

	// Lists of what is labelled, so that the delta computations and the dual update need
	// not sweep all vertices and blossoms. tree holds the vertices of labelled top-level
	// blossoms; reached holds the vertices whose bestEdge was set while they were free;
	// blossoms holds the non-trivial blossoms that received an S or T label. Entries
	// can be stale (a vertex may have become free again when a T-blossom was expanded
	// or its tree dissolved, a blossom may have become a sub-blossom), so adjustDuals
	// drops stale entries as it goes through the lists. The in* flags keep each list
	// free of duplicates.
	tree, reached, blossoms       []int32
	inTree, inReached, inBlossoms []bool

	// single is a single vertex, or n if there is none. All single vertices have the
	// same dual, which gives delta1.
	single int32

	// Scratch space reused across calls.
	path       []int32 // scanBlossom's trail
	leaves     []int32 // leaf vertices of a blossom
	bestEdgeTo []int32 // addBlossom: least-slack edge to each neighbouring S-blossom
	bestTo     []int32 // addBlossom: blossoms with bestEdgeTo set
	freed      []int32 // dissolveTrees: vertices of the dissolved trees
	redoFree   []int32 // dissolveTrees: free vertices whose bestEdge must be recomputed
	redoS      []int32 // dissolveTrees: S-blossoms whose bestEdge must be recomputed
	redoMark   []int32 // dissolveTrees: redoMark[x] == redoStamp if x is listed above
	redoStamp  int32
}

func newMatcher(n int, edges []Edge) *matcher {
	nv := int32(n)
	m := &matcher{
		n:                nv,
		edges:            edges,
		endpoint:         make([]int32, 2*len(edges)),
		adjStart:         make([]int32, n+1),
		adj:              make([]int32, 2*len(edges)),
		mate:             make([]int32, n),
		label:            make([]int8, 2*n),
		labelEnd:         make([]int32, 2*n),
		inBlossom:        make([]int32, n),
		blossomParent:    make([]int32, 2*n),
		blossomChilds:    make([][]int32, 2*n),
		blossomBase:      make([]int32, 2*n),
		blossomEndps:     make([][]int32, 2*n),
		bestEdge:         make([]int32, 2*n),
		blossomBestEdges: make([][]int32, 2*n),
		haveBestEdges:    make([]bool, 2*n),
		unusedBlossoms:   make([]int32, 0, n),
		dualVar:          make([]int64, 2*n),
		allowEdge:        make([]bool, len(edges)),
		treeOf:           make([]int32, n),
		redoMark:         make([]int32, 2*n),
		inTree:           make([]bool, n),
		inReached:        make([]bool, n),
		inBlossoms:       make([]bool, 2*n),
		bestEdgeTo:       make([]int32, 2*n),
	}
	// Build the adjacency lists in compressed form (counting sort by vertex).
	for k, e := range edges {
		m.endpoint[2*k] = e.U
		m.endpoint[2*k+1] = e.V
		m.adjStart[e.U+1]++
		m.adjStart[e.V+1]++
	}
	for v := range n {
		m.adjStart[v+1] += m.adjStart[v]
	}
	fill := slices.Clone(m.adjStart[:n])
	for k, e := range edges {
		m.adj[fill[e.U]] = int32(2*k + 1)
		fill[e.U]++
		m.adj[fill[e.V]] = int32(2 * k)
		fill[e.V]++
	}
	// Every vertex starts single, as its own top-level blossom, with dual variable
	// u = maxWeight/2 (stored doubled), which makes every edge's slack non-negative.
	var maxWeight int64
	for _, e := range edges {
		maxWeight = max(maxWeight, e.W)
	}
	for v := range nv {
		m.mate[v] = -1
		m.inBlossom[v] = v
		m.blossomBase[v] = v
		m.dualVar[v] = maxWeight
	}
	for b := 2*nv - 1; b >= nv; b-- {
		m.blossomBase[b] = -1
		m.unusedBlossoms = append(m.unusedBlossoms, b)
	}
	for b := range 2 * nv {
		m.labelEnd[b] = -1
		m.blossomParent[b] = -1
		m.bestEdge[b] = -1
		m.bestEdgeTo[b] = -1
	}
	return m
}

// slack returns twice the slack of edge k; it is only meaningful for an edge that is
// not inside a blossom, because blossom duals are not included.
func (m *matcher) slack(k int32) int64 {
	e := &m.edges[k]
	return m.dualVar[e.U] + m.dualVar[e.V] - 2*e.W
}

// appendLeaves appends the vertices of blossom b to dst. It expands sub-blossoms in
// place in the appended part of dst, so it needs no stack of its own and may be used
// while other scratch lists are in use.
func (m *matcher) appendLeaves(dst []int32, b int32) []int32 {
	start := len(dst)
	dst = append(dst, b)
	for i := start; i < len(dst); i++ {
		for dst[i] >= m.n {
			childs := m.blossomChilds[dst[i]]
			dst[i] = childs[0]
			dst = append(dst, childs[1:]...)
		}
	}
	return dst
}

// noteVertices records that the vertices of top-level blossom b are labelled and
// belong to the alternating tree with the given root, so that their duals take part
// in the dual updates.
func (m *matcher) noteVertices(b, root int32) {
	if b < m.n {
		m.noteVertex(b, root)
		return
	}
	m.leaves = m.appendLeaves(m.leaves[:0], b)
	for _, v := range m.leaves {
		m.noteVertex(v, root)
	}
}

func (m *matcher) noteVertex(v, root int32) {
	m.treeOf[v] = root
	if !m.inTree[v] {
		m.inTree[v] = true
		m.tree = append(m.tree, v)
	}
}

// noteBlossom records that blossom b received a label, if it is non-trivial (vertices
// are listed by noteVertices).
func (m *matcher) noteBlossom(b int32) {
	if b >= m.n && !m.inBlossoms[b] {
		m.inBlossoms[b] = true
		m.blossoms = append(m.blossoms, b)
	}
}

// noteReached records that free vertex v has a least-slack edge to an S-vertex.
func (m *matcher) noteReached(v int32) {
	if !m.inReached[v] {
		m.inReached[v] = true
		m.reached = append(m.reached, v)
	}
}

// assignLabel gives label t to the top-level blossom containing vertex w, reached
// through the edge with remote endpoint p. A new S-blossom's vertices are queued for
// scanning; a new T-blossom's base is matched, and its mate becomes an S-vertex.
func (m *matcher) assignLabel(w int32, t int8, p int32) {
	for {
		b := m.inBlossom[w]
		m.label[w], m.label[b] = t, t
		m.labelEnd[w], m.labelEnd[b] = p, p
		m.bestEdge[w], m.bestEdge[b] = -1, -1
		root := w // a single vertex roots its own tree
		if p != -1 {
			root = m.treeOf[m.endpoint[p]]
		}
		m.noteBlossom(b)
		m.noteVertices(b, root)
		if t == labelS {
			m.queue = m.appendLeaves(m.queue, b)
			return
		}
		// b is a T-blossom: only its base has a mate outside it, which becomes S.
		mp := m.mate[m.blossomBase[b]]
		w, t, p = m.endpoint[mp], labelS, mp^1
	}
}

// scanBlossom traces back from S-vertices v and w, which are joined by a tight edge,
// towards the roots of their alternating trees. If the two paths meet, the edge closes
// a new blossom and its base vertex is returned. If they end at two different single
// vertices, the edge completes an augmenting path and -1 is returned.
func (m *matcher) scanBlossom(v, w int32) int32 {
	// Walk the two paths alternately, leaving breadcrumbs on the S-blossoms passed.
	path := m.path[:0]
	base := int32(-1)
	for v != -1 || w != -1 {
		b := m.inBlossom[v]
		if m.label[b]&labelCrumb != 0 {
			base = m.blossomBase[b]
			break
		}
		path = append(path, b)
		m.label[b] = labelS | labelCrumb
		if m.labelEnd[b] == -1 {
			// The base of b is single: this path ends here.
			v = -1
		} else {
			// Step over the T-blossom to the S-blossom before it.
			v = m.endpoint[m.labelEnd[b]]
			v = m.endpoint[m.labelEnd[m.inBlossom[v]]]
		}
		if w != -1 {
			v, w = w, v
		}
	}
	for _, b := range path {
		m.label[b] = labelS
	}
	m.path = path
	return base
}

// addBlossom makes a new top-level S-blossom with the given base out of the cycle
// formed by the tight edge k between two S-vertices and the tree paths from its ends
// to the base. Its dual starts at zero, and its former T-vertices become S-vertices,
// so they are queued for scanning.
func (m *matcher) addBlossom(base, k int32) {
	v, w := m.edges[k].U, m.edges[k].V
	bb := m.inBlossom[base]
	bv := m.inBlossom[v]
	bw := m.inBlossom[w]
	b := m.unusedBlossoms[len(m.unusedBlossoms)-1]
	m.unusedBlossoms = m.unusedBlossoms[:len(m.unusedBlossoms)-1]
	m.blossomBase[b] = base
	m.blossomParent[b] = -1
	m.blossomParent[bb] = b

	// List the sub-blossoms and their connecting endpoints: from the base down to v,
	// across edge k, and back up from w to the base.
	childs := m.blossomChilds[b][:0]
	endps := m.blossomEndps[b][:0]
	for bv != bb {
		m.blossomParent[bv] = b
		childs = append(childs, bv)
		endps = append(endps, m.labelEnd[bv])
		v = m.endpoint[m.labelEnd[bv]]
		bv = m.inBlossom[v]
	}
	childs = append(childs, bb)
	slices.Reverse(childs)
	slices.Reverse(endps)
	endps = append(endps, 2*k)
	for bw != bb {
		m.blossomParent[bw] = b
		childs = append(childs, bw)
		endps = append(endps, m.labelEnd[bw]^1)
		w = m.endpoint[m.labelEnd[bw]]
		bw = m.inBlossom[w]
	}
	m.blossomChilds[b] = childs
	m.blossomEndps[b] = endps

	m.label[b] = labelS
	m.labelEnd[b] = m.labelEnd[bb]
	m.dualVar[b] = 0
	m.noteBlossom(b)

	// Relabel the vertices; the former T-vertices are now S-vertices.
	m.leaves = m.appendLeaves(m.leaves[:0], b)
	for _, v := range m.leaves {
		if m.label[m.inBlossom[v]] == labelT {
			m.queue = append(m.queue, v)
		}
		m.inBlossom[v] = b
	}

	// Merge the least-slack edges of the sub-blossoms into one per neighbouring
	// S-blossom. A sub-blossom that has no such list (a vertex, or a blossom that got
	// its label from assignLabel rather than being formed here) contributes all edges
	// of its vertices. Entries whose far end is no longer an S-vertex are skipped.
	bestTo := m.bestTo[:0]
	consider := func(k, j int32) {
		bj := m.inBlossom[j]
		if bj == b || m.label[bj] != labelS {
			return
		}
		if m.bestEdgeTo[bj] == -1 {
			bestTo = append(bestTo, bj)
			m.bestEdgeTo[bj] = k
		} else if m.slack(k) < m.slack(m.bestEdgeTo[bj]) {
			m.bestEdgeTo[bj] = k
		}
	}
	for _, sub := range childs {
		if m.haveBestEdges[sub] {
			for _, k := range m.blossomBestEdges[sub] {
				j := m.edges[k].V
				if m.inBlossom[j] == b {
					j = m.edges[k].U
				}
				consider(k, j)
			}
		} else {
			m.leaves = m.appendLeaves(m.leaves[:0], sub)
			for _, v := range m.leaves {
				for _, p := range m.adj[m.adjStart[v]:m.adjStart[v+1]] {
					consider(p/2, m.endpoint[p])
				}
			}
		}
		m.haveBestEdges[sub] = false
		m.blossomBestEdges[sub] = m.blossomBestEdges[sub][:0]
		m.bestEdge[sub] = -1
	}
	list := m.blossomBestEdges[b][:0]
	best := int32(-1)
	for _, bj := range bestTo {
		k := m.bestEdgeTo[bj]
		m.bestEdgeTo[bj] = -1
		list = append(list, k)
		if best == -1 || m.slack(k) < m.slack(best) {
			best = k
		}
	}
	m.blossomBestEdges[b] = list
	m.haveBestEdges[b] = true
	m.bestEdge[b] = best
	m.bestTo = bestTo
}

// cycleIndex maps an index that may have wrapped below zero (as the Python original
// does with negative list indices) onto 0..l-1.
func cycleIndex(j, l int) int {
	j %= l
	if j < 0 {
		j += l
	}
	return j
}

// expandBlossom turns the sub-blossoms of top-level blossom b into top-level blossoms
// and frees number b. There are two cases. When b's tree is being dissolved
// (dissolving, which corresponds to the end of a stage in the original), b is an
// S-blossom with zero dual, and its sub-blossoms with zero dual are expanded
// recursively; the caller unlabels the result. Otherwise b is a T-blossom whose dual
// reached zero (delta4): the part of its cycle on the even-length path from the entry
// sub-blossom to the base stays in the alternating tree and is relabelled T, S, T, ...;
// the other sub-blossoms become free, except those reachable from an S-vertex outside,
// which are relabelled T.
func (m *matcher) expandBlossom(b int32, dissolving bool) {
	for _, s := range m.blossomChilds[b] {
		m.blossomParent[s] = -1
		if s < m.n {
			m.inBlossom[s] = s
			continue
		}
		// The label of a non-trivial sub-blossom dates from before it was absorbed;
		// as a new top-level blossom it starts unlabelled. (A vertex's label is kept:
		// inside a T-blossom it tells whether the vertex is reachable.)
		m.label[s] = labelFree
		if dissolving && m.dualVar[s] == 0 {
			m.expandBlossom(s, true)
		} else {
			m.leaves = m.appendLeaves(m.leaves[:0], s)
			for _, v := range m.leaves {
				m.inBlossom[v] = s
			}
		}
	}

	if !dissolving && m.label[b] == labelT {
		childs, endps := m.blossomChilds[b], m.blossomEndps[b]
		l := len(childs)
		// The sub-blossom through which b was reached from outside.
		entryChild := m.inBlossom[m.endpoint[m.labelEnd[b]^1]]
		// Go round the cycle from the entry child to the base in the direction that
		// gives an even-length alternating path: forwards from an odd position,
		// backwards from an even one. endpTrick selects the endpoint of each
		// connecting edge that faces the direction of travel.
		j := slices.Index(childs, entryChild)
		var jStep, endpTrick int
		if j&1 != 0 {
			j -= l
			jStep, endpTrick = 1, 0
		} else {
			jStep, endpTrick = -1, 1
		}
		p := m.labelEnd[b]
		for j != 0 {
			// Relabel the T-sub-blossom; assignLabel also labels the next one S.
			q := endps[cycleIndex(j-endpTrick, l)]
			m.label[m.endpoint[p^1]] = labelFree
			m.label[m.endpoint[q^int32(endpTrick)^1]] = labelFree
			m.assignLabel(m.endpoint[p^1], labelT, p)
			// The edges along the path are tight, so they are allowable.
			m.allowEdge[q/2] = true
			j += jStep
			p = endps[cycleIndex(j-endpTrick, l)] ^ int32(endpTrick)
			m.allowEdge[p/2] = true
			j += jStep
		}
		// The base sub-blossom becomes T without relabelling its mate, which is
		// already the S-blossom through which b's base was matched.
		bv := childs[0]
		m.label[m.endpoint[p^1]], m.label[bv] = labelT, labelT
		m.labelEnd[m.endpoint[p^1]], m.labelEnd[bv] = p, p
		m.bestEdge[bv] = -1
		m.noteBlossom(bv)
		m.noteVertices(bv, m.treeOf[m.blossomBase[bv]])
		// Continue round the cycle back to the entry child. These sub-blossoms leave
		// the tree, unless one of their vertices was reached by a tight edge from an
		// S-vertex outside b, in which case they are labelled T through it.
		j += jStep
		for childs[cycleIndex(j, l)] != entryChild {
			bv := childs[cycleIndex(j, l)]
			j += jStep
			if m.label[bv] == labelS {
				// Labelled S by the loop above (as the mate of a T-sub-blossom).
				continue
			}
			m.leaves = m.appendLeaves(m.leaves[:0], bv)
			for _, v := range m.leaves {
				if m.label[v] != labelFree {
					m.label[v] = labelFree
					m.label[m.endpoint[m.mate[m.blossomBase[bv]]]] = labelFree
					m.assignLabel(v, labelT, m.labelEnd[v])
					break
				}
			}
		}
	}

	// Free the blossom number, keeping its slices' memory for reuse.
	m.label[b] = -1
	m.labelEnd[b] = -1
	m.blossomChilds[b] = m.blossomChilds[b][:0]
	m.blossomEndps[b] = m.blossomEndps[b][:0]
	m.blossomBase[b] = -1
	m.haveBestEdges[b] = false
	m.blossomBestEdges[b] = m.blossomBestEdges[b][:0]
	m.bestEdge[b] = -1
	m.unusedBlossoms = append(m.unusedBlossoms, b)
}

// augmentBlossom swaps matched and unmatched edges along the even-length alternating
// path through blossom b from vertex v to the base, recursing into sub-blossoms, and
// rotates b's cycle so that the sub-blossom containing v becomes the base.
func (m *matcher) augmentBlossom(b, v int32) {
	// Find the immediate sub-blossom of b that contains v.
	t := v
	for m.blossomParent[t] != b {
		t = m.blossomParent[t]
	}
	if t >= m.n {
		m.augmentBlossom(t, v)
	}
	childs, endps := m.blossomChilds[b], m.blossomEndps[b]
	l := len(childs)
	i := slices.Index(childs, t)
	j := i
	var jStep, endpTrick int
	if i&1 != 0 {
		j -= l
		jStep, endpTrick = 1, 0
	} else {
		jStep, endpTrick = -1, 1
	}
	for j != 0 {
		// Step to the next sub-blossom and augment it from the connecting endpoint.
		j += jStep
		t = childs[cycleIndex(j, l)]
		p := endps[cycleIndex(j-endpTrick, l)] ^ int32(endpTrick)
		if t >= m.n {
			m.augmentBlossom(t, m.endpoint[p])
		}
		// Step to the one after it and do the same from the other endpoint.
		j += jStep
		t = childs[cycleIndex(j, l)]
		if t >= m.n {
			m.augmentBlossom(t, m.endpoint[p^1])
		}
		// Match the edge connecting the two.
		m.mate[m.endpoint[p]] = p ^ 1
		m.mate[m.endpoint[p^1]] = p
	}
	// Rotate the cycle to put the new base first.
	rotateLeft(childs, i)
	rotateLeft(endps, i)
	m.blossomBase[b] = m.blossomBase[childs[0]]
}

// rotateLeft rotates s in place so that s[i] becomes s[0].
func rotateLeft(s []int32, i int) {
	slices.Reverse(s[:i])
	slices.Reverse(s[i:])
	slices.Reverse(s)
}

// augmentMatching augments the matching along the path through edge k, which joins
// S-vertices of two different alternating trees, back to the two single roots.
func (m *matcher) augmentMatching(k int32) {
	for _, start := range [2][2]int32{{m.edges[k].U, 2*k + 1}, {m.edges[k].V, 2 * k}} {
		// Match s to remote endpoint p, then walk back towards the root, flipping
		// matched and unmatched edges.
		s, p := start[0], start[1]
		for {
			bs := m.inBlossom[s]
			if bs >= m.n {
				m.augmentBlossom(bs, s)
			}
			m.mate[s] = p
			if m.labelEnd[bs] == -1 {
				break // reached the single root
			}
			t := m.endpoint[m.labelEnd[bs]]
			bt := m.inBlossom[t]
			s = m.endpoint[m.labelEnd[bt]]
			j := m.endpoint[m.labelEnd[bt]^1]
			if bt >= m.n {
				m.augmentBlossom(bt, j)
			}
			m.mate[j] = m.labelEnd[bt]
			p = m.labelEnd[bt] ^ 1
		}
	}
}

// scan grows the alternating trees from the queued S-vertices over tight edges. It
// stops at the first tight edge between two different trees, which completes an
// augmenting path, and returns it; it returns -1 when the queue runs empty.
func (m *matcher) scan() int32 {
	for len(m.queue) > 0 {
		v := m.queue[len(m.queue)-1]
		m.queue = m.queue[:len(m.queue)-1]
		if m.label[m.inBlossom[v]] != labelS {
			continue // its tree was dissolved after it was queued
		}
		for _, p := range m.adj[m.adjStart[v]:m.adjStart[v+1]] {
			k := p / 2
			w := m.endpoint[p]
			bw := m.inBlossom[w]
			if m.inBlossom[v] == bw {
				continue // the edge is inside a blossom
			}
			var kslack int64
			if !m.allowEdge[k] {
				kslack = m.slack(k)
				if kslack <= 0 {
					m.allowEdge[k] = true
				}
			}
			switch {
			case m.allowEdge[k] && m.label[bw] == labelFree:
				// w is free: label it T and its mate S.
				m.assignLabel(w, labelT, p^1)
			case m.allowEdge[k] && m.label[bw] == labelS:
				// Both ends are S: a new blossom or an augmenting path.
				base := m.scanBlossom(v, w)
				if base < 0 {
					return k
				}
				m.addBlossom(base, k)
			case m.allowEdge[k]:
				// w is in a T-blossom; remember that w itself is reachable, for
				// relabelling should the blossom be expanded.
				if m.label[w] == labelFree {
					m.label[w] = labelT
					m.labelEnd[w] = p ^ 1
				}
			case m.label[bw] == labelS:
				// Not tight yet: remember the least-slack edge between S-blossoms.
				b := m.inBlossom[v]
				if m.bestEdge[b] == -1 || kslack < m.slack(m.bestEdge[b]) {
					m.bestEdge[b] = k
				}
			case m.label[w] == labelFree:
				// Not tight yet: remember the least-slack edge from an S-vertex to
				// the free (or unreached, inside a T-blossom) vertex w.
				if m.bestEdge[w] == -1 || kslack < m.slack(m.bestEdge[w]) {
					m.bestEdge[w] = k
					m.noteReached(w)
				}
			}
		}
	}
	return -1
}

// solve runs the primal-dual method until the matching is optimal. Every single
// vertex roots an alternating tree and is labelled S. Each substage grows the trees
// over tight edges; an augmenting path found on the way is applied at once and its two
// trees are dissolved. When the trees cannot grow, the duals change by the largest
// delta that keeps them feasible, which makes at least one new edge tight, expands a
// T-blossom, or proves the matching optimal (delta1: the single vertices' duals
// reached zero).
func (m *matcher) solve() {
	for v := range m.n {
		if m.label[m.inBlossom[v]] == labelFree {
			m.assignLabel(v, labelS, -1)
		}
	}
	// Between two augmentations there are O(n) substages: each one labels a free
	// blossom, forms a blossom or expands one that existed at the last augmentation.
	// The generous limit turns a broken invariant into a panic instead of a hang.
	limit := 2*int64(m.n)*int64(m.n) + 64
	substages := int64(0)
	for {
		if k := m.scan(); k >= 0 {
			r1, r2 := m.treeOf[m.edges[k].U], m.treeOf[m.edges[k].V]
			m.augmentMatching(k)
			m.dissolveTrees(r1, r2)
			substages = 0
			continue
		}
		if m.adjustDuals() {
			return
		}
		if substages++; substages > limit {
			panic("match: internal error: no progress in MaxWeightMatching")
		}
	}
}

// dissolveTrees removes the labels from the alternating trees rooted at r1 and r2,
// whose roots have just been matched by an augmentation, and repairs everything in the
// remaining trees that referred to them. This does at the level of two trees what the
// end and start of a stage do for all of them in the original algorithm.
func (m *matcher) dissolveTrees(r1, r2 int32) {
	// Collect the vertices of the two trees, and drop unlabelled vertices from the
	// tree list on the way.
	freed := m.freed[:0]
	kept := m.tree[:0]
	for _, v := range m.tree {
		switch {
		case m.label[m.inBlossom[v]] == labelFree:
			m.inTree[v] = false
		case m.treeOf[v] == r1 || m.treeOf[v] == r2:
			m.inTree[v] = false
			freed = append(freed, v)
		default:
			kept = append(kept, v)
		}
	}
	m.tree = kept
	m.freed = freed

	// As at the end of a stage, expand the S-blossoms whose dual is zero (and,
	// recursively, their sub-blossoms with zero dual): they are not needed, and
	// fewer blossoms make later work cheaper.
	for _, v := range freed {
		if b := m.inBlossom[v]; b >= m.n && m.label[b] == labelS && m.dualVar[b] == 0 {
			m.expandBlossom(b, true)
		}
	}

	// Unlabel the freed vertices and their top-level blossoms, and forget their
	// least-slack edges.
	for _, v := range freed {
		b := m.inBlossom[v]
		m.label[b], m.labelEnd[b], m.bestEdge[b] = labelFree, -1, -1
		if b >= m.n {
			m.haveBestEdges[b] = false
			m.blossomBestEdges[b] = m.blossomBestEdges[b][:0]
		}
		m.label[v], m.labelEnd[v], m.bestEdge[v] = labelFree, -1, -1
	}

	// Walk the edges of the freed vertices. Each freed vertex gets its least-slack
	// edge to the remaining S-vertices (it is now free). Tight edges from an S-vertex
	// to a freed vertex are rescanned from the S side, which will label the freed
	// vertex T. Whatever in the remaining trees pointed at a freed vertex is queued for
	// recomputation: the least-slack edge of a free vertex or of an S-blossom, and the
	// reachability mark of a vertex inside a T-blossom.
	m.redoStamp++
	redoFree, redoS := m.redoFree[:0], m.redoS[:0]
	for _, v := range freed {
		best := int32(-1)
		var bestSlack int64
		for _, p := range m.adj[m.adjStart[v]:m.adjStart[v+1]] {
			k := p / 2
			// The edge may have been tight in the tree; that no longer follows.
			m.allowEdge[k] = false
			x := m.endpoint[p]
			bx := m.inBlossom[x]
			switch m.label[bx] {
			case labelS:
				s := m.slack(k)
				if best == -1 || s < bestSlack {
					best, bestSlack = k, s
				}
				if s == 0 {
					m.queue = append(m.queue, x)
				}
				if m.bestEdge[bx] == k && m.redoMark[bx] != m.redoStamp {
					m.redoMark[bx] = m.redoStamp
					redoS = append(redoS, bx)
				}
			case labelT:
				if bx != x && m.label[x] == labelT && m.endpoint[m.labelEnd[x]] == v {
					// x was reachable (only) through v, as far as we know.
					m.label[x] = labelFree
					m.labelEnd[x] = -1
					if m.redoMark[x] != m.redoStamp {
						m.redoMark[x] = m.redoStamp
						redoFree = append(redoFree, x)
					}
				} else if m.label[x] == labelFree && m.bestEdge[x] == k && m.redoMark[x] != m.redoStamp {
					m.redoMark[x] = m.redoStamp
					redoFree = append(redoFree, x)
				}
			default:
				if m.bestEdge[x] == k && m.redoMark[x] != m.redoStamp {
					m.redoMark[x] = m.redoStamp
					redoFree = append(redoFree, x)
				}
			}
		}
		if best != -1 {
			m.bestEdge[v] = best
			m.noteReached(v)
		}
	}
	for _, x := range redoFree {
		m.redoFreeBestEdge(x)
	}
	for _, b := range redoS {
		m.redoSBestEdge(b)
	}
	m.redoFree, m.redoS = redoFree, redoS
}

// redoFreeBestEdge recomputes the least-slack edge from the unlabelled vertex x (free,
// or unreached inside a T-blossom) to an S-vertex. A tight one is rescanned from its S
// end, which labels x's blossom T or marks x reachable.
func (m *matcher) redoFreeBestEdge(x int32) {
	best := int32(-1)
	var bestSlack int64
	for _, p := range m.adj[m.adjStart[x]:m.adjStart[x+1]] {
		if m.label[m.inBlossom[m.endpoint[p]]] != labelS {
			continue
		}
		k := p / 2
		s := m.slack(k)
		if best == -1 || s < bestSlack {
			best, bestSlack = k, s
		}
		if s == 0 {
			m.queue = append(m.queue, m.endpoint[p])
		}
	}
	m.bestEdge[x] = best
	if best != -1 {
		m.noteReached(x)
	}
}

// redoSBestEdge recomputes the least-slack edge from top-level S-blossom b to a
// different S-blossom, from all edges of its vertices.
func (m *matcher) redoSBestEdge(b int32) {
	best := int32(-1)
	var bestSlack int64
	m.leaves = m.appendLeaves(m.leaves[:0], b)
	for _, v := range m.leaves {
		for _, p := range m.adj[m.adjStart[v]:m.adjStart[v+1]] {
			bx := m.inBlossom[m.endpoint[p]]
			if bx == b || m.label[bx] != labelS {
				continue
			}
			if s := m.slack(p / 2); best == -1 || s < bestSlack {
				best, bestSlack = p/2, s
			}
		}
	}
	m.bestEdge[b] = best
}

// adjustDuals computes the dual change delta as the least of
//
//	delta1, the least dual of an S-vertex (which would become negative),
//	delta2, the least slack of an edge between an S-vertex and a free vertex,
//	delta3, half the least slack of an edge between two different S-blossoms,
//	delta4, the least dual of a T-blossom (which would become negative),
//
// applies it (S-vertices -delta, T-vertices +delta, S-blossoms +2delta, T-blossoms
// -2delta, all in the doubled units of dualVar) and acts on whatever bound it. It
// returns true if delta1 was the least, which means that the matching is optimal.
func (m *matcher) adjustDuals() bool {
	// delta1: all single vertices have the same dual, the least of all vertex duals,
	// because they have been S-vertices (roots) since the start and every dual change
	// lowered them. (This is also why the original may take the minimum over all
	// vertices.) Matched vertices stay matched, so the cursor only moves forward.
	for m.single < m.n && m.mate[m.single] != -1 {
		m.single++
	}
	if m.single == m.n {
		return true // no single vertex, hence no S-vertex: the matching is perfect
	}
	deltaType := 1
	delta := m.dualVar[m.single]
	var deltaEdge, deltaBlossom int32 = -1, -1

	// Each pass also drops the entries that no longer need to be listed.
	// delta3 for S-vertices that are top-level blossoms by themselves:
	kept := m.tree[:0]
	for _, v := range m.tree {
		b := m.inBlossom[v]
		if m.label[b] == labelFree {
			m.inTree[v] = false
			continue
		}
		kept = append(kept, v)
		if b == v && m.label[v] == labelS && m.bestEdge[v] != -1 {
			if d := m.slack(m.bestEdge[v]) / 2; d < delta {
				delta, deltaType, deltaEdge = d, 3, m.bestEdge[v]
			}
		}
	}
	m.tree = kept
	// delta2, from the free vertices' least-slack edges. A vertex inside a T-blossom
	// stays listed, because it becomes free if the blossom is expanded.
	kept = m.reached[:0]
	for _, v := range m.reached {
		l := m.label[m.inBlossom[v]]
		if m.bestEdge[v] == -1 || l == labelS {
			m.inReached[v] = false
			continue
		}
		kept = append(kept, v)
		if l == labelFree {
			if d := m.slack(m.bestEdge[v]); d < delta {
				delta, deltaType, deltaEdge = d, 2, m.bestEdge[v]
			}
		}
	}
	m.reached = kept
	// delta3 for non-trivial S-blossoms, and delta4.
	kept = m.blossoms[:0]
	for _, b := range m.blossoms {
		if m.blossomParent[b] != -1 || m.blossomBase[b] < 0 || m.label[b] == labelFree {
			m.inBlossoms[b] = false
			continue
		}
		kept = append(kept, b)
		switch {
		case m.label[b] == labelS && m.bestEdge[b] != -1:
			if d := m.slack(m.bestEdge[b]) / 2; d < delta {
				delta, deltaType, deltaEdge = d, 3, m.bestEdge[b]
			}
		case m.label[b] == labelT:
			if d := m.dualVar[b]; d < delta {
				delta, deltaType, deltaBlossom = d, 4, b
			}
		}
	}
	m.blossoms = kept

	for _, v := range m.tree {
		if m.label[m.inBlossom[v]] == labelS {
			m.dualVar[v] -= delta
		} else {
			m.dualVar[v] += delta
		}
	}
	for _, b := range m.blossoms {
		if m.label[b] == labelS {
			m.dualVar[b] += delta
		} else {
			m.dualVar[b] -= delta
		}
	}

	switch deltaType {
	case 1:
		return true
	case 2:
		// The least-slack edge to a free vertex is now tight: scan it from its S end.
		m.allowEdge[deltaEdge] = true
		i := m.edges[deltaEdge].U
		if m.label[m.inBlossom[i]] == labelFree {
			i = m.edges[deltaEdge].V
		}
		m.queue = append(m.queue, i)
	case 3:
		// The least-slack edge between S-blossoms is now tight.
		m.allowEdge[deltaEdge] = true
		m.queue = append(m.queue, m.edges[deltaEdge].U)
	case 4:
		m.expandBlossom(deltaBlossom, false)
	}
	return false
}
