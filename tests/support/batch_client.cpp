#include "support/batch_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>
#include <thread>

namespace baton::test {

namespace json = boost::json;

std::string multipart_body(std::string_view purpose, std::string_view filename, std::string_view content)
{
    const std::string b(test_boundary);
    std::string out;
    if (!purpose.empty()) {
        out += "--" + b + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" +
               std::string(purpose) + "\r\n";
    }
    out += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
           std::string(filename) + "\"\r\nContent-Type: application/jsonl\r\n\r\n";
    out += content;
    out += "\r\n--" + b + "--\r\n";
    return out;
}

std::string batch_line(std::string_view custom_id, std::string_view model, std::string_view url)
{
    json::object body{{"model", model},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", custom_id}}}}};
    return json::serialize(
        json::object{{"custom_id", custom_id}, {"method", "POST"}, {"url", url}, {"body", body}});
}

std::string jsonl(const std::vector<std::string>& lines)
{
    std::string out;
    for (const auto& l : lines) {
        out += l;
        out += '\n';
    }
    return out;
}

std::vector<json::object> parse_jsonl(std::string_view text)
{
    std::vector<json::object> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const auto line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty()) {
            out.push_back(json::parse(line).as_object());
        }
    }
    return out;
}

http_response batch_client::upload(std::string_view content, std::string_view purpose,
                                   std::string_view filename)
{
    auto headers = headers_;
    headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + std::string(test_boundary));
    return http_.request("POST", "/v1/files", multipart_body(purpose, filename, content), headers);
}

std::string batch_client::upload_ok(std::string_view content)
{
    const auto r = upload(content);
    if (r.status != 200) {
        throw std::runtime_error("upload failed: " + std::to_string(r.status) + " " + r.body);
    }
    return std::string(r.json().as_object().at("id").as_string());
}

http_response batch_client::create(const json::object& body, const header_list& extra)
{
    auto headers = headers_;
    headers.insert(headers.end(), extra.begin(), extra.end());
    return http_.request("POST", "/v1/batches", json::serialize(body), headers);
}

json::object batch_client::create_body(std::string_view file_id, std::string_view endpoint)
{
    return {{"input_file_id", file_id}, {"endpoint", endpoint}, {"completion_window", "24h"}};
}

json::object batch_client::create_ok(std::string_view file_id, std::string_view endpoint)
{
    const auto r = create(create_body(file_id, endpoint));
    if (r.status != 200) {
        throw std::runtime_error("create failed: " + std::to_string(r.status) + " " + r.body);
    }
    return r.json().as_object();
}

http_response batch_client::get(std::string_view target)
{
    return http_.request("GET", target, {}, headers_);
}

http_response batch_client::cancel(std::string_view batch_id)
{
    return http_.request("POST", "/v1/batches/" + std::string(batch_id) + "/cancel", {}, headers_);
}

json::object batch_client::wait_until(std::string_view batch_id,
                                      const std::function<bool(const json::object&)>& pred,
                                      clock::duration timeout)
{
    const auto end = deadline_after(timeout);
    json::object last;
    for (;;) {
        const auto r = get("/v1/batches/" + std::string(batch_id));
        if (r.status != 200) {
            throw std::runtime_error("GET batch: " + std::to_string(r.status) + " " + r.body);
        }
        last = r.json().as_object();
        if (pred(last)) {
            return last;
        }
        if (clock::now() >= end) {
            throw std::runtime_error("batch did not get there in time: " + json::serialize(last));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval, bounded by `end`
    }
}

json::object batch_client::wait_status(std::string_view batch_id, std::set<std::string> statuses,
                                       clock::duration timeout)
{
    return wait_until(
        batch_id,
        [&](const json::object& b) { return statuses.contains(std::string(b.at("status").as_string())); },
        timeout);
}

std::string batch_client::content(std::string_view file_id)
{
    const auto r = get("/v1/files/" + std::string(file_id) + "/content");
    if (r.status != 200) {
        throw std::runtime_error("content: " + std::to_string(r.status) + " " + r.body);
    }
    return r.body;
}

std::vector<json::object> batch_client::rows(const json::object& batch, std::string_view which)
{
    const auto& id = batch.at(which);
    if (id.is_null()) {
        return {};
    }
    return parse_jsonl(content(id.as_string()));
}

}  // namespace baton::test
