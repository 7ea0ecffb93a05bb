#define BOOST_TEST_MODULE upstream_tls
#include <boost/test/unit_test.hpp>

// batond's upstream HTTPS client (net/upstream_client.cpp) against a real TLS server: Debian's nginx
// terminating TLS with openssl-CLI-made self-signed certificates, proxying to the fake upstream.
// - `ssl_verify: false` relays plain and streamed completions over TLS;
// - the default `ssl_verify: true` rejects an untrusted certificate: a §5.3 `connection` failure that fails
//   over (or ends in 502 fallbacks_exhausted);
// - with the certificates trusted through SSL_CERT_FILE (OpenSSL's default verify paths), host-name
//   verification accepts a matching name (DNS and IP SAN), rejects a mismatching one, and batond sends SNI.

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace bt = baton::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using baton::test::unused_port;

using baton::test::port_accepts;

using baton::test::call_header;
using baton::test::chat_body;
using baton::test::content_pieces;
using baton::test::str;

struct cert_files {
    std::filesystem::path cert;
    std::filesystem::path key;
};

/// A self-signed RSA certificate (1 day) for /CN=`cn` with subjectAltName `san`, made by the openssl CLI.
cert_files make_cert(const bt::temp_dir& dir, const std::string& stem, const std::string& cn, const std::string& san)
{
    cert_files f{dir.path() / (stem + ".crt"), dir.path() / (stem + ".key")};
    bt::child_process p("/usr/bin/openssl",
                        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + cn,
                         "-addext", "subjectAltName=" + san, "-keyout", f.key.string(), "-out", f.cert.string()});
    const auto st = p.wait_exit(bt::deadline_after(30s));
    if (!st || !st->success() || !std::filesystem::exists(f.cert)) {
        throw std::runtime_error("openssl req failed: " + p.read_stderr());
    }
    return f;
}

/// One TLS server block of the nginx below.
struct tls_site {
    cert_files cert;
    std::string server_name = "_";  ///< server_name of the block
    bool default_server = true;     ///< false: a name-based (SNI) block on the previous site's port
};

/// nginx (foreground) terminating TLS on fresh 127.0.0.1 ports and proxying everything to the fake upstream
/// unbuffered, passing the TLS server name the client sent (SNI) as `x-test-sni`.
class tls_nginx {
public:
    tls_nginx(const std::vector<tls_site>& sites, std::uint16_t fake_port)
        : nginx_("tls-nginx", default_sites(sites), [&sites, fake_port](const std::vector<std::uint16_t>& ports, bt::temp_dir&) {
              std::string servers;
              std::size_t next = 0;
              std::uint16_t port = 0;
              for (const auto& s : sites) {
                  if (s.default_server || port == 0) port = ports.at(next++);
                  servers += "  server {\n";
                  servers += "    listen 127.0.0.1:" + std::to_string(port) + " ssl" +
                             (s.default_server ? " default_server" : "") + ";\n";
                  servers += "    server_name " + s.server_name + ";\n";
                  servers += "    ssl_certificate " + s.cert.cert.string() + ";\n";
                  servers += "    ssl_certificate_key " + s.cert.key.string() + ";\n";
                  servers += "    location / {\n";
                  servers += "      proxy_pass http://127.0.0.1:" + std::to_string(fake_port) + ";\n";
                  servers += "      proxy_http_version 1.1;\n";
                  servers += "      proxy_set_header Connection \"\";\n";
                  servers += "      proxy_set_header x-test-sni \"$ssl_server_name\";\n";
                  servers += "      proxy_buffering off;\n";
                  servers += "    }\n";
                  servers += "  }\n";
              }
              return servers;
          })
    {
    }

    /// The port of the i-th listening port (one per default_server site, in order).
    std::uint16_t port(std::size_t i = 0) const { return nginx_.port(i); }
    std::string error_log() const { return nginx_.error_log(); }

private:
    /// One port per default_server site (the first site gets one either way).
    static std::size_t default_sites(const std::vector<tls_site>& sites)
    {
        std::size_t n = 0;
        for (std::size_t i = 0; i < sites.size(); ++i) {
            if (sites[i].default_server || i == 0) ++n;
        }
        return n;
    }

    bt::nginx_process nginx_;
};

/// Every config of this file: bounded attempts (5 s; 3 s to a stream's first event), no retries,
/// allowed_fails 100 and 1 s cooldowns, two reactors, a 3 s drain; each deployment weighs 1 unless it says
/// otherwise.
const bt::config_defaults tls_defaults{
    .litellm_params = {"weight: 1", "timeout: 5", "stream_timeout: 3"},
    .router_settings = {"num_retries: 0", "allowed_fails: 100", "cooldown_time: 1", "stream_idle_timeout: 1"},
    .general_settings = {"threads: 2", "graceful_shutdown_seconds: 3"},
};

