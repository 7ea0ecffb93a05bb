#include "daemon/config/yaml_reader.hpp"

#include "daemon/config/quoted_text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace baton::daemon::config_detail {

namespace {

constexpr std::string_view env_prefix = "os.environ/";
constexpr int max_merge_depth = 8;  // `<<` inside merged mappings; deeper is surely a mistake (or a loop)

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

bool bound_ok(double v, bound b)
{
    switch (b) {
    case bound::any:
        return true;
    case bound::non_negative:
        return v >= 0;
    case bound::positive:
        return v > 0;
    }
    return true;
}

std::string_view bound_message(bound b)
{
    return b == bound::positive ? "must be > 0" : "must be >= 0";
}

std::string_view without_plus(std::string_view s)
{
    if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') {
        s.remove_prefix(1);
    }
    return s;
}

constexpr bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

// YAML 1.1 (PyYAML, so LiteLLM) reads `20_000` as 20000: an underscore between digits separates them.
// Returns `s` without such underscores (others stay, and make the number invalid).
std::string without_digit_separators(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_' && !out.empty() && is_digit(out.back())) {
            std::size_t j = i;
            while (j < s.size() && s[j] == '_') {
                ++j;
            }
            if (j < s.size() && is_digit(s[j])) {
                i = j - 1;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

}  // namespace

std::optional<std::string> yaml_reader::scalar(const YAML::Node& node, const config_path& at,
                                               std::string_view expected)
{
    if (!node.IsDefined() || node.IsNull()) {
        return std::nullopt;
    }
    if (!node.IsScalar()) {
        diag_.error(at, expected);
        return std::nullopt;
    }
    const std::string& text = node.Scalar();
    if (!text.starts_with(env_prefix)) {
        return text;
    }
    const std::string name = text.substr(env_prefix.size());
    if (name.empty()) {
        diag_.error(at, "os.environ/ needs a variable name");
        return std::nullopt;
    }
    auto value = env_ ? env_(name) : std::nullopt;
    if (!value) {
        const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
        diag_.error(at, "environment variable " + (plain ? name : quoted_text(name)) + " is not set");
        return std::nullopt;
    }
    return value;
}

void yaml_reader::collect(const YAML::Node& node, const config_path& at, int depth, std::vector<map_entry>& out,
                          bool& ok)
{
    std::vector<YAML::Node> merges;
    std::set<std::string, std::less<>> seen;
    for (const auto& e : out) {
        seen.insert(e.key);
    }
    std::set<std::string, std::less<>> own;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            diag_.error(at, "mapping keys must be strings");
            ok = false;
            continue;
        }
        const std::string& name = key.Scalar();
        if (name == "<<" && key.Tag() == "?") {
            merges.push_back(it->second);
            continue;
        }
        if (!own.insert(name).second) {
            diag_.error(at.key(name), "duplicate key");
            ok = false;
            continue;
        }
        if (seen.contains(name)) {
            continue;  // already given by an outer mapping that merges this one: the outer one wins
        }
        out.push_back({name, it->second, at.key(name)});
    }
    for (const auto& m : merges) {
        if (depth >= max_merge_depth) {
            diag_.error(at.key("<<"), "merge keys nested too deeply");
            ok = false;
            return;
        }
        std::vector<YAML::Node> sources;
        if (m.IsMap()) {
            sources.push_back(m);
        } else if (m.IsSequence()) {
            for (const auto& s : m) {
                sources.push_back(s);
            }
        }
        if (sources.empty() || !std::all_of(sources.begin(), sources.end(), [](const YAML::Node& s) {
                return s.IsMap();
            })) {
            diag_.error(at.key("<<"), "expected a mapping or a list of mappings");
            ok = false;
            continue;
        }
        for (const auto& s : sources) {
            collect(s, at, depth + 1, out, ok);
        }
    }
}

std::optional<yaml_map> yaml_reader::map(const YAML::Node& node, const config_path& at)
{
    if (!node.IsDefined() || node.IsNull()) {
        return yaml_map{};
    }
    if (!node.IsMap()) {
        diag_.error(at, "expected a mapping");
        return std::nullopt;
    }
    std::vector<map_entry> entries;
    bool ok = true;
    collect(node, at, 0, entries, ok);
    return yaml_map(std::move(entries));
}

std::optional<std::vector<list_item>> yaml_reader::list(const YAML::Node& node, const config_path& at)
{
    if (!node.IsDefined() || node.IsNull()) {
        return std::vector<list_item>{};
    }
    if (!node.IsSequence()) {
        diag_.error(at, "expected a list");
        return std::nullopt;
    }
    std::vector<list_item> items;
    std::size_t i = 0;
    for (const auto& item : node) {
        items.push_back({item, at.index(i++)});
    }
    return items;
}

std::optional<std::string> yaml_reader::string(const YAML::Node& node, const config_path& at)
{
    return scalar(node, at, "expected a string");
}

