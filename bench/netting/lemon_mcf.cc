// lemon_mcf solves a DIMACS minimum-cost-flow problem read from standard input with
// LEMON's NetworkSimplex (default) or CostScaling ("cs") and prints the objective and
// the solve time, for comparison with barter's netting package on the same instance.
//
//   g++ -O2 -std=c++17 -o lemon_mcf lemon_mcf.cc && ./lemon_mcf cs < inst.min
#include <chrono>
#include <cstring>
#include <iostream>
#include <lemon/cost_scaling.h>
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

using namespace lemon;

int main(int argc, char** argv) {
  bool cs = argc > 1 && std::strcmp(argv[1], "cs") == 0;
  SmartDigraph g;
  SmartDigraph::ArcMap<long long> lo(g), cap(g), cost(g);
  SmartDigraph::NodeMap<long long> sup(g);
  readDimacsMin(std::cin, g, lo, cap, cost, sup);
  auto start = std::chrono::steady_clock::now();
  long long objective;
  int status;
  if (cs) {
    CostScaling<SmartDigraph, long long, long long> s(g);
    s.lowerMap(lo).upperMap(cap).costMap(cost).supplyMap(sup);
    status = s.run();
    objective = s.totalCost<long long>();
  } else {
    NetworkSimplex<SmartDigraph, long long, long long> s(g);
    s.lowerMap(lo).upperMap(cap).costMap(cost).supplyMap(sup);
    status = s.run();
    objective = s.totalCost<long long>();
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "status " << status << "\nobjective " << objective << "\nsolve_ms " << ms << "\n";
  return status == 1 ? 0 : 1;
}