std::string message_content(const bt::http_response& r)
{
    try {
        return std::string(r.json().at("choices").at(0).at("message").at("content").as_string());
    } catch (const std::exception&) {
        return "<no content in: " + r.body + ">";
    }
}

/// The upstream_failure events of deployment `id` logged so far, waited for (bounded) until at least one.
std::vector<json::object> wait_failures(bt::baton_process& b, std::string_view id, bt::deadline d)
{
    for (;;) {
        std::vector<json::object> out;
        for (auto& e : b.log_events()) {
            if (str(e, "event") == "upstream_failure" && str(e, "deployment") == id) out.push_back(std::move(e));
        }
        if (!out.empty() || bt::clock::now() >= d) return out;
        std::this_thread::sleep_for(10ms);
    }
}

/// Certificates shared by the tests: `localhost` (DNS:localhost, IP:127.0.0.1) and `wrong.example`
/// (DNS:wrong.example, IP:127.0.0.1 — so over 127.0.0.1 it is valid, over `localhost` only the name is wrong),
/// and a bundle of both for SSL_CERT_FILE.
struct certs {
    bt::temp_dir dir{"tls-certs"};
    cert_files localhost = make_cert(dir, "localhost", "localhost", "DNS:localhost,IP:127.0.0.1");
    cert_files wrong = make_cert(dir, "wrong", "wrong.example", "DNS:wrong.example,IP:127.0.0.1");
    std::filesystem::path bundle =
        dir.write_file("bundle.pem", bt::read_file(localhost.cert) + bt::read_file(wrong.cert));
};

void require_tools()
{
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists("/usr/sbin/nginx"), "nginx is not installed");
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/openssl"), "the openssl CLI is not installed");
}

}  // namespace

// 1. ssl_verify: false → completions over TLS (untrusted self-signed certificate), plain and streamed.
BOOST_AUTO_TEST_CASE(ssl_verify_false_relays_plain_and_streamed_completions_over_tls)
{
    require_tools();
    certs c;
    bt::fake_upstream_process fake;
    tls_nginx nginx({{c.localhost}}, fake.port());
    const auto tls = "https://localhost:" + std::to_string(nginx.port());
    const auto tls_ip = "https://127.0.0.1:" + std::to_string(nginx.port());
    fake.set_script("t", json::parse(R"({"content": "secret handshake ok"})"));
    fake.set_script("ts", json::parse(R"({"stream": {"pieces": ["over ", "tls ", "stream"]}})"));
    fake.set_script("ti", json::parse(R"({"content": "by ip"})"));

    bt::test_config p;
    p.deployments = {{"g", "t", 1, {"ssl_verify: false"}, tls + "/t/v1"},
                     {"gs", "ts", 1, {"ssl_verify: false"}, tls + "/ts/v1"},
                     {"gi", "ti", 1, {"ssl_verify: false"}, tls_ip + "/ti/v1"}};
    bt::baton_process baton(bt::config_yaml(fake, p, tls_defaults));
    bt::http_client client(baton.port());

    const auto r = client.post_json("/v1/chat/completions", chat_body("g"));
    BOOST_TEST(r.status == 200u, "body: " << r.body << "\nbatond: " << baton.log());
    BOOST_TEST(message_content(r) == "secret handshake ok");
    BOOST_TEST(header(r, "x-baton-deployment-id") == "t");
    BOOST_TEST(header(r, "x-baton-attempts") == "1");
    BOOST_REQUIRE(fake.wait_calls("t", 1));
    const auto calls = fake.calls("t");
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    BOOST_TEST(call_header(calls[0], "authorization") == "Bearer key-t");
    BOOST_TEST(call_header(calls[0], "x-test-sni") == "localhost");  // the request really came through TLS
    BOOST_TEST(std::string(calls[0].at("json").at("model").as_string()) == "up-t");

    const auto head =
        client.open_stream("/v1/chat/completions", chat_body("gs", true), bt::deadline_after(10s));
    BOOST_TEST(head.status == 200u, "batond: " << baton.log());
    BOOST_TEST(header(head, "content-type").starts_with("text/event-stream"));
    const auto s = client.read_events(bt::deadline_after(10s));
    BOOST_TEST(s.final_status == bt::stream_status::end);
    const auto pieces = content_pieces(s.events);
    BOOST_TEST(pieces == (std::vector<std::string>{"over ", "tls ", "stream"}), boost::test_tools::per_element());
    BOOST_REQUIRE(!s.events.empty());
    BOOST_TEST(s.events.back().is_done());
    BOOST_REQUIRE(fake.wait_calls("ts", 1));
    const auto scalls = fake.calls("ts");
    BOOST_REQUIRE_EQUAL(scalls.size(), 1u);
    BOOST_TEST(call_header(scalls[0], "x-test-sni") == "localhost");
    BOOST_TEST(scalls[0].at("json").at("stream").as_bool());

    // An IP-literal api_base over TLS, too.
    const auto ri = client.post_json("/v1/chat/completions", chat_body("gi"));
    BOOST_TEST(ri.status == 200u, "body: " << ri.body);
    BOOST_TEST(message_content(ri) == "by ip");
    BOOST_TEST(fake.wait_calls("ti", 1));
    BOOST_TEST_MESSAGE("nginx error.log:\n" << nginx.error_log());
}

