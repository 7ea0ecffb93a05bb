#include "providers/openai_adapter.hpp"

namespace baton::providers {

deployment_route openai_adapter::route(const routing::deployment& d, std::string_view base_path) const
{
    if (base_suffix_.empty() || base_path.ends_with(base_suffix_)) {
        return adapter::route(d, base_path);
    }
    return adapter::route(d, std::string(base_path) + std::string(base_suffix_));
}

}  // namespace baton::providers
