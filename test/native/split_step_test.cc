// Training steps split by rows across two threads (Trainer::splitSteps): each
// half of a batch runs forward and backward on its own thread, into its own
// gradient arena, and the halves' gradients are summed before the update.
// The weights must be those of whole-batch steps up to float rounding, the
// same bits on every run, and a failure in either half must surface as the
// unsplit step's error.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "../../native/gemm.h"
#include "../../native/gemm_avx512.h"
#include "../../native/layers/registry.h"
#include "../../native/model.h"
#include "check.h"
#include "compile_configs.h"

namespace {

// Dense(256 -> 512, relu, L2) -> Dense(512 -> 10, softmax), Adam, with
// products large enough (17 MFLOP at batch 64) for a second thread.
std::unique_ptr<tf::Model> wideClassifier() {
  tf::Config d1, d2;
  d1.setNumber("kind", static_cast<int32_t>(tf::LayerKind::Dense));
  d1.setNumber("units", 512);
  d1.setNumber("activation", static_cast<int32_t>(tf::Activation::Relu));
  d1.setNumber("l2", 0.001);
  d2.setNumber("kind", static_cast<int32_t>(tf::LayerKind::Dense));
  d2.setNumber("units", 10);
  d2.setNumber("activation", static_cast<int32_t>(tf::Activation::Softmax));
  auto m = std::make_unique<tf::Model>(std::vector<tf::Config>{d1, d2}, tf::Shape{256});
  std::vector<float>& p = m->graph().params();
  for (size_t i = 0; i < p.size(); ++i) p[i] = 0.05f * std::sin(1.7f * static_cast<float>(i) + 0.2f);
  m->compile(tf_test::adamConfig(0.01), tf_test::lossConfig(tf::LossKind::SparseCategoricalCrossentropy),
             {tf_test::metricConfig(tf::MetricKind::SparseCategoricalAccuracy)});
  return m;
}

struct Data {
  std::vector<float> x, w;
  std::vector<int32_t> labels;
  tf::Dataset d;
};
// 232 rows: three batches of 64 and a last one of 40 (split into 20 + 20).
Data makeData(int64_t n = 232) {
  Data s;
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < 256; ++j) s.x.push_back(std::cos(0.37f * static_cast<float>(i) + 0.11f * static_cast<float>(j)));
    s.labels.push_back(static_cast<int32_t>((i * 7) % 10));
    s.w.push_back(0.5f + 0.25f * static_cast<float>(i % 3));
  }
  s.d = {s.x.data(), s.labels.data(), nullptr, s.w.data(), n};
  return s;
}

bool canSplit() { return tf::gemmHelpersAvailable() && tf::getBlasThreads() >= 2; }

}  // namespace

TF_TEST(split_steps_need_two_threads_and_the_arithmetic_for_them) {
  auto m = wideClassifier();
  {
    tf::ScopedBlasThreads one(1);
    TF_EXPECT(!m->trainer().splitSteps(64));
  }
  tf::ScopedBlasThreads two(2);
  TF_EXPECT(m->trainer().splitSteps(64) == canSplit());
  TF_EXPECT(!m->trainer().splitSteps(8));  // halves of 4 rows: not worth a thread
}

TF_TEST(split_steps_train_as_whole_batch_steps_do) {
  const Data s = makeData();
  auto whole = wideClassifier(), split = wideClassifier(), again = wideClassifier();
  tf::ChunkResult a, b, c;
  {
    tf::ScopedBlasThreads one(1);
    a = whole->trainer().trainChunk(s.d, 64, 4, nullptr);
  }
  {
    tf::ScopedBlasThreads two(2);
    b = split->trainer().trainChunk(s.d, 64, 4, nullptr);
    c = again->trainer().trainChunk(s.d, 64, 4, nullptr);
  }
  TF_EXPECT(a.batches == 4 && b.batches == 4 && c.batches == 4);
  for (int64_t k = 0; k < 4; ++k) {
    TF_EXPECT(std::abs(a.loss[k] - b.loss[k]) <= 1e-5f * std::abs(a.loss[k]));
    TF_EXPECT(std::abs(a.metricSums[k] - b.metricSums[k]) <= 1);  // accuracy counts: a near tie may flip
    TF_EXPECT(a.sizes[k] == b.sizes[k]);
  }
  const std::vector<float>& pa = whole->graph().params();
  const std::vector<float>& pb = split->graph().params();
  double worst = 0;
  for (size_t i = 0; i < pa.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(pa[i]) - pb[i]));
  TF_EXPECT(worst < 2e-5);
  TF_EXPECT(split->graph().params() == again->graph().params());  // same bits every run
}

