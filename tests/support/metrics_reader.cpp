#include "support/metrics_reader.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace baton::test {

std::optional<double> prom_text::find(std::string_view name, const label_map& labels) const
{
    for (const auto& s : samples) {
        if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
}

double prom_text::value(std::string_view name, const label_map& labels) const
{
    return find(name, labels).value_or(0);
}

double prom_text::sum(std::string_view name, const label_map& subset) const
{
    double total = 0;
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool match = true;
        for (const auto& [k, v] : subset) {
            auto it = s.labels.find(k);
            if (it == s.labels.end() || it->second != v) match = false;
        }
        if (match) total += s.value;
    }
    return total;
}

std::string prom_text::type(const std::string& family) const
{
    const auto it = types.find(family);
    return it == types.end() ? std::string() : it->second;
}

std::size_t prom_text::count(std::string_view name) const
{
    return static_cast<std::size_t>(
        std::count_if(samples.begin(), samples.end(), [&](const prom_sample& s) { return s.name == name; }));
}

prom_text parse_prometheus(std::string text)
{
    prom_text out;
    out.raw = std::move(text);
    std::istringstream in(out.raw);
    std::string line;
    auto bad = [&](std::string_view why) {
        throw std::runtime_error("malformed metrics line (" + std::string(why) + "): " + line);
    };
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line.front() == '#') {
            std::istringstream ls(line);
            std::string hash, kind, name, type;
            ls >> hash >> kind >> name >> type;
            if (kind == "TYPE") {
                if (type.empty()) bad("TYPE without a type");
                out.types[name] = type;
            }
            continue;
        }
        prom_sample s;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        s.name = line.substr(0, i);
        if (s.name.empty()) bad("no name");
        if (i < line.size() && line[i] == '{') {
            ++i;
            for (;;) {
                if (i >= line.size()) bad("unterminated labels");
                if (line[i] == '}') {
                    ++i;
                    break;
                }
                const auto eq = line.find('=', i);
                if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
                    bad("label without =\"");
                std::string key = line.substr(i, eq - i);
                std::string value;
                i = eq + 2;
                for (;;) {
                    if (i >= line.size()) bad("unterminated label value");
                    const char c = line[i++];
                    if (c == '"') break;
                    if (c == '\\') {
                        if (i >= line.size()) bad("dangling escape");
                        const char e = line[i++];
                        value += e == 'n' ? '\n' : e;
                    } else {
                        value += c;
                    }
                }
                if (s.labels.count(key)) bad("repeated label");
                s.labels.emplace(std::move(key), std::move(value));
                if (i < line.size() && line[i] == ',') ++i;
            }
        }
        if (i >= line.size() || line[i] != ' ') bad("no value");
        const std::string value_text = line.substr(i + 1, line.find(' ', i + 1) - (i + 1));
        char* end = nullptr;
        s.value = std::strtod(value_text.c_str(), &end);
        if (value_text.empty() || end != value_text.c_str() + value_text.size()) bad("value is not a number");
        out.samples.push_back(std::move(s));
    }
    return out;
}

prom_text scrape(http_client& client, const header_list& headers)
{
    auto r = client.get("/metrics", headers);
    if (r.status != 200) {
        throw std::runtime_error("GET /metrics: status " + std::to_string(r.status) + ": " + r.body);
    }
    const auto type = r.header("content-type").value_or("<absent>");
    if (type.find("text/plain") != 0) throw std::runtime_error("GET /metrics: content-type " + type);
    return parse_prometheus(std::move(r.body));
}

}  // namespace baton::test
