#include "registry.h"

#include <stdexcept>

namespace tf {

std::unique_ptr<Layer> makeLayer(const Config& config) {
  switch (config.code<LayerKind>("kind")) {
#define TF_LAYER_CASE(id, name) \
  case LayerKind::id:           \
    return make##id##Layer(config);
    TF_LAYER_KINDS(TF_LAYER_CASE)
#undef TF_LAYER_CASE
    case LayerKind::Count: break;
  }
  throw std::invalid_argument("unknown layer kind");
}

}  // namespace tf
