#include "graph.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "memory_limit.h"

namespace tf {

int64_t elementsOf(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string showShape(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

GraphSpec chainGraph(std::vector<std::unique_ptr<Layer>> layers, Shape input) {
  GraphSpec g;
  g.inputs.push_back(std::move(input));
  for (size_t i = 0; i < layers.size(); ++i) g.nodes.push_back({std::move(layers[i]), {static_cast<int32_t>(i) - 1}});
  return g;
}

Graph::Graph(GraphSpec spec) : inputs_(std::move(spec.inputs)), nodes_(std::move(spec.nodes)), output_(spec.output) {
  const auto count = static_cast<int32_t>(nodes_.size());
  if (count == 0) throw std::invalid_argument("a model needs at least one layer");
  if (inputs_.empty()) throw std::invalid_argument("a model needs an input");
  for (const Shape& s : inputs_) {
    if (s.empty()) throw std::invalid_argument("an input needs at least one dimension besides the batch");
    for (int64_t d : s)
      if (d <= 0 || d > (int64_t{1} << 31)) throw std::invalid_argument("input size must be positive");
    if (elementsOf(s) > (int64_t{1} << 31)) throw std::invalid_argument("input size must be at most 2^31");
  }
  if (output_ < 0) output_ = count - 1;
  if (output_ >= count) throw std::invalid_argument("the output is not a node");

  // Topological order (Kahn), refusing dangling references and cycles.
  std::vector<int32_t> pending(count, 0);
  std::vector<std::vector<int32_t>> consumers(count);
  for (int32_t i = 0; i < count; ++i) {
    if (!nodes_[i].layer) throw std::invalid_argument("node " + std::to_string(i) + " has no layer");
    if (nodes_[i].inputs.empty()) throw std::invalid_argument("node " + std::to_string(i) + " has no input");
    for (int32_t src : nodes_[i].inputs) {
      if (src >= count || -1 - src >= static_cast<int32_t>(inputs_.size()))
        throw std::invalid_argument("node " + std::to_string(i) + " reads an input that does not exist");
      if (src >= 0) {
        ++pending[i];
        consumers[src].push_back(i);
      }
    }
  }
  for (int32_t i = 0; i < count; ++i)
    if (pending[i] == 0) order_.push_back(i);
  for (size_t k = 0; k < order_.size(); ++k)
    for (int32_t c : consumers[order_[k]])
      if (--pending[c] == 0) order_.push_back(c);
  if (static_cast<int32_t>(order_.size()) != count) throw std::invalid_argument("the graph has a cycle");
  for (int32_t i = 0; i < count; ++i)
    if (i != output_ && consumers[i].empty())
      throw std::invalid_argument("node " + std::to_string(i) + " does not feed the output");

  // Shapes, then weights in node order (for a chain: Keras's layer order).
  for (int32_t i : order_) {
    std::vector<Shape> in;
    for (int32_t src : nodes_[i].inputs) in.push_back(src >= 0 ? nodes_[src].layer->outputShape() : inputs_[-1 - src]);
    Shape out = nodes_[i].layer->computeOutputShape(in);
    nodes_[i].layer->setShapes(std::move(in), out);
    widestOutput_ = std::max(widestOutput_, elementsOf(out));
  }
  constexpr int64_t kMaxParams = int64_t{1} << 31;
  int64_t pOff = 0, sOff = 0;
  std::vector<float> fills;
  for (int32_t i = 0; i < count; ++i) {
    firstSlot_.push_back(static_cast<int32_t>(slots_.size()));
    for (WeightDecl& d : nodes_[i].layer->weights()) {
      int64_t& off = d.trainable ? pOff : sOff;
      slots_.push_back({i, d.name, d.trainable, off, d.shape});
      fills.push_back(d.fill);
      off += elementsOf(d.shape);
      if (off > kMaxParams) throw std::invalid_argument("model has more than 2^31 parameters");
    }
  }
  if (!fitsMemoryLimit(arenaBytes(pOff, sOff)))
    throw std::length_error("the model's weights, gradients and optimizer slots need " + std::to_string(arenaBytes(pOff, sOff)) +
                            " bytes, more than the memory limit (" + std::to_string(memoryLimit()) + " bytes)");
  params_.assign(static_cast<size_t>(pOff), 0.f);
  grads_.assign(static_cast<size_t>(pOff), 0.f);
  state_.assign(static_cast<size_t>(sOff), 0.f);
  for (size_t k = 0; k < slots_.size(); ++k) {
    std::vector<float>& arena = slots_[k].trainable ? params_ : state_;
    std::fill_n(arena.begin() + slots_[k].offset, slots_[k].size(), fills[k]);
  }

  // Backward plan: walking the reverse order, a producer's gradient buffer
  // is taken by its first consumer (which overwrites it) and given back once
  // the producer's own backward has run; for a chain that is two buffers,
  // used in turn.
  gradBuffer_.assign(count, -1);
  edgePlan_.resize(count);
  std::vector<int32_t> freeList;
  auto take = [&] {
    if (freeList.empty()) return gradBufferCount_++;
    const int32_t b = freeList.back();
    freeList.pop_back();
    return b;
  };
  gradBuffer_[output_] = take();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const int32_t i = *it;
    for (size_t k = 0; k < nodes_[i].inputs.size(); ++k) {
      const int32_t src = nodes_[i].inputs[k];
      int32_t plan = -1;
      if (src < 0) plan = -2;
      else if (gradBuffer_[src] < 0) gradBuffer_[src] = take();
      else plan = static_cast<int32_t>(k);
      if (plan >= 0) sumCount_ = std::max(sumCount_, plan + 1);
      edgePlan_[i].push_back(plan);
    }
    freeList.push_back(gradBuffer_[i]);
  }
}

std::vector<std::pair<int64_t, int64_t>> Graph::trainableSegments() const {
  std::vector<std::pair<int64_t, int64_t>> segs;
  for (const WeightSlot& w : slots_)
    if (w.trainable) segs.emplace_back(w.offset, w.size());
  return segs;
}

void Graph::prepare(Workspace& ws, int64_t batch) const {
  if (ws.batch >= batch && ws.nodes.size() == nodes_.size()) return;
  ws.batch = std::max<int64_t>(batch, 1);
  ws.nodes.assign(nodes_.size(), NodeBuffers{});
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Layer& l = *nodes_[i].layer;
    NodeBuffers& b = ws.nodes[i];
    b.out.resize(static_cast<size_t>(ws.batch * elementsOf(l.outputShape())));
    for (int64_t n : l.scratchSizes(ws.batch)) b.scratch.emplace_back(static_cast<size_t>(n));
    for (auto& s : b.scratch) b.scratchPtr.push_back(s.data());
    b.in.resize(nodes_[i].inputs.size());
    b.dIn.resize(nodes_[i].inputs.size());
  }
  ws.grads.assign(static_cast<size_t>(gradBufferCount_), std::vector<float>(static_cast<size_t>(ws.batch * widestOutput_)));
  ws.sums.assign(static_cast<size_t>(sumCount_), std::vector<float>(static_cast<size_t>(ws.batch * widestOutput_)));
}

int64_t Graph::workspaceBytes(int64_t batch) const {
  // Sizes are at most 2^31 rows x 2^31 features, so the double sums below
  // cannot lose a refusal before the final check.
  const int64_t rows = std::max<int64_t>(batch, 1);
  double floats = 0;
  for (const GraphNode& n : nodes_) {
    floats += static_cast<double>(rows) * static_cast<double>(elementsOf(n.layer->outputShape()));
    for (int64_t s : n.layer->scratchSizes(rows)) floats += static_cast<double>(s);
  }
  floats += static_cast<double>(gradBufferCount_ + sumCount_) * static_cast<double>(rows) * static_cast<double>(widestOutput_);
  double inputs = 0;
  for (const Shape& s : inputs_) inputs += static_cast<double>(elementsOf(s));
  floats += static_cast<double>(rows) * (inputs + static_cast<double>(outputSize()) + 2);
  const double bytes = floats * sizeof(float);
  return bytes >= 9.0e18 ? -1 : static_cast<int64_t>(bytes);
}

int64_t Graph::arenaBytes(int64_t trainable, int64_t state) {
  const double bytes = (5.0 * static_cast<double>(trainable) + static_cast<double>(state)) * sizeof(float);
  return bytes >= 9.0e18 ? -1 : static_cast<int64_t>(bytes);
}

int Graph::usefulThreads(int64_t batch) const {
  int t = 1;
  for (const GraphNode& n : nodes_) t = std::max(t, n.layer->usefulThreads(batch));
  return t;
}

NodeWeights Graph::weights(int32_t node) const {
  NodeWeights w;
  w.slots = slots_.data() + firstSlot_[node];
  w.params = params_.data();
  w.state = state_.data();
  return w;
}

NodeWeights Graph::trainingWeights(int32_t node) {
  NodeWeights w = weights(node);
  w.grads = grads_.data();
  w.mutableState = state_.data();
  return w;
}

void Graph::bindInputs(const float* const* x, Workspace& ws) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (size_t k = 0; k < nodes_[i].inputs.size(); ++k) {
      const int32_t src = nodes_[i].inputs[k];
      ws.nodes[i].in[k] = src >= 0 ? ws.nodes[src].out.data() : x[-1 - src];
    }
}

