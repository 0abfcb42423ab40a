// A small, fast, seedable random number generator for deterministic parameter initialisation
// and tests. xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64, plus uniform and
// normal draws. It is NOT PyTorch's stream: llie reproduces PyTorch's initialisation *rules*
// (distributions and bounds), not its exact numbers. Same seed -> same sequence on every platform.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace llie {

/// splitmix64 step: advances `state` and returns a well-mixed 64-bit value.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// 64-bit FNV-1a hash of a string (stable across platforms and runs, unlike std::hash).
inline uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

/// 16 lowercase hex digits (hashes in plans, checkpoints and logs).
inline std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// xoshiro256**: 256-bit state, period 2^256 - 1, passes BigCrush.
class Rng {
public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& w : s_)
      w = splitmix64(sm); // never all zero: splitmix64 is a bijection
  }
  /// A generator in an explicit state (not all zero), e.g. to check reference test vectors.
  static Rng fromState(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
    Rng r(0);
    r.s_[0] = s0, r.s_[1] = s1, r.s_[2] = s2, r.s_[3] = s3;
    return r;
  }
  /// The stream for one named tensor: depends only on (seed, name).
  static Rng forName(uint64_t seed, std::string_view name) {
    uint64_t mixed = seed;
    mixed = splitmix64(mixed) ^ fnv1a64(name);
    return Rng(mixed);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal N(0, 1) by the Box-Muller transform (one draw per call; the pair's second
  /// value is cached).
  double normal() {
    if (hasSpare_) {
      hasSpare_ = false;
      return spare_;
    }
    double u1 = 1.0 - uniform(); // (0, 1]: log(u1) is finite
    double u2 = uniform();
    double r = std::sqrt(-2.0 * std::log(u1));
    double th = 2.0 * 3.14159265358979323846 * u2;
    spare_ = r * std::sin(th);
    hasSpare_ = true;
    return r * std::cos(th);
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0.0;
  bool hasSpare_ = false;
};

} // namespace llie
