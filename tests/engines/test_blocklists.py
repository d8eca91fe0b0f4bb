import pytest

from reviews.engines.blocklists import CompiledBlocklist, compiled, forget
from reviews.models import Blocklist


def words(*entries, **kw):
    return CompiledBlocklist(name="bad", type="word", words=list(entries), **kw)


def entries(matcher, text, **kw):
    return sorted(h.entry for h in matcher.find(text, **kw))


def test_whole_words_by_default():
    m = words("hell")
    assert entries(m, "go to hell") == ["hell"]
    assert entries(m, "hello there") == []
    assert entries(m, "hell, no") == ["hell"]


def test_match_substring_finds_words_inside_words():
    assert entries(words("hell"), "hello there", substring=True) == ["hell"]


def test_obfuscated_forms_match_and_report_what_was_read():
    m = words("shit")
    for text in ["SHIT", "sh1t", "s.h.i.t", "shiiiiit", "ѕhіt", "$h!t"]:
        assert entries(m, text) == ["shit"], text
    hit = m.find("what sh1t")[0]
    assert (hit.blocklist, hit.entry, hit.matched) == ("bad", "shit", "shit")


def test_leet_check_can_be_turned_off():
    assert entries(words("shit", leet=False), "sh1t") == []


def test_plural_check():
    assert entries(words("idiot"), "you idiots") == ["idiot"]
    assert entries(words("idiot", plural=False), "you idiots") == []


def test_phrases_and_repeated_letter_words():
    m = words("bad guy", "ass")
    assert entries(m, "what a BAD   guy") == ["bad guy"]
    assert entries(m, "asssss") == ["ass"]
    assert entries(m, "as you like") == []


def test_regex_domain_and_email_lists():
    rx = CompiledBlocklist(name="rx", type="regex", words=[r"\bfree\s+money\b"])
    assert [h.entry for h in rx.find("FREE   money here")] == [r"\bfree\s+money\b"]
    dom = CompiledBlocklist(name="d", type="domain", words=["evil.com"])
    assert [h.matched for h in dom.find("see https://www.shop.evil.com/x")] == ["shop.evil.com"]
    assert dom.find("see notevil.com") == []
    mail = CompiledBlocklist(name="e", type="email", words=["@spam.org", "bob@x.io"])
    assert sorted(h.entry for h in mail.find("me (at) spam (dot) org or bob@x.io")) == ["@spam.org", "bob@x.io"]


@pytest.mark.django_db
def test_compiled_automatons_are_cached_until_updated_at_moves():
    bl = Blocklist.objects.create(name="cache-me", words=["alpha"])
    first = compiled(bl)
    assert compiled(Blocklist.objects.get(pk=bl.pk)) is first
    bl.words = ["beta"]
    bl.save()  # the model's updated_at is set by actions; here we move it by hand
    Blocklist.objects.filter(pk=bl.pk).update(updated_at=bl.updated_at.replace(year=bl.updated_at.year + 1))
    second = compiled(Blocklist.objects.get(pk=bl.pk))
    assert second is not first
    assert [h.entry for h in second.find("beta")] == ["beta"]
    forget(bl.pk)
