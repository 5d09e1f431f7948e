#!/usr/bin/env bash
#
# Compares barter's multilateral set-off (`barter net`) with LEMON's CostScaling and
# NetworkSimplex and with COIN-OR CLP on the same generated instances, checks that all
# reach the same objective, and prints times, memory and ratios, plus a scaling table.
#
#     bench/netting/compare.sh              # 10k, 100k, 1M obligations; CLP at 200k
#     SIZES="10000 100000" CLP_SIZE=20000 bench/netting/compare.sh
#
# Needs g++ and Debian's liblemon-dev and coinor-clp (it installs them with apt-get when
# run as root). CLP takes minutes at 200,000 obligations; set CLP_SIZE=0 to skip it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SIZES=${SIZES:-"10000 100000 1000000"}
CLP_SIZE=${CLP_SIZE:-200000}
work=$(mktemp -d -t barter-net-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || [ -f "$2" ]; }
if ! need clp /usr/include/lemon/cost_scaling.h || [ ! -f /usr/include/lemon/cost_scaling.h ] || ! command -v clp >/dev/null; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "installing liblemon-dev and coinor-clp" >&2
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblemon-dev coinor-clp g++ >/dev/null
	else
		echo "needs liblemon-dev, coinor-clp and g++" >&2
		exit 1
	fi
fi

go build -o "$work/barter" ./cmd/barter
go build -o "$work/barter-bench" ./cmd/barter-bench
g++ -O2 -std=c++17 -o "$work/lemon_mcf" bench/netting/lemon_mcf.cc

# timed CMD...: runs CMD, leaving wall seconds in $secs and peak MiB in $mib.
timed() {
	/usr/bin/time -f "%e %M" -o "$work/time" "$@"
	read -r secs kib <"$work/time"
	mib=$((kib / 1024))
}

printf '%-12s %-28s %10s %10s %22s\n' obligations solver seconds "peak MiB" "residual (minor units)"
declare -A best
for n in $SIZES; do
	p=$((n / 10))
	"$work/barter-bench" netgen -parties "$p" -obligations "$n" -csv "$work/in.csv" -dimacs "$work/in.min"
	timed "$work/barter" net --in "$work/in.csv" --out "$work/out.csv" >"$work/net.json"
	ours=$secs
	solve=$(grep -o '"solve_seconds": [0-9.e-]*' "$work/net.json" | awk '{print $2}')
	residual=$(grep -m1 -o '"residual": "[0-9.]*"' "$work/net.json" | tr -dc '0-9')
	residual=$((10#$residual))
	printf '%-12s %-28s %10s %10s %22s\n' "$n" "barter net (process)" "$ours" "$mib" "$residual"
	printf '%-12s %-28s %10.3f %10s %22s\n' "$n" "  of which solving" "$solve" "" ""
	fastest=""
	for algo in cs ns; do
		name=$([ $algo = cs ] && echo "LEMON CostScaling" || echo "LEMON NetworkSimplex")
		timed "$work/lemon_mcf" $algo <"$work/in.min" >"$work/lemon.txt"
		obj=$(awk '/^objective/ {print $2}' "$work/lemon.txt")
		ms=$(awk '/^solve_ms/ {print $2}' "$work/lemon.txt")
		s=$(awk -v ms="$ms" 'BEGIN {printf "%.3f", ms/1000}')
		printf '%-12s %-28s %10s %10s %22s\n' "$n" "$name (solve)" "$s" "$mib" "$obj"
		if [ "$obj" != "$residual" ]; then echo "MISMATCH: $name residual $obj, barter $residual" >&2; exit 1; fi
		if [ -z "$fastest" ] || awk -v a="$s" -v b="$fastest" 'BEGIN {exit !(a < b)}'; then fastest=$s; fi
	done
	best[$n]="$ours $solve $fastest"
done

if [ "$CLP_SIZE" -gt 0 ]; then
	n=$CLP_SIZE
	"$work/barter-bench" netgen -parties $((n / 10)) -obligations "$n" -csv "$work/in.csv" -lp "$work/in.lp"
	timed "$work/barter" net --in "$work/in.csv" --out "$work/out.csv" >"$work/net.json"
	ours=$secs
	cleared=$(grep -m1 -o '"cleared": "[0-9.]*"' "$work/net.json" | tr -dc '0-9')
	timed clp "$work/in.lp" -dualsimplex -solution "$work/clp.sol" >"$work/clp.txt"
	clpobj=$(awk '/Optimal objective/ {print $3}' "$work/clp.txt" | head -1)
	printf '%-12s %-28s %10s %10s %22s\n' "$n" "barter net (process)" "$ours" "" "cleared $((10#$cleared))"
	printf '%-12s %-28s %10s %10s %22s\n' "$n" "clp -dualsimplex" "$secs" "$mib" "cleared $clpobj"
	if ! awk -v a="$clpobj" -v b="$((10#$cleared))" 'BEGIN {exit !((a - b) < 0.5 && (b - a) < 0.5)}'; then
		echo "MISMATCH: CLP cleared $clpobj, barter $((10#$cleared))" >&2
		exit 1
	fi
	echo
	awk -v c="$secs" -v o="$ours" 'BEGIN {printf "at %s obligations barter net (whole process) is %.0f times faster than CLP\n", "'"$n"'", c/o}'
fi
echo
for n in $SIZES; do
	read -r ours solve fastest <<<"${best[$n]}"
	awk -v n="$n" -v o="$ours" -v s="$solve" -v f="$fastest" 'BEGIN {
		printf "%s obligations: faster LEMON solve %.3f s; barter solve %.3f s (%.2fx LEMON), whole barter net process %.2f s (%.2fx LEMON)\n", n, f, s, (f > 0 ? s/f : 0), o, (f > 0 ? o/f : 0) }'
done
