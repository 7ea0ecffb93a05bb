// Request rewriting (SPEC §4): what batond sends upstream for a client body, and which bodies it refuses.
#include "call/routed_request.hpp"
#include "call/errc.hpp"
#include "providers/registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using baton::call::parse_routed_request;
using baton::call::request_error;
using baton::call::routed_request;
using baton::providers::api_endpoint;

namespace {

routed_request ok(std::string_view body, api_endpoint e = api_endpoint::chat_completions,
                  bool default_model = false)
{
    auto r = parse_routed_request(body, e, default_model);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<routed_request>(r), "refused: " << body);
    return std::get<routed_request>(std::move(r));
}

/// What the OpenAI adapter sends upstream for `r` with `model`.
std::string upstream_body(routed_request& r, std::string_view model)
{
    std::string out;
    std::string dropped;
    const baton::providers::deployment_route route;
    baton::providers::adapter_for("openai").write_body(route, r.body, model, r.endpoint, out, dropped);
    return out;
}

request_error refused(std::string_view body, api_endpoint e = api_endpoint::chat_completions,
                      bool default_model = false)
{
    auto r = parse_routed_request(body, e, default_model);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<request_error>(r), "accepted: " << body);
    return std::get<request_error>(std::move(r));
}

}  // namespace

BOOST_AUTO_TEST_CASE(model_is_rewritten_and_baton_fields_removed)
{
    auto r = ok(R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":0.5,
                   "fallbacks":["a","b"],"num_retries":2,"disable_fallbacks":true,"metadata":{"team":"x"},
                   "stream_failover":"restart","user":"u1"})");
    BOOST_TEST(r.model == "gpt-4o");
    BOOST_REQUIRE(r.options.fallbacks.has_value());
    BOOST_TEST(*r.options.fallbacks == (std::vector<std::string>{"a", "b"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.options.num_retries.value() == 2);
    BOOST_TEST(r.options.disable_fallbacks);
    BOOST_TEST((r.stream_failover == baton::routing::stream_failover_mode::restart));
    BOOST_TEST(!r.stream);
    const auto sent = json::parse(upstream_body(r, "gpt-4o-2024-08-06")).as_object();
    BOOST_TEST(
        json::serialize(sent) ==
        R"({"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"hi"}],"temperature":5E-1,"user":"u1"})");
    // Another attempt sends its own deployment's model, nothing of the previous one.
    BOOST_TEST(json::parse(upstream_body(r, "claude-sonnet")).as_object().at("model") == "claude-sonnet");
}

BOOST_AUTO_TEST_CASE(streams_always_ask_upstreams_for_usage)
{
    auto quiet = ok(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]})");
    BOOST_TEST(quiet.stream);
    BOOST_TEST(!quiet.client_wants_usage);
    BOOST_TEST(json::serialize(quiet.body.at("stream_options")) == R"({"include_usage":true})");

    auto asked = ok(R"({"model":"m","stream":true,"stream_options":{"include_usage":true,"x":1},
                       "messages":[{"role":"user","content":"x"}]})");
    BOOST_TEST(asked.client_wants_usage);
    BOOST_TEST(json::serialize(asked.body.at("stream_options")) == R"({"include_usage":true,"x":1})");

    auto not_streamed = ok(R"({"model":"m","stream":false,"messages":[{"role":"user","content":"x"}]})");
    BOOST_TEST(!not_streamed.body.contains("stream_options"));
    // Embeddings never stream.
    BOOST_TEST(!ok(R"({"model":"m","input":"x","stream":true})", api_endpoint::embeddings).stream);
}

BOOST_AUTO_TEST_CASE(default_model_allows_a_missing_model)
{
    BOOST_TEST(ok(R"({"messages":[{"role":"user","content":"x"}]})", api_endpoint::chat_completions, true)
                   .model.empty());
    const auto e = refused(R"({"messages":[{"role":"user","content":"x"}]})");
    BOOST_TEST(e.message == "you must provide a model parameter");
    BOOST_TEST(to_string(e.code) == "missing_required_parameter");
    BOOST_TEST(e.param == "model");
}

