#include "net/wire_format.hpp"

#include <boost/beast/http/status.hpp>

namespace baton::net {

namespace http = boost::beast::http;

std::string serialize_response(const http::response<http::string_body>& res)
{
    std::string out;
    out.reserve(256 + res.body().size());
    out += "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    const auto reason = res.reason().empty() ? http::obsolete_reason(res.result()) : res.reason();
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& f : res) {
        const auto name = f.name_string();
        const auto value = f.value();
        out.append(name.data(), name.size());
        out += ": ";
        out.append(value.data(), value.size());
        out += "\r\n";
    }
    out += "\r\n";
    out += res.body();
    return out;
}

std::string serialize_post(std::string_view target, std::string_view host, std::string_view accept,
                           const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body)
{
    std::string out;
    out.reserve(192 + target.size() + body.size());
    out += "POST ";
    out += target;
    out += " HTTP/1.1\r\nHost: ";
    out += host;
    out += "\r\nUser-Agent: baton/0.1\r\nContent-Type: application/json\r\nAccept: ";
    out += accept;
    out += "\r\n";
    for (const auto& [name, value] : headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n\r\n";
    out += body;
    return out;
}

}  // namespace baton::net
