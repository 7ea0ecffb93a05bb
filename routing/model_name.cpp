#include "routing/model_name.hpp"

namespace baton::routing {

namespace {

bool allowed(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '@' || c == '+' || c == '/';
}

}  // namespace

bool valid_model_capture(std::string_view capture) noexcept
{
    if (capture.empty() || capture.size() > max_model_capture) {
        return false;
    }
    std::size_t segment_start = 0;
    for (std::size_t i = 0; i <= capture.size(); ++i) {
        if (i < capture.size() && capture[i] != '/') {
            if (!allowed(capture[i])) {
                return false;
            }
            continue;
        }
        const std::string_view segment = capture.substr(segment_start, i - segment_start);
        if (segment.empty() || segment == "." || segment == "..") {
            return false;
        }
        segment_start = i + 1;
    }
    return true;
}

}  // namespace baton::routing
