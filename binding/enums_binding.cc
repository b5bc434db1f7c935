// native.enums: one frozen name -> code table per native enum list (the
// X-macro lists in native/, see enum_table.h), so TypeScript looks codes up
// by name instead of repeating them.
#include "activations.h"
#include "args.h"
#include "layers/registry.h"
#include "losses.h"
#include "metrics.h"
#include "optimizers.h"

namespace tfb {

namespace {
template <typename E>
Napi::Object codeTable(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  for (int32_t i = 0; i < tf::enumCount(E{}); ++i) o.Set(tf::enumNames(E{})[i], i);
  o.Freeze();
  return o;
}
}  // namespace

void registerEnums(Napi::Env env, Napi::Object exports) {
  Napi::Object enums = Napi::Object::New(env);
  enums.Set("layer", codeTable<tf::LayerKind>(env));
  enums.Set("activation", codeTable<tf::Activation>(env));
  enums.Set("loss", codeTable<tf::LossKind>(env));
  enums.Set("metric", codeTable<tf::MetricKind>(env));
  enums.Set("optimizer", codeTable<tf::OptimizerKind>(env));
  enums.Set("schedule", codeTable<tf::ScheduleKind>(env));
  enums.Freeze();
  exports.Set("enums", enums);
}

}  // namespace tfb
