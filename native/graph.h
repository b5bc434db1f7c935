// The graph executor: runs a DAG of layer nodes (layer.h) over N-D tensors,
// batch first. A Sequential model is a one-chain graph (chainGraph). The
// executor owns the topological order, the per-node buffers (sized once per
// batch size, in a Workspace), the summing of gradients where an output fans
// out, and the flat arenas: all trainable parameters in one buffer with the
// gradients in a parallel one (so an optimizer step is one pass), and the
// non-trainable state (moving statistics) in a third. A layer applied twice
// is two nodes over one set of weights, whose gradients add up. See
// docs/architecture.md for the hooks later work plugs in here.
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "layer.h"
#include "random.h"

namespace tf {

struct GraphNode {
  std::unique_ptr<Layer> layer;
  // What feeds each input: a node index >= 0, or graph input k as -1 - k.
  std::vector<int32_t> inputs;
  // Another node whose weights this one uses (a shared layer, Keras's layer
  // applied twice): same kind of layer, same weight shapes; -1: its own.
  int32_t sharesWeightsWith = -1;
};

struct GraphSpec {
  std::vector<Shape> inputs;  // per-sample shapes of the graph inputs
  std::vector<GraphNode> nodes;
  // The nodes whose outputs the model returns, in order (Keras's outputs);
  // empty: the last node.
  std::vector<int32_t> outputs;
};

// Which of a graph's outputs leave out their softmax / sigmoid (bit k: output
// k) because a fused loss reads their logits. A single-output graph passes
// true or false.
using LogitOutputs = uint64_t;

// layers[0] <- input, layers[i] <- layers[i - 1].
GraphSpec chainGraph(std::vector<std::unique_ptr<Layer>> layers, Shape input);

// One node's buffers for one batch size.
struct NodeBuffers {
  std::vector<float> out;
  std::vector<std::vector<float>> scratch;
  std::vector<float*> scratchPtr;   // scratch[k].data()
  std::vector<const float*> in;     // filled per pass
  std::vector<float*> dIn;          // filled per backward pass
  std::vector<MaskByte> mask;       // the output's mask, when the layer makes its own (MaskFlow::Own)
  std::vector<const MaskByte*> inMask;  // per input edge: the mask its producer's output carries, or null
};

// Everything one pass over a batch writes besides the arenas. Sized by
// Graph::prepare for the largest batch seen, then reused with no allocation.
// Several inference passes may run at once on one graph, each with its own.
struct Workspace {
  int64_t batch = 0;
  std::vector<NodeBuffers> nodes;
  std::vector<std::vector<float>> grads;  // gradient buffers of node outputs, reused along the backward order
  std::vector<std::vector<float>> sums;   // per input edge: a fan-out's second gradient, before it is added
  std::vector<float> weightGrads;         // a shared layer's later application's weight gradients, before they are added
  // Several graph inputs: one batch of each, split from the data's rows (Graph::splitInputs).
  std::vector<std::vector<float>> inputRows;
  std::vector<const float*> inputPtr;
  // Several graph outputs: a batch of rows holding every output of a sample (Graph::infer).
  std::vector<float> outputRows;
};

class Graph {
 public:
  static constexpr size_t kMaxOutputs = 64;  // LogitOutputs has a bit per output

