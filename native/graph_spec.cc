#include "graph_spec.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "layers/registry.h"

namespace tf {

namespace {
// More nodes or inputs than any model has; keeps every index in int32_t.
constexpr int64_t kMaxNodes = int64_t{1} << 24;

std::string showNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string s = std::to_string(d);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

// d as an integer in [lo, hi]; `what` names it.
int64_t integerIn(double d, int64_t lo, int64_t hi, const std::string& what, const char* means = "") {
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d)
    throw std::out_of_range(what + " = " + showNumber(d) + " is not an integer in [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "]" + means);
  return static_cast<int64_t>(d);
}

GraphNode nodeFrom(const Config& c, int64_t nodes, int64_t inputs) {
  refuseUnknownKeys(c, {"layer", "inputs", "shareWeightsWith"}, "");
  GraphNode n;
  n.layer = makeLayer(c.object("layer"));
  const std::vector<double> refs = c.numbers("inputs");
  if (refs.empty()) throw std::invalid_argument("inputs must be a non-empty array of node indices or graph inputs (-1 - k)");
  for (size_t k = 0; k < refs.size(); ++k)
    n.inputs.push_back(static_cast<int32_t>(integerIn(refs[k], -inputs, nodes - 1, "inputs[" + std::to_string(k) + "]",
                                                      " (a node index, or -1 - k for graph input k)")));
  if (c.has("shareWeightsWith"))
    n.sharesWeightsWith = static_cast<int32_t>(integerIn(c.number("shareWeightsWith", -1), 0, nodes - 1, "shareWeightsWith"));
  return n;
}
}  // namespace

GraphSpec graphSpecFrom(const Config& graph) {
  refuseUnknownKeys(graph, {"inputs", "nodes", "output", "outputs"}, " in the graph");
  GraphSpec spec;
  const std::vector<std::vector<double>>& inputs = graph.numberLists("inputs");
  const std::vector<Config>& nodes = graph.objects("nodes");
  if (static_cast<int64_t>(inputs.size()) > kMaxNodes || static_cast<int64_t>(nodes.size()) > kMaxNodes)
    throw std::out_of_range("a graph has at most 2^24 inputs and 2^24 nodes");
  if (inputs.empty()) throw std::invalid_argument("a graph needs at least one input");
  if (nodes.empty()) throw std::invalid_argument("a graph needs at least one node");
  for (size_t k = 0; k < inputs.size(); ++k) {
    Shape s;
    for (double d : inputs[k])
      s.push_back(integerIn(d, 1, int64_t{1} << 31, "graph input " + std::to_string(k) + ": a dimension"));
    spec.inputs.push_back(std::move(s));
  }
  const auto count = static_cast<int64_t>(nodes.size()), inputCount = static_cast<int64_t>(inputs.size());
  for (int64_t i = 0; i < count; ++i) {
    const std::string name = "node " + std::to_string(i) + ": ";
    try {
      spec.nodes.push_back(nodeFrom(nodes[static_cast<size_t>(i)], count, inputCount));
    } catch (const std::out_of_range& e) {
      throw std::out_of_range(name + e.what());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(name + e.what());
    }
  }
  if (graph.has("output") && graph.has("outputs")) throw std::invalid_argument("a graph takes output or outputs, not both");
  if (graph.has("output")) spec.outputs.push_back(static_cast<int32_t>(integerIn(graph.number("output", 0), 0, count - 1, "output")));
  if (graph.has("outputs")) {
    const std::vector<double> outs = graph.numbers("outputs");
    if (outs.empty()) throw std::invalid_argument("outputs must be a non-empty array of node indices");
    for (size_t k = 0; k < outs.size(); ++k)
      spec.outputs.push_back(static_cast<int32_t>(integerIn(outs[k], 0, count - 1, "outputs[" + std::to_string(k) + "]")));
  }
  return spec;
}

}  // namespace tf
