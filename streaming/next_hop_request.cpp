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

// The client's own assistant prefill at the end of the conversation, when its content is text.
boost::json::string* client_prefill(boost::json::array& list)
{
    if (list.empty() || !list.back().is_object()) {
        return nullptr;
    }
    boost::json::object& last = list.back().get_object();
    const boost::json::value* role = last.if_contains("role");
    boost::json::value* content = last.if_contains("content");
    if (role == nullptr || !role->is_string() || role->get_string() != "assistant" || content == nullptr ||
        !content->is_string()) {
        return nullptr;
    }
    return &content->get_string();
}

// Chat: the partial text becomes the assistant's turn (prefill), followed by the instruction to go on
// (instruct). Leaves a body without a `messages` array as it is (restarted).
void continue_chat(boost::json::object& body, std::string_view partial_text, routing::continuation how)
{
    boost::json::value* messages = body.if_contains("messages");
    if (messages == nullptr || !messages->is_array()) {
        return;
    }
    boost::json::array& list = messages->get_array();
    if (boost::json::string* prefill = client_prefill(list)) {
        prefill->append(partial_text);
    } else {
        list.push_back(boost::json::object{{"role", "assistant"}, {"content", partial_text}});
    }
    if (how == routing::continuation::instruct) {
        list.push_back(boost::json::object{{"role", "user"}, {"content", continuation_instruction}});
    }
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
                                     endpoint_kind endpoint, std::string_view partial_text,
                                     routing::continuation how)
{
    boost::json::object body = original;
    if (mode == routing::stream_failover_mode::continue_ && !partial_text.empty() &&
        how != routing::continuation::none) {
        if (endpoint == endpoint_kind::chat) {
            continue_chat(body, partial_text, how);
        } else {
            continue_text(body, partial_text);
        }
    }
    force_streaming_with_usage(body);
    return body;
}

}  // namespace baton::streaming
