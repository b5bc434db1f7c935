#include "graph.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <typeinfo>

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

Shape shapeOption(const Config& c, const char* layer, const char* key) {
  Shape shape;
  for (double d : c.numbers(key)) {
    if (!(d >= 1 && d <= static_cast<double>(int64_t{1} << 31)) || static_cast<double>(static_cast<int64_t>(d)) != d)
      throw std::invalid_argument(std::string(layer) + ": " + key + " must hold positive integers");
    shape.push_back(static_cast<int64_t>(d));
  }
  if (shape.empty())
    throw std::invalid_argument(std::string(layer) + ": " + key + " is required (a non-empty array of positive integers)");
  return shape;
}

ScratchSizes::ScratchSizes(std::initializer_list<int64_t> sizes) {
  if (sizes.size() > static_cast<size_t>(kCapacity)) throw std::logic_error("a layer asked for more than 12 scratch buffers");
  for (int64_t n : sizes) sizes_[static_cast<size_t>(count_++)] = n;
}

ScratchSizes ScratchSizes::with(int64_t size) const {
  if (count_ >= kCapacity) throw std::logic_error("a layer asked for more than 12 scratch buffers");
  ScratchSizes out = *this;
  out.sizes_[static_cast<size_t>(out.count_++)] = size;
  return out;
}

GraphSpec chainGraph(std::vector<std::unique_ptr<Layer>> layers, Shape input) {
  GraphSpec g;
  g.inputs.push_back(std::move(input));
  for (size_t i = 0; i < layers.size(); ++i) g.nodes.push_back({std::move(layers[i]), {static_cast<int32_t>(i) - 1}});
  return g;
}

namespace {
std::string nodeName(int32_t i) { return "node " + std::to_string(i); }
std::string sourceName(int32_t src) { return src >= 0 ? nodeName(src) : "graph input " + std::to_string(-1 - src); }
std::string showShapes(const std::vector<Shape>& shapes) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? ", " : "") + showShape(shapes[i]);
  return out;
}
bool sameWeights(const WeightDecl& a, const WeightDecl& b) { return a.name == b.name && a.shape == b.shape && a.trainable == b.trainable; }
}  // namespace

