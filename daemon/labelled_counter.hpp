#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace baton::daemon {

/// Orders label tuples of std::string or std::string_view alike, so that lookups by string_views
/// allocate nothing.
struct label_less {
    using is_transparent = void;

    /// Lexicographic order of two label tuples. Pure.
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                            [](std::string_view x, std::string_view y) { return x < y; });
    }
};

/// A Prometheus counter family with N labels: one plain integer per label-value tuple, in label order.
/// Label values must come from configuration (group and deployment names) or fixed enums, never from
/// client input, so the number of series stays bounded. Thread safety: none; owned by one thread, copied
/// to be read elsewhere.
template <std::size_t N>
class labelled_counter {
public:
    /// One series' label values, owned, in the family's label order.
    using labels = std::array<std::string, N>;
    /// The same, borrowed: what callers pass (no allocation on lookups).
    using label_views = std::array<std::string_view, N>;
    /// Series → value, ordered by label values (the rendering order).
    using sample_map = std::map<labels, std::uint64_t, label_less>;

    labelled_counter() = default;
    /// Copies and moves forget the recently used series (they point into the source's map).
    labelled_counter(const labelled_counter& other) : samples_(other.samples_) {}
    labelled_counter(labelled_counter&& other) noexcept : samples_(std::move(other.samples_))
    {
        other.forget();
    }
    labelled_counter& operator=(const labelled_counter& other)
    {
        samples_ = other.samples_;
        forget();
        return *this;
    }
    labelled_counter& operator=(labelled_counter&& other) noexcept
    {
        samples_ = std::move(other.samples_);
        forget();
        other.forget();
        return *this;
    }
    ~labelled_counter() = default;

    /// Adds `n` to the series named by `values` (created at 0 on first use; allocates only then).
    /// The last few series used are compared first: a request adds to the same few series as the one before
    /// it, and the map's lexicographic search cost ~1,300 instructions per chat request (bench/callgrind.sh).
    void add(const label_views& values, std::uint64_t n = 1) {
        for (auto* entry : recent_) {
            if (entry != nullptr && same(entry->first, values)) {
                entry->second += n;
                return;
            }
        }
        auto it = samples_.find(values);
        if (it == samples_.end()) {
            labels owned;
            std::copy(values.begin(), values.end(), owned.begin());
            it = samples_.emplace(std::move(owned), 0).first;
        }
        it->second += n;
        recent_[next_] = &*it;  // map nodes never move: the pointer stays good while the map lives
        next_ = (next_ + 1) % recent_.size();
    }

    /// The series' value; 0 when it was never touched.
    std::uint64_t value(const label_views& values) const noexcept {
        const auto it = samples_.find(values);
        return it == samples_.end() ? 0 : it->second;
    }

    /// Adds every series of `other` to this one.
    void merge(const labelled_counter& other) {
        for (const auto& [key, n] : other.samples_) {
            samples_[key] += n;
        }
    }

    /// Every touched series, ordered by label values.
    const sample_map& samples() const noexcept { return samples_; }

private:
    static bool same(const labels& owned, const label_views& values) noexcept
    {
        for (std::size_t i = 0; i < N; ++i) {
            if (std::string_view(owned[i]) != values[i]) {
                return false;
            }
        }
        return true;
    }
    void forget() noexcept
    {
        recent_.fill(nullptr);
        next_ = 0;
    }

    sample_map samples_;
    std::array<typename sample_map::value_type*, 4> recent_{};
    std::size_t next_ = 0;
};

}  // namespace baton::daemon
