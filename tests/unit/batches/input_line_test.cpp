#include "batches/input_line.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::batches;
using baton::providers::api_endpoint;

namespace {

line_rules chat_rules()
{
    line_rules r;
    r.endpoint = api_endpoint::chat_completions;
    r.check_model = [](std::string_view m) {
        if (m == "gpt-4o") return model_verdict::known;
        if (m == "secret") return model_verdict::not_allowed;
        return model_verdict::unknown;
    };
    return r;
}

batch_error refused(std::string_view line, const line_rules& rules = chat_rules())
{
    auto r = validate_line(line, rules);
    BOOST_REQUIRE(std::holds_alternative<batch_error>(r));
    return std::get<batch_error>(r);
}

constexpr std::string_view messages = R"("messages":[{"role":"user","content":"Hello"}])";

std::string line(std::string_view fields)
{
    return "{" + std::string(fields) + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(input_line_suite)

BOOST_AUTO_TEST_CASE(valid_line_keeps_custom_id_and_body)
{
    const auto r = validate_line(
        R"({"custom_id":"a-1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o",)" +
            std::string(messages) + R"(,"max_tokens":10}})" + "\r",
        chat_rules());
    BOOST_REQUIRE(std::holds_alternative<valid_line>(r));
    BOOST_TEST(std::get<valid_line>(r).custom_id == "a-1");
    BOOST_TEST(std::get<valid_line>(r).body ==
               R"({"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"max_tokens":10})");
}

BOOST_AUTO_TEST_CASE(malformed_json_is_invalid_json_line)
{
    for (const std::string_view bad : {"{invalid json here", "[1,2]", "\"text\"", "{\"custom_id\":"}) {
        const auto e = refused(bad);
        BOOST_TEST(e.code == "invalid_json_line");
        BOOST_TEST(e.message == "This line is not parseable as valid JSON.");
        BOOST_TEST(e.param.empty());
        BOOST_TEST(!e.line.has_value());
    }
}

// Llama Stack test_batch_missing_required_fields: one error per line, in field order.
BOOST_AUTO_TEST_CASE(missing_request_fields_are_named)
{
    const std::string body = R"("body":{"model":"gpt-4o",)" + std::string(messages) + "}";
    auto e = refused(line(R"("method":"POST","url":"/v1/chat/completions",)" + body));
    BOOST_TEST(e.code == "missing_required_parameter");
    BOOST_TEST(e.message == "Missing required parameter: 'custom_id'.");
    BOOST_TEST(e.param == "custom_id");
    e = refused(line(R"("custom_id":"no-method","url":"/v1/chat/completions",)" + body));
    BOOST_TEST(e.message == "Missing required parameter: 'method'.");
    e = refused(line(R"("custom_id":"no-url","method":"POST",)" + body));
    BOOST_TEST(e.message == "Missing required parameter: 'url'.");
    e = refused(line(R"("custom_id":"no-body","method":"POST","url":"/v1/chat/completions")"));
    BOOST_TEST(e.message == "Missing required parameter: 'body'.");
    BOOST_TEST(e.param == "body");
}

BOOST_AUTO_TEST_CASE(wrong_types_and_methods)
{
    auto e = refused(line(R"("custom_id":1,"method":"POST","url":"/v1/chat/completions","body":{})"));
    BOOST_TEST(e.code == "invalid_type");
    BOOST_TEST(e.param == "custom_id");
    e = refused(line(R"("custom_id":"a","method":"GET","url":"/v1/chat/completions","body":{})"));
    BOOST_TEST(e.code == "invalid_value");
    BOOST_TEST(e.message == "Invalid value: 'GET'. Supported values are: 'POST'.");
    e = refused(line(R"("custom_id":"a","method":"POST","url":"/v1/chat/completions","body":"x")"));
    BOOST_TEST(e.code == "invalid_type");
    BOOST_TEST(e.param == "body");
}

// Llama Stack test_batch_endpoint_mismatch.
BOOST_AUTO_TEST_CASE(url_other_than_the_batch_endpoint_is_invalid_url)
{
    const auto e =
        refused(line(R"("custom_id":"m","method":"POST","url":"/v1/embeddings","body":{"model":"gpt-4o",)" +
                     std::string(messages) + "}"));
    BOOST_TEST(e.code == "invalid_url");
    BOOST_TEST(e.message == "The URL provided for this request does not match the batch endpoint.");
    BOOST_TEST(e.param == "url");
}

// Llama Stack test_batch_streaming_not_supported.
BOOST_AUTO_TEST_CASE(streaming_is_unsupported)
{
    const auto e = refused(
        line(R"("custom_id":"s","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o",)" +
             std::string(messages) + R"(,"stream":true})"));
    BOOST_TEST(e.code == "streaming_unsupported");
    BOOST_TEST(e.message == "Chat Completions: Streaming is not supported in the Batch API.");
    BOOST_TEST(e.param == "body.stream");
    // stream: false is an ordinary request.
    BOOST_TEST(std::holds_alternative<valid_line>(validate_line(
        line(R"("custom_id":"s","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o",)" +
             std::string(messages) + R"(,"stream":false})"),
        chat_rules())));
}

// Llama Stack test_batch_missing_required_body_fields.
BOOST_AUTO_TEST_CASE(body_fields_are_checked_as_for_a_live_request)
{
    auto e = refused(line(R"("custom_id":"mm","method":"POST","url":"/v1/chat/completions","body":{)" +
                          std::string(messages) + "}"));
    BOOST_TEST(e.code == "invalid_request");
    BOOST_TEST(e.param == "body.model");
    BOOST_TEST(e.message == "You must provide a model parameter.");
    e = refused(
        line(R"("custom_id":"mm","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o"})"));
    BOOST_TEST(e.param == "body.messages");
    BOOST_TEST(e.message == "Missing required parameter `messages`.");
    // With a default_model, a body without model is valid, as a live request would be.
    auto rules = chat_rules();
    rules.has_default_model = true;
    rules.check_model = {};
    BOOST_TEST(std::holds_alternative<valid_line>(
        validate_line(line(R"("custom_id":"d","method":"POST","url":"/v1/chat/completions","body":{)" +
                           std::string(messages) + "}"),
                      rules)));
}

// Llama Stack test_batch_error_handling_invalid_model.
BOOST_AUTO_TEST_CASE(unknown_and_forbidden_models)
{
    auto e = refused(line(
        R"("custom_id":"x","method":"POST","url":"/v1/chat/completions","body":{"model":"nonexistent-model-xyz",)" +
        std::string(messages) + "}"));
    BOOST_TEST(e.code == "model_not_found");
    BOOST_TEST(e.message == "The provided model 'nonexistent-model-xyz' is not supported by the Batch API.");
    BOOST_TEST(e.param == "body.model");
    e = refused(
        line(R"("custom_id":"x","method":"POST","url":"/v1/chat/completions","body":{"model":"secret",)" +
             std::string(messages) + "}"));
    BOOST_TEST(e.code == "model_not_allowed");
}

BOOST_AUTO_TEST_CASE(embeddings_and_completions_need_their_own_fields)
{
    line_rules rules;
    rules.endpoint = api_endpoint::embeddings;
    BOOST_TEST(std::holds_alternative<valid_line>(validate_line(
        R"({"custom_id":"e","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":"hi"}})",
        rules)));
    BOOST_TEST(
        std::get<batch_error>(
            validate_line(R"({"custom_id":"e","method":"POST","url":"/v1/embeddings","body":{"model":"m"}})",
                          rules))
            .param == "body.input");
    rules.endpoint = api_endpoint::completions;
    BOOST_TEST(std::holds_alternative<valid_line>(validate_line(
        R"({"custom_id":"c","method":"POST","url":"/v1/completions","body":{"model":"m","prompt":"hi"}})",
        rules)));
}

BOOST_AUTO_TEST_CASE(long_lines_are_refused_unparsed)
{
    auto rules = chat_rules();
    rules.max_line_bytes = 10;
    const auto e = refused(std::string(11, 'x'), rules);
    BOOST_TEST(e.code == "invalid_request");
    BOOST_TEST(e.message == "This line is larger than the limit of 10 bytes.");
}

BOOST_AUTO_TEST_CASE(blank_lines_and_duplicates)
{
    BOOST_TEST(blank_line(""));
    BOOST_TEST(blank_line(" \t\r"));
    BOOST_TEST(!blank_line(" {}"));
    const auto e = duplicate_custom_id("a-1");
    BOOST_TEST(e.code == "duplicate_custom_id");
    BOOST_TEST(e.param == "custom_id");
}

BOOST_AUTO_TEST_SUITE_END()
