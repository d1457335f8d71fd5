"""Mutants for test strength: one node changed each, all distinct, the main block left alone."""

from __future__ import annotations

import ast

from verifiers.code.mutation import strength_mutants

PROGRAM = '''def window(nums: list[int], k: int) -> int:
    if not nums or k <= 0:
        return 0
    return max(sum(nums[i : i + k]) for i in range(len(nums) - k + 1))


if __name__ == "__main__":
    print(window([1, 2, 3], 2))
'''


def test_mutants_are_distinct_programs_that_parse_and_differ_from_the_original() -> None:
    made = strength_mutants(PROGRAM, "window")
    dumps = {ast.dump(ast.parse(mutant)) for mutant in made}
    assert len(made) >= 8 and len(dumps) == len(made)
    assert ast.dump(ast.parse(PROGRAM)) not in dumps
    assert all("print(window([1, 2, 3], 2))" in mutant for mutant in made)  # main block kept
    assert any("k < 0" in mutant for mutant in made)  # a relaxed comparison
    assert any("nums or k <= 0" not in mutant and "nums and k <= 0" in mutant for mutant in made)


def test_limit_spreads_and_unparseable_programs_have_no_mutants() -> None:
    assert len(strength_mutants(PROGRAM, "window", limit=3)) == 3
    assert strength_mutants("def f(:\n", "f") == []
    assert strength_mutants("def f(n):\n    return sorted(n)\n", "f") == []