Graph::Graph(GraphSpec spec) : inputs_(std::move(spec.inputs)), nodes_(std::move(spec.nodes)), outputs_(std::move(spec.outputs)) {
  const auto count = static_cast<int32_t>(nodes_.size());
  if (count == 0) throw std::invalid_argument("a model needs at least one layer");
  if (inputs_.empty()) throw std::invalid_argument("a model needs an input");
  for (size_t k = 0; k < inputs_.size(); ++k) {
    const Shape& s = inputs_[k];
    const std::string name = sourceName(-1 - static_cast<int32_t>(k));
    if (s.empty()) throw std::invalid_argument(name + " needs at least one dimension besides the batch");
    for (int64_t d : s)
      if (d <= 0 || d > (int64_t{1} << 31)) throw std::invalid_argument(name + ": input size must be positive, got " + showShape(s));
    if (elementsOf(s) > (int64_t{1} << 31)) throw std::invalid_argument(name + ": input size must be at most 2^31");
    rowSize_ += elementsOf(s);
  }
  if (rowSize_ > (int64_t{1} << 31)) throw std::invalid_argument("the inputs together must hold at most 2^31 values per sample");
  if (outputs_.empty()) outputs_.push_back(count - 1);
  if (outputs_.size() > kMaxOutputs) throw std::invalid_argument("a model has at most 64 outputs");
  outputIndex_.assign(count, -1);
  for (size_t k = 0; k < outputs_.size(); ++k) {
    const int32_t o = outputs_[k];
    if (o < 0 || o >= count)
      throw std::out_of_range("the output " + std::to_string(o) + " is not a node (there are " + std::to_string(count) + ")");
    if (outputIndex_[o] >= 0) throw std::invalid_argument(nodeName(o) + " is listed twice as an output");
    outputIndex_[o] = static_cast<int32_t>(k);
  }

  // References, then the topological order (Kahn).
  std::vector<int32_t> pending(count, 0);
  std::vector<std::vector<int32_t>> consumers(count);
  std::vector<bool> inputUsed(inputs_.size(), false);
  for (int32_t i = 0; i < count; ++i) {
    if (!nodes_[i].layer) throw std::invalid_argument(nodeName(i) + " has no layer");
    if (nodes_[i].inputs.empty()) throw std::invalid_argument(nodeName(i) + " has no input");
    for (int32_t src : nodes_[i].inputs) {
      if (src >= count || -1 - src >= static_cast<int32_t>(inputs_.size()))
        throw std::out_of_range(nodeName(i) + " reads " + sourceName(src) + ", which does not exist");
      if (src >= 0) {
        ++pending[i];
        consumers[src].push_back(i);
      } else {
        inputUsed[-1 - src] = true;
      }
    }
    const int32_t shared = nodes_[i].sharesWeightsWith;
    if (shared != -1 && (shared < 0 || shared >= count))
      throw std::out_of_range(nodeName(i) + " shares the weights of " + nodeName(shared) + ", which does not exist");
    if (shared == i) throw std::invalid_argument(nodeName(i) + " shares weights with itself");
  }
  for (size_t k = 0; k < inputs_.size(); ++k)
    if (!inputUsed[k]) throw std::invalid_argument(sourceName(-1 - static_cast<int32_t>(k)) + " feeds no node");
  for (int32_t i = 0; i < count; ++i)
    if (pending[i] == 0) order_.push_back(i);
  for (size_t k = 0; k < order_.size(); ++k)
    for (int32_t c : consumers[order_[k]])
      if (--pending[c] == 0) order_.push_back(c);
  checkStructure(consumers);

  // Shapes in topological order; then weights (for a chain: Keras's layer order).
  for (int32_t i : order_) {
    std::vector<Shape> in;
    for (int32_t src : nodes_[i].inputs) in.push_back(src >= 0 ? nodes_[src].layer->outputShape() : inputs_[-1 - src]);
    Shape out;
    try {
      out = nodes_[i].layer->computeOutputShape(in);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(nodeName(i) + ": " + e.what());
    }
    nodes_[i].layer->setShapes(std::move(in), out);
    widestOutput_ = std::max(widestOutput_, elementsOf(out));
  }
  for (int32_t o : outputs_) outputSize_ += elementsOf(nodes_[o].layer->outputShape());
  owner_.resize(count);
  for (int32_t i = 0; i < count; ++i) {
    owner_[i] = nodes_[i].sharesWeightsWith < 0 ? i : nodes_[i].sharesWeightsWith;
    if (owner_[i] != i) checkSharing(i);
  }
  layOutWeights();
  planBackward();
  planMasks();
  splitsByRows_ = state_.empty() && std::all_of(nodes_.begin(), nodes_.end(), [](const GraphNode& n) { return n.layer->splitsByRows(); });
}

namespace {
// Positions a mask covers: the per-sample dimensions but the last.
int64_t maskPositions(const Shape& s) { return s.size() < 2 ? 1 : elementsOf(s) / s.back(); }
}  // namespace

// Masks along edges (Keras's propagation): each node's output mask is none,
// input 0's (shared, no copy), or a buffer of its own the layer writes.
void Graph::planMasks() {
  maskOwner_.assign(nodes_.size(), -1);
  for (int32_t i : order_) {
    const GraphNode& n = nodes_[i];
    std::vector<bool> masked;
    for (int32_t src : n.inputs) masked.push_back(src >= 0 && maskOwner_[src] >= 0);
    const Layer& l = *n.layer;
    switch (l.outputMask(masked)) {
      case MaskFlow::None: break;
      case MaskFlow::Own: maskOwner_[i] = i; break;
      case MaskFlow::Pass:
        if (!masked[0]) break;
        // (By induction, a node's mask covers its layer's outputMaskPositions().)
        if (nodes_[n.inputs[0]].layer->outputMaskPositions() != l.outputMaskPositions())
          throw std::logic_error(nodeName(i) + " passes its input's mask on, but its output " + showShape(l.outputShape()) +
                                 " has other positions than its input " + showShape(l.inputShapes()[0]));
        maskOwner_[i] = maskOwner_[n.inputs[0]];
        break;
    }
  }
}

