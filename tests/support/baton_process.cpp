#include "support/baton_process.hpp"

#include "support/bin_path.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <stdexcept>

namespace baton::test {
namespace {

std::optional<boost::json::object> parse_line(std::string_view line) {
    boost::system::error_code ec;
    auto v = boost::json::parse(strip_priority(line), ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

// The port of a "listening" event, 0 when `line` is not one.
std::uint16_t listening_port(std::string_view line) {
    const auto o = parse_line(line);
    if (!o) return 0;
    const auto* event = o->if_contains("event");
    const auto* address = o->if_contains("address");
    if (event == nullptr || address == nullptr || !event->is_string() || !address->is_string() ||
        event->get_string() != "listening")
        return 0;
    const std::string_view a = address->get_string();
    const auto colon = a.rfind(':');
    if (colon == std::string_view::npos) return 0;
    try {
        return static_cast<std::uint16_t>(std::stoul(std::string(a.substr(colon + 1))));
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

std::string_view strip_priority(std::string_view line) {
    if (line.size() >= 3 && line.front() == '<') {
        const auto close = line.find('>');
        if (close != std::string_view::npos && close <= 4) line.remove_prefix(close + 1);
    }
    return line;
}

baton_process::baton_process(std::string_view config_yaml) : baton_process(config_yaml, options{}) {}

baton_process::baton_process(std::string_view config_yaml, options opts) : dir_("batond") {
    config_path_ = dir_.write_file("baton.yaml", config_yaml);
    std::vector<std::string> args{"--config", config_path_.string()};
    args.insert(args.end(), opts.extra_args.begin(), opts.extra_args.end());
    child_options co;
    co.env = std::move(opts.env);
    co.cwd = dir_.path();
    co.output_dir = dir_.path();
    process_ = std::make_unique<child_process>(bin_path("batond"), args, co);
    if (!opts.wait_listening) return;
    const auto line = process_->wait_for_line([](std::string_view l) { return listening_port(l) != 0; },
                                              output_stream::err, deadline_after(opts.start_timeout));
    if (!line) {
        const auto status = process_->running() ? std::string("still running") : "exited";
        throw std::runtime_error("batond did not log \"listening\" (" + status + "); stderr:\n" + log());
    }
    port_ = listening_port(*line);
}

std::string baton_process::log() const { return process_->read_stderr(); }

std::size_t baton_process::log_size() const { return log().size(); }

std::optional<std::string> baton_process::wait_log(std::string_view substring, deadline d, std::size_t from) {
    return process_->wait_for_output(substring, output_stream::err, d, from);
}

std::vector<boost::json::object> baton_process::log_events() const {
    std::vector<boost::json::object> out;
    const std::string text = log();
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        if (auto o = parse_line(std::string_view(text).substr(pos, nl - pos))) out.push_back(std::move(*o));
        pos = nl + 1;
    }
    return out;
}

std::vector<boost::json::object> baton_process::request_events(std::string_view request_id,
                                                               std::string_view event, deadline d)
{
    const std::string id = "\"request_id\":\"" + std::string(request_id) + "\"";
    const auto access = process_->wait_for_line(
        [&](std::string_view l) {
            return l.find("\"event\":\"access\"") != std::string_view::npos &&
                   l.find(id) != std::string_view::npos;
        },
        output_stream::err, d);
    std::vector<boost::json::object> out;
    if (!access) return out;
    for (auto& e : log_events()) {
        const auto* ev = e.if_contains("event");
        const auto* rid = e.if_contains("request_id");
        if (ev && ev->is_string() && ev->as_string() == event && rid && rid->is_string() &&
            rid->as_string() == request_id)
            out.push_back(std::move(e));
    }
    return out;
}

void baton_process::reload() { process_->signal(SIGHUP); }

void baton_process::reload(std::string_view config_yaml) {
    dir_.write_file("baton.yaml", config_yaml);
    reload();
}

std::optional<exit_status> baton_process::stop(clock::duration timeout) {
    process_->signal(SIGTERM);
    return process_->wait_exit(deadline_after(timeout));
}

}  // namespace baton::test
