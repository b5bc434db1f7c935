// Host nodes (native/host_layer.h): a layer computed by the host language.
// Here the hooks are C++ (y = x * w per feature), so the executor's side is
// tested alone: no hooks in scope is a logic_error, the node's weights get
// the gradient the hooks write (against central differences of the loss),
// input gradients reach the layers before it, and an exception from a hook
// leaves the model usable.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "../../native/host_layer.h"
#include "../../native/layers/registry.h"
#include "../../native/model.h"
#include "check.h"
#include "enum_codes.h"

namespace {
struct HookFailure : std::runtime_error {
  HookFailure() : std::runtime_error("hook failed") {}
};

// y = x * w, features of the last axis; w is the node's one weight.
class ScaleHooks final : public tf::HostHooks {
 public:
  int forwards = 0, backwards = 0;
  bool fail = false;
  void forward(const tf::HostForward& c) override {
    if (fail) throw HookFailure();
    ++forwards;
    const int64_t f = (*c.inShapes)[0].back();
    const float* w = c.weights->value(0);
    for (int64_t i = 0; i < c.batch * f; ++i) c.out[i] = c.in[0][i] * w[i % f];
    last_ = std::vector<float>(c.in[0], c.in[0] + c.batch * f);
  }
  void backward(const tf::HostBackward& c) override {
    ++backwards;
    const int64_t f = (*c.inShapes)[0].back();
    const float* w = c.weights->value(0);
    if (c.dIn[0])
      for (int64_t i = 0; i < c.batch * f; ++i) c.dIn[0][i] = c.dOut[i] * w[i % f];
    if (c.slots[0].trainable) {
      float* g = c.weights->grad(0);
      for (int64_t j = 0; j < f; ++j) g[j] = 0;
      for (int64_t i = 0; i < c.batch * f; ++i) g[i % f] += c.dOut[i] * last_[i];
    }
  }

 private:
  std::vector<float> last_;
};

tf::Config denseOf(int units) {
  tf::Config d;
  d.setNumber("kind", tftest::codeOf<tf::LayerKind>("dense"));
  d.setNumber("units", units);
  return d;
}
tf::Config hostOf(int features) {
  tf::Config h;
  h.setNumber("kind", tftest::codeOf<tf::LayerKind>("host"));
  h.setNumber("hostId", 0);
  h.setNumbers("outputShape", {double(features)});
  h.setNumberLists("weightShapes", {{double(features)}});
  h.setNumbers("weightTrainable", {1});
  return h;
}
tf::LossConfig mse() {
  tf::LossConfig l;
  l.kind = tf::LossKind::MeanSquaredError;
  return l;
}
}  // namespace

TF_TEST(host_node_without_hooks_is_a_logic_error) {
  tf::Model m(std::vector<tf::Config>{hostOf(3), denseOf(2)}, tf::Shape{3});
  std::vector<float> x(6, 1.f), out(4);
  TF_EXPECT(tftest::throws<std::logic_error>([&] { m.predict(x.data(), 2, 2, out.data()); }));
}

TF_TEST(host_node_gradients_match_central_differences) {
  // dense(3) -> host (x * w) -> dense(2): the host node needs its input's gradient too.
  tf::Model m(std::vector<tf::Config>{denseOf(3), hostOf(3), denseOf(2)}, tf::Shape{2});
  std::vector<float>& p = m.graph().params();
  for (size_t i = 0; i < p.size(); ++i) p[i] = 0.37f * std::sin(1.3f * static_cast<float>(i) + 0.2f);
  tf::Trainer t(m.graph(), {}, mse(), {});
  std::vector<float> x{0.5f, -1.f, 2.f, 0.25f, -0.75f, 1.5f};
  std::vector<float> y{0.3f, -0.2f, 1.f, 0.5f, -1.f, 0.25f};
  const tf::Dataset d{x.data(), nullptr, y.data(), nullptr, 3};
  ScaleHooks hooks;
  tf::HostScope scope(&hooks);
  t.computeGradients(d);
  TF_EXPECT(hooks.forwards == 1 && hooks.backwards == 1);
  const std::vector<float> g = m.graph().grads();
  const std::vector<float> p0 = p;
  const double eps = 1e-2;
  for (size_t i = 0; i < p.size(); ++i) {
    p = p0;
    p[i] = static_cast<float>(p0[i] + eps);
    const double up = t.computeGradients(d);
    p[i] = static_cast<float>(p0[i] - eps);
    const double down = t.computeGradients(d);
    TF_EXPECT_NEAR(g[i], (up - down) / (2 * eps), 2e-3);
  }
}

TF_TEST(an_exception_from_a_hook_leaves_the_model_usable) {
  tf::Model m(std::vector<tf::Config>{hostOf(2), denseOf(1)}, tf::Shape{2});
  std::vector<float> x{1.f, 2.f, 3.f, 4.f}, out(2);
  ScaleHooks hooks;
  tf::HostScope scope(&hooks);
  hooks.fail = true;
  TF_EXPECT(tftest::throws<HookFailure>([&] { m.predict(x.data(), 2, 2, out.data()); }));
  hooks.fail = false;
  m.predict(x.data(), 2, 2, out.data());
  TF_EXPECT(hooks.forwards == 1);
  TF_EXPECT(std::isfinite(out[0]) && std::isfinite(out[1]));
}

TF_TEST(host_node_options_are_checked) {
  tf::Config bad = hostOf(3);
  bad.setNumbers("weightTrainable", {1, 0});
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::makeLayer(bad); }));
  tf::Config zero = hostOf(3);
  zero.setNumbers("outputShape", {0});
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::makeLayer(zero); }));
}