void Graph::checkStructure(const std::vector<std::vector<int32_t>>& consumers) {
  const auto count = static_cast<int32_t>(nodes_.size());
  if (static_cast<int32_t>(order_.size()) != count) {
    // Name a node on the cycle: from any node left over, follow inputs that
    // are left over too until one repeats.
    std::vector<bool> placed(count, false), seen(count, false);
    for (int32_t i : order_) placed[i] = true;
    int32_t at = 0;
    while (placed[at]) ++at;
    while (!seen[at]) {
      seen[at] = true;
      for (int32_t src : nodes_[at].inputs)
        if (src >= 0 && !placed[src]) {
          at = src;
          break;
        }
    }
    throw std::invalid_argument("the graph has a cycle through " + nodeName(at));
  }
  for (int32_t i = 0; i < count; ++i)
    if (outputIndex_[i] < 0 && consumers[i].empty())
      throw std::invalid_argument(nodeName(i) + " does not feed " + (outputs_.size() == 1 ? "the output (" + nodeName(outputs_[0]) + ")" : "any output"));
  for (int32_t o : outputs_) outputIsFinal_.push_back(consumers[o].empty() ? 1 : 0);
}

// A shared layer: the same kind of layer, with weights of the same names and
// shapes for its own input shapes, over its owner's slots.
void Graph::checkSharing(int32_t i) const {
  const int32_t j = owner_[i];
  const std::string what = nodeName(i) + " shares the weights of " + nodeName(j);
  if (nodes_[j].sharesWeightsWith >= 0)
    throw std::invalid_argument(what + ", which shares those of " + nodeName(nodes_[j].sharesWeightsWith) + ": name that node instead");
  const Layer& mine = *nodes_[i].layer;
  const Layer& theirs = *nodes_[j].layer;
  if (typeid(mine) != typeid(theirs)) throw std::invalid_argument(what + ", a different kind of layer");
  const std::vector<WeightDecl> a = mine.weights(), b = theirs.weights();
  for (size_t k = 0; k < std::max(a.size(), b.size()); ++k) {
    if (k < a.size() && k < b.size() && sameWeights(a[k], b[k])) continue;
    const std::string need = k < a.size() ? a[k].name + " " + showShape(a[k].shape) : "no " + b[k].name;
    const std::string have = k < b.size() ? b[k].name + " " + showShape(b[k].shape) : "no " + a[k].name;
    throw std::invalid_argument(what + ", but its inputs " + showShapes(mine.inputShapes()) + " need " + need + " where " +
                                nodeName(j) + " (inputs " + showShapes(theirs.inputShapes()) + ") has " + have);
  }
}

