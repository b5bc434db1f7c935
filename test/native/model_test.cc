// What moved out of the binding: row staging (the shuffled gather and the
// prefetch of the next chunk), the workspace reuse of predict, and option
// parsing through Config.
#include <cstring>
#include <stdexcept>
#include <vector>

#include "../../native/memory_limit.h"
#include "../../native/model.h"
#include "check.h"
#include "compile_configs.h"

namespace {
tf::Dataset data(std::vector<float>& x, std::vector<int32_t>& labels) {
  return tf::Dataset{x.data(), labels.data(), nullptr, nullptr, static_cast<int64_t>(labels.size())};
}
}  // namespace

TF_TEST(row_staging_gathers_in_order_and_reuses_the_prefetch) {
  std::vector<float> x{0, 0, 1, 1, 2, 2, 3, 3, 4, 4};  // 5 rows of 2
  std::vector<int32_t> labels{0, 1, 2, 3, 4}, order{4, 2, 0, 3, 1};
  tf::Dataset d = data(x, labels);
  tf::ChunkStager st;
  tf::ChunkKey first{0, 2, 2, 5, x.data(), order.data(), 1};  // batches 0-1: rows 0..4 of the order
  auto rows = st.take(d, first, 2, 1);
  TF_EXPECT(rows->data.n == 4);
  TF_EXPECT(rows->x[0] == 4 && rows->x[2] == 2 && rows->x[6] == 3);
  TF_EXPECT(rows->labels[1] == 2);
  tf::ChunkKey next{2, 1, 2, 5, x.data(), order.data(), 1};  // batch 2: the last row
  st.prefetch(d, next, 2, 1);
  x[2] = 99;  // after the prefetch: the staged copy must not see it
  auto staged = st.take(d, next, 2, 1);
  TF_EXPECT(staged->data.n == 1 && staged->x[0] == 1 && staged->labels[0] == 1);
  // Another epoch id does not match: copied again (and sees the change).
  order[4] = 1;
  tf::ChunkKey other{0, 1, 2, 5, x.data(), order.data(), 2};
  st.prefetch(d, next, 2, 1);
  auto fresh = st.take(d, other, 2, 1);
  TF_EXPECT(fresh->data.n == 2 && fresh->x[0] == 4 && fresh->x[2] == 2);
}

TF_TEST(row_staging_refuses_copies_over_the_memory_limit) {
  tf::setMemoryLimit(1024);
  std::vector<float> x(2000);
  std::vector<int32_t> labels(1000);
  bool refused = false;
  try {
    tf::copyAllRows(data(x, labels), 2, 1);
  } catch (const std::length_error&) {
    refused = true;
  }
  tf::setMemoryLimit(0);
  TF_EXPECT(refused);
}

TF_TEST(model_parses_options_and_predicts_like_the_graph) {
  tf::Config d;
  d.setNumber("kind", 0);
  d.setNumber("units", 3);
  d.setNumber("activation", static_cast<int32_t>(tf::Activation::Softmax));
  tf::Model m({d}, {4});
  for (size_t i = 0; i < m.graph().params().size(); ++i) m.graph().params()[i] = 0.01f * static_cast<float>(i % 7);
  std::vector<float> x(5 * 4, 0.5f), a(15), b(15);
  m.predict(x.data(), 5, 2, a.data());
  tf::Workspace ws;
  tf::predictInto(m.graph(), x.data(), 5, 5, b.data(), ws);
  for (size_t i = 0; i < a.size(); ++i) TF_EXPECT_NEAR(a[i], b[i], 1e-6);
  int32_t cancel = 1;
  std::vector<float> c(15, -1.f);
  m.predictJob(x.data(), 5, 2, c.data(), &cancel);  // cancelled before the first batch
  TF_EXPECT(c[0] == -1.f);

  bool threw = false;
  try {
    m.trainer();
  } catch (const tf::StateError&) {
    threw = true;
  }
  TF_EXPECT(threw);
  const tf::Config opt = tf_test::adamConfig(0.01), loss = tf_test::lossConfig(tf::LossKind::SparseCategoricalCrossentropy);
  m.compile(opt, loss, {});
  TF_EXPECT(m.trainer().optimizer().currentLearningRate() == 0.01);
  tf::Config bad = loss;
  bad.setNumber("kind", 99);
  threw = false;
  try {
    m.compile(opt, bad, {});
  } catch (const std::invalid_argument& e) {
    threw = std::strstr(e.what(), "kind is not a valid code") != nullptr;
  }
  TF_EXPECT(threw);
  TF_EXPECT(m.trainer().optimizer().currentLearningRate() == 0.01);  // the old trainer stays
}
