import pytest

from reviews.engines.circumvention import email_address, find, host_of


@pytest.mark.parametrize(
    ("text", "label", "value"),
    [
        ("mail me at bob@example.com", "email", "bob@example.com"),
        ("bob (at) example (dot) com", "email", "bob (at) example (dot) com"),
        ("visit https://evil.example.com/x?y", "link", "https://evil.example.com/x?y"),
        ("go to example.com now", "link", "example.com"),
        ("www.site.org", "link", "www.site.org"),
        ("call +1 (555) 123-4567", "phone_number", "+1 (555) 123-4567"),
        ("my number is 07700 900123", "phone_number", "07700 900123"),
    ],
)
def test_finds_contact_details(text, label, value):
    assert [(f.label, f.value) for f in find(text)] == [(label, value)]


@pytest.mark.parametrize("text", ["order 2024-01-02 ok", "e.g. file.txt", "see you at 10.30", "I have 3 cats"])
def test_ordinary_text_has_none(text):
    assert find(text) == []


def test_obfuscated_values_are_read_back():
    assert email_address("bob (at) example (dot) com") == "bob@example.com"
    assert host_of("https://www.evil.com/path") == "evil.com"
