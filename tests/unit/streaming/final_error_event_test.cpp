#include <boost/test/unit_test.hpp>

#include "streaming/final_error_event.hpp"

#include <boost/json.hpp>

#include <string>

using namespace baton::streaming;
using baton::routing::stream_failover_mode;

BOOST_AUTO_TEST_SUITE(final_error_event_suite)

BOOST_AUTO_TEST_CASE(exact_bytes_per_trigger)
{
    const std::string head = "data: {\"error\":{\"message\":\"stream failed (";
    const std::string exhausted =
        ") and no deployment is left to continue it\",\"type\":\"server_error\",\"param\":null,"
        "\"code\":\"fallbacks_exhausted\"}}\n\n";
    const std::string off =
        ") and stream_failover is off\",\"type\":\"server_error\",\"param\":null,"
        "\"code\":\"stream_failed\"}}\n\n";
    const std::pair<stream_trigger, std::string> cases[] = {
        {stream_trigger::connection_cut, "connection_cut: the upstream connection was cut mid-stream"},
        {stream_trigger::idle_timeout, "idle_timeout: no upstream event within the stream timeout"},
        {stream_trigger::oversized_event,
         "oversized_event: the upstream sent an event larger than the limit"},
        {stream_trigger::error_event, "error_event: the upstream sent an error event"},
        {stream_trigger::eof_before_done,
         "eof_before_done: the upstream stream ended before [DONE] or a finish_reason"},
    };
    for (const auto& [trigger, text] : cases) {
        BOOST_TEST(final_error_event(trigger, stream_failover_mode::continue_) == head + text + exhausted);
        BOOST_TEST(final_error_event(trigger, stream_failover_mode::restart) == head + text + exhausted);
        BOOST_TEST(final_error_event(trigger, stream_failover_mode::off) == head + text + off);
    }
}

BOOST_AUTO_TEST_CASE(names_the_original_and_the_last_failure_and_a_drift)
{
    using baton::streaming::stream_failure;
    BOOST_TEST(
        final_error_event(stream_failure{stream_trigger::connection_cut, stream_trigger::idle_timeout, false},
                          stream_failover_mode::continue_) ==
        "data: {\"error\":{\"message\":\"stream failed (connection_cut: the upstream connection was cut "
        "mid-stream); the last deployment tried failed too (idle_timeout) and no deployment is left to "
        "continue it\",\"type\":\"server_error\",\"param\":null,\"code\":\"fallbacks_exhausted\"}}\n\n");
    BOOST_TEST(
        final_error_event(stream_failure{stream_trigger::idle_timeout, stream_trigger::restart_drift, true},
                          stream_failover_mode::continue_) ==
        "data: {\"error\":{\"message\":\"stream failed (idle_timeout: no upstream event within the stream "
        "timeout) and the deployment that took over started the answer over and drifted from it; no "
        "deployment is left that can continue it by prefill\",\"type\":\"server_error\",\"param\":null,"
        "\"code\":\"stream_failover_failed\"}}\n\n");
    // A drift earlier in the stream, then another failure: still a failover that failed.
    const std::string e = final_error_event(stream_failure{stream_trigger::connection_cut,
                                                           stream_trigger::eof_before_done, true},
                                            stream_failover_mode::continue_);
    BOOST_TEST(e.find("(eof_before_done)") != std::string::npos);
    BOOST_TEST(e.find("\"code\":\"stream_failover_failed\"") != std::string::npos);
    const boost::json::value v = boost::json::parse(e.substr(6, e.size() - 8));
    BOOST_TEST(v.at("error").at("type").as_string() == "server_error");
}

BOOST_AUTO_TEST_CASE(is_one_valid_sse_event_with_an_openai_error)
{
    const std::string ev = final_error_event(stream_trigger::idle_timeout, stream_failover_mode::continue_);
    BOOST_TEST(ev.rfind("data: ", 0) == 0u);
    BOOST_TEST(ev.substr(ev.size() - 2) == "\n\n");
    const boost::json::value v = boost::json::parse(ev.substr(6, ev.size() - 8));
    const auto& err = v.at("error").as_object();
    BOOST_TEST(err.size() == 4u);
    BOOST_TEST(err.at("type").as_string() == "server_error");
    BOOST_TEST(err.at("param").is_null());
    BOOST_TEST(err.at("code").as_string() == "fallbacks_exhausted");
}

BOOST_AUTO_TEST_SUITE_END()