  // Validates the graph (references, cycles, shapes, shared weights, every
  // node feeding the output, every input used) and lays out the arenas;
  // throws std::invalid_argument (std::out_of_range for a reference to a
  // node or input that does not exist) naming the node, or
  // std::length_error when the arenas exceed the memory limit.
  explicit Graph(GraphSpec spec);
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  size_t inputCount() const { return inputs_.size(); }
  const Shape& inputShape(size_t k = 0) const { return inputs_[k]; }
  int64_t inputSize(size_t k = 0) const { return elementsOf(inputs_[k]); }
  // Floats per sample of a model's data: every graph input's values one
  // after another (input 0's, then input 1's, ...); inputSize() for one input.
  int64_t rowSize() const { return rowSize_; }
  size_t outputCount() const { return outputs_.size(); }
  const Shape& outputShape(size_t k = 0) const { return nodes_[outputs_[k]].layer->outputShape(); }
  int64_t outputNodeSize(size_t k) const { return elementsOf(outputShape(k)); }
  // Floats per sample of a prediction: every output's values one after
  // another (output 0's, then output 1's, ...), as rowSize() for inputs.
  int64_t outputSize() const { return outputSize_; }
  // Whether output k feeds no other node (only then may a loss defer its activation).
  bool outputIsFinal(size_t k) const { return outputIsFinal_[k] != 0; }
  size_t nodeCount() const { return nodes_.size(); }
  const Layer& layer(size_t i) const { return *nodes_[i].layer; }
  // The node whose weights node i uses (i itself unless it shares).
  int32_t weightOwner(size_t i) const { return owner_[i]; }
  // Whether node i's output carries a mask (made by masking / embedding
  // maskZero, passed on by layers that keep positions; docs/architecture.md).
  bool outputMasked(size_t i) const { return maskOwner_[i] >= 0; }
  // Node i's output mask of the last forward pass on ws, [batch, positions], or null.
  const MaskByte* outputMask(const Workspace& ws, size_t i) const {
    return maskOwner_[i] >= 0 ? ws.nodes[maskOwner_[i]].mask.data() : nullptr;
  }

  const std::vector<WeightSlot>& slots() const { return slots_; }
  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }
  std::vector<float>& grads() { return grads_; }
  std::vector<float>& state() { return state_; }
  const std::vector<float>& state() const { return state_; }
  // Trainable segments (offset, size) for per-variable gradient clipping.
  std::vector<std::pair<int64_t, int64_t>> trainableSegments() const;

  void prepare(Workspace& ws, int64_t batch) const;
  // Bytes prepare() allocates for `batch` samples, plus one batch of input
  // rows and targets (what a worker's private copy of one batch holds);
  // -1 if the count overflows. Checked against the memory limit first.
  int64_t workspaceBytes(int64_t batch) const;
  // Bytes of the weight arenas with gradients and the largest optimizer state
  // (3 slots per trainable weight: AMSGrad); -1 if the count overflows.
  static int64_t arenaBytes(int64_t trainable, int64_t state);

  // Threads worth using for batches of `batch` samples: the most any node's
  // arithmetic can use (the thread policy of every job on this graph).
  int usefulThreads(int64_t batch) const;
  // Whether a training step may run over shares of its batch's rows on
  // separate threads (every node's Layer::splitsByRows, and no state such as
  // moving statistics to update), and the fewest rows a share should have.
  bool splitsByRows() const { return splitsByRows_; }
  static constexpr int64_t kMinRowsPerShare = 8;
  // Output k's activation (what a fused loss sees and defers).
  Activation outputActivation(size_t k = 0) const { return nodes_[outputs_[k]].layer->outputActivation(); }

  // Inference over inputs x[k] ([batch, inputShape(k)]); reads the arenas
  // only. Outputs in `logits` leave out their softmax / sigmoid. Returns
  // [batch, outputSize()] inside ws: the output node's buffer for one
  // output, the outputs packed per sample for several.
  const float* infer(const float* const* x, int64_t batch, LogitOutputs logits, Workspace& ws) const;
  // The same over `rows` [batch, rowSize()] holding every input of a sample.
  const float* infer(const float* rows, int64_t batch, LogitOutputs logits, Workspace& ws) const {
    return infer(splitInputs(rows, batch, ws), batch, logits, ws);
  }
  // Training forward: batch statistics (updating moving statistics),
  // dropout. Returns output 0's buffer; outputValues(ws, k) gives each.
  const float* forwardTraining(const float* const* x, int64_t batch, LogitOutputs logits, Workspace& ws, Rng* rng);
  const float* forwardTraining(const float* rows, int64_t batch, LogitOutputs logits, Workspace& ws, Rng* rng) {
    return forwardTraining(splitInputs(rows, batch, ws), batch, logits, ws, rng);
  }
  // Output k of the last forward pass on ws, [batch, outputShape(k)].
  const float* outputValues(const Workspace& ws, size_t k = 0) const { return ws.nodes[outputs_[k]].out.data(); }
  // One pointer per graph input for a batch of `rows` [batch, rowSize()]:
  // the rows themselves for one input; for several, each input's columns
  // copied into ws (prepared for at least `batch`).
  const float* const* splitInputs(const float* rows, int64_t batch, Workspace& ws) const;
  // Where the loss writes dLoss/d(output k) (dLoss/d(logits) when deferred)
  // before backward; an output that also feeds other nodes gets their
  // gradients added to it.
  float* outputGrad(Workspace& ws, size_t k = 0) const { return ws.grads[gradBuffer_[outputs_[k]]].data(); }
  // Backward after forwardTraining on the same workspace: fills grads()
  // (a shared layer's gradient is the sum over its applications), or
  // `gradArena` (grads().size() floats) when given: a row share's gradient,
  // computed beside another share's (splitsByRows).
  void backward(int64_t batch, LogitOutputs logits, Workspace& ws, float* gradArena = nullptr);

