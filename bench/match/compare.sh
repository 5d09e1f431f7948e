#!/usr/bin/env bash
#
# Compares barter's exact cycle packing (`barter match --max-cycle 3`) with the COIN-OR
# MILP solver cbc on the cycle formulation of the same generated pools (one binary per
# cycle of at most 3 participants, each participant in at most one chosen cycle). Where
# both prove an optimum the objectives must agree to the cent; where either is stopped by
# its time limit, each one's best solution must still lie under the other's bound. Any
# disagreement prints a MISMATCH line and makes the script exit non-zero at the end.
# Times are whole processes; cbc is handed the cycles already enumerated (barter-bench
# enumerates them when it writes the LP file), while barter's time includes enumerating.
#
#     bench/match/compare.sh                          # 100, 200, 300, 1000 participants
#     SIZES="100 200" bench/match/compare.sh          # quick oracle pass, seconds
#     SIZES=1000 SEEDS=1 CBC_LIMIT=3600 bench/match/compare.sh
#
# Environment:
#     SIZES       participants per pool (default "100 200 300 1000")
#     CATEGORIES  categories of goods: one number for every size, or one per size
#                 (default 50, the generator's default: about 40 arcs per participant
#                 at 1,000 participants)
#     DEGREE      if set, pools without categories instead: each ordered pair of
#                 participants is an arc with probability DEGREE/(participants-1)
#                 (DEGREE=40 gives about 40,000 arcs and 22,000 cycles at 1,000)
#     SEEDS       generator seeds, one pool per size and seed (default "1 2 3")
#     LIMIT       barter's --time-limit in seconds (default 60)
#     CBC_LIMIT   cbc's -sec limit in seconds, which cbc counts in CPU time (default 1200)
#
# At 1,000 participants cbc is expected to take many minutes per pool (about 16 on such
# an instance), so the full default run takes about an hour; leave 1000 out of SIZES for
# an oracle pass. When cbc is stopped by CBC_LIMIT the table shows its best solution and
# bound, and the time ratio is only a lower bound (">= X"); when barter is stopped by
# LIMIT and cbc is not, the ratio is an upper bound ("<= X").
#
# Needs Debian's coinor-cbc and /usr/bin/time (it installs them with apt-get when run as
# root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export LC_ALL=C

