#include "streaming/next_hop_request.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace baton::streaming {

namespace {

void force_streaming_with_usage(boost::json::object& body)
{
    body["stream"] = true;
    boost::json::value& opts = body["stream_options"];
    if (!opts.is_object()) {
        opts = boost::json::object();
    }
    opts.get_object()["include_usage"] = true;
}

// Chat: the partial text becomes the assistant's turn, followed by the instruction to go on. Leaves a body
// without a `messages` array as it is (restarted).
void continue_chat(boost::json::object& body, std::string_view partial_text)
{
    boost::json::value* messages = body.if_contains("messages");
    if (messages == nullptr || !messages->is_array()) {
        return;
    }
    boost::json::array& list = messages->get_array();
    list.push_back(boost::json::object{{"role", "assistant"}, {"content", partial_text}});
    list.push_back(boost::json::object{{"role", "user"}, {"content", continuation_instruction}});
}

// Text completions: the model continues the prompt, so the partial text simply extends it. Leaves a body
// whose prompt is not text (tokens, several prompts) as it is (restarted).
void continue_text(boost::json::object& body, std::string_view partial_text)
{
    boost::json::value* prompt = body.if_contains("prompt");
    if (prompt == nullptr) {
        return;
    }
    boost::json::string* text = nullptr;
    if (prompt->is_string()) {
        text = &prompt->get_string();
    } else if (prompt->is_array() && prompt->get_array().size() == 1 && prompt->get_array()[0].is_string()) {
        text = &prompt->get_array()[0].get_string();
    }
    if (text == nullptr) {
        return;
    }
    text->append(partial_text);
    body.erase("echo");  // the client already has the prompt and the partial text
}

}  // namespace

boost::json::object next_hop_request(const boost::json::object& original, routing::stream_failover_mode mode,
                                     endpoint_kind endpoint, std::string_view partial_text)
{
    boost::json::object body = original;
    if (mode == routing::stream_failover_mode::continue_ && !partial_text.empty()) {
        if (endpoint == endpoint_kind::chat) {
            continue_chat(body, partial_text);
        } else {
            continue_text(body, partial_text);
        }
    }
    force_streaming_with_usage(body);
    return body;
}

}  // namespace baton::streaming
