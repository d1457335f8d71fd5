"""A review set judged by hand: corrected-mistake material that is good or bad training data for
each defect the inject stage must keep out (an implausible mistake, a slip in a check line, an
incoherent wrong branch, a negative that reaches the right answer, a bug no one writes, a
duplicate), and the filter that must say so. Each row's label is a person's judgement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from factory.inject.dedup import distinct
from factory.inject.math_check import verify
from factory.inject.math_inject import proven_different, refuted_steps
from factory.inject.math_operators import OPERATORS
from factory.inject.model import Correction
from factory.inject.plausible import check_step, implausible
from verifiers.code.mutate import mutants
from verifiers.math import WorkerPool, trace_pool

# (right result, wrong result, the calculation, good?)
PLAUSIBILITY = [
    ("114", "112", "19 \\cdot 6", True),  # a slipped digit
    ("36", "34", "150 - 114", True),
    ("24", "10", "4 \\cdot 3 \\cdot 2 \\cdot 1", True),  # added instead of multiplying
    ("-12", "12", "-3 \\cdot 4", True),  # a lost minus sign
    ("1", "-1", "(1 \\cdot e^1 - e^1) - (0 \\cdot e^0 - e^0)", True),  # an integral may be < 0
    ("\\frac{7}{12}", "\\frac{5}{12}", "\\frac{4 + 3}{12}", True),
    ("2.50", "2.30", "27.40 - 24.90", True),
    ("x + 13", "x + 7", "3 \\cdot (x + 3) - 2 \\cdot (x - 2)", True),
    ("0", "2", "2^2 - 5 \\cdot 2 + 6", True),
    ("36", "-36", "150 - 114", False),  # a count of muffins turned negative
    ("114", "546", "19 \\cdot 6", False),  # "I read 19 as 91": nearly 5 times off
    ("29", "261", "\\frac{87}{3}", False),  # multiplied instead of dividing: 9 times off
    ("2", "\\frac{2}{1}", "\\frac{6}{3}", False),  # a form nobody writes
    ("20", "02", "4 \\cdot 5", False),  # "I read 20 as 02"
    ("25", "\\frac{23}{2}", "\\frac{150}{6}", False),  # a number of boxes turned fractional
    ("0", "45", "3^2 - 9", False),  # far too large for what is 0
    ("\\frac{2}{3}", "\\frac{2}{0}", "\\frac{4}{6}", False),
    ("\\frac{10}{7}", "\\frac{10}{5}", "1 + \\frac{3}{7}", False),  # not in lowest terms
    ("4", "2", "2 + 2", False),  # the result of two numbers repeats one
    ("3e", "1e", "2 \\cdot 1 \\cdot e + 1^2 \\cdot e", False),  # a factor 1 nobody writes
    ("(x - 2) \\cdot (x + 2)", "(x - 2) \\cdot (x + 0)", "x^2 - 4", False),  # adding zero
]

# (calculation, its result, a mistaken calculation, one a person makes?)
OPERATIONS = [
    ("2 + \\frac{1}{3}", "\\frac{7}{3}", "2 - \\frac{1}{3}", True),
    ("19 \\cdot 6", "114", "19 + 6", True),
    ("3 \\cdot (4 + 5)", "27", "3 \\cdot 4 + 5", True),  # the factor on one term only
    ("2 + \\frac{1}{3}", "\\frac{7}{3}", "2 + (1) \\cdot (3)", False),  # 2 + 1/3 = 5
    ("\\frac{150}{6}", "25", "(150) \\cdot (6)", False),  # 150/6 = 900
    ("19 \\cdot 6", "114", "91 \\cdot 6", False),  # read 19 as 91 where 19 is written
    ("14 - 2 \\cdot 4", "6", "14 - (2 + 4)", True),  # the product's two factors added
    ("14 - 2 \\cdot 4", "6", "14 - 2 + 4", False),  # 14 - 2 + 4 = 16: no one adds that way
    (
        "\\frac{7 \\cdot 6 \\cdot 5}{3 \\cdot 2 \\cdot 1}",
        "35",
        "\\frac{7 \\cdot 6 \\cdot 5}{3 \\cdot 2 + 1}",
        False,
    ),
    ("4 \\cdot 3 \\cdot 2 \\cdot 1", "24", "4 + 3 \\cdot 2 \\cdot 1", False),  # one link of many
    ("5 \\cdot 18", "90", "92", True),  # a slipped last digit (the result written directly)
    ("\\frac{17220}{6}", "2870", "2872", True),
    ("\\frac{9}{3}", "3", "1", False),  # a one-digit result is seen at once
    ("\\frac{144}{180}", "\\frac{4}{5}", "\\frac{4}{3}", False),
    ("\\frac{1}{4}", "\\frac{3}{12}", "\\frac{3}{10}", False),  # the named common denominator
    ("\\frac{2}{3} \\cdot \\frac{6}{5}", "\\frac{12}{15}", "\\frac{10}{15}", True),
]

# (step text, a check of the work?)
CHECK_LINES = [
    ("4. Check: $12 \\cdot 13 = 156$.", True),
    ("Verify: $3 \\cdot 5 + 7 = 22$.", True),
    ("Substituting back, $2 \\cdot 4 + 3 = 11$.", True),
    ("Plugging $x = 3$ back in gives $9 - 9 = 0$.", True),
    ("3. Direct check: $\\sum_{k=0}^{7} 2 \\cdot 3^k = 6560$.", True),
    ("2. Muffins remaining: $150 - 114 = 36$.", False),
    ("2. Divide by 3: $\\frac{15}{3} = 5$.", False),
    ("1. The common difference is $11 - 7 = 4$.", False),
]

GOLD = "36"  # math/arithmetic-01: 150 muffins, boxes of 6, 19 boxes sold: muffins left
# (wrong branch, its wrong step, coherent and a proven wrong answer: a good negative?)
BRANCHES = [
    (  # the wrong value carried to a wrong answer
        "1. Muffins sold: $19 \\cdot 6 = 112$.\n2. Muffins remaining: $150 - 112 = 38$.\n"
        "3. Final answer: \\boxed{38}",
        1,
        True,
    ),
    (  # the same carried through a different slip
        "1. Muffins sold: $19 \\cdot 6 = 116$.\n2. Muffins remaining: $150 - 116 = 34$.\n"
        "3. Final answer: \\boxed{34}",
        1,
        True,
    ),
    (  # the rest of the verified solution appended: it reaches the right answer
        "1. Muffins sold: $19 \\cdot 6 = 112$.\n2. Muffins remaining: $150 - 114 = 36$.\n"
        "3. Final answer: \\boxed{36}",
        1,
        False,
    ),
    (  # the wrong value snaps back to the right one inside the next step
        "1. Muffins sold: $19 \\cdot 6 = 112$.\n2. Muffins remaining: $150 - 112 = 36$.\n"
        "3. Final answer: \\boxed{36}",
        1,
        False,
    ),
    (  # a wrong answer, but through a second unrelated slip
        "1. Muffins sold: $19 \\cdot 6 = 112$.\n2. Muffins remaining: $150 - 112 = 40$.\n"
        "3. Final answer: \\boxed{40}",
        1,
        False,
    ),
    (  # the rest of the wrong step, as a step of its own, does not follow from the wrong value
        "1. Muffins sold: $19 \\cdot 6 = 112$.\n\nso $112 + 36 = 150$ muffins in all.\n"
        "2. Muffins remaining: $150 - 112 = 38$.\n3. Final answer: \\boxed{38}",
        1,
        False,
    ),
    (  # the same, coherent: the rest of the step uses the wrong value
        "1. Muffins sold: $19 \\cdot 6 = 112$.\n\nso $112 + 38 = 150$ muffins in all.\n"
        "2. Muffins remaining: $150 - 112 = 38$.\n3. Final answer: \\boxed{38}",
        1,
        True,
    ),
]

PROGRAM = """\
def total_above(nums, limit):
    if not nums:
        return 0
    total = 0
    for i in range(len(nums)):
        if nums[i] > limit:
            total += nums[i] // 2
    return total