// 2. Default ssl_verify (true) against an untrusted self-signed certificate: a `connection` failure (§5.3).
BOOST_AUTO_TEST_CASE(default_ssl_verify_rejects_untrusted_certificate_as_connection_failure)
{
    require_tools();
    certs c;
    bt::fake_upstream_process fake;
    tls_nginx nginx({{c.localhost}}, fake.port());
    const auto tls = "https://localhost:" + std::to_string(nginx.port());
    fake.set_script("tv", json::parse(R"({"content": "must not be reached"})"));
    fake.set_script("plain", json::parse(R"({"content": "plain http answered"})"));
    fake.set_script("plains", json::parse(R"({"stream": {"pieces": ["plain ", "stream"]}})"));
    fake.set_script("only", json::parse(R"({"content": "must not be reached"})"));

    // Weight 0 on the plain deployments: the TLS one (weight 1) is always tried first (§5.1).
    bt::test_config p;
    p.deployments = {{"g", "tv", 1, {}, tls + "/tv/v1"},
                     {"g", "plain", 0},
                     {"gs", "tvs", 1, {"ssl_verify: true"}, tls + "/tv/v1"},
                     {"gs", "plains", 0},
                     {"solo", "only", 1, {}, tls + "/only/v1"}};
    bt::baton_process baton(bt::config_yaml(fake, p, tls_defaults));
    bt::http_client client(baton.port());

    // Non-streamed: fails over to the plain-http deployment.
    const auto r = client.post_json("/v1/chat/completions", chat_body("g"));
    BOOST_TEST(r.status == 200u, "body: " << r.body << "\nbatond: " << baton.log());
    BOOST_TEST(message_content(r) == "plain http answered");
    BOOST_TEST(header(r, "x-baton-deployment-id") == "plain");
    BOOST_TEST(header(r, "x-baton-attempts") == "2");
    const auto f = wait_failures(baton, "tv", bt::deadline_after(5s));
    BOOST_REQUIRE_EQUAL(f.size(), 1u);
    BOOST_TEST(str(f[0], "reason") == "connection");
    BOOST_TEST(str(f[0], "model_group") == "g");

    // Streamed: the same, invisibly before the first byte (§6).
    const auto head =
        client.open_stream("/v1/chat/completions", chat_body("gs", true), bt::deadline_after(10s));
    BOOST_TEST(head.status == 200u, "batond: " << baton.log());
    BOOST_TEST(header(head, "x-baton-deployment-id") == "plains");
    const auto s = client.read_events(bt::deadline_after(10s));
    BOOST_TEST(s.final_status == bt::stream_status::end);
    BOOST_TEST(content_pieces(s.events) == (std::vector<std::string>{"plain ", "stream"}),
               boost::test_tools::per_element());
    const auto fs = wait_failures(baton, "tvs", bt::deadline_after(5s));
    BOOST_REQUIRE_EQUAL(fs.size(), 1u);
    BOOST_TEST(str(fs[0], "reason") == "connection");

    // No other deployment: 502 fallbacks_exhausted listing the `connection` attempt.
    const auto e = client.post_json("/v1/chat/completions", chat_body("solo"));
    BOOST_TEST(e.status == 502u, "body: " << e.body);
    const auto ej = e.json();
    BOOST_TEST(std::string(ej.at("error").at("code").as_string()) == "fallbacks_exhausted");
    const auto& attempts = ej.at("error").at("attempts").as_array();
    BOOST_REQUIRE_EQUAL(attempts.size(), 1u);
    BOOST_TEST(std::string(attempts[0].at("deployment_id").as_string()) == "only");
    BOOST_TEST(std::string(attempts[0].at("reason").as_string()) == "connection");
    BOOST_TEST(attempts[0].at("skipped").as_bool() == false);

    // The handshake failed: no request ever reached the upstream behind nginx.
    BOOST_TEST(fake.calls("tv").size() == 0u);
    BOOST_TEST(fake.calls("only").size() == 0u);
    BOOST_TEST(fake.calls("plain").size() == 1u);
    BOOST_TEST_MESSAGE("nginx error.log:\n" << nginx.error_log());
}

