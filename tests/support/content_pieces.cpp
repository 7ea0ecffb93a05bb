#include "support/content_pieces.hpp"

#include <boost/json.hpp>

namespace baton::test {

std::vector<std::string> content_pieces(const std::vector<sse_event>& events)
{
    std::vector<std::string> out;
    for (const auto& e : events) {
        if (e.is_done() || e.data.empty()) continue;
        const auto v = e.json();
        const auto* choices = v.as_object().if_contains("choices");
        if (!choices || !choices->is_array() || choices->as_array().empty()) continue;
        const auto* delta = choices->as_array()[0].as_object().if_contains("delta");
        if (!delta || !delta->is_object()) continue;
        const auto* content = delta->as_object().if_contains("content");
        if (content && content->is_string() && !content->get_string().empty()) {
            out.emplace_back(content->get_string());
        }
    }
    return out;
}

}  // namespace baton::test
