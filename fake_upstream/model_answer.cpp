#include "fake_upstream/model_answer.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace baton::fake {
namespace json = boost::json;

std::vector<std::string> model_answer(const model_spec& m)
{
    std::vector<std::string> out;
    for (int i = 1; i <= m.words; ++i) out.push_back("word" + std::to_string(i) + (i < m.words ? " " : ""));
    return out;
}

std::optional<std::string> prefill_of(const json::value& request, endpoint ep)
{
    const auto* o = request.if_object();
    if (o == nullptr) return std::nullopt;
    if (ep == endpoint::completions) {
        const auto* prompt = o->if_contains("prompt");
        if (prompt == nullptr || !prompt->is_string()) return std::nullopt;
        const std::string_view p = prompt->get_string();
        const auto at = p.find("word1");
        if (at == std::string_view::npos) return std::nullopt;
        return std::string(p.substr(at));
    }
    const auto* messages = o->if_contains("messages");
    if (messages == nullptr || !messages->is_array() || messages->get_array().empty()) return std::nullopt;
    const auto* last = messages->get_array().back().if_object();
    if (last == nullptr) return std::nullopt;
    const auto* role = last->if_contains("role");
    if (role == nullptr || !role->is_string() || role->get_string() != "assistant") return std::nullopt;
    const auto* content = last->if_contains("content");
    if (content == nullptr) return std::string();
    if (content->is_string()) return std::string(content->get_string());
    std::string text;
    if (content->is_array()) {
        for (const auto& block : content->get_array()) {
            const auto* b = block.if_object();
            const auto* t = b != nullptr ? b->if_contains("text") : nullptr;
            if (t != nullptr && t->is_string()) text += t->get_string();
        }
    }
    return text;
}

std::vector<std::string> model_pieces(const model_spec& m, const json::value& request, endpoint ep)
{
    std::vector<std::string> answer = model_answer(m);
    const auto prefill = prefill_of(request, ep);
    if (!prefill || prefill->empty()) return answer;
    // Walk the answer along the prefill: it must be a prefix of the answer to be continued.
    std::size_t at = 0;
    for (std::size_t i = 0; i < answer.size(); ++i) {
        const std::string& piece = answer[i];
        const std::size_t left = prefill->size() - at;
        if (left == 0)
            return std::vector<std::string>(answer.begin() + static_cast<std::ptrdiff_t>(i), answer.end());
        if (prefill->compare(at, std::min(left, piece.size()), piece, 0, std::min(left, piece.size())) != 0)
            break;
        if (left < piece.size()) {
            // The prefill ends inside this word: the model finishes it.
            std::vector<std::string> rest{piece.substr(left)};
            rest.insert(rest.end(), answer.begin() + static_cast<std::ptrdiff_t>(i) + 1, answer.end());
            return rest;
        }
        at += piece.size();
    }
    if (at == prefill->size()) return {};  // the whole answer was given: nothing more to say
    return answer;                         // not our answer: start over
}

}  // namespace baton::fake
