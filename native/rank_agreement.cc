#include "rank_agreement.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>

namespace tf::mpi {
namespace {

// Bytes of a failure message sent to the other ranks.
constexpr int64_t kMessageBytes = 1024;

// A failure came out of agree(): the caller's error is already known to every rank.
std::atomic<bool> gAgreed{false};

std::string messageOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an unknown native error";
  }
}

// One control round. `message` is this rank's failure, or null. Returns -1
// when no rank failed, else the lowest failing rank, whose message is then
// in `relayed` on every rank.
int controlRound(const std::string* message, std::string& relayed) {
  const ProcessInfo me = requireJob();
  // max over ranks of (size - rank) for the failing ones: the lowest failing rank.
  double code = message ? static_cast<double>(me.size - me.rank) : 0.0;
  allreduce(&code, 1, Op::Max);
  if (code == 0) return -1;
  const int first = me.size - static_cast<int>(code);
  char buf[kMessageBytes] = {};
  if (first == me.rank && message) std::memcpy(buf, message->data(), std::min<size_t>(message->size(), kMessageBytes - 1));
  broadcast(buf, kMessageBytes, first);
  buf[kMessageBytes - 1] = '\0';
  relayed = buf;
  gAgreed = true;
  return first;
}

double threadCpuSeconds() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
#else
  return 0;
#endif
}

std::mutex gTimesMutex;
SyncTimes gTimes;

class MpiGradientSync : public GradientSync {
 public:
  void reduce(float* grads, int64_t n, double* stats, int64_t s, std::exception_ptr failure) override {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point t0 = Clock::now();
    agree(failure);
    const Clock::time_point t1 = Clock::now();
    const double c1 = threadCpuSeconds();
    allreduceSumPresent(grads, n, stats, s);
    const double c2 = threadCpuSeconds();
    const Clock::time_point t2 = Clock::now();
    std::lock_guard<std::mutex> g(gTimesMutex);
    ++gTimes.steps;
    gTimes.bytes += n * static_cast<int64_t>(sizeof(float)) + s * static_cast<int64_t>(sizeof(double));
    gTimes.controlSeconds += std::chrono::duration<double>(t1 - t0).count();
    gTimes.reduceSeconds += std::chrono::duration<double>(t2 - t1).count();
    gTimes.reduceCpuSeconds += c2 - c1;
  }
};

}  // namespace

void agree(std::exception_ptr failure) {
  std::string own;
  if (failure) own = messageOf(failure);
  std::string relayed;
  const int first = controlRound(failure ? &own : nullptr, relayed);
  if (first < 0) return;
  if (failure) std::rethrow_exception(failure);
  throw RankFailure("rank " + std::to_string(first) + " failed: " + relayed);
}

void exchange(double* values, int64_t n, Op op) {
  agree(nullptr);
  allreduce(values, n, op);
}

bool reportFailure(const std::string& message) {
  if (gAgreed.exchange(false)) return false;
  if (!initialized() || !brokenReason().empty()) return false;
  std::string relayed;
  controlRound(&message, relayed);
  gAgreed = false;
  return true;
}

void clearAgreedFailure() { gAgreed = false; }

SyncTimes syncTimes(bool reset) {
  std::lock_guard<std::mutex> g(gTimesMutex);
  const SyncTimes t = gTimes;
  if (reset) gTimes = SyncTimes{};
  return t;
}

GradientSync& gradientSync() {
  static MpiGradientSync sync;
  return sync;
}

}  // namespace tf::mpi
