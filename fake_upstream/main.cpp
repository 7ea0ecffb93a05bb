// fake_upstream: a scripted OpenAI-compatible server for baton's integration tests.
//
//   fake_upstream [--listen 127.0.0.1:0] [--script FILE] [--threads N] [--exit-with-parent]
//
// --exit-with-parent: SIGTERM ourselves when the process that started us dies (a killed test run leaves no
// fake behind). Prints exactly one line "listening HOST:PORT" on stdout once it accepts connections;
// SIGTERM/SIGINT exit 0.
// --script FILE holds either one script (installed for "default") or {"scripts": {"<name>": <script>, ...}}.
// The HTTP surface (deployment paths and the /_control API) is described in fake_upstream/README.md.

#include "fake_upstream/fake_state.hpp"
#include "fake_upstream/session.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using baton::fake::fake_state;

struct options {
    std::string listen = "127.0.0.1:0";
    std::string script_file;
    int threads = 1;
    bool exit_with_parent = false;
};

[[noreturn]] void usage(int code) {
    (code == 0 ? std::cout : std::cerr)
        << "usage: fake_upstream [--listen HOST:PORT] [--script FILE] [--threads N] [--exit-with-parent]\n";
    std::exit(code);
}

options parse_args(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage(2);
            return argv[++i];
        };
        if (a == "--listen")
            o.listen = next();
        else if (a == "--script")
            o.script_file = next();
        else if (a == "--threads")
            o.threads = std::max(1, std::atoi(next().c_str()));
        else if (a == "--exit-with-parent")
            o.exit_with_parent = true;
        else if (a == "--help" || a == "-h")
            usage(0);
        else
            usage(2);
    }
    return o;
}

tcp::endpoint parse_endpoint(const std::string& s) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen wants HOST:PORT, got " + s);
    std::string host = s.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {asio::ip::make_address(host), static_cast<unsigned short>(std::stoul(s.substr(colon + 1)))};
}

void load_scripts(const std::string& file, fake_state& state) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    const json::value v = json::parse(ss.str());
    auto install = [&](const std::string& name, const json::value& s) {
        auto parsed = baton::fake::parse_script(s);
        if (!parsed) throw std::runtime_error(file + ": " + name + ": " + parsed.error());
        state.set_script(name, std::move(*parsed));
    };
    if (const auto* scripts = v.is_object() ? v.get_object().if_contains("scripts") : nullptr) {
        if (!scripts->is_object()) throw std::runtime_error(file + ": scripts must be an object");
        for (const auto& kv : scripts->get_object()) install(std::string(kv.key()), kv.value());
    } else {
        install("default", v);
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<fake_state> state) {
    std::uint64_t next_id = 0;
    for (;;) {
        // Each connection gets its own strand so that --threads N is safe without further locking.
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()),
                                                           asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
        auto ex = socket.get_executor();
        asio::co_spawn(ex, baton::fake::run_session(std::move(socket), state, next_id++), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const options opt = parse_args(argc, argv);
    if (opt.exit_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    try {
        asio::io_context ioc(opt.threads);
        auto state = std::make_shared<fake_state>();
        if (!opt.script_file.empty()) load_scripts(opt.script_file, *state);

        tcp::acceptor acceptor(ioc, parse_endpoint(opt.listen));
        asio::co_spawn(ioc, accept_loop(acceptor, state), asio::detached);

        // Test infrastructure: nothing to drain, a signal just ends the process with success.
        asio::signal_set signals(ioc, SIGTERM, SIGINT);
        signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });

        const auto ep = acceptor.local_endpoint();
        std::cout << "listening " << ep.address().to_string() << ":" << ep.port() << std::endl;

        std::vector<std::thread> extra;
        for (int i = 1; i < opt.threads; ++i) extra.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : extra) t.join();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "fake_upstream: " << e.what() << std::endl;
        return 1;
    }
}
