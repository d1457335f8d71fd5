"""Near-duplicates: numeric variations and deepened problems are new, reworded copies are not."""

from __future__ import annotations

from factory.synthesis.near_dup import NearDuplicates

SEED = (
    "A bakery bakes 150 muffins and packs them in boxes of 6. By noon it has sold 19 full boxes. "
    "How many muffins does the bakery still have?"
)


def _index() -> NearDuplicates:
    index = NearDuplicates()
    index.add("seed", SEED)
    index.add(
        "other",
        "Priya cycles 18 kilometres on each of the five weekdays and 35 kilometres on Saturday. "
        "How many kilometres does she cycle in one week?",
    )
    return index


def test_reworded_copy_is_a_near_duplicate_of_its_seed() -> None:
    reworded = (
        "A bakery bakes 150 muffins and packs them into boxes of 6. By noon it sold 19 full "
        "boxes. How many muffins does the bakery have left?"
    )
    found = _index().find(reworded)
    assert found is not None and found[0] == "seed" and found[1] >= 0.65
    assert _index().find(SEED.upper()) == ("seed", 1.0)


def test_numeric_variation_and_deepened_problem_are_new() -> None:
    index = _index()
    assert index.find(SEED.replace("150", "240").replace("6.", "8.").replace("19", "23")) is None
    deeper = SEED.replace(
        "How many muffins does the bakery still have?",
        "It then bakes 40 more and sells 7 more boxes in the afternoon. How many muffins does "
        "the bakery have at closing?",
    )
    assert index.find(deeper) is None


def test_unrelated_text_and_latex_markup() -> None:
    index = _index()
    assert index.find("Solve $x^2 - 5x + 6 = 0$ for the larger root.") is None
    index.add("quad", "Solve $x^2 - 5x + 6 = 0$ for the larger root.")
    assert index.find("Solve \\(x^2-5x+6=0\\) for the larger root.") is not None
    assert len(index) == 3
