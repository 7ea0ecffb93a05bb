#pragma once
// The one reader of batond's GET /metrics: the Prometheus text format (0.0.4), enough for batond's
// output (samples with labels, # TYPE lines).

#include "support/http_client.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::test {

using label_map = std::map<std::string, std::string>;

/// One sample line: `name{labels} value`.
struct prom_sample {
    std::string name;
    label_map labels;
    double value = 0;
};

/// One scrape, parsed. Values are read as exposed (no arithmetic across samples but `sum`).
struct prom_text {
    std::string raw;                           ///< the text as served (print it in a failure message)
    std::vector<prom_sample> samples;          ///< in order
    std::map<std::string, std::string> types;  ///< family name → counter/gauge/histogram/...

    /// The sample `name` with exactly these labels, nullopt when absent.
    std::optional<double> find(std::string_view name, const label_map& labels = {}) const;
    /// The sample with exactly these labels, 0 when absent (a counter not created yet).
    double value(std::string_view name, const label_map& labels = {}) const;
    /// Sum over the samples of `name` whose labels include `subset`.
    double sum(std::string_view name, const label_map& subset = {}) const;
    /// The family's # TYPE, empty when not declared.
    std::string type(const std::string& family) const;
    /// How many samples `name` has (any labels).
    std::size_t count(std::string_view name) const;
};

/// Parses the exposition text; throws std::runtime_error naming the first malformed line.
prom_text parse_prometheus(std::string text);

/// GET /metrics on `client`, parsed. Throws std::runtime_error when the answer is not a 200 with a
/// text/plain body, or is malformed.
prom_text scrape(http_client& client, const header_list& headers = {});

}  // namespace baton::test
