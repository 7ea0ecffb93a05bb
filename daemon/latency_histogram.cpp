#include "daemon/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace baton::daemon {

void latency_histogram::observe(double seconds) noexcept {
    if (std::isnan(seconds)) {
        return;
    }
    seconds = std::max(seconds, 0.0);
    const auto it = std::lower_bound(bounds.begin(), bounds.end(), seconds);
    ++buckets_[static_cast<std::size_t>(it - bounds.begin())];
    ++count_;
    sum_ += seconds;
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        buckets_[i] += other.buckets_[i];
    }
    count_ += other.count_;
    sum_ += other.sum_;
}

std::uint64_t latency_histogram::cumulative(std::size_t i) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t b = 0; b <= i && b < buckets_.size(); ++b) {
        total += buckets_[b];
    }
    return total;
}

}  // namespace baton::daemon
