// A graph described by options, as NativeModel's graph form receives it from
// JavaScript (the binding converts the object into a Config knowing no names):
//   { inputs: [shape, ...],
//     nodes: [{ layer: { kind, ...options }, inputs: [ref, ...], shareWeightsWith?: node }],
//     output?: node }   (default: the last node)
// A ref is a node index >= 0 or graph input k as -1 - k (GraphNode::inputs).
#pragma once
#include "config.h"
#include "graph.h"

namespace tf {

// Refuses unknown keys and values of the wrong type (std::invalid_argument)
// or outside their range (std::out_of_range), naming the node; the layers'
// own options are checked by their constructors (makeLayer), the structure
// (cycles, shapes, shared weights) by Graph.
GraphSpec graphSpecFrom(const Config& graph);

}  // namespace tf