void Graph::layOutWeights() {
  const auto count = static_cast<int32_t>(nodes_.size());
  constexpr int64_t kMaxParams = int64_t{1} << 31;
  int64_t pOff = 0, sOff = 0;
  std::vector<float> fills;
  firstSlot_.assign(count, 0);
  gradRange_.assign(count, {0, 0});
  for (int32_t i = 0; i < count; ++i) {
    if (owner_[i] != i) continue;
    firstSlot_[i] = static_cast<int32_t>(slots_.size());
    gradRange_[i].first = pOff;
    for (WeightDecl& d : nodes_[i].layer->weights()) {
      int64_t& off = d.trainable ? pOff : sOff;
      slots_.push_back({i, d.name, d.trainable, off, d.shape});
      fills.push_back(d.fill);
      off += elementsOf(d.shape);
      if (off > kMaxParams) throw std::invalid_argument("model has more than 2^31 parameters");
    }
    gradRange_[i].second = pOff - gradRange_[i].first;
  }
  for (int32_t i = 0; i < count; ++i) {
    firstSlot_[i] = firstSlot_[owner_[i]];
    gradRange_[i] = gradRange_[owner_[i]];
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
}

// Walking the reverse order, a producer's gradient buffer is taken by its
// first consumer (which overwrites it) and given back once the producer's
// own backward has run; for a chain that is two buffers, used in turn. Of a
// shared layer's applications, the first to run backward overwrites the
// weight gradients and each later one adds its own through ws.weightGrads.
void Graph::planBackward() {
  const auto count = static_cast<int32_t>(nodes_.size());
  gradBuffer_.assign(count, -1);
  edgePlan_.resize(count);
  addsWeightGrads_.assign(count, 0);
  std::vector<bool> ownerSeen(count, false);
  std::vector<int32_t> freeList;
  auto take = [&] {
    if (freeList.empty()) return gradBufferCount_++;
    const int32_t b = freeList.back();
    freeList.pop_back();
    return b;
  };
  wantsGrad_.assign(count, 0);
  for (int32_t i : order_) {
    bool wants = gradRange_[i].second > 0;
    for (int32_t src : nodes_[i].inputs) wants = wants || (src >= 0 && wantsGrad_[src]);
    wantsGrad_[i] = wants ? 1 : 0;
  }
  for (int32_t o : outputs_) gradBuffer_[o] = take();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const int32_t i = *it;
    if (!wantsGrad_[i]) {  // no weights up to here: backward has nothing to compute
      edgePlan_[i].assign(nodes_[i].inputs.size(), -2);
      if (gradBuffer_[i] >= 0) freeList.push_back(gradBuffer_[i]);
      continue;
    }
    for (size_t k = 0; k < nodes_[i].inputs.size(); ++k) {
      const int32_t src = nodes_[i].inputs[k];
      int32_t plan = -1;
      if (src < 0 || !wantsGrad_[src]) plan = -2;
      else if (gradBuffer_[src] < 0) gradBuffer_[src] = take();
      else plan = static_cast<int32_t>(k);
      if (plan >= 0) sumCount_ = std::max(sumCount_, plan + 1);
      edgePlan_[i].push_back(plan);
    }
    freeList.push_back(gradBuffer_[i]);
    if (ownerSeen[owner_[i]] && gradRange_[i].second > 0) {
      addsWeightGrads_[i] = 1;
      weightGradFloats_ = std::max(weightGradFloats_, gradRange_[i].second);
    }
    ownerSeen[owner_[i]] = true;
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
    b.inMask.assign(nodes_[i].inputs.size(), nullptr);
    if (maskOwner_[i] == static_cast<int32_t>(i)) b.mask.resize(static_cast<size_t>(ws.batch * maskPositions(l.outputShape())));
  }
  ws.grads.assign(static_cast<size_t>(gradBufferCount_), std::vector<float>(static_cast<size_t>(ws.batch * widestOutput_)));
  ws.sums.assign(static_cast<size_t>(sumCount_), std::vector<float>(static_cast<size_t>(ws.batch * widestOutput_)));
  ws.weightGrads.assign(static_cast<size_t>(weightGradFloats_), 0.f);
  ws.inputRows.clear();
  if (inputs_.size() > 1)
    for (const Shape& s : inputs_) ws.inputRows.emplace_back(static_cast<size_t>(ws.batch * elementsOf(s)));
  ws.inputPtr.assign(inputs_.size(), nullptr);
  ws.outputRows.clear();
  if (outputs_.size() > 1) ws.outputRows.resize(static_cast<size_t>(ws.batch * outputSize_));
}

const float* const* Graph::splitInputs(const float* rows, int64_t batch, Workspace& ws) const {
  if (ws.inputPtr.size() != inputs_.size() || ws.batch < batch) prepare(ws, batch);
  if (inputs_.size() == 1) {
    ws.inputPtr[0] = rows;
    return ws.inputPtr.data();
  }
  int64_t offset = 0;
  for (size_t k = 0; k < inputs_.size(); ++k) {
    const int64_t width = elementsOf(inputs_[k]);
    float* dst = ws.inputRows[k].data();
    for (int64_t r = 0; r < batch; ++r) std::memcpy(dst + r * width, rows + r * rowSize_ + offset, sizeof(float) * width);
    ws.inputPtr[k] = dst;
    offset += width;
  }
  return ws.inputPtr.data();
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
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (maskOwner_[i] == static_cast<int32_t>(i))
      floats += static_cast<double>(rows) * static_cast<double>(maskPositions(nodes_[i].layer->outputShape())) / sizeof(float);
  floats += static_cast<double>(gradBufferCount_ + sumCount_) * static_cast<double>(rows) * static_cast<double>(widestOutput_);
  floats += static_cast<double>(weightGradFloats_);
  double inputs = 0;
  for (const Shape& s : inputs_) inputs += static_cast<double>(elementsOf(s));
  // One batch of rows and targets; with several inputs, the rows split per
  // input too; with several outputs, the outputs packed per sample too.
  floats += static_cast<double>(rows) * (inputs * (inputs_.size() > 1 ? 2 : 1) + static_cast<double>(outputSize_) * (outputs_.size() > 1 ? 2 : 1) + 2);
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

MaskByte* Graph::ownMask(int32_t node, Workspace& ws) const {
  return maskOwner_[node] == node ? ws.nodes[node].mask.data() : nullptr;
}

NodeWeights Graph::weights(int32_t node) const {
  NodeWeights w;
  w.slots = slots_.data() + firstSlot_[node];
  w.params = params_.data();
  w.state = state_.data();
  return w;
}

NodeWeights Graph::trainingWeights(int32_t node, float* gradArena) {
  NodeWeights w = weights(node);
  w.grads = gradArena ? gradArena : grads_.data();
  w.mutableState = state_.data();
  return w;
}

void Graph::bindInputs(const float* const* x, Workspace& ws) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (size_t k = 0; k < nodes_[i].inputs.size(); ++k) {
      const int32_t src = nodes_[i].inputs[k];
      ws.nodes[i].in[k] = src >= 0 ? ws.nodes[src].out.data() : x[-1 - src];
      ws.nodes[i].inMask[k] = src >= 0 ? outputMask(ws, src) : nullptr;
    }
}

