// A Napi::AsyncWorker that resolves a Promise: `work` runs on a libuv worker
// thread and must not touch JavaScript values; `done` builds the resolved value
// on the main thread. Input typed arrays are pinned with references for the
// worker's lifetime so the garbage collector cannot free them mid-computation.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace tfb {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Done = std::function<Napi::Value(Napi::Env)>;

  PromiseWorker(Napi::Env env, std::string fn, Work work, Done done)
      : Napi::AsyncWorker(env, fn.c_str()), fn_(std::move(fn)), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {}

  void pin(Napi::Value v) {
    if (v.IsObject()) pinned_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::bad_alloc&) {
      rangeError_ = true;
      SetError(fn_ + ": out of memory");
    } catch (const std::out_of_range& e) {
      rangeError_ = true;
      SetError(fn_ + ": " + e.what());
    } catch (const std::exception& e) {
      SetError(fn_ + ": " + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    if (rangeError_) deferred_.Reject(Napi::RangeError::New(env, e.Message()).Value());
    else deferred_.Reject(Napi::Error::New(env, e.Message()).Value());
  }

 private:
  std::string fn_;
  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  std::vector<Napi::ObjectReference> pinned_;
  bool rangeError_ = false;
};

}  // namespace tfb
