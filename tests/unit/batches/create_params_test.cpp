#include "batches/create_params.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::batches;

namespace {

create_params ok(std::string_view body, std::string_view header = {})
{
    auto r = parse_create_params(body, header);
    if (auto* e = std::get_if<api_error>(&r)) {
        BOOST_FAIL("unexpected error: " + e->message);
    }
    return std::get<create_params>(r);
}

api_error refused(std::string_view body, std::string_view header = {})
{
    auto r = parse_create_params(body, header);
    BOOST_REQUIRE(std::holds_alternative<api_error>(r));
    return std::get<api_error>(r);
}

constexpr std::string_view base =
    R"({"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h")";

std::string with(std::string_view extra)
{
    return std::string(base) + std::string(extra) + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(create_params_suite)

BOOST_AUTO_TEST_CASE(valid_body_with_every_endpoint)
{
    BOOST_TEST(ok(with("")).input_file_id == "file-1");
    BOOST_TEST((ok(with("")).endpoint == baton::providers::api_endpoint::chat_completions));
    BOOST_TEST(!ok(with("")).metadata.has_value());
    BOOST_TEST(!ok(with("")).idempotency_key.has_value());
    BOOST_TEST(
        (ok(R"({"input_file_id":"f","endpoint":"/v1/completions","completion_window":"24h"})").endpoint ==
         baton::providers::api_endpoint::completions));
    BOOST_TEST(
        (ok(R"({"input_file_id":"f","endpoint":"/v1/embeddings","completion_window":"24h"})").endpoint ==
         baton::providers::api_endpoint::embeddings));
}

BOOST_AUTO_TEST_CASE(unknown_endpoint_is_invalid_value_naming_the_supported_ones)
{
    const auto e =
        refused(R"({"input_file_id":"f","endpoint":"/v1/invalid/endpoint","completion_window":"24h"})");
    BOOST_TEST((e.code == errc::invalid_value));
    BOOST_TEST(e.param == "endpoint");
    BOOST_TEST(e.message ==
               "Invalid value: '/v1/invalid/endpoint'. Supported values are: '/v1/chat/completions', "
               "'/v1/completions', and '/v1/embeddings'.");
}

BOOST_AUTO_TEST_CASE(every_bad_completion_window_is_refused)
{
    for (const std::string w : {"1h", "48h", "invalid", ""}) {
        const auto e = refused(
            R"({"input_file_id":"f","endpoint":"/v1/chat/completions","completion_window":")" + w + R"("})");
        BOOST_TEST((e.code == errc::invalid_value));
        BOOST_TEST(e.param == "completion_window");
        BOOST_TEST(e.message == "Invalid value: '" + w + "'. Supported values are: '24h'.");
    }
}

BOOST_AUTO_TEST_CASE(missing_fields_are_named_in_order)
{
    auto e = refused(R"({"endpoint":"/v1/chat/completions","completion_window":"24h"})");
    BOOST_TEST((e.code == errc::missing_required_parameter));
    BOOST_TEST(e.message == "Missing required parameter: 'input_file_id'.");
    e = refused(R"({"input_file_id":"f","completion_window":"24h"})");
    BOOST_TEST(e.param == "endpoint");
    e = refused(R"({"input_file_id":"f","endpoint":"/v1/chat/completions"})");
    BOOST_TEST(e.param == "completion_window");
    e = refused(R"({"input_file_id":7,"endpoint":"/v1/chat/completions","completion_window":"24h"})");
    BOOST_TEST((e.code == errc::invalid_type));
    BOOST_TEST(e.message ==
               "Invalid type for 'input_file_id': expected a string, but got an integer instead.");
}

BOOST_AUTO_TEST_CASE(not_json_is_invalid_json)
{
    BOOST_TEST((refused("nope").code == errc::invalid_json));
    BOOST_TEST((refused("[1]").code == errc::invalid_json));
}

BOOST_AUTO_TEST_CASE(metadata_values_must_be_strings)
{
    const auto e = refused(with(R"(,"metadata":{"tags":["tag1","tag2"]})"));
    BOOST_TEST((e.code == errc::invalid_type));
    BOOST_TEST(e.param == "metadata.tags");
    BOOST_TEST(e.message == "Invalid type for 'metadata.tags': expected a string, but got an array instead.");
    BOOST_TEST((refused(with(R"(,"metadata":{"n":1})")).code == errc::invalid_type));
    BOOST_TEST((refused(with(R"(,"metadata":"x")")).param == "metadata"));
}

BOOST_AUTO_TEST_CASE(metadata_limits)
{
    std::string sixteen = R"(,"metadata":{)";
    for (int i = 0; i < 16; ++i) {
        sixteen += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
    }
    BOOST_TEST(ok(with(sixteen + "}")).metadata->size() == 16u);
    BOOST_TEST(refused(with(sixteen + R"(,"k16":"v"})")).message ==
               "Invalid 'metadata': at most 16 key-value pairs are allowed, got 17.");
    BOOST_TEST(refused(with(R"(,"metadata":{")" + std::string(65, 'k') + R"(":"v"})")).param ==
               "metadata." + std::string(65, 'k'));
    BOOST_TEST(
        ok(with(R"(,"metadata":{")" + std::string(64, 'k') + R"(":")" + std::string(512, 'v') + R"("})"))
            .metadata->size() == 1u);
    BOOST_TEST(refused(with(R"(,"metadata":{"k":")" + std::string(513, 'v') + R"("})")).param ==
               "metadata.k");
}

BOOST_AUTO_TEST_CASE(metadata_null_is_absent_and_empty_object_is_not)
{
    BOOST_TEST(!ok(with(R"(,"metadata":null)")).metadata.has_value());
    BOOST_TEST(ok(with(R"(,"metadata":{})")).metadata->empty());
}

BOOST_AUTO_TEST_CASE(idempotency_key_from_header_or_body)
{
    BOOST_TEST(*ok(with(""), "k1").idempotency_key == "k1");
    BOOST_TEST(*ok(with(R"(,"idempotency_key":"k2")")).idempotency_key == "k2");
    BOOST_TEST(*ok(with(R"(,"idempotency_key":"k3")"), "k3").idempotency_key == "k3");
    BOOST_TEST(refused(with(R"(,"idempotency_key":"a")"), "b").param == "idempotency_key");
    BOOST_TEST((refused(with(R"(,"idempotency_key":5)")).code == errc::invalid_type));
    BOOST_TEST(refused(with(R"(,"idempotency_key":"")")).param == "idempotency_key");
    BOOST_TEST(refused(with(""), std::string(257, 'k')).param == "idempotency_key");
}

BOOST_AUTO_TEST_CASE(fingerprint_ignores_metadata_order_and_the_key)
{
    const auto a = ok(with(R"(,"metadata":{"test":"value1","other":"value2"})"), "unique-token-1");
    const auto b = ok(with(R"(,"metadata":{"other":"value2","test":"value1"})"), "another");
    BOOST_TEST(idempotency_fingerprint(a) == idempotency_fingerprint(b));
    BOOST_TEST(idempotency_fingerprint(a) ==
               R"({"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h",)"
               R"("metadata":{"other":"value2","test":"value1"}})");
}

BOOST_AUTO_TEST_CASE(fingerprint_tells_every_parameter_apart)
{
    const auto base_fp = idempotency_fingerprint(ok(with("")));
    // Llama Stack's conflict cases: input_file_id, a metadata value, metadata absent vs {}.
    BOOST_TEST(
        base_fp !=
        idempotency_fingerprint(
            ok(R"({"input_file_id":"file-2","endpoint":"/v1/chat/completions","completion_window":"24h"})")));
    BOOST_TEST(idempotency_fingerprint(ok(with(R"(,"metadata":{"test":"value1"})"))) !=
               idempotency_fingerprint(ok(with(R"(,"metadata":{"test":"value2"})"))));
    BOOST_TEST(base_fp != idempotency_fingerprint(ok(with(R"(,"metadata":{})"))));
    BOOST_TEST(base_fp !=
               idempotency_fingerprint(ok(
                   R"({"input_file_id":"file-1","endpoint":"/v1/embeddings","completion_window":"24h"})")));
}

BOOST_AUTO_TEST_CASE(conflict_message_is_the_spec_text)
{
    const auto e = idempotency_conflict("same-token");
    BOOST_TEST((e.code == errc::idempotency_conflict));
    BOOST_TEST(e.message == "Idempotency key 'same-token' was previously used with different parameters");
}

BOOST_AUTO_TEST_SUITE_END()