const float* Graph::infer(const float* const* x, int64_t batch, LogitOutputs logits, Workspace& ws) const {
  prepare(ws, batch);
  bindInputs(x, ws);
  for (int32_t i : order_) {
    NodeBuffers& b = ws.nodes[i];
    nodes_[i].layer->forward({batch, b.in.data(), b.out.data(), b.scratchPtr.data(), defers(i, logits), b.inMask.data(), ownMask(i, ws)},
                             weights(i));
  }
  if (outputs_.size() == 1) return ws.nodes[outputs_[0]].out.data();
  int64_t offset = 0;
  for (int32_t o : outputs_) {
    const int64_t width = elementsOf(nodes_[o].layer->outputShape());
    const float* src = ws.nodes[o].out.data();
    for (int64_t r = 0; r < batch; ++r)
      std::memcpy(ws.outputRows.data() + r * outputSize_ + offset, src + r * width, sizeof(float) * width);
    offset += width;
  }
  return ws.outputRows.data();
}

const float* Graph::forwardTraining(const float* const* x, int64_t batch, LogitOutputs logits, Workspace& ws, Rng* rng) {
  prepare(ws, batch);
  bindInputs(x, ws);
  for (int32_t i : order_) {
    NodeBuffers& b = ws.nodes[i];
    nodes_[i].layer->forwardTraining(
        {batch, b.in.data(), b.out.data(), b.scratchPtr.data(), defers(i, logits), b.inMask.data(), ownMask(i, ws)},
        trainingWeights(i), rng);
  }
  return ws.nodes[outputs_[0]].out.data();
}

void Graph::backward(int64_t batch, LogitOutputs logits, Workspace& ws, float* gradArena) {
  float* arena = gradArena ? gradArena : grads_.data();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const int32_t i = *it;
    if (!wantsGrad_[i]) continue;
    NodeBuffers& b = ws.nodes[i];
    const std::vector<int32_t>& plan = edgePlan_[i];
    for (size_t k = 0; k < plan.size(); ++k) {
      const int32_t src = nodes_[i].inputs[k];
      b.dIn[k] = plan[k] == -2 ? nullptr : plan[k] == -1 ? ws.grads[gradBuffer_[src]].data() : ws.sums[plan[k]].data();
    }
    NodeWeights w = trainingWeights(i, arena);
    if (addsWeightGrads_[i]) {
      w.grads = ws.weightGrads.data();
      w.gradOrigin = gradRange_[i].first;
    }
    nodes_[i].layer->backward({batch, b.in.data(), b.out.data(), ws.grads[gradBuffer_[i]].data(), b.dIn.data(),
                               b.scratchPtr.data(), defers(i, logits), b.inMask.data()},
                              w);
    if (addsWeightGrads_[i]) {
      // A shared layer applied again: its gradient adds to the other applications'.
      float* dst = arena + gradRange_[i].first;
      const float* add = ws.weightGrads.data();
      for (int64_t e = 0, n = gradRange_[i].second; e < n; ++e) dst[e] += add[e];
    }
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

// Once per set of weights: a shared layer's owner counts for all its applications.
double Graph::regularizationPenalty() const {
  double penalty = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(nodes_.size()); ++i)
    if (owner_[i] == i) penalty += nodes_[i].layer->regularization(weights(i), false);
  return penalty;
}

double Graph::addRegularizationGradients() {
  double penalty = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(nodes_.size()); ++i)
    if (owner_[i] == i) penalty += nodes_[i].layer->regularization(trainingWeights(i), true);
  return penalty;
}

}  // namespace tf