SIZES=${SIZES:-"100 200 300 1000"}
CATEGORIES=${CATEGORIES:-50}
DEGREE=${DEGREE:-}
SEEDS=${SEEDS:-"1 2 3"}
LIMIT=${LIMIT:-60}
CBC_LIMIT=${CBC_LIMIT:-1200}
work=$(mktemp -d -t barter-match-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! command -v cbc >/dev/null || [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "installing coinor-cbc and time" >&2
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq coinor-cbc time >/dev/null
	else
		echo "needs coinor-cbc and /usr/bin/time" >&2
		exit 1
	fi
fi

read -ra sizes <<<"$SIZES"
read -ra cats <<<"$CATEGORIES"
if [ "${#cats[@]}" -ne 1 ] && [ "${#cats[@]}" -ne "${#sizes[@]}" ]; then
	echo "CATEGORIES needs one number, or one per size in SIZES" >&2
	exit 1
fi

go build -o "$work/barter" ./cmd/barter
go build -o "$work/barter-bench" ./cmd/barter-bench

# timed CMD...: runs CMD, leaving wall seconds in $secs and peak MiB in $mib. The seconds
# come from the shell's clock rather than from %e, whose 10 ms steps round the small
# pools to zero and would make the ratios meaningless.
timed() {
	local t0=$EPOCHREALTIME
	/usr/bin/time -f "%e %M" -o "$work/time" "$@"
	local t1=$EPOCHREALTIME
	read -r _ kib <"$work/time"
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	mib=$((kib / 1024))
}

# field NAME: prints the value of NAME in barter's summary JSON, without quotes.
field() {
	awk -v k="\"$1\":" '$1 == k {v = $2; gsub(/[",]/, "", v); print v; exit}' "$work/match.json"
}

# cents X: prints the decimal X in whole cents, or nothing when X is empty.
cents() {
	[ -z "$1" ] || awk -v x="$1" 'BEGIN {printf "%.0f", x * 100}'
}

row() { printf '%-12s %4s %7s %7s %-13s %9s %8s %13s %13s %6s\n' "$@"; }

row participants seed arcs cycles solver seconds "peak MiB" objective bound proven
failed=0
declare -A tot_ours tot_cbc quals agreed bracketed
for i in "${!sizes[@]}"; do
	n=${sizes[$i]}
	g=${cats[0]}
	[ "${#cats[@]}" -eq 1 ] || g=${cats[$i]}
	tot_ours[$n]=0 tot_cbc[$n]=0 quals[$n]="" agreed[$n]=0 bracketed[$n]=0
	for seed in $SEEDS; do
		echo
		"$work/barter-bench" matchgen -participants "$n" -categories "$g" -wants 2 -seed "$seed" \
			${DEGREE:+-degree "$DEGREE"} -csv "$work/edges.csv" -lp "$work/model.lp" -k 3

		timed "$work/barter" match --edges "$work/edges.csv" --max-cycle 3 --out "$work/cycles.csv" \
			--time-limit "${LIMIT}s" >"$work/match.json"
		ours=$secs
		weight=$(field weight)
		bound=$(field bound)
		optimal=$(field optimal)
		arcs=$(field arcs)
		cycles=$(field candidate_cycles)
		proven=$([ "$optimal" = true ] && echo yes || echo no)
		row "$n" "$seed" "$arcs" "$cycles" "barter match" "$ours" "$mib" "$weight" "$bound" "$proven"

		timed cbc "$work/model.lp" -sec "$CBC_LIMIT" -solve -quit >"$work/cbc.txt"
		# cbc minimises the negated objective but prints "Objective value:" and the final
		# bound with the model's sense. It prints no objective when stopped before finding
		# a solution, and no result at all when stopped in preprocessing; then the only
		# bound is the LP relaxation, which it prints to six significant digits.
		read -r status cobj cbound < <(awk '
			/^Continuous objective value is/ {lp = $5}
			/^Result - Optimal solution found/ {st = "optimal"}
			/^Result - Stopped on time limit/ {st = "stopped"}
			/^Result - / && st == "" {st = "other"}
			/^Objective value:/ {obj = $3}
			/^(Upper|Lower) bound:/ {b = $3}
			END {
				if (st == "") st = "stopped"
				if (st == "optimal") b = obj
				if (b == "") b = (lp == "" ? "-" : "~" lp)
				print st, (obj == "" ? "-" : obj), b
			}' "$work/cbc.txt")
		[ "$cobj" = - ] || cobj=$(awk -v x="$cobj" 'BEGIN {printf "%.2f", x}')
		case $cbound in -|~*) ;; *) cbound=$(awk -v x="$cbound" 'BEGIN {printf "%.2f", x}') ;; esac
		if [ "$status" = other ]; then
			echo "cbc gave an unexpected result:" >&2
			grep '^Result - ' "$work/cbc.txt" >&2
			failed=$((failed + 1))
		fi
		cproven=$([ "$status" = optimal ] && echo yes || echo no)
		row "$n" "$seed" "$arcs" "$cycles" "cbc" "$secs" "$mib" "$cobj" "$cbound" "$cproven"

		# The oracle: equal optima when both prove one; otherwise each solver's solution
		# must not beat the other's bound (cbc's bound is printed to a tenth of a cent, so
		# it gets a cent of slack).
		w=$(cents "$weight") b=$(cents "$bound")
		co=$([ "$cobj" = - ] || cents "$cobj") cb=$(case $cbound in -|~*) ;; *) cents "$cbound" ;; esac)
		if [ "$proven" = yes ] && [ "$cproven" = yes ]; then
			if [ "$w" -eq "$co" ]; then
				agreed[$n]=$((agreed[$n] + 1))
			else
				echo "MISMATCH: $n participants, seed $seed: barter optimum $weight, cbc optimum $cobj" >&2
				failed=$((failed + 1))
			fi
		else
			bracketed[$n]=$((bracketed[$n] + 1))
			if [ -n "$cb" ] && [ "$w" -gt $((cb + 1)) ]; then
				echo "MISMATCH: $n participants, seed $seed: barter weight $weight exceeds cbc's bound $cbound" >&2
				failed=$((failed + 1))
			fi
			if [ -n "$co" ] && [ "$co" -gt "$b" ]; then
				echo "MISMATCH: $n participants, seed $seed: cbc objective $cobj exceeds barter's bound $bound" >&2
				failed=$((failed + 1))
			fi
		fi

		q=""
		if [ "$proven" = yes ] && [ "$cproven" = no ]; then q=">="; fi
		if [ "$proven" = no ] && [ "$cproven" = yes ]; then q="<="; fi
		if [ "$proven" = no ] && [ "$cproven" = no ]; then q="?"; fi
		[ -z "$q" ] || quals[$n]+=" $q"
		awk -v q="$q" -v c="$secs" -v o="$ours" 'BEGIN {
			printf "%-12s cbc seconds / barter seconds: %s%.1f", "", (q == "?" ? "" : q == "" ? "" : q " "), c / o
			if (q == ">=") printf " (cbc stopped on its time limit)"
			if (q == "<=") printf " (barter stopped on its time limit)"
			if (q == "?") printf " (both stopped on their time limits: no bound either way)"
			printf "\n" }'
		tot_ours[$n]=$(awk -v a="${tot_ours[$n]}" -v b="$ours" 'BEGIN {printf "%.3f", a + b}')
		tot_cbc[$n]=$(awk -v a="${tot_cbc[$n]}" -v b="$secs" 'BEGIN {printf "%.3f", a + b}')
	done
done

echo
nseeds=$(wc -w <<<"$SEEDS")
for n in "${sizes[@]}"; do
	# The size's ratio is a bound only when every stopped run bounds it the same way.
	q=""
	case "${quals[$n]}" in
	"") q="" ;;
	*"?"* | *">="*"<="* | *"<="*">="*) q="~" ;;
	*">="*) q=">=" ;;
	*"<="*) q="<=" ;;
	esac
	awk -v n="$n" -v k="$nseeds" -v q="$q" -v c="${tot_cbc[$n]}" -v o="${tot_ours[$n]}" \
		-v a="${agreed[$n]}" -v br="${bracketed[$n]}" 'BEGIN {
		printf "%s participants: cbc %.2f s, barter %.2f s over %d pools, cbc/barter %s%.1f", n, c, o, k, (q == "" ? "" : q " "), c / o
		if (q == "~") printf " (not a bound: some runs stopped on their time limits)"
		printf "; optima agree on %d of %d", a, k
		if (br > 0) printf ", %d only checked against bounds", br
		printf "\n" }'
done
if [ "$failed" -gt 0 ]; then
	echo "FAILED: $failed MISMATCH or unexpected cbc result(s); see above" >&2
	exit 1
fi
echo "no MISMATCH: every optimum both proved agreed, and no solution beat the other's bound"
