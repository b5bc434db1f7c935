// The merge and shape layers (native/layers/elementwise_merge.cc,
// concatenate.cc, reshape.cc, permute.cc, repeat_vector.cc) through the Layer
// interface alone, under ASan + UBSan: outputs on small cases written out by
// hand, and every input gradient of a weighted sum of the outputs against
// central differences of that sum (the layers are piecewise multilinear, so
// the differences are exact up to float rounding away from ties).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "../../native/layers/registry.h"
#include "check.h"

namespace {

tf::Config kind(const char* name) {
  tf::Config c;
  for (int32_t i = 0; i < tf::enumCount(tf::LayerKind{}); ++i)
    if (std::string(tf::enumNames(tf::LayerKind{})[i]) == name) c.setNumber("kind", i);
  return c;
}

struct Run {
  std::unique_ptr<tf::Layer> layer;
  std::vector<std::vector<float>> xs;
  std::vector<float> out;
};

// Builds the layer for `in`, fills input k with `values(k, i)`, runs forward over `batch` samples.
Run forward(const tf::Config& c, const std::vector<tf::Shape>& in, int64_t batch, float (*values)(size_t, int64_t)) {
  Run r{tf::makeLayer(c), {}, {}};
  const tf::Shape outShape = r.layer->computeOutputShape(in);
  r.layer->setShapes(in, outShape);
  std::vector<const float*> ptrs;
  for (size_t k = 0; k < in.size(); ++k) {
    r.xs.emplace_back(static_cast<size_t>(batch * tf::elementsOf(in[k])));
    for (int64_t i = 0; i < static_cast<int64_t>(r.xs[k].size()); ++i) r.xs[k][static_cast<size_t>(i)] = values(k, i);
  }
  for (auto& x : r.xs) ptrs.push_back(x.data());
  r.out.assign(static_cast<size_t>(batch * tf::elementsOf(outShape)), -7.f);
  r.layer->forward({batch, ptrs.data(), r.out.data(), nullptr, false}, tf::NodeWeights{});
  return r;
}

// Distinct, well separated values (no ties for maximum / minimum): input k, element i.
float spread(size_t k, int64_t i) { return std::sin(1.3f * static_cast<float>(i) + 2.1f * static_cast<float>(k) + 0.4f) * 2.f; }
float counting(size_t k, int64_t i) { return static_cast<float>(100 * k + i); }

// Backward of loss = sum(out * g) against central differences of the same sum.
void checkGradients(const char* label, const tf::Config& c, const std::vector<tf::Shape>& in, int64_t batch) {
  Run r = forward(c, in, batch, spread);
  std::vector<float> g(r.out.size());
  for (size_t e = 0; e < g.size(); ++e) g[e] = std::cos(0.7f * static_cast<float>(e));
  std::vector<float> dOut = g;
  std::vector<std::vector<float>> dIn;
  std::vector<float*> dPtr;
  std::vector<const float*> ptrs;
  for (auto& x : r.xs) {
    dIn.emplace_back(x.size(), 99.f);
    ptrs.push_back(x.data());
  }
  for (auto& d : dIn) dPtr.push_back(d.data());
  r.layer->backward({batch, ptrs.data(), r.out.data(), dOut.data(), dPtr.data(), nullptr, false}, tf::NodeWeights{});
  const float h = 1e-2f;
  double worst = 0;
  for (size_t k = 0; k < r.xs.size(); ++k)
    for (size_t i = 0; i < r.xs[k].size(); ++i) {
      auto loss = [&](float delta) {
        const float keep = r.xs[k][i];
        r.xs[k][i] = keep + delta;
        std::vector<float> out(r.out.size());
        r.layer->forward({batch, ptrs.data(), out.data(), nullptr, false}, tf::NodeWeights{});
        r.xs[k][i] = keep;
        double s = 0;
        for (size_t e = 0; e < out.size(); ++e) s += static_cast<double>(out[e]) * g[e];
        return s;
      };
      const double numeric = (loss(h) - loss(-h)) / (2.0 * h);
      worst = std::max(worst, std::fabs(numeric - dIn[k][i]));
    }
  if (worst > 2e-3) std::printf("  %s: gradient off by %g\n", label, worst);
  TF_EXPECT(worst <= 2e-3);
}

}  // namespace