  // The kernel regularizers' penalty; the second also adds its gradient to grads().
  double regularizationPenalty() const;
  double addRegularizationGradients();

 private:
  std::vector<Shape> inputs_;
  int64_t rowSize_ = 0;
  std::vector<GraphNode> nodes_;
  std::vector<int32_t> outputs_;
  std::vector<uint8_t> outputIsFinal_;
  std::vector<int32_t> outputIndex_;     // per node: its index in outputs_, or -1
  int64_t outputSize_ = 0;
  std::vector<int32_t> order_;          // topological
  std::vector<int32_t> owner_;          // per node: the node whose weights it uses
  std::vector<int32_t> maskOwner_;      // per node: the node whose mask buffer holds its output's mask, or -1
  std::vector<int32_t> firstSlot_;      // per node, into slots_ (its owner's)
  std::vector<WeightSlot> slots_;
  std::vector<float> params_, grads_, state_;
  // Backward plan, fixed at construction: which gradient buffer holds each
  // node's output gradient, and per input edge whether the layer writes the
  // producer's buffer directly (-1), needs none (-2: a graph input), or
  // writes ws.sums[k] to be added (k: the producer fans out).
  std::vector<int32_t> gradBuffer_;
  std::vector<std::vector<int32_t>> edgePlan_;
  // Per node: whether its output's gradient is of use (some node up to it
  // has trainable weights). Nodes that only transform the graph inputs
  // (masking, a reshape, dropout at the input) run no backward at all.
  std::vector<uint8_t> wantsGrad_;
  int32_t gradBufferCount_ = 0, sumCount_ = 0;
  int64_t widestOutput_ = 1;
  bool splitsByRows_ = false;
  // Shared weights: per node, its trainable weights' range of the gradient
  // arena (one node's slots are contiguous), and whether its backward runs
  // after another application's (then it writes ws.weightGrads, added after).
  std::vector<std::pair<int64_t, int64_t>> gradRange_;
  std::vector<uint8_t> addsWeightGrads_;
  int64_t weightGradFloats_ = 0;

  void checkStructure(const std::vector<std::vector<int32_t>>& consumers);
  void checkSharing(int32_t node) const;
  void layOutWeights();
  void planBackward();
  void planMasks();
  NodeWeights weights(int32_t node) const;  // read-only
  NodeWeights trainingWeights(int32_t node, float* gradArena = nullptr);
  void bindInputs(const float* const* x, Workspace& ws) const;
  // The mask buffer node writes in forward (MaskFlow::Own), else null.
  MaskByte* ownMask(int32_t node, Workspace& ws) const;
  // Whether node i is an output whose activation `logits` defers.
  // (Only an output that feeds no other node may: the others read its activation.)
  bool defers(int32_t i, LogitOutputs logits) const {
    return outputIndex_[i] >= 0 && ((logits >> outputIndex_[i]) & 1) && outputIsFinal_[outputIndex_[i]];
  }
};

}  // namespace tf
