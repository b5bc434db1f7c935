// Data-parallel training without MPI: R threads, each a rank with its own
// model and its share of every batch (row_staging's copyChunkRows), summing
// through an in-process GradientSync. The weights must be those of one
// trainer over the whole batches; a failure on one rank must stop them all.
#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../native/layers/registry.h"
#include "../../native/model.h"
#include "../../native/row_staging.h"
#include "check.h"
#include "compile_configs.h"

namespace {

// A barrier that can be passed again and again.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void pass() {
    std::unique_lock<std::mutex> g(m_);
    const int64_t gen = gen_;
    if (++waiting_ == n_) {
      waiting_ = 0;
      ++gen_;
      cv_.notify_all();
    } else {
      cv_.wait(g, [&] { return gen_ != gen; });
    }
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_, waiting_ = 0;
  int64_t gen_ = 0;
};

// The ranks' exchange through shared slots: every rank adds the slots in
// rank order, so every rank gets the same sums, bit for bit.
class ThreadSum {
 public:
  explicit ThreadSum(int ranks) : ranks_(ranks), slots_(ranks), barrier_(ranks) {}

  class Rank : public tf::GradientSync {
   public:
    Rank(ThreadSum& all, int rank) : all_(all), rank_(rank) {}
    void reduce(float* grads, int64_t n, double* stats, int64_t s, std::exception_ptr failure) override {
      Slot& mine = all_.slots_[rank_];
      mine.grads.assign(grads, grads + n);
      mine.stats.assign(stats, stats + s);
      mine.failure = failure;
      all_.barrier_.pass();
      int failed = -1;
      for (int r = 0; r < all_.ranks_ && failed < 0; ++r)
        if (all_.slots_[r].failure) failed = r;
      if (failed < 0) {
        for (int64_t i = 0; i < n; ++i) grads[i] = 0;
        for (int64_t i = 0; i < s; ++i) stats[i] = 0;
        for (const Slot& o : all_.slots_) {
          for (int64_t i = 0; i < n; ++i) grads[i] += o.grads[i];
          for (int64_t i = 0; i < s; ++i) stats[i] += o.stats[i];
        }
      }
      all_.barrier_.pass();  // nobody refills a slot before everyone has read them
      if (failed < 0) return;
      if (failure) std::rethrow_exception(failure);
      throw std::runtime_error("rank " + std::to_string(failed) + " failed");
    }

   private:
    ThreadSum& all_;
    int rank_;
  };

 private:
  struct Slot {
    std::vector<float> grads;
    std::vector<double> stats;
    std::exception_ptr failure;
  };
  int ranks_;
  std::vector<Slot> slots_;
  Barrier barrier_;
};

// Dense(4 -> 6, relu, L2) -> Dense(6 -> 3, softmax), Adam; every copy starts from the same weights.
std::unique_ptr<tf::Model> classifier() {
  tf::Config d1, d2;
  d1.setNumber("kind", static_cast<int32_t>(tf::LayerKind::Dense));
  d1.setNumber("units", 6);
  d1.setNumber("activation", static_cast<int32_t>(tf::Activation::Relu));
  d1.setNumber("l2", 0.01);
  d2.setNumber("kind", static_cast<int32_t>(tf::LayerKind::Dense));
  d2.setNumber("units", 3);
  d2.setNumber("activation", static_cast<int32_t>(tf::Activation::Softmax));
  auto m = std::make_unique<tf::Model>(std::vector<tf::Config>{d1, d2}, tf::Shape{4});
  std::vector<float>& p = m->graph().params();
  for (size_t i = 0; i < p.size(); ++i) p[i] = 0.3f * std::sin(1.7f * static_cast<float>(i) + 0.2f);
  m->compile(tf_test::adamConfig(0.05), tf_test::lossConfig(tf::LossKind::SparseCategoricalCrossentropy),
             {tf_test::metricConfig(tf::MetricKind::SparseCategoricalAccuracy)});
  return m;
}

struct Data {
  std::vector<float> x, w;
  std::vector<int32_t> labels, order;
  tf::Dataset d;
};
Data makeData(int64_t n) {
  Data s;
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < 4; ++j) s.x.push_back(std::cos(0.9f * static_cast<float>(i) + static_cast<float>(j)));
    s.labels.push_back(static_cast<int32_t>((i * 5) % 3));
    s.w.push_back(0.5f + 0.25f * static_cast<float>(i % 3));
    s.order.push_back(static_cast<int32_t>((i * 7) % n));  // a permutation: 7 and n are coprime below
  }
  s.d = {s.x.data(), s.labels.data(), nullptr, s.w.data(), n};
  return s;
}