TF_TEST(elementwise_merges_forward_and_backward) {
  const std::vector<tf::Shape> two{{3}, {3}}, three{{2, 2}, {2, 2}, {2, 2}};
  Run sub = forward(kind("subtract"), two, 2, counting);
  TF_EXPECT(sub.out[0] == -100.f && sub.out[5] == -100.f);
  Run avg = forward(kind("average"), three, 1, counting);
  TF_EXPECT_NEAR(avg.out[1], (1.f + 101.f + 201.f) / 3.f, 1e-5);
  Run mul = forward(kind("multiply"), two, 1, counting);
  TF_EXPECT(mul.out[2] == 2.f * 102.f);
  Run mx = forward(kind("maximum"), two, 1, spread);
  Run mn = forward(kind("minimum"), two, 1, spread);
  for (int i = 0; i < 3; ++i) {
    TF_EXPECT(mx.out[i] == std::max(mx.xs[0][i], mx.xs[1][i]));
    TF_EXPECT(mn.out[i] == std::min(mn.xs[0][i], mn.xs[1][i]));
  }
  for (const char* k : {"subtract", "multiply", "average", "maximum", "minimum"}) checkGradients(k, kind(k), two, 3);
  for (const char* k : {"multiply", "average", "maximum", "minimum"}) checkGradients(k, kind(k), three, 2);
}

TF_TEST(concatenate_forward_and_backward) {
  tf::Config c = kind("concatenate");
  c.setNumber("axis", 0);
  Run r = forward(c, {{2}, {1}}, 2, counting);
  TF_EXPECT(r.out == (std::vector<float>{0, 1, 100, 2, 3, 101}));
  c.setNumber("axis", 1);
  Run inner = forward(c, {{2, 1}, {2, 2}}, 1, counting);
  TF_EXPECT(inner.out == (std::vector<float>{0, 100, 101, 1, 102, 103}));
  checkGradients("concatenate axis 1", c, {{2, 1}, {2, 2}, {2, 3}}, 2);
  c.setNumber("axis", 0);
  checkGradients("concatenate axis 0", c, {{1, 3}, {2, 3}}, 2);
  tf::Config bad = kind("concatenate");
  bad.setNumber("axis", 0);
  bool refused = false;
  try {
    tf::makeLayer(bad)->computeOutputShape({{2, 3}, {2, 4}});
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  TF_EXPECT(refused);
}

TF_TEST(reshape_permute_repeat_vector) {
  tf::Config rs = kind("reshape");
  rs.setNumbers("targetShape", {3, 2});
  Run r = forward(rs, {{6}}, 2, counting);
  TF_EXPECT(r.out[7] == 7.f);
  checkGradients("reshape", rs, {{2, 3}}, 2);

  tf::Config p = kind("permute");
  p.setNumbers("dims", {1, 0});
  Run t = forward(p, {{2, 3}}, 2, counting);
  TF_EXPECT(t.out == (std::vector<float>{0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11}));
  checkGradients("permute 2-D", p, {{2, 3}}, 2);
  tf::Config p3 = kind("permute");
  p3.setNumbers("dims", {2, 0, 1});
  Run t3 = forward(p3, {{2, 3, 4}}, 1, counting);
  // out[i, j, k] = in[j, k, i]: out shape [4, 2, 3]; out[1, 0, 2] = in[0, 2, 1] = 9.
  TF_EXPECT(t3.out[1 * 6 + 0 * 3 + 2] == 9.f);
  checkGradients("permute 3-D", p3, {{2, 3, 4}}, 2);

  tf::Config rv = kind("repeatVector");
  rv.setNumber("n", 3);
  Run v = forward(rv, {{2}}, 2, counting);
  TF_EXPECT(v.out == (std::vector<float>{0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3}));
  checkGradients("repeatVector", rv, {{4}}, 3);

  for (auto [name, key, value] : {std::tuple{"permute", "dims", std::vector<double>{0, 0}},
                                  std::tuple{"reshape", "targetShape", std::vector<double>{0}},
                                  std::tuple{"reshape", "targetShape", std::vector<double>{}}}) {
    tf::Config bad = kind(name);
    bad.setNumbers(key, value);
    TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::makeLayer(bad); }));
  }
}

