#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <iterator>

namespace baton::providers {

/// Puts a deployment's request defaults (deployment_route::defaults) into a request body for one attempt:
/// the keys the client left out are added at construction and erased again at destruction, so the body
/// serves the request's next attempt, which may go to a deployment with other defaults, unchanged. Costs
/// nothing when there are no defaults.
class scoped_defaults {
public:
    scoped_defaults(boost::json::object& body, const boost::json::object& defaults) : body_(body)
    {
        for (const auto& kv : defaults) {
            if (!body_.contains(kv.key())) {
                body_.emplace(kv.key(), kv.value());
                ++added_;
            }
        }
    }

    ~scoped_defaults()
    {
        // Added at the end, erased from the end: the client's keys keep their order.
        for (; added_ > 0; --added_) {
            body_.erase(std::prev(body_.end()));
        }
    }

    scoped_defaults(const scoped_defaults&) = delete;
    scoped_defaults& operator=(const scoped_defaults&) = delete;

private:
    boost::json::object& body_;
    std::size_t added_ = 0;
};

}  // namespace baton::providers