// 3. Certificates trusted through SSL_CERT_FILE: host-name verification and SNI with ssl_verify: true.
BOOST_AUTO_TEST_CASE(trusted_certificate_host_name_verification_and_sni)
{
    require_tools();
    certs c;
    bt::fake_upstream_process fake;
    // Port 0: the localhost certificate. Port 1: the wrong.example certificate only. Port 2: by SNI —
    // `localhost` gets the localhost certificate, anything else (no SNI) the wrong.example one.
    tls_nginx nginx({{c.localhost},
                     {c.wrong},
                     {c.wrong, "_", true},
                     {c.localhost, "localhost", false}},
                    fake.port());
    const auto on = [&](std::string_view host, std::size_t i) {
        return "https://" + std::string(host) + ":" + std::to_string(nginx.port(i));
    };
    for (const auto* n : {"ok", "okip", "wrongip", "mismatch", "sni", "plain"}) {
        fake.set_script(n, json::parse(std::string(R"({"content": "answer from )") + n + "\"}"));
    }

    bt::baton_process::options opts;
    opts.env.emplace_back("SSL_CERT_FILE", c.bundle.string());
    opts.env.emplace_back("SSL_CERT_DIR", (c.dir.path() / "no-such-dir").string());
    bt::test_config p;
    p.deployments = {{"ok", "ok", 1, {"ssl_verify: true"}, on("localhost", 0) + "/ok/v1"},
                     {"okip", "okip", 1, {"ssl_verify: true"}, on("127.0.0.1", 0) + "/okip/v1"},
                     {"wrongip", "wrongip", 1, {"ssl_verify: true"}, on("127.0.0.1", 1) + "/wrongip/v1"},
                     {"mm", "mismatch", 1, {"ssl_verify: true"}, on("localhost", 1) + "/mismatch/v1"},
                     {"mm", "plain", 0},
                     {"sni", "sni", 1, {"ssl_verify: true"}, on("localhost", 2) + "/sni/v1"}};
    bt::baton_process baton(bt::config_yaml(fake, p, tls_defaults), opts);
    bt::http_client client(baton.port());

    // The trusted certificate whose SAN names the api_base host: verified, answered.
    const auto r = client.post_json("/v1/chat/completions", chat_body("ok"));
    BOOST_TEST(r.status == 200u,
               "SSL_CERT_FILE trust not honoured? body: " << r.body << "\nbatond: " << baton.log());
    BOOST_TEST(message_content(r) == "answer from ok");

    // IP SAN matches an IP-literal api_base (both certificates carry IP:127.0.0.1, so both are trusted).
    const auto ri = client.post_json("/v1/chat/completions", chat_body("okip"));
    BOOST_TEST(ri.status == 200u, "body: " << ri.body);
    BOOST_TEST(message_content(ri) == "answer from okip");
    const auto rw = client.post_json("/v1/chat/completions", chat_body("wrongip"));
    BOOST_TEST(rw.status == 200u, "body: " << rw.body);
    BOOST_TEST(message_content(rw) == "answer from wrongip");

    // The same trusted wrong.example certificate reached as `localhost`: host-name mismatch → connection
    // failure → failover to the plain deployment.
    const auto m = client.post_json("/v1/chat/completions", chat_body("mm"));
    BOOST_TEST(m.status == 200u, "body: " << m.body);
    BOOST_TEST(header(m, "x-baton-deployment-id") == "plain");
    BOOST_TEST(message_content(m) == "answer from plain");
    const auto f = wait_failures(baton, "mismatch", bt::deadline_after(5s));
    BOOST_REQUIRE_EQUAL(f.size(), 1u);
    BOOST_TEST(str(f[0], "reason") == "connection");
    BOOST_TEST(fake.calls("mismatch").size() == 0u);

    // SNI: the name-based server block answers only when batond sends `localhost` as the server name
    // (without SNI nginx would present the wrong.example certificate and verification would fail).
    const auto sn = client.post_json("/v1/chat/completions", chat_body("sni"));
    BOOST_TEST(sn.status == 200u, "body: " << sn.body);
    BOOST_TEST(message_content(sn) == "answer from sni");
    BOOST_REQUIRE(fake.wait_calls("sni", 1));
    BOOST_TEST(call_header(fake.calls("sni")[0], "x-test-sni") == "localhost");
    BOOST_REQUIRE(fake.wait_calls("ok", 1));
    BOOST_TEST(call_header(fake.calls("ok")[0], "x-test-sni") == "localhost");
    BOOST_TEST_MESSAGE("nginx error.log:\n" << nginx.error_log());
}
