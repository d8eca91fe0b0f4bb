import pytest

from reviews.engines.normalise import fold, normalise_word, variants


@pytest.mark.parametrize(
    ("text", "leet", "expected"),
    [
        ("ＳＨＩＴ Happens", False, ("shit happens",)),
        ("shït", False, ("shit",)),
        ("ѕhіt", False, ("shit",)),  # Cyrillic look-alikes
        ("s.h.i.t", False, ("shit",)),
        ("s h i t", False, ("shit",)),
        ("f-u-c-k you", False, ("fuck you",)),
        ("sh1t!", True, ("shit!",)),
        ("sh1t!", False, ("sh1t!",)),
        ("a$$", True, ("ass",)),
        ("s.h.!.t", True, ("shit",)),
        ("shiiiit", False, ("shit", "shiit")),
        ("asssss", False, ("as", "ass")),
    ],
)
def test_obfuscations_are_normalised(text, leet, expected):
    assert variants(text, leet) == expected


@pytest.mark.parametrize("text", ["hello!", "call 555-1234", "a b cd", "example.com", "Good day"])
def test_ordinary_text_is_left_alone_apart_from_case(text):
    assert variants(text, True) == (fold(text),)


def test_pure_numbers_are_not_read_as_leetspeak():
    assert variants("room 101 at 7", True) == ("room 101 at 7",)


def test_blocklist_entries_get_the_same_folding_as_text():
    assert normalise_word("  Sh1T  Head ", True) == "shit head"
    assert normalise_word("Sh1T", False) == "sh1t"


def test_whitespace_runs_read_as_one_space():
    assert variants("bad \n\t guy", False) == ("bad guy",)
