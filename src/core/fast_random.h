#pragma once
// fast_random: 64 random bits from the calling thread's splitmix64 generator, seeded from
// std::random_device per thread. No locks, no allocation. For ids that must be unique (request
// ids, trace and span ids), never for secrets or nonces a signature depends on.

#include <cstdint>

namespace paygate::core {

std::uint64_t fast_random();

// Writes `bits` as 16 lowercase hex digits to out[0..16).
void write_hex16(std::uint64_t bits, char* out);

}  // namespace paygate::core
