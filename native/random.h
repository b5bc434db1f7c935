// Seeded generator for dropout masks: xoshiro128** seeded through splitmix32,
// the same generator as src/random.ts, so a seed reproduces on every platform.
#pragma once
#include <cstdint>

namespace tf {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed) {
    uint32_t x = static_cast<uint32_t>(seed) ^ static_cast<uint32_t>(seed >> 32);
    for (auto& s : s_) {
      x += 0x9e3779b9u;
      uint32_t z = x;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      s = z ^ (z >> 16);
    }
  }
  uint32_t next() {
    const uint32_t result = rotl(s_[1] * 5u, 7) * 9u;
    const uint32_t t = s_[1] << 9;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 11);
    return result;
  }
  float uniform() { return static_cast<float>(next() >> 8) * (1.0f / 16777216.0f); }

 private:
  static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t s_[4];
};

}  // namespace tf