// `count` batches of `batch` from batch `first`, trained by `ranks` threads; each rank's model and results.
struct RankRun {
  std::unique_ptr<tf::Model> model;
  tf::ChunkResult result;
  std::string error;
};
std::vector<RankRun> trainOnRanks(const Data& s, int ranks, int64_t batch, int64_t first, int64_t count) {
  ThreadSum sum(ranks);
  std::vector<RankRun> runs(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) runs[r].model = classifier();
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      tf::Model& m = *runs[r].model;
      const tf::Model::ChunkPlan plan = m.planChunk(s.d, s.order.data(), batch, first, count, 0, 0, -1, r, ranks);
      tf::RowCopy rows;
      tf::copyChunkRows(rows, s.d, plan.key, 4, 3);
      ThreadSum::Rank sync(sum, r);
      // The trainer directly: Model::trainJob leases a core token per job, and
      // three ranks in one process on a two-core budget would wait for one another.
      const tf::DataParallel parallel{&sync, r, ranks, plan.batchSize, plan.key.endRow() - plan.key.beginRow()};
      try {
        runs[r].result = m.trainer().trainChunk(rows.data, plan.batchSize, plan.batches, nullptr, &parallel);
      } catch (const std::exception& e) {
        runs[r].error = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return runs;
}

}  // namespace

TF_TEST(data_parallel_shares_cover_each_batch_once) {
  // 23 rows in batches of 7 over 3 ranks: shares 2, 2, 3 and, of the last batch of 2, 0, 1, 1.
  Data s = makeData(23);
  std::vector<float> seen, all;
  for (int r = 0; r < 3; ++r) {
    tf::ChunkKey key{0, 4, 7, 23, s.d.x, s.order.data(), 1, r, 3};
    tf::RowCopy rows;
    tf::copyChunkRows(rows, s.d, key, 4, 3);
    TF_EXPECT(rows.data.n == (r == 0 ? 6 : r == 1 ? 7 : 10));
    for (int64_t i = 0; i < rows.data.n; ++i) seen.push_back(rows.data.x[i * 4]);  // each row's first feature tells it apart
  }
  for (int64_t i = 0; i < 23; ++i) all.push_back(s.x[i * 4]);
  std::sort(seen.begin(), seen.end());
  std::sort(all.begin(), all.end());
  TF_EXPECT(seen == all);
  TF_EXPECT(tf::shareOfBatch(2, 0, 3).size() == 0 && tf::shareOfBatch(2, 1, 3).size() == 1 && tf::shareOfBatch(2, 2, 3).size() == 1);
  TF_EXPECT(tf::shareOfBatch(7, 2, 3).begin == 4 && tf::shareOfBatch(7, 2, 3).end == 7);
}

TF_TEST(data_parallel_steps_on_three_ranks_equal_one_trainer) {
  Data s = makeData(23);
  // One trainer over the whole batches, in the same order.
  auto one = classifier();
  const tf::Model::ChunkPlan plan = one->planChunk(s.d, s.order.data(), 7, 0, 4, 0, 0, -1);
  tf::RowCopy rows;
  tf::copyChunkRows(rows, s.d, plan.key, 4, 3);
  const tf::ChunkResult ref = one->trainJob(rows, plan);
  TF_EXPECT(ref.batches == 4);

  std::vector<RankRun> runs = trainOnRanks(s, 3, 7, 0, 4);
  for (const RankRun& run : runs) {
    TF_EXPECT(run.error.empty());
    TF_EXPECT(run.result.batches == 4);
    const std::vector<float>& p = run.model->graph().params();
    const std::vector<float>& q = one->graph().params();
    float scale = 0, diff = 0;
    for (size_t i = 0; i < q.size(); ++i) {
      scale = std::max(scale, std::fabs(q[i]));
      diff = std::max(diff, std::fabs(p[i] - q[i]));
    }
    TF_EXPECT(diff <= 1e-5f * scale);
    // The figures are the global batch's: loss (with the L2 penalty once), accuracy sums, sizes.
    for (int64_t b = 0; b < 4; ++b) {
      TF_EXPECT_NEAR(run.result.loss[b], ref.loss[b], 1e-5 * std::fabs(ref.loss[b]));
      TF_EXPECT_NEAR(run.result.metricSums[b], ref.metricSums[b], 1e-9);
      TF_EXPECT(run.result.sizes[b] == ref.sizes[b]);
    }
    // Every rank holds the same model, bit for bit.
    TF_EXPECT(std::memcmp(p.data(), runs[0].model->graph().params().data(), p.size() * sizeof(float)) == 0);
  }
}

TF_TEST(data_parallel_failure_on_one_rank_stops_every_rank) {
  Data s = makeData(23);
  // A label outside the classes in rank 1's share of the second batch (rows 7 + [2, 4) of the order).
  s.labels[s.order[7 + 3]] = 9;
  std::vector<RankRun> runs = trainOnRanks(s, 3, 7, 0, 4);
  TF_EXPECT(runs[1].error.find("label 9 is outside [0, 3)") != std::string::npos);
  TF_EXPECT(runs[0].error == "rank 1 failed");
  TF_EXPECT(runs[2].error == "rank 1 failed");
  // Nobody applied the failed step: every rank made the first update only, the same one.
  for (const RankRun& run : runs)
    TF_EXPECT(std::memcmp(run.model->graph().params().data(), runs[0].model->graph().params().data(),
                          run.model->graph().params().size() * sizeof(float)) == 0);
}
