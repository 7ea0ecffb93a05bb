#include "daemon/config/deployment_id_hash.hpp"

#include "daemon/config/sha256_hex.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace baton::daemon::config_detail {

namespace {

constexpr std::size_t max_canonical_size = 1 << 20;
constexpr int max_depth = 64;

bool is_tuning_key(std::string_view key)
{
    static constexpr std::array<std::string_view, 6> tuning{"weight",  "rpm",           "tpm",
                                                            "timeout", "stream_timeout", "max_parallel_requests"};
    return std::find(tuning.begin(), tuning.end(), key) != tuning.end();
}

bool is_secret_key(std::string_view key)
{
    std::string k(key);
    std::transform(k.begin(), k.end(), k.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    const auto has = [&](std::string_view part) { return k.find(part) != std::string::npos; };
    return k == "api_keys" || k == "key" || k == "token" || k == "authorization" || k == "api-key" ||
           k.ends_with("_key") || k.ends_with("_token") || has("secret") || has("password") || has("credential");
}

class canonical_writer {
public:
    bool write(const YAML::Node& node, int depth, bool top)
    {
        if (out_.size() > max_canonical_size || depth > max_depth) {
            return false;
        }
        switch (node.Type()) {
        case YAML::NodeType::Scalar:
            quote(node.Scalar());
            return true;
        case YAML::NodeType::Sequence: {
            out_ += '[';
            for (const auto& item : node) {
                if (!write(item, depth + 1, false)) {
                    return false;
                }
                out_ += ',';
            }
            out_ += ']';
            return true;
        }
        case YAML::NodeType::Map: {
            // Sort (key, position) pairs, never the nodes: assigning a YAML::Node writes through to the
            // document it belongs to.
            std::vector<YAML::Node> values;
            std::vector<std::pair<std::string, std::size_t>> order;
            for (auto it = node.begin(); it != node.end(); ++it) {
                const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
                if (is_secret_key(key) || (top && is_tuning_key(key))) {
                    continue;
                }
                order.emplace_back(key, values.size());
                values.push_back(it->second);
            }
            std::stable_sort(order.begin(), order.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            out_ += '{';
            for (const auto& [key, position] : order) {
                quote(key);
                out_ += ':';
                if (!write(values[position], depth + 1, false)) {
                    return false;
                }
                out_ += ',';
            }
            out_ += '}';
            return true;
        }
        default:
            out_ += '~';
            return true;
        }
    }

    const std::string& text() const noexcept { return out_; }

private:
    void quote(std::string_view s)
    {
        out_ += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                out_ += '\\';
            }
            out_ += c;
        }
        out_ += '"';
    }

    std::string out_;
};

}  // namespace

std::optional<std::string> deployment_id_hash(std::string_view model_name, const YAML::Node& litellm_params)
{
    canonical_writer w;
    if (!w.write(litellm_params, 0, true)) {
        return std::nullopt;
    }
    std::string input(model_name);
    input += '\n';
    input += w.text();
    return sha256_hex(input).substr(0, 16);
}

}  // namespace baton::daemon::config_detail
