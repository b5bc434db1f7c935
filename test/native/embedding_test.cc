// The embedding layer (native/layers/embedding.cc) through the Layer
// interface, under ASan + UBSan: rows copied for each id, the table gradient
// as a scatter-add (against the sum written out by hand), and ids that are
// out of range, fractional or NaN refused rather than read.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/layers/registry.h"
#include "check.h"

namespace {
tf::Config embeddingConfig(int64_t inputDim, int64_t outputDim) {
  tf::Config c;
  for (int32_t i = 0; i < tf::enumCount(tf::LayerKind{}); ++i)
    if (std::string(tf::enumNames(tf::LayerKind{})[i]) == "embedding") c.setNumber("kind", i);
  c.setNumber("inputDim", static_cast<double>(inputDim));
  c.setNumber("outputDim", static_cast<double>(outputDim));
  return c;
}
}  // namespace

TF_TEST(embedding_rows_scatter_add_and_bad_ids) {
  const int64_t V = 4, D = 3, B = 2, T = 3;
  auto layer = tf::makeLayer(embeddingConfig(V, D));
  const std::vector<tf::Shape> in{{T}};
  const tf::Shape out = layer->computeOutputShape(in);
  TF_EXPECT((out == tf::Shape{T, D}));
  layer->setShapes(in, out);
  tf::WeightSlot slot{0, "embeddings", true, 0, {V, D}};
  std::vector<float> table(V * D), grads(V * D, 99.f);
  for (size_t i = 0; i < table.size(); ++i) table[i] = 0.5f * static_cast<float>(i) - 1.f;
  tf::NodeWeights w;
  w.slots = &slot;
  w.params = table.data();
  w.grads = grads.data();
  std::vector<float> ids{2, 0, 2, 3, 3, 3};
  std::vector<float> y(B * T * D, -7.f);
  const float* x = ids.data();
  layer->forward({B, &x, y.data(), nullptr, false}, w);
  for (int64_t i = 0; i < B * T; ++i)
    for (int64_t k = 0; k < D; ++k) TF_EXPECT(y[i * D + k] == table[static_cast<int64_t>(ids[i]) * D + k]);
  std::vector<float> dy(B * T * D);
  for (size_t i = 0; i < dy.size(); ++i) dy[i] = std::cos(0.3f * static_cast<float>(i));
  std::vector<float> dx(B * T, 5.f);
  float* dxp = dx.data();
  layer->backward({B, &x, y.data(), dy.data(), &dxp, nullptr, false}, w);
  for (int64_t r = 0; r < V; ++r)
    for (int64_t k = 0; k < D; ++k) {
      double want = 0;
      for (int64_t i = 0; i < B * T; ++i)
        if (static_cast<int64_t>(ids[i]) == r) want += dy[i * D + k];
      TF_EXPECT_NEAR(grads[r * D + k], want, 1e-6);
    }
  for (float v : dx) TF_EXPECT(v == 0.f);
  for (float bad : {4.f, -1.f, 1.5f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    ids[4] = bad;
    bool threw = false;
    try {
      layer->forward({B, &x, y.data(), nullptr, false}, w);
    } catch (const std::out_of_range& e) {
      threw = std::string(e.what()).find("batch row 1, position 1") != std::string::npos;
    }
    TF_EXPECT(threw);
  }
  bool refused = false;
  try {
    tf::makeLayer(embeddingConfig(0, 2))->computeOutputShape(in);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  TF_EXPECT(refused);
}