"""
# (a buggy version of PROGRAM, one a person writes?)
BUGS = [
    (PROGRAM.replace("range(len(nums))", "range(len(nums) - 1)"), True),  # loop stops short
    (PROGRAM.replace("nums[i] > limit", "nums[i] >= limit"), True),  # > for >=
    (PROGRAM.replace("    if not nums:\n        return 0\n", ""), True),  # empty input forgotten
    (PROGRAM.replace("total = 0", "total = 1"), True),  # accumulator starts wrong
    (PROGRAM.replace("nums[i] // 2", "nums[i] / 2"), True),  # / for //
    (PROGRAM.replace("    return total\n", "    return None\n"), False),  # return None
    (PROGRAM.replace("nums[i] // 2", "nums[i] * 2"), False),  # // for *: no one writes it
    (PROGRAM.replace("total += nums[i]", "total -= nums[i]"), False),
    ("def total_above(nums, limit):\n    return None\n", False),  # the whole body replaced
    (PROGRAM.replace("nums[i] > limit", "nums[i] != limit"), False),
]


def correction(problem: str, domain: str, wrong: str, text: str, trace: str) -> Correction:
    verdict = {"status": "pass", "verifier": "v", "version": "1", "seconds": 0}
    return Correction.model_validate(
        {
            "id": f"{trace}/{wrong}/{text}",
            "domain": domain,
            "problem_id": problem,
            "trace_id": trace,
            "origin": "injected",
            "operator": "arithmetic-slip",
            "position": 1,
            "wrong": wrong,
            "corrected": "",
            "check": "",
            "refutation": {"check": "step", "outcome": "refuted"},
            "text": text,
            "rejected": None,
            "mistake_verdict": verdict | {"status": "fail"},
            "verdict": verdict,
        }
    )


STEP = "1. Muffins sold: $19 \\cdot 6 = 112$."
# (two examples, duplicates?)
DUPLICATES = [
    (  # two samples of the problem with the same wrong step
        correction("math/a", "math", STEP, f"{STEP}\nCheck ...", "math/a#0"),
        correction("math/a", "math", STEP, f"Intro.\n{STEP}\nCheck ...", "math/a#1"),
        True,
    ),
    (  # the same step numbered and spaced differently
        correction("math/a", "math", STEP, "x", "math/a#0"),
        correction("math/a", "math", "2.  Muffins sold:  $19 \\cdot 6 = 112$.", "y", "math/a#1"),
        True,
    ),
    (  # the same buggy program but for a comment and blank lines
        correction("code/a", "code", PROGRAM, "x", "code/a#0"),
        correction("code/a", "code", "# mine\n" + PROGRAM.replace(":\n", ":\n\n", 1), "y", "b#1"),
        True,
    ),
    (  # a different wrong value is a different mistake
        correction("math/a", "math", STEP, "x", "math/a#0"),
        correction("math/a", "math", STEP.replace("112", "116"), "y", "math/a#1"),
        False,
    ),
    (  # the same step in another problem
        correction("math/a", "math", STEP, "x", "math/a#0"),
        correction("math/b", "math", STEP, "x", "math/b#0"),
        False,
    ),
    (  # a different bug in the same program
        correction("code/a", "code", BUGS[0][0], "x", "code/a#0"),
        correction("code/a", "code", BUGS[1][0], "y", "code/a#0"),
        False,
    ),
]


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with trace_pool(2) as workers:
        yield workers


def test_the_review_set_is_large_and_has_both_labels_of_each_kind() -> None:
    labels: list[list[bool]] = [
        [row[-1] for row in PLAUSIBILITY],
        [row[-1] for row in CHECK_LINES],
        [row[-1] for row in OPERATIONS],
        [row[-1] for row in BRANCHES],
        [row[-1] for row in BUGS],
        [row[-1] for row in DUPLICATES],
    ]
    assert sum(len(kind) for kind in labels) >= 40
    for kind in labels:
        assert set(kind) == {True, False}


@pytest.mark.parametrize(("right", "wrong", "lhs", "good"), PLAUSIBILITY)
def test_plausibility(right: str, wrong: str, lhs: str, good: bool) -> None:
    assert (implausible(right, wrong, lhs) is None) == good


@pytest.mark.parametrize(("lhs", "result", "mistaken", "made"), OPERATIONS)
def test_math_operators_make_mistakes_people_make(
    lhs: str, result: str, mistaken: str, made: bool
) -> None:
    made_by = [slip for operator in OPERATORS.values() for slip in operator(lhs, result)]
    computed = {" ".join((slip.compute or slip.result).split()) for slip in made_by}
    assert (mistaken in computed) == made


@pytest.mark.parametrize(("step", "checks"), CHECK_LINES)
def test_no_mistake_goes_into_a_check_line(step: str, checks: bool) -> None:
    assert check_step(step) == checks


def test_a_negative_is_coherent_and_proven_wrong(pool: WorkerPool) -> None:
    verdicts = verify(pool, [(GOLD, text) for text, _, _ in BRANCHES])
    for (text, step, good), verdict in zip(BRANCHES, verdicts, strict=True):
        judged = refuted_steps(verdict) == [step] and proven_different(verdict)
        assert judged == good, text


@pytest.mark.parametrize(("buggy", "real"), BUGS)
def test_code_mutants_are_bugs_people_write(buggy: str, real: bool) -> None:
    made = {mutant.source for mutant in mutants(PROGRAM, "total_above")}
    assert (buggy in made) == real


@pytest.mark.parametrize(("first", "second", "duplicate"), DUPLICATES)
def test_duplicates_collapse(first: Correction, second: Correction, duplicate: bool) -> None:
    assert len(distinct([first, second])) == (1 if duplicate else 2)
