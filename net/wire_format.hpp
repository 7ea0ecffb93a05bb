#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::net {

/// The bytes of an HTTP/1.1 response head and body, in one contiguous string: one write instead of
/// Beast's generic serializer (whose buffer-sequence iteration dominated the per-request profile).
/// `res` must be prepared (prepare_payload) so that its framing headers are set.
std::string serialize_response(const boost::beast::http::response<boost::beast::http::string_body>& res);

/// The bytes of a POST request with a JSON body: request line, Host, the given headers, Content-Type,
/// Content-Length, then the body.
std::string serialize_post(std::string_view target, std::string_view host, std::string_view accept,
                           const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body);

}  // namespace baton::net
