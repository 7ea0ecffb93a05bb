#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace baton::daemon {

/// A Prometheus histogram of durations in seconds with fixed buckets from 50 µs (gateway overhead) to
/// 120 s (long completions). Plain integers: owned by one thread (a metrics_shard), copied to be read
/// elsewhere. Thread safety: none; a copy may be read on any thread.
class latency_histogram {
public:
    /// Upper bounds (`le`) of the finite buckets, seconds, ascending. An observation lands in the first
    /// bucket whose bound is >= it; anything above the last bound only counts toward +Inf.
    static constexpr std::array<double, 20> bounds = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1,     0.25,   0.5,     1.0,    2.5,   5.0,    10.0,  30.0,  60.0,  120.0,
    };

    /// Records one duration in seconds. Negative values count as 0; NaN is ignored.
    void observe(double seconds) noexcept;

    /// Adds `other`'s buckets, count and sum to this one.
    void merge(const latency_histogram& other) noexcept;

    /// Observations <= bounds[i], i.e. the cumulative value of bucket i as Prometheus renders it.
    /// i == bounds.size() gives the +Inf bucket, equal to count(). Precondition: i <= bounds.size().
    std::uint64_t cumulative(std::size_t i) const noexcept;

    /// Number of observations.
    std::uint64_t count() const noexcept { return count_; }

    /// Sum of the observations, seconds.
    double sum() const noexcept { return sum_; }

private:
    std::array<std::uint64_t, bounds.size() + 1> buckets_{};  // per bucket, not cumulative; last is > 120 s
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

}  // namespace baton::daemon
