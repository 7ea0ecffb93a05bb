#include "support/stream_reading.hpp"

#include <boost/json.hpp>

namespace baton::test {

namespace json = boost::json;

read_stream take_apart(http_response head, stream_result r)
{
    read_stream s;
    s.head = std::move(head);
    s.events = std::move(r.events);
    s.final_status = r.final_status;
    for (const auto& e : s.events) {
        if (e.is_done()) {
            s.done = true;
            continue;
        }
        boost::system::error_code ec;
        auto v = json::parse(e.data, ec);
        if (ec || !v.is_object()) {
            ++s.unparsed;
            continue;
        }
        auto& o = v.as_object();
        if (const auto* u = o.if_contains("usage"); u && u->is_object()) s.usage.push_back(u->as_object());
        if (const auto* ch = o.if_contains("choices"); ch && ch->is_array() && !ch->as_array().empty()) {
            const auto& c = ch->as_array()[0].as_object();
            const json::value* text = nullptr;
            if (const auto* d = c.if_contains("delta"); d && d->is_object()) {
                if (d->as_object().contains("role")) ++s.role_chunks;
                text = d->as_object().if_contains("content");
            } else {
                text = c.if_contains("text");
            }
            if (text && text->is_string() && !text->as_string().empty()) {
                s.content += text->as_string();
                const auto* m = o.if_contains("model");
                s.text_by_model.emplace_back(m && m->is_string() ? std::string(m->as_string()) : "<none>",
                                             std::string(text->as_string()));
            }
        }
        s.chunks.push_back(std::move(o));
    }
    s.last_is_done = !s.events.empty() && s.events.back().is_done();
    if (!s.events.empty() && !s.events.back().is_done()) {
        boost::system::error_code ec;
        auto v = json::parse(s.events.back().data, ec);
        if (!ec && v.is_object()) {
            if (const auto* e = v.as_object().if_contains("error"); e && e->is_object())
                s.final_error = e->as_object();
        }
    }
    return s;
}

read_stream stream_call(http_client& c, std::string_view target, const json::object& body,
                        const header_list& headers, clock::duration limit)
{
    auto head = c.open_stream(target, body, deadline_after(limit), headers);
    return take_apart(std::move(head), c.read_events(deadline_after(limit)));
}

}  // namespace baton::test
