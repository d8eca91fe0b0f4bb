import pytest

from reviews.engines.blocklists import CompiledBlocklist
from reviews.engines.policy import CompiledPolicy, validate_blocks
from reviews.errors import ModerationError


def exists(name, team):
    return name == "profanity_en"


def validate(blocks):
    return validate_blocks(blocks, blocklist_exists=exists)


@pytest.mark.parametrize(
    ("blocks", "field", "named"),
    [
        ({"nsfw_config": {}}, "nsfw_config", "nsfw_config"),
        ({"llm_config": {}}, "llm_config", "not supported"),
        ({"automod_toxicity_config": {"rules": [{"label": "insult", "threshold": 0.5, "action": "flag"}]}},
         "automod_toxicity_config.rules[0].label", "'insult'"),
        ({"automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.5, "action": "nuke"}]}},
         "automod_toxicity_config.rules[0].action", "'nuke'"),
        ({"automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 2, "action": "flag"}]}},
         "automod_toxicity_config.rules[0].threshold", "0 to 1"),
        ({"block_list_config": {"rules": [{"name": "nope", "action": "flag"}]}},
         "block_list_config.rules[0].name", "'nope'"),
        ({"automod_platform_circumvention_config": {"rules": [{"label": "fax", "threshold": 1, "action": "flag"}]}},
         "automod_platform_circumvention_config.rules[0].label", "'fax'"),
        ({"ai_text_config": {"rules": [{"label": "GIBBERISH", "action": "flag"}]}},
         "ai_text_config.rules[0].label", "'GIBBERISH'"),
        ({"ai_text_config": {"severity_rules": [{"severity": "extreme", "action": "remove"}]}},
         "ai_text_config.severity_rules[0].severity", "'extreme'"),
        ({"ai_text_config": {"rules": [{"label": "SPAM", "severity_rules": [{"severity": "low", "action": "ban"}]}]}},
         "ai_text_config.rules[0].severity_rules[0].action", "'ban'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field_and_value(blocks, field, named):
    with pytest.raises(ModerationError) as exc:
        validate(blocks)
    assert exc.value.field == field and exc.value.status == 400
    assert named in exc.value.message


def test_valid_blocks_are_cleaned():
    clean = validate({
        "block_list_config": {"enabled": True, "rules": [{"name": "profanity_en", "action": "remove"}]},
        "automod_toxicity_config": {"rules": [{"label": "TOXIC", "threshold": 0.8, "action": "flag"}]},
        "ai_text_config": {"rules": [{"label": "insult", "action": "flag"}],
                           "severity_rules": [{"severity": "critical", "action": "remove"}]},
    })
    assert clean["automod_toxicity_config"]["rules"] == [{"label": "toxic", "threshold": 0.8, "action": "flag"}]
    assert clean["ai_text_config"]["rules"] == [{"label": "INSULT", "action": "flag"}]
    assert clean["block_list_config"]["rules"] == [{"name": "profanity_en", "action": "remove"}]


def policy(blocks, lists=()):
    return CompiledPolicy(blocks=validate(blocks), blocklists={b.name: b for b in lists})


PROFANITY = CompiledBlocklist(name="profanity_en", type="word", words=["shit", "crap"])


def test_nothing_fires_on_clean_text():
    p = policy({"block_list_config": {"rules": [{"name": "profanity_en", "action": "remove"}]},
                "automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.8, "action": "flag"}]}},
               [PROFANITY])
    decision = p.evaluate(["have a nice day"])
    assert (decision.action, decision.fired, decision.severity) == ("keep", [], 0)


def test_most_severe_action_wins_and_every_rule_is_reported():
    p = policy({
        "block_list_config": {"rules": [{"name": "profanity_en", "action": "flag"}]},
        "automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.9, "action": "remove"}]},
        "automod_platform_circumvention_config": {"rules": [{"label": "email", "threshold": 1, "action": "flag"}]},
    }, [PROFANITY])
    decision = p.evaluate(["you are a piece of sh1t, mail me at a@b.com"])
    assert decision.action == "remove"
    assert sorted(r.rule_id for r in decision.fired) == [
        "automod_platform_circumvention_config/email", "automod_toxicity_config/toxic>=0.9",
        "block_list_config/profanity_en"]
    blocklist_rule = next(r for r in decision.fired if r.engine == "block_list_config")
    assert "'shit'" in blocklist_rule.why
    assert decision.labels == ["email", "profanity_en", "toxic"]
    assert decision.severity >= 75


def test_shadow_block_beats_flag_and_loses_to_remove():
    lists = [PROFANITY]
    flag_and_shadow = policy({
        "block_list_config": {"rules": [{"name": "profanity_en", "action": "shadow_block"}]},
        "automod_platform_circumvention_config": {"rules": [{"label": "link", "threshold": 0.5, "action": "flag"}]},
    }, lists)
    assert flag_and_shadow.evaluate(["crap, see example.com"]).action == "shadow_block"
    shadow_and_remove = policy({
        "block_list_config": {"rules": [{"name": "profanity_en", "action": "shadow_block"}]},
        "automod_platform_circumvention_config": {"rules": [{"label": "link", "threshold": 0.5, "action": "remove"}]},
    }, lists)
    assert shadow_and_remove.evaluate(["crap, see example.com"]).action == "remove"


def test_disabled_engines_do_not_run():
    p = policy({"block_list_config": {"enabled": False, "rules": [{"name": "profanity_en", "action": "remove"}]}},
               [PROFANITY])
    assert p.evaluate(["crap"]).action == "keep"


def test_ai_text_label_rules_and_severity_rules():
    p = policy({"ai_text_config": {"rules": [{"label": "INSULT", "action": "flag"}],
                                   "severity_rules": [{"severity": "critical", "action": "remove"}]}})
    mild = p.evaluate(["thanks for your help"])
    assert mild.action == "keep"
    harsh = p.evaluate(["you are an idiot"])
    assert harsh.action == "remove"
    assert {r.rule_id for r in harsh.fired} >= {"ai_text_config/INSULT", "ai_text_config/INSULT/severity>=critical"}