std::optional<std::string> yaml_reader::non_empty_string(const YAML::Node& node, const config_path& at)
{
    auto s = string(node, at);
    if (s && s->empty()) {
        diag_.error(at, "must not be empty");
        return std::nullopt;
    }
    return s;
}

std::optional<double> yaml_reader::number(const YAML::Node& node, const config_path& at, bound b)
{
    const auto text = scalar(node, at, "expected a number");
    if (!text) {
        return std::nullopt;
    }
    const std::string digits = without_digit_separators(*text);
    const std::string_view s = without_plus(digits);
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) {
        diag_.error(at, "expected a number");
        return std::nullopt;
    }
    if (!bound_ok(v, b)) {
        diag_.error(at, bound_message(b));
        return std::nullopt;
    }
    return v;
}

std::optional<std::int64_t> yaml_reader::integer(const YAML::Node& node, const config_path& at, bound b,
                                                 std::int64_t max)
{
    const auto text = scalar(node, at, "expected an integer");
    if (!text) {
        return std::nullopt;
    }
    const std::string digits = without_digit_separators(*text);
    const std::string_view s = without_plus(digits);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        diag_.error(at, "expected an integer");
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range && !s.starts_with('-')) {
        diag_.error(at, "must be <= " + std::to_string(max));
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range || !bound_ok(static_cast<double>(v), b)) {
        diag_.error(at, bound_message(b));
        return std::nullopt;
    }
    if (v > max) {
        diag_.error(at, "must be <= " + std::to_string(max));
        return std::nullopt;
    }
    return v;
}

std::optional<boost::json::value> yaml_reader::json(const YAML::Node& node, const config_path& at, int depth)
{
    if (!node.IsDefined() || node.IsNull()) {
        return boost::json::value(nullptr);
    }
    if (depth > 16) {
        diag_.error(at, "nested too deeply");
        return std::nullopt;
    }
    if (node.IsSequence()) {
        boost::json::array a;
        std::size_t i = 0;
        for (const auto& item : node) {
            auto v = json(item, at.index(i++), depth + 1);
            if (!v) {
                return std::nullopt;
            }
            a.push_back(std::move(*v));
        }
        return boost::json::value(std::move(a));
    }
    if (node.IsMap()) {
        const auto m = map(node, at);
        if (!m) {
            return std::nullopt;
        }
        boost::json::object o;
        for (const auto& e : m->entries()) {
            auto v = json(e.value, e.path, depth + 1);
            if (!v) {
                return std::nullopt;
            }
            o[e.key] = std::move(*v);
        }
        return boost::json::value(std::move(o));
    }
    const bool plain = node.Tag() == "?";  // quoted scalars are strings, as in YAML
    auto text = scalar(node, at, "expected a value");
    if (!text) {
        return std::nullopt;
    }
    if (!plain || node.Scalar().starts_with(env_prefix)) {
        return boost::json::value(*text);  // a quoted scalar, or an environment variable's text
    }
    const std::string l = lower(*text);
    if (l == "true" || l == "yes" || l == "on") {
        return boost::json::value(true);
    }
    if (l == "false" || l == "no" || l == "off") {
        return boost::json::value(false);
    }
    if (l == "null" || l == "~") {
        return boost::json::value(nullptr);
    }
    const std::string digits = without_digit_separators(*text);
    const std::string_view s = without_plus(digits);
    std::int64_t i = 0;
    if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        !s.empty() && ec == std::errc{} && end == s.data() + s.size()) {
        return boost::json::value(i);
    }
    double d = 0;
    if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        !s.empty() && ec == std::errc{} && end == s.data() + s.size() && std::isfinite(d)) {
        return boost::json::value(d);
    }
    return boost::json::value(*text);
}

std::optional<bool> yaml_reader::boolean(const YAML::Node& node, const config_path& at)
{
    const auto text = scalar(node, at, "expected true or false");
    if (!text) {
        return std::nullopt;
    }
    const std::string s = lower(*text);
    if (s == "true" || s == "yes" || s == "on") {
        return true;
    }
    if (s == "false" || s == "no" || s == "off") {
        return false;
    }
    diag_.error(at, "expected true or false");
    return std::nullopt;
}

std::optional<std::vector<std::string>> yaml_reader::string_list(const YAML::Node& node, const config_path& at)
{
    const auto items = list(node, at);
    if (!items) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& item : *items) {
        if (!item.value.IsDefined() || item.value.IsNull()) {
            diag_.error(item.path, "must not be empty");
            ok = false;
            continue;
        }
        auto s = non_empty_string(item.value, item.path);
        if (!s) {
            ok = false;
            continue;
        }
        out.push_back(std::move(*s));
    }
    if (!ok) {
        return std::nullopt;
    }
    return out;
}

}  // namespace baton::daemon::config_detail
