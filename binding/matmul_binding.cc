// matMul: (a, b, out, batch, M, N, K, transA, transB). Shapes are validated in
// TypeScript first; here every length is re-checked so that no call, however
// malformed, can read or write outside its buffers.
#include "args.h"
#include "gemm.h"
#include "thread_policy.h"

namespace tfb {

static Napi::Value MatMul(const Napi::CallbackInfo& info) {
  static const char* fn = "matMul";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto a = typedArrayArg<float>(info, 0, fn, "a");
    auto b = typedArrayArg<float>(info, 1, fn, "b");
    auto out = typedArrayArg<float>(info, 2, fn, "out");
    const int64_t batch = intArg(info, 3, fn, "batch", 0, INT32_MAX);
    const int64_t M = intArg(info, 4, fn, "M", 0, INT32_MAX);
    const int64_t N = intArg(info, 5, fn, "N", 0, INT32_MAX);
    const int64_t K = intArg(info, 6, fn, "K", 0, INT32_MAX);
    const bool ta = boolArg(info, 7, fn, "transposeA");
    const bool tb = boolArg(info, 8, fn, "transposeB");
    const int64_t aSize = checkedMul(env, fn, M, K), bSize = checkedMul(env, fn, K, N), cSize = checkedMul(env, fn, M, N);
    requireLength(env, fn, "a", a, checkedMul(env, fn, batch, aSize));
    requireLength(env, fn, "b", b, checkedMul(env, fn, batch, bSize));
    requireLength(env, fn, "out", out, checkedMul(env, fn, batch, cSize));
    // Inline on the JavaScript thread: BLAS helpers only from free core tokens (never waits).
    tf::InlineThreads threads(tf::threadsForGemm(M, N, K));
    for (int64_t i = 0; i < batch; ++i) {
      tf::sgemm(ta, tb, M, N, K, 1.f, a.data + i * aSize, ta ? M : K, b.data + i * bSize, tb ? K : N, 0.f,
                out.data + i * cSize, N);
    }
    return env.Undefined();
  });
}

void registerMatmul(Napi::Env env, Napi::Object exports) {
  exports.Set("matMul", Napi::Function::New(env, MatMul, "matMul"));
}

}  // namespace tfb