const float* Graph::infer(const float* const* x, int64_t batch, bool logits, Workspace& ws) const {
  prepare(ws, batch);
  bindInputs(x, ws);
  for (int32_t i : order_) {
    NodeBuffers& b = ws.nodes[i];
    nodes_[i].layer->forward({batch, b.in.data(), b.out.data(), b.scratchPtr.data(), logits && i == output_}, weights(i));
  }
  return ws.nodes[output_].out.data();
}

const float* Graph::forwardTraining(const float* const* x, int64_t batch, bool logits, Workspace& ws, Rng* rng) {
  prepare(ws, batch);
  bindInputs(x, ws);
  for (int32_t i : order_) {
    NodeBuffers& b = ws.nodes[i];
    nodes_[i].layer->forwardTraining({batch, b.in.data(), b.out.data(), b.scratchPtr.data(), logits && i == output_},
                                     trainingWeights(i), rng);
  }
  return ws.nodes[output_].out.data();
}

void Graph::backward(int64_t batch, bool logits, Workspace& ws) {
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const int32_t i = *it;
    NodeBuffers& b = ws.nodes[i];
    const std::vector<int32_t>& plan = edgePlan_[i];
    for (size_t k = 0; k < plan.size(); ++k) {
      const int32_t src = nodes_[i].inputs[k];
      b.dIn[k] = plan[k] == -2 ? nullptr : plan[k] == -1 ? ws.grads[gradBuffer_[src]].data() : ws.sums[plan[k]].data();
    }
    nodes_[i].layer->backward({batch, b.in.data(), b.out.data(), ws.grads[gradBuffer_[i]].data(), b.dIn.data(),
                               b.scratchPtr.data(), logits && i == output_},
                              trainingWeights(i));
    // A producer that fans out: add this consumer's share to the gradient its other consumers wrote.
    for (size_t k = 0; k < plan.size(); ++k) {
      if (plan[k] < 0) continue;
      const int32_t src = nodes_[i].inputs[k];
      float* dst = ws.grads[gradBuffer_[src]].data();
      const float* add = ws.sums[plan[k]].data();
      for (int64_t e = 0, n = batch * elementsOf(nodes_[src].layer->outputShape()); e < n; ++e) dst[e] += add[e];
    }
  }
}

double Graph::regularizationPenalty() const {
  double penalty = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(nodes_.size()); ++i) penalty += nodes_[i].layer->regularization(weights(i), false);
  return penalty;
}

double Graph::addRegularizationGradients() {
  double penalty = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(nodes_.size()); ++i) penalty += nodes_[i].layer->regularization(trainingWeights(i), true);
  return penalty;
}

}  // namespace tf
