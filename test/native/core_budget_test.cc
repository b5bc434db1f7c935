#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "check.h"
#include "core_budget.h"

// Takes as many tokens as are free (up to the request), never more than the total.
TF_TEST(core_budget_takes_what_is_free) {
  tf::CoreBudget b(3);
  TF_EXPECT(b.acquire(2) == 2);
  TF_EXPECT(b.acquire(5) == 1);
  TF_EXPECT(b.tryAcquire(1) == 0);
  TF_EXPECT(b.inUse() == 3);
  b.release(3);
  TF_EXPECT(b.tryAcquire(0) == 0);
  TF_EXPECT(b.tryAcquire(4) == 3);
  b.release(3);
  TF_EXPECT(b.inUse() == 0);
  TF_EXPECT(b.peak() == 3);
}

// Many threads leasing at once never hold more than the total, and all finish.
TF_TEST(core_budget_bounds_concurrent_jobs) {
  tf::CoreBudget b(2);
  std::atomic<int> running{0}, worst{0}, done{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&, i] {
      tf::CoreLease lease(b, 1 + i % 3, tf::CoreLease::Wait);
      const int now = running += lease.count();
      int w = worst.load();
      while (now > w && !worst.compare_exchange_weak(w, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      running -= lease.count();
      ++done;
    });
  for (auto& t : ts) t.join();
  TF_EXPECT(done == 16);
  TF_EXPECT(worst.load() <= 2);
  TF_EXPECT(b.peak() <= 2);
  TF_EXPECT(b.inUse() == 0);
}

// Shrinking the budget while tokens are held: new jobs wait until enough are returned.
TF_TEST(core_budget_shrinks_safely) {
  tf::CoreBudget b(4);
  auto* held = new tf::CoreLease(b, 4, tf::CoreLease::Wait);
  b.setTotal(1);
  TF_EXPECT(b.tryAcquire(1) == 0);
  std::atomic<bool> got{false};
  std::thread t([&] {
    tf::CoreLease lease(b, 2, tf::CoreLease::Wait);
    TF_EXPECT(lease.count() == 1);
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  TF_EXPECT(!got);
  delete held;
  t.join();
  TF_EXPECT(got);
  TF_EXPECT(b.inUse() == 0);
}
