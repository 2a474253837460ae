from __future__ import annotations

from mealplanner.recipes import typos

WORDS = typos.name_words(
    [
        "Chicken Tikka Masala",
        "Chickpea Curry",
        "Thai Green Curry",
        "Greek Salad",
        "Shakshuka",
        "Pad Thai",
    ]
)


def test_name_words_are_distinct_lowercase_and_skip_short_words() -> None:
    assert sorted(set(WORDS)) == WORDS
    assert "chicken" in WORDS
    assert "tikka" in WORDS
    assert "pad" in WORDS
    assert all(len(w) >= typos.MIN_WORD for w in WORDS)


def test_a_misspelled_word_gets_its_closest_spellings() -> None:
    assert typos.corrections("chiken", WORDS, prefix=False)[0] == "chicken"
    assert typos.corrections("shakshouka", WORDS, prefix=False) == ["shakshuka"]
    assert typos.corrections("zzzzzz", WORDS, prefix=False) == []


def test_the_word_being_typed_is_corrected_as_a_word_start() -> None:
    found = typos.corrections("chik", WORDS, prefix=True)
    assert "chick" in found  # starts both chicken and chickpea


def test_short_words_are_never_corrected() -> None:
    assert typos.corrections("rce", WORDS, prefix=False) == []


def test_variants_keep_known_words_and_correct_the_others() -> None:
    assert typos.variants(["chiken", "tikka"], WORDS, prefix=False)[0] == ["chicken", "tikka"]
    # The last word may be an unfinished known word: left as typed.
    assert typos.variants(["chiken", "tik"], WORDS, prefix=True)[0] == ["chicken", "tik"]
    assert len(typos.variants(["chiken", "cury"], WORDS, prefix=False)) <= typos.MAX_VARIANTS


def test_no_variants_when_nothing_needs_or_finds_a_correction() -> None:
    assert typos.variants(["chicken", "curry"], WORDS, prefix=False) == []
    assert typos.variants(["qqqqqq"], WORDS, prefix=False) == []


def test_closest_keeps_close_names_in_order() -> None:
    names = ["Chickpea Curry", "Chicken Tikka Masala", "Greek Salad"]
    ranked = typos.closest(["chiken"], names, lambda n: n, prefix=False, limit=10)
    assert ranked[0] == "Chicken Tikka Masala"
    assert "Greek Salad" not in ranked


def test_numbers_stay_out_of_the_vocabulary() -> None:
    assert typos.name_words(["Zesty Tofu Curry #42210", "7up Cake"]) == [
        "cake",
        "curry",
        "tofu",
        "zesty",
    ]
