"""How user text is shown (reviews/text.py and its template filters): control characters visible, text
isolated, custom data as JSON. The same helper serves the templates and the queue rows
(tests/reviews/views/test_queue_rows.py)."""

import pytest
from django.template import Context, Template
from django.utils.html import escape

from reviews.text import CONTROL_CHARS, controls_shown, escape_user, pretty_json, user_html

RLO, ZWSP, BOM, NUL, C1 = "\u202e", "\u200b", "\ufeff", "\x00", "\x85"


@pytest.mark.parametrize("char", [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F,
                                                   *range(0x80, 0xA0), *range(0x200B, 0x2010),
                                                   *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF)])
def test_every_listed_control_character_is_caught(char):
    marked = escape_user(f"a{char}b")
    assert char not in marked
    assert f"⟨U+{ord(char):04X}⟩" in marked and marked.startswith("a<span class=\"ctl\"")


def test_layout_whitespace_and_ordinary_text_are_left_alone():
    for text in ("tab\tnew\nline\rend", "ünïcode ☃ 中文", "مرحبا", "שלום", "emoji 🙂"):
        assert escape_user(text) == escape(text)
        assert controls_shown(text) == text
    assert not CONTROL_CHARS.search("plain text with spaces")


def test_a_right_to_left_override_is_shown_and_cannot_reverse_what_follows():
    name = f"admin{RLO}txt.exe"
    html = user_html(name)
    assert html == ('<bdi>admin<span class="ctl" title="RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>txt.exe</bdi>')
    assert RLO not in html
    assert controls_shown(name) == "admin⟨U+202E⟩txt.exe"


def test_escaping_is_djangos_and_happens_once():
    text = f'<script>alert("x")</script> & {ZWSP}'
    assert escape_user(text) == escape("<script>alert(\"x\")</script> & ") + \
        '<span class="ctl" title="ZERO WIDTH SPACE">⟨U+200B⟩</span>'
    assert escape_user("&amp;") == "&amp;amp;"  # what the user typed, escaped exactly once


def test_unnamed_controls_are_still_described():
    assert 'title="control character">⟨U+0000⟩' in escape_user(NUL)
    assert 'title="control character">⟨U+0085⟩' in escape_user(C1)
    assert 'title="ZERO WIDTH NO-BREAK SPACE">⟨U+FEFF⟩' in escape_user(BOM)


def test_custom_data_is_indented_json_not_a_python_repr():
    data = {"source": "demo", "tags": ["a", "b"], "nested": {"ok": True, "n": None, "big": 2**70}, "ü": "ß"}
    text = pretty_json(data)
    assert text.startswith("{\n  ") and '"source": "demo"' in text and '"ok": true' in text and '"n": null' in text
    assert str(2**70) in text and '"ü": "ß"' in text  # exact integers, unicode as itself
    assert "'source'" not in text and "True" not in text
    assert list(pretty_json({"b": 1, "a": 2}).split("\n"))[1].strip().startswith('"a"')  # keys in order


def test_template_filters():
    rendered = Template(
        '<p title="{{ v|controls }}">{{ v|user }}</p><pre class="json">{{ c|json }}</pre>'
        "<b>{{ a|verb_label }}</b><i>{{ unknown|verb_label }}</i>"
    ).render(Context({"v": f"<b>x</b>{RLO}y", "c": {"why": f"<i>{RLO}</i>"}, "a": "mark_reviewed",
                      "unknown": "something_else"}))
    assert 'title="&lt;b&gt;x&lt;/b&gt;⟨U+202E⟩y"' in rendered
    assert '<bdi>&lt;b&gt;x&lt;/b&gt;<span class="ctl" title="RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>y</bdi>' \
        in rendered
    assert '&quot;why&quot;: &quot;&lt;i&gt;<span class="ctl"' in rendered
    assert "<b>Mark reviewed</b>" in rendered and "<i>something_else</i>" in rendered
    assert RLO not in rendered


def test_filters_take_empty_values():
    assert Template("{{ v|user }}|{{ v|controls }}").render(Context({"v": None})) == "<bdi></bdi>|"
