// A Napi::AsyncWorker that resolves a Promise: `work` runs on a libuv worker
// thread and must not touch JavaScript values; `done` builds the resolved value
// on the main thread. Input typed arrays are pinned with references for the
// worker's lifetime so the garbage collector cannot free them mid-computation.
// Exceptions map to JavaScript errors as on the JavaScript thread (args.h).
#pragma once
#include <napi.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "args.h"

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
    } catch (...) {
      error_ = currentException(fn_);
      SetError(error_.message);
    }
  }
  void OnOK() override {
    try {
      deferred_.Resolve(done_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(toJsError(Env(), currentException(fn_)).Value());
    }
  }
  void OnError(const Napi::Error&) override { deferred_.Reject(toJsError(Env(), error_).Value()); }

 private:
  std::string fn_;
  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  std::vector<Napi::ObjectReference> pinned_;
  JsErrorInfo error_;
};

// Queues `work` on a worker thread and returns its promise, pinning `this`
// and the values in `pins` until it settles.
inline Napi::Promise queueWork(const Napi::CallbackInfo& info, const char* fn, const std::vector<Napi::Value>& pins,
                               PromiseWorker::Work work, PromiseWorker::Done done) {
  auto* w = new PromiseWorker(info.Env(), fn, std::move(work), std::move(done));
  for (const Napi::Value& v : pins)
    if (!v.IsEmpty()) w->pin(v);
  w->pin(info.This());
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// The same, pinning the arguments at the indices in `pins`.
inline Napi::Promise queueWork(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<size_t> pins,
                               PromiseWorker::Work work, PromiseWorker::Done done) {
  std::vector<Napi::Value> values;
  for (size_t k : pins)
    if (k < info.Length()) values.push_back(info[k]);
  return queueWork(info, fn, values, std::move(work), std::move(done));
}

}  // namespace tfb