BOOST_AUTO_TEST_CASE(bad_bodies_are_refused_with_their_param)
{
    struct bad_case {
        std::string body;
        api_endpoint endpoint;
        std::string message;
        std::string code;
        std::string param;
    };
    const std::vector<bad_case> cases{
        {"{bad", api_endpoint::chat_completions,
         "We could not parse the JSON body of your request. The body must be a JSON object.", "invalid_json",
         ""},
        {"[1,2]", api_endpoint::chat_completions,
         "We could not parse the JSON body of your request. The body must be a JSON object.", "invalid_json",
         ""},
        {R"({"model":5,"messages":[{}]})", api_endpoint::chat_completions, "`model` must be a string",
         "invalid_type", "model"},
        {R"({"model":"m"})", api_endpoint::chat_completions, "missing required parameter `messages`",
         "missing_required_parameter", "messages"},
        {R"({"model":"m","messages":[]})", api_endpoint::chat_completions, "invalid `messages`",
         "invalid_type", "messages"},
        {R"({"model":"m"})", api_endpoint::completions, "missing required parameter `prompt`",
         "missing_required_parameter", "prompt"},
        {R"({"model":"m","input":3})", api_endpoint::embeddings, "invalid `input`", "invalid_type", "input"},
        {R"({"model":"m","messages":[{}],"fallbacks":"x"})", api_endpoint::chat_completions,
         "`fallbacks` must be an array of model names", "invalid_type", "fallbacks"},
        {R"({"model":"m","messages":[{}],"fallbacks":["a",1]})", api_endpoint::chat_completions,
         "`fallbacks` must be an array of model names", "invalid_type", "fallbacks"},
        // Issue #11, defect 9: at most 16 per-request fallbacks.
        {R"({"model":"m","messages":[{}],"fallbacks":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]})",
         api_endpoint::chat_completions, "`fallbacks` may name at most 16 models (got 17)", "invalid_value",
         "fallbacks"},
        {R"({"model":"m","messages":[{}],"num_retries":11})", api_endpoint::chat_completions,
         "`num_retries` must be an integer from 0 to 10", "invalid_type", "num_retries"},
        {R"({"model":"m","messages":[{}],"disable_fallbacks":"yes"})", api_endpoint::chat_completions,
         "`disable_fallbacks` must be a boolean", "invalid_type", "disable_fallbacks"},
        {R"({"model":"m","messages":[{}],"metadata":[1]})", api_endpoint::chat_completions,
         "`metadata` must be an object", "invalid_type", "metadata"},
        {R"({"model":"m","messages":[{}],"stream_failover":"sometimes"})", api_endpoint::chat_completions,
         "`stream_failover` must be one of continue, restart, off", "invalid_value", "stream_failover"},
        {R"({"model":"m","messages":[{}],"stream":"yes"})", api_endpoint::chat_completions,
         "`stream` must be a boolean", "invalid_type", "stream"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body)
        {
            const auto e = refused(c.body, c.endpoint);
            BOOST_TEST(e.message == c.message);
            BOOST_TEST(to_string(e.code) == c.code);
            BOOST_TEST(e.param == c.param);
        }
    }
}

BOOST_AUTO_TEST_CASE(sixteen_fallbacks_are_accepted)
{
    std::string body = R"({"model":"m","messages":[{}],"fallbacks":[)";
    for (int i = 0; i < 16; ++i) body += (i == 0 ? "\"f" : ",\"f") + std::to_string(i) + "\"";
    body += "]}";
    const auto parsed = parse_routed_request(body, api_endpoint::chat_completions, false);
    BOOST_REQUIRE(std::holds_alternative<routed_request>(parsed));
    BOOST_TEST(std::get<routed_request>(parsed).options.fallbacks->size() == 16u);
}
