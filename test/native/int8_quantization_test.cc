// The int8 quantization rules (native/int8_quantization.h) against
// hand-worked values: ties round to even, the quotient is a float32 one, the
// clamp to [-127, 127], per-tensor scales, a zero kernel; the quantized MLP
// holds exactly the weights the rule gives.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "int8_quantization.h"
#include "quantized_mlp.h"

using namespace tf;

TF_TEST(int8_kernel_ties_round_to_even) {
  // [3, 2]; column 0 max 127 (scale 1), column 1 max 254 (scale 2): 2.5 -> 2, -0.5 -> 0, 5 / 2 = 2.5 -> 2, 7 / 2 = 3.5 -> 4.
  const float k[6] = {127.f, 5.f, 2.5f, 7.f, -0.5f, -254.f};
  int8_t q[6];
  float s[2];
  quantizeKernelInt8(k, 3, 2, true, q, s);
  TF_EXPECT(s[0] == 1.f && s[1] == 2.f);
  const int8_t want[6] = {127, 2, 2, 4, 0, -127};
  for (int i = 0; i < 6; ++i) TF_EXPECT(q[i] == want[i]);
  // Per tensor: one scale (254 / 127 = 2) for both columns; 127 / 2 = 63.5 -> 64, -0.5 / 2 -> 0, 2.5 / 2 = 1.25 -> 1.
  quantizeKernelInt8(k, 3, 2, false, q, s);
  TF_EXPECT(s[0] == 2.f && s[1] == 2.f);
  const int8_t wantTensor[6] = {64, 2, 1, 4, 0, -127};
  for (int i = 0; i < 6; ++i) TF_EXPECT(q[i] == wantTensor[i]);
}

TF_TEST(int8_kernel_float32_quotient_zero_kernel_and_refusals) {
  // w / s is 32.5000013 in double precision, exactly 32.5 in float32 -> 32.
  const float m = 0.9450706243515015f, w = 0.24184879660606384f;
  TF_EXPECT(w / (m / 127.f) == 32.5f);
  const float k[2] = {m, w};
  int8_t q[2];
  float s[1];
  quantizeKernelInt8(k, 2, 1, true, q, s);
  TF_EXPECT(q[0] == 127 && q[1] == 32);
  const float zeros[3] = {0.f, -0.f, 0.f};
  float sz[3];
  int8_t qz[3];
  quantizeKernelInt8(zeros, 1, 3, true, qz, sz);
  for (int i = 0; i < 3; ++i) TF_EXPECT(sz[i] == 1.f && qz[i] == 0);
  const float bad[2] = {1.f, NAN};
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { quantizeKernelInt8(bad, 2, 1, true, q, s); }));
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { quantizeKernelInt8(k, 0, 1, true, q, s); }));
}

TF_TEST(uint8_range_zero_point_ties_round_to_even) {
  // [-2.5, 252.5]: scale 1, zero point 2.5 -> 2; [-3.5, 251.5]: 3.5 -> 4.
  Uint8Quant a = uint8QuantFromRange(-2.5f, 252.5f);
  TF_EXPECT(a.scale == 1.f && a.zeroPoint == 2);
  Uint8Quant b = uint8QuantFromRange(-3.5f, 251.5f);
  TF_EXPECT(b.scale == 1.f && b.zeroPoint == 4);
  Uint8Quant c = uint8QuantFromRange(1.f, 2.f);  // widened to [0, 2]
  TF_EXPECT(c.scale == 2.f / 255.f && c.zeroPoint == 0);
  Uint8Quant d = uint8QuantFromRange(0.f, 0.f);
  TF_EXPECT(d.scale == 1.f && d.zeroPoint == 0);
}

TF_TEST(quantized_mlp_holds_the_rule_weights) {
  const float kernel[6] = {127.f, -1.5f, 2.5f, 63.5f, 0.5f, -127.f};
  const float calib[6] = {-2.5f, 0.f, 252.5f, 1.f, 2.f, 3.f};
  for (bool perChannel : {true, false}) {
    DenseLayerSpec spec;
    spec.inputs = 3;
    spec.units = 2;
    spec.kernel = kernel;
    QuantizedMlp mlp({spec}, perChannel, calib, 2);
    int8_t q[6];
    float s[2];
    quantizeKernelInt8(kernel, 3, 2, perChannel, q, s);
    const std::vector<int8_t>& got = mlp.kernelInt8(0);
    const int8_t want[6] = {127, -2, 2, 64, 0, -127};
    for (int i = 0; i < 6; ++i) TF_EXPECT(got[i] == q[i] && q[i] == want[i]);
    TF_EXPECT(mlp.weightScales(0)[0] == s[0] && mlp.weightScales(0)[1] == s[1]);
    TF_EXPECT(mlp.inputQuant(0).scale == 1.f && mlp.inputQuant(0).zeroPoint == 2);
  }
}