// The 2-D border and resampling layers and the weightless 1-D poolings
// (border2d.cc, up_sampling2d.cc, pooling2d.cc, global_pooling2d.cc).
TF_TEST(padding_cropping_upsampling_and_1d_poolings) {
  tf::Config pad = kind("zeroPadding2d");
  pad.setNumbers("margins", {1, 0, 0, 2});
  Run p = forward(pad, {{1, 2, 1}}, 1, counting);
  // [1, 2] -> [2, 4]: a zero row on top, two zero columns on the right.
  TF_EXPECT(p.out == (std::vector<float>{0, 0, 0, 0, 0, 1, 0, 0}));
  checkGradients("zeroPadding2d", pad, {{2, 3, 2}}, 2);

  tf::Config crop = kind("cropping2d");
  crop.setNumbers("margins", {1, 0, 1, 1});
  Run c = forward(crop, {{2, 3, 1}}, 2, counting);
  TF_EXPECT(c.out == (std::vector<float>{4, 10}));
  checkGradients("cropping2d", crop, {{4, 4, 2}}, 2);

  tf::Config up = kind("upSampling2d");
  up.setNumbers("size", {2, 1});
  Run u = forward(up, {{1, 2, 1}}, 1, counting);
  TF_EXPECT(u.out == (std::vector<float>{0, 1, 0, 1}));
  up.setNumbers("size", {2, 3});
  checkGradients("upSampling2d", up, {{2, 2, 3}}, 2);

  tf::Config avg = kind("averagePooling1d");
  avg.setNumbers("poolSize", {1, 2});
  Run a = forward(avg, {{5, 1}}, 1, counting);
  TF_EXPECT(a.out == (std::vector<float>{0.5f, 2.5f}));
  avg.setBool("same", true);
  checkGradients("averagePooling1d same", avg, {{5, 3}}, 2);
  checkGradients("globalAveragePooling1d", kind("globalAveragePooling1d"), {{4, 3}}, 2);
  checkGradients("globalMaxPooling1d", kind("globalMaxPooling1d"), {{4, 3}}, 2);
  tf::Config drop = kind("spatialDropout2d");
  drop.setNumber("rate", 0.5);
  Run d = forward(drop, {{2, 2, 3}}, 2, counting);  // inference: the identity
  TF_EXPECT(d.out == d.xs[0]);

  // Refused before anything runs: margins that are not 4 integers >= 0, cropping that leaves nothing, 1-D windows of height > 1.
  auto refused = [](const tf::Config& bad, const tf::Shape& in) {
    try {
      tf::makeLayer(bad)->computeOutputShape({in});
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  tf::Config badMargins = kind("zeroPadding2d");
  badMargins.setNumbers("margins", {1, -1, 0, 0});
  TF_EXPECT(refused(badMargins, {2, 2, 1}));
  tf::Config whole = kind("cropping2d");
  whole.setNumbers("margins", {1, 1, 0, 0});
  TF_EXPECT(refused(whole, {2, 2, 1}));
  TF_EXPECT(refused(pad, {2, 2}));
  tf::Config tall = kind("maxPooling1d");
  tall.setNumbers("poolSize", {2, 2});
  TF_EXPECT(refused(tall, {4, 1}));
  TF_EXPECT(refused(kind("globalMaxPooling1d"), {2, 2, 1}));
}