TF_TEST(a_bad_label_in_either_half_fails_the_split_step) {
  for (int64_t bad : {int64_t{70}, int64_t{120}}) {  // the first and the second half of batch 1
    Data s = makeData();
    s.labels[bad] = 10;
    auto m = wideClassifier();
    tf::ScopedBlasThreads two(2);
    bool threw = false;
    try {
      m->trainer().trainChunk(s.d, 64, 4, nullptr);
    } catch (const std::out_of_range&) {
      threw = true;
    }
    TF_EXPECT(threw);
    // The trainer and the helper threads are free again.
    s.labels[bad] = 3;
    TF_EXPECT(m->trainer().trainChunk(s.d, 64, 4, nullptr).batches == 4);
  }
}

namespace {
// Conv2D(32, 3x3, relu) over 28x28x1 -> global average pooling -> Dense(10,
// softmax), SGD: ~250 KB of activations per sample, a few hundred weights.
std::unique_ptr<tf::Model> smallConvnet() {
  tf::Config conv, pool, dense;
  conv.setNumber("kind", static_cast<int32_t>(tf::LayerKind::Conv2d));
  conv.setNumber("filters", 32);
  conv.setNumbers("kernelSize", {3, 3});
  conv.setNumbers("strides", {1, 1});
  conv.setNumbers("dilationRate", {1, 1});
  conv.setBool("same", false);
  conv.setBool("useBias", true);
  conv.setNumber("activation", static_cast<int32_t>(tf::Activation::Relu));
  pool.setNumber("kind", static_cast<int32_t>(tf::LayerKind::GlobalAveragePooling2d));
  dense.setNumber("kind", static_cast<int32_t>(tf::LayerKind::Dense));
  dense.setNumber("units", 10);
  dense.setNumber("activation", static_cast<int32_t>(tf::Activation::Softmax));
  auto m = std::make_unique<tf::Model>(std::vector<tf::Config>{conv, pool, dense}, tf::Shape{28, 28, 1});
  std::vector<float>& p = m->graph().params();
  for (size_t i = 0; i < p.size(); ++i) p[i] = 0.2f * std::sin(0.9f * static_cast<float>(i) + 0.4f);
  m->compile(tf_test::sgdConfig(0.1), tf_test::lossConfig(tf::LossKind::SparseCategoricalCrossentropy),
             {tf_test::metricConfig(tf::MetricKind::SparseCategoricalAccuracy)});
  return m;
}
}  // namespace

// A share whose activations overflow the caches runs as sub-batches whose
// activations fit, their gradients added up: the step must be the
// whole-batch step (computeGradients never splits) to rounding.
TF_TEST(sub_batches_train_as_the_whole_batch_does) {
  const int64_t n = 64;
  std::vector<float> x;
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < 28 * 28; ++j) x.push_back(std::cos(0.31f * static_cast<float>(i) + 0.07f * static_cast<float>(j)));
    labels.push_back(static_cast<int32_t>((i * 3) % 10));
  }
  const tf::Dataset d{x.data(), labels.data(), nullptr, nullptr, n};
  auto stepped = smallConvnet(), reference = smallConvnet();
  tf::ScopedBlasThreads one(1);  // sub-batches without the split
  TF_EXPECT(stepped->trainer().subBatchRows(n) == 16);
  const tf::ChunkResult r = stepped->trainer().trainChunk(d, n, 1, nullptr);
  const double loss = reference->trainer().computeGradients(d);
  reference->trainer().applyGradients();
  TF_EXPECT(r.batches == 1);
  TF_EXPECT(std::abs(r.loss[0] - loss) <= 1e-5 * std::abs(loss));
  double worst = 0, moved = 0;
  const std::vector<float>& a = stepped->graph().params();
  const std::vector<float>& b = reference->graph().params();
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    moved = std::max(moved, std::abs(static_cast<double>(a[i]) - 0.2 * std::sin(0.9 * static_cast<double>(i) + 0.4)));
  }
  TF_EXPECT(worst < 1e-6);
  TF_EXPECT(moved > 1e-3);  // the step did move the weights
  // A dense model's arena outweighs its activations: no sub-batches.
  TF_EXPECT(wideClassifier()->trainer().subBatchRows(256) == 0);
}
