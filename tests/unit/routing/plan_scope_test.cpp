// The calling key's `models` on every hop of the plan, and what a wildcard group may capture (issue #11,
// defects 1 and 2): plan::make with a scope, refusals and notes. Pure: no clock is read.

#include "routing/plan.hpp"

#include "unit/routing/routing_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::routing;
using namespace baton::routing::test;

namespace {

using strings = std::vector<std::string>;

/// grp (a), other (o), wide (w), wildcard openai/* (oa, upstream model "*"); alias al → [other];
/// rename ren → other.
void scope_world(world& w)
{
    w.add("a", "grp");
    w.add("o", "other");
    w.add("w", "wide");
    w.add("oa", "openai/*", std::nullopt, "*");
    w.table.add_alias({"al", "", {"other"}});
    w.table.settings.model_group_alias["ren"] = "other";
}

/// The groups the plan tries, in order, when every deployment fails.
strings groups_tried(plan& p)
{
    strings out;
    for (const auto& t : drive(p, failing({"a", "o", "w", "oa"})).tries) out.push_back(t.group);
    return out;
}

plan::refusal refusal_of(world& w, const std::string& model, request_options o = {})
{
    auto made = plan::make(w.table, w.health, model, std::move(o));
    BOOST_REQUIRE(!made);
    return made.error();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plan_scope)

BOOST_AUTO_TEST_CASE(without_a_scope_every_hop_is_taken)
{
    world w;
    scope_world(w);
    request_options o;
    o.fallbacks = strings{"other", "al", "ren", "wide"};
    plan p = w.make("grp", o);
    BOOST_TEST((groups_tried(p) == strings{"grp", "other", "wide"}));
}

BOOST_AUTO_TEST_CASE(per_request_fallbacks_aliases_and_renames_outside_the_scope_are_skipped_with_notes)
{
    world w;
    scope_world(w);
    const strings scope{"grp", "wide"};
    request_options o;
    o.scope = &scope;
    o.fallbacks = strings{"other", "al", "ren", "wide", "missing"};
    strings notes;
    plan p = w.make("grp", o, &notes);
    BOOST_TEST((groups_tried(p) == strings{"grp", "wide"}));
    BOOST_TEST(notes == (strings{"fallbacks entry 'other' is outside the key's models; skipped",
                                 "fallbacks entry 'al' is outside the key's models; skipped",
                                 "fallbacks entry 'ren' is outside the key's models; skipped",
                                 "fallbacks entry 'missing' names no configured group or alias; skipped"}),
               boost::test_tools::per_element());
    BOOST_TEST(p.notes() == notes, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(backup_configured_default_and_special_fallbacks_are_filtered_too)
{
    world w;
    scope_world(w);
    w.table.settings.fallbacks["grp"] = {"other"};
    w.table.settings.default_fallbacks = {"wide", "al"};
    const strings scope{"grp", "wide"};
    request_options o;
    o.scope = &scope;
    o.backup_models = {"ren"};
    strings notes;
    plan p = w.make("grp", o, &notes);
    BOOST_TEST((groups_tried(p) == strings{"grp", "wide"}));
    BOOST_TEST(
        notes ==
            (strings{"backup_models entry 'ren' is outside the key's models; skipped",
                     "router_settings.fallbacks entry 'other' is outside the key's models; skipped",
                     "router_settings.default_fallbacks entry 'al' is outside the key's models; skipped"}),
        boost::test_tools::per_element());

    // A context-window failure switches to context_window_fallbacks: the scope holds there as well.
    w.table.settings.context_window_fallbacks["grp"] = {"other", "wide"};
    plan q = w.make("grp", o);
    const auto r = drive(q, scripted({{"a", {fail(failure_reason::context_window, 400)}}}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"a", "w"}));
    BOOST_TEST(q.notes().back() ==
               "router_settings.context_window_fallbacks entry 'other' is outside the key's models; skipped");
}

BOOST_AUTO_TEST_CASE(the_model_itself_outside_the_scope_is_refused)
{
    world w;
    scope_world(w);
    const strings scope{"grp"};
    request_options o;
    o.scope = &scope;
    for (const std::string model : {"other", "al", "ren", "openai/gpt-4o"}) {
        const auto r = refusal_of(w, model, o);
        BOOST_TEST((r.why == errc::model_not_allowed));
        BOOST_TEST(r.param == "model");
        BOOST_TEST(r.message == "this key is not allowed to use model `" + model + "`");
    }
    // default_model is the model when the request names none.
    w.table.default_model = "other";
    BOOST_TEST((refusal_of(w, "", o).why == errc::model_not_allowed));
    w.table.default_model = "grp";
    BOOST_TEST(w.make("", o).primary_group() == "grp");
}

BOOST_AUTO_TEST_CASE(an_alias_in_scope_brings_its_chain_and_a_rename_its_target)
{
    world w;
    scope_world(w);
    const strings scope{"al", "ren"};
    request_options o;
    o.scope = &scope;
    plan p = w.make("al", o);
    BOOST_TEST((groups_tried(p) == strings{"other"}));
    plan q = w.make("ren", o);
    BOOST_TEST((groups_tried(q) == strings{"other"}));
    // The renamed group by its own name is not in the scope: names are compared as written.
    BOOST_TEST((refusal_of(w, "other", o).why == errc::model_not_allowed));
}

BOOST_AUTO_TEST_CASE(a_wildcard_pattern_in_scope_brings_every_name_it_matches)
{
    world w;
    scope_world(w);
    const strings pattern{"openai/*"};
    request_options o;
    o.scope = &pattern;
    o.fallbacks = strings{"openai/o3", "grp"};
    plan p = w.make("openai/gpt-4o", o);
    const auto r = drive(p, failing({"oa"}));
    BOOST_TEST(r.tries.size() == 2u);
    BOOST_TEST(r.tries[0].upstream_model == "gpt-4o");
    BOOST_TEST(r.tries[1].upstream_model == "o3");
    // One name of the wildcard group, listed as such, allows that name only.
    const strings one{"openai/gpt-4o"};
    o.scope = &one;
    o.fallbacks = strings{"openai/o3"};
    strings notes;
    plan q = w.make("openai/gpt-4o", o, &notes);
    BOOST_TEST(drive(q, failing({"oa"})).tries.size() == 1u);
    BOOST_TEST(notes == strings{"fallbacks entry 'openai/o3' is outside the key's models; skipped"});
    BOOST_TEST((refusal_of(w, "openai/o3", o).why == errc::model_not_allowed));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(plan_wildcard_names)

BOOST_AUTO_TEST_CASE(a_capture_that_is_no_model_name_refuses_the_request)
{
    world w;
    scope_world(w);
    for (const std::string model :
         {"openai/x\r\nSet-Cookie: a=b", "openai/../v1/models", "openai/a//b", "openai/a b"}) {
        const auto r = refusal_of(w, model);
        BOOST_TEST((r.why == errc::invalid_model_name));
        BOOST_TEST(r.param == "model");
        BOOST_TEST(r.name == model);
        BOOST_TEST(r.message ==
                   "model `" + model +
                       "` is not valid for wildcard group `openai/*`: what '*' stands for must be 1 to "
                       "256 letters, digits or - _ . : @ + /, with no empty, '.' or '..' segment "
                       "between slashes");
    }
}

BOOST_AUTO_TEST_CASE(a_star_in_the_name_is_never_a_model)
{
    world w;
    scope_world(w);
    w.add("any", "*", std::nullopt, "*");
    for (const std::string model : {"*", "openai/*", "openai/gpt-*", "grp*"}) {
        const auto r = refusal_of(w, model);
        BOOST_TEST((r.why == errc::invalid_model_name));
        BOOST_TEST(r.message ==
                   "model `" + model + "` contains '*': a wildcard pattern is not a model; name one model");
    }
    // A catch-all group still serves real names, with the name as the model.
    plan p = w.make("gpt-4o");
    BOOST_TEST(std::get<plan::try_deployment>(p.next(at(0), 0.0)).upstream_model == "gpt-4o");
}

BOOST_AUTO_TEST_CASE(a_bad_per_request_fallback_refuses_and_a_bad_configured_one_is_skipped)
{
    world w;
    scope_world(w);
    request_options o;
    o.fallbacks = strings{"other", "openai/../x"};
    const auto r = refusal_of(w, "grp", o);
    BOOST_TEST((r.why == errc::invalid_model_name));
    BOOST_TEST(r.param == "fallbacks");
    BOOST_TEST(r.name == "openai/../x");

    // Configured entries are the operator's: skipped with a note, the request goes on. A wildcard group named
    // by its pattern is a fallback that serves the requested model (never a literal '*').
    w.table.settings.fallbacks["grp"] = {"openai/*", "openai/a\nb", "wide"};
    w.table.add_alias({"bad-chain", "", {"openai/../y", "other"}});
    strings notes;
    plan p = w.make("grp", {}, &notes);
    const auto tries = drive(p, failing({"a", "o", "w", "oa"})).tries;
    BOOST_REQUIRE(tries.size() == 3u);
    BOOST_TEST(tries[0].group == "grp");
    BOOST_TEST(tries[1].group == "openai/*");
    BOOST_TEST(tries[1].upstream_model == "grp");
    BOOST_TEST(tries[2].group == "wide");
    BOOST_TEST(notes ==
                   (strings{
                       "router_settings.fallbacks entry 'openai/a\nb' is not a valid model name; skipped"}),
               boost::test_tools::per_element());
    strings chain_notes;
    plan q = w.make("bad-chain", {}, &chain_notes);
    BOOST_TEST(q.primary_group() == "other");
    BOOST_TEST(chain_notes ==
               strings{"alias 'bad-chain': chain entry 'openai/../y' is not a valid model name; skipped"});
}

BOOST_AUTO_TEST_CASE(an_unknown_model_says_so)
{
    world w;
    scope_world(w);
    const auto r = refusal_of(w, "nope");
    BOOST_TEST((r.why == errc::model_not_found));
    BOOST_TEST(r.message == "The model `nope` does not exist or is not configured in baton");
    BOOST_CHECK_THROW(plan::make(w.table, w.health, "nope", {}).value(), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
