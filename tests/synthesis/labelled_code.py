"""A labelled set of synthesized programming candidates with their independent solutions.

Bad kinds: a reference failing its own tests (a bug, a syntax error), tests too weak to kill
the reference's mutants (or with no mutant to kill), a wrong reference whose tests agree with
it, an ambiguous statement two readings of which pass the given tests, no independent solution,
and a near-duplicate of a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from factory.synthesis.model import CodeCandidate, Reason, SynthesisLineage
from problems import AssertTests, CodeTests, PropertySpec, StdioCase


@dataclass(frozen=True)
class Labelled:
    candidate: CodeCandidate
    reason: Reason | None  # None: a good candidate, to be accepted


def _candidate(
    name: str,
    statement: str,
    signature: str,
    reference: str,
    checks: list[str],
    independent: list[str],
) -> CodeCandidate:
    entry = signature.split("def ", 1)[1].split("(", 1)[0]
    code = "def check(candidate):\n" + "".join(f"    assert {line}\n" for line in checks)
    return CodeCandidate(
        id=f"syn/{name}",
        statement=statement,
        lineage=SynthesisLineage(
            parent_ids=["code/two-sum-sorted"],
            operators=["self-instruct"],
            teacher="replay",
            prompt_hash="h" + name,
        ),
        tests=CodeTests(asserts=AssertTests(style="check", code=code)),
        reference=reference,
        entry_point=entry,
        starter_code=signature + '    """As the statement says."""\n',
        independent=independent,
    )


def good(name: str, *args: object) -> Labelled:
    return Labelled(_candidate(name, *args), None)  # type: ignore[arg-type]


def bad(reason: Reason, name: str, *args: object) -> Labelled:
    return Labelled(_candidate(name, *args), reason)  # type: ignore[arg-type]


CLAMP = """def clamp(x: int, lo: int, hi: int) -> int:
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x
"""
COUNT_VOWELS = """def count_vowels(text: str) -> int:
    count = 0
    for char in text.lower():
        if char in "aeiou":
            count += 1
    return count
"""
RUNNING = """def running_sum(nums: list[int]) -> list[int]:
    total = 0
    out = []
    for x in nums:
        total += x
        out.append(total)
    return out
"""
LEAP = """def is_leap(year: int) -> bool:
    if year % 400 == 0:
        return True
    if year % 100 == 0:
        return False
    return year % 4 == 0
"""
MAX_GAP = """def max_gap(nums: list[int]) -> int:
    if len(nums) < 2:
        return 0
    ordered = sorted(nums)
    best = 0
    for i in range(1, len(ordered)):
        best = max(best, ordered[i] - ordered[i - 1])
    return best
"""
EVENS = """def sum_evens(nums: list[int]) -> int:
    total = 0
    for x in nums:
        if x % 2 == 0:
            total += x
    return total
"""
ROTATE = """def rotate_left(nums: list[int], k: int) -> list[int]:
    if not nums:
        return []
    k = k % len(nums)
    return nums[k:] + nums[:k]
"""
BSEARCH = """def find_index(nums: list[int], target: int) -> int:
    lo, hi = 0, len(nums) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if nums[mid] == target:
            return mid
        if nums[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
"""
COUNT_ABOVE = """def count_above(nums: list[int], limit: int) -> int:
    count = 0
    for x in nums:
        if x > limit:
            count += 1
    return count
"""
LONGEST_RUN = """def longest_run(text: str) -> int:
    if not text:
        return 0
    best = 1
    current = 1
    for i in range(1, len(text)):
        if text[i] == text[i - 1]:
            current += 1
            best = max(best, current)
        else:
            current = 1
    return best
"""
DIGIT_SUM = """def digit_sum(n: int) -> int:
    total = 0
    while n > 0:
        total += n % 10
        n = n // 10
    return total
"""
MEAN = """def mean(nums: list[int]) -> int:
    return round(sum(nums) / len(nums))
"""
SECOND = """def second_largest(nums: list[int]) -> int:
    ordered = sorted(nums)
    return ordered[-2]
"""

LABELLED: list[Labelled] = [
    # --- good -----------------------------------------------------------------------------
    good(
        "clamp",
        "Write `clamp(x, lo, hi)` for integers with `lo <= hi`: return `lo` when `x` is below "
        "`lo`, `hi` when it is above `hi`, and `x` otherwise.",
        "def clamp(x: int, lo: int, hi: int) -> int:\n",
        CLAMP,
        [
            "candidate(5, 1, 9) == 5",
            "candidate(0, 1, 9) == 1",
            "candidate(10, 1, 9) == 9",
            "candidate(1, 1, 9) == 1",
            "candidate(9, 1, 9) == 9",
            "candidate(-4, -3, 3) == -3",
            "candidate(2, 2, 2) == 2",
        ],
        ["def clamp(x: int, lo: int, hi: int) -> int:\n    return max(lo, min(x, hi))\n"],
    ),
    good(
        "count-vowels",
        "Write `count_vowels(text)` returning how many of the characters of `text` are vowels "
        "(a, e, i, o, u, in either case).",
        "def count_vowels(text: str) -> int:\n",
        COUNT_VOWELS,
        [
            "candidate('') == 0",
            "candidate('xyz') == 0",
            "candidate('Apple') == 2",
            "candidate('AEIOU aeiou') == 10",
            "candidate('rhythm and blues') == 3",
        ],
        [
            "def count_vowels(text: str) -> int:\n"
            "    return sum(1 for c in text if c in 'aeiouAEIOU')\n"
        ],
    ),
    good(
        "running-sum",
        "Write `running_sum(nums)` returning the list whose i-th element is the sum of the "
        "first i + 1 elements of `nums`.",
        "def running_sum(nums: list[int]) -> list[int]:\n",
        RUNNING,
        [
            "candidate([]) == []",
            "candidate([4]) == [4]",
            "candidate([1, 2, 3]) == [1, 3, 6]",
            "candidate([5, -5, 5]) == [5, 0, 5]",
        ],
        [
            "def running_sum(nums: list[int]) -> list[int]:\n"
            "    return [sum(nums[: i + 1]) for i in range(len(nums))]\n"
        ],
    ),
    good(
        "leap-year",
        "Write `is_leap(year)`: a year is a leap year when it is divisible by 4, except years "
        "divisible by 100, which are leap years only when divisible by 400.",
        "def is_leap(year: int) -> bool:\n",
        LEAP,
        [
            "candidate(2024) is True",
            "candidate(2023) is False",
            "candidate(1900) is False",
            "candidate(2000) is True",
            "candidate(2100) is False",
            "candidate(1996) is True",
        ],
        [
            "def is_leap(year: int) -> bool:\n"
            "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n"
        ],
    ),
    good(
        "max-gap",
        "Write `max_gap(nums)` returning the largest difference between two neighbours of "
        "`nums` once sorted, or 0 when it has fewer than two elements.",
        "def max_gap(nums: list[int]) -> int:\n",
        MAX_GAP,
        [
            "candidate([]) == 0",
            "candidate([7]) == 0",
            "candidate([3, 1]) == 2",
            "candidate([1, 10, 2, 4]) == 6",
            "candidate([5, 5, 5]) == 0",
            "candidate([9, 1, 3]) == 6",
        ],
        [
            "def max_gap(nums: list[int]) -> int:\n    s = sorted(nums)\n"
            "    return max((b - a for a, b in zip(s, s[1:])), default=0)\n"
        ],
    ),
    good(
        "sum-evens",
        "Write `sum_evens(nums)` returning the sum of the even numbers in `nums`.",
        "def sum_evens(nums: list[int]) -> int:\n",
        EVENS,
        [
            "candidate([]) == 0",
            "candidate([1, 3]) == 0",
            "candidate([2, 3, 4]) == 6",
            "candidate([-2, 5, 8]) == 6",
            "candidate([0, 7, 10]) == 10",
        ],
        ["def sum_evens(nums: list[int]) -> int:\n    return sum(x for x in nums if x % 2 == 0)\n"],
    ),
    good(
        "rotate-left",
        "Write `rotate_left(nums, k)` for `k >= 0` returning `nums` rotated left by `k` "
        "places (the first `k` elements move to the end, cyclically); an empty list stays "
        "empty.",
        "def rotate_left(nums: list[int], k: int) -> list[int]:\n",
        ROTATE,
        [
            "candidate([], 3) == []",
            "candidate([1, 2, 3, 4], 1) == [2, 3, 4, 1]",
            "candidate([1, 2, 3], 0) == [1, 2, 3]",
            "candidate([1, 2, 3], 3) == [1, 2, 3]",
            "candidate([1, 2, 3], 5) == [3, 1, 2]",
            "candidate([7], 2) == [7]",
        ],
        [
            "def rotate_left(nums: list[int], k: int) -> list[int]:\n"
            "    out = list(nums)\n    for _ in range(k if nums else 0):\n"
            "        out.append(out.pop(0))\n    return out\n"
        ],
    ),
    good(
        "find-index",
        "Write `find_index(nums, target)` for a list of distinct integers sorted in increasing "
        "order: return the index of `target`, or -1 when it is absent.",
        "def find_index(nums: list[int], target: int) -> int:\n",
        BSEARCH,
        [
            "candidate([], 3) == -1",
            "candidate([1, 3, 5, 7], 1) == 0",
            "candidate([1, 3, 5, 7], 7) == 3",
            "candidate([1, 3, 5, 7], 5) == 2",
            "candidate([1, 3, 5, 7], 4) == -1",
            "candidate([1, 3, 5, 7], 9) == -1",
            "candidate([1, 3, 5, 7], 0) == -1",
            "candidate([2], 2) == 0",
            "candidate([1, 3, 5, 7, 9, 11], 3) == 1",
        ],
        [
            "def find_index(nums: list[int], target: int) -> int:\n"
            "    return nums.index(target) if target in nums else -1\n"
        ],
    ),
    good(
        "count-above",
        "Write `count_above(nums, limit)` returning how many elements of `nums` are strictly "
        "greater than `limit`.",
        "def count_above(nums: list[int], limit: int) -> int:\n",
        COUNT_ABOVE,
        [
            "candidate([], 0) == 0",
            "candidate([1, 2, 3], 2) == 1",
            "candidate([5, 5], 5) == 0",
            "candidate([6, 7, 8], 5) == 3",
            "candidate([-1, 0, 1], -1) == 2",
        ],
        [
            "def count_above(nums: list[int], limit: int) -> int:\n"
            "    return len([x for x in nums if x > limit])\n"
        ],
    ),
    good(
        "longest-run",
        "Write `longest_run(text)` returning the length of the longest run of one repeated "
        "character in `text` (0 for the empty string).",
        "def longest_run(text: str) -> int:\n",
        LONGEST_RUN,
        [
            "candidate('') == 0",
            "candidate('a') == 1",
            "candidate('abc') == 1",
            "candidate('aabbbc') == 3",
            "candidate('abbb') == 3",
            "candidate('aaab') == 3",
            "candidate('abba') == 2",
        ],
        [
            "import itertools\n\ndef longest_run(text: str) -> int:\n"
            "    return max((len(list(g)) for _, g in itertools.groupby(text)), default=0)\n"
        ],
    ),
    good(
        "digit-sum",
        "Write `digit_sum(n)` for an integer `n >= 0` returning the sum of its decimal digits.",
        "def digit_sum(n: int) -> int:\n",
        DIGIT_SUM,
        [
            "candidate(0) == 0",
            "candidate(7) == 7",
            "candidate(10) == 1",
            "candidate(99) == 18",
            "candidate(12345) == 15",
            "candidate(908) == 17",
        ],
        ["def digit_sum(n: int) -> int:\n    return sum(int(d) for d in str(n))\n"],
    ),
    # --- bad: the reference fails its own tests ---------------------------------------------
    bad(
        "reference-fails",
        "buggy-reference",
        "Write `count_below(nums, limit)` returning how many elements of `nums` are strictly "
        "less than `limit`.",
        "def count_below(nums: list[int], limit: int) -> int:\n",
        "def count_below(nums: list[int], limit: int) -> int:\n"
        "    return len([x for x in nums if x <= limit])\n",
        ["candidate([], 0) == 0", "candidate([1, 2, 3], 2) == 1", "candidate([5, 5], 5) == 0"],
        [
            "def count_below(nums: list[int], limit: int) -> int:\n"
            "    return sum(1 for x in nums if x < limit)\n"
        ],
    ),
    bad(
        "reference-fails",
        "syntax-error",
        "Write `triple(x)` returning three times the integer `x`.",
        "def triple(x: int) -> int:\n",
        "def triple(x: int) -> int:\n    return 3 * x +\n",
        ["candidate(0) == 0", "candidate(2) == 6", "candidate(-3) == -9"],
        ["def triple(x: int) -> int:\n    return x * 3\n"],
    ),
    # --- bad: weak tests ---------------------------------------------------------------------
    bad(
        "weak-tests",
        "kills-nothing",
        "Write `count_positive(nums)` returning how many elements of `nums` are greater than 0.",
        "def count_positive(nums: list[int]) -> int:\n",
        "def count_positive(nums: list[int]) -> int:\n    count = 0\n    for x in nums:\n"
        "        if x > 0:\n            count += 1\n    return count\n",
        ["isinstance(candidate([]), int)", "candidate([-1]) >= 0"],
        ["def count_positive(nums: list[int]) -> int:\n    return sum(x > 0 for x in nums)\n"],
    ),
    bad(
        "weak-tests",
        "happy-path-only",
        "Write `clamp(x, lo, hi)` for integers with `lo <= hi`: return `lo` when `x` is below "
        "`lo`, `hi` when it is above `hi`, and `x` otherwise; values equal to a bound stay.",
        "def clamp(x: int, lo: int, hi: int) -> int:\n",
        CLAMP,
        ["candidate(5, 1, 9) == 5"],
        ["def clamp(x: int, lo: int, hi: int) -> int:\n    return max(lo, min(x, hi))\n"],
    ),
    bad(
        "weak-tests",
        "no-mutants",
        "Write `ordered(nums)` returning the elements of `nums` in increasing order.",
        "def ordered(nums: list[int]) -> list[int]:\n",
        "def ordered(nums: list[int]) -> list[int]:\n    return sorted(nums)\n",
        ["candidate([]) == []", "candidate([3, 1, 2]) == [1, 2, 3]"],
        ["def ordered(nums: list[int]) -> list[int]:\n    return list(sorted(nums))\n"],
    ),
    # --- bad: reference and independent solution disagree ------------------------------------
    bad(
        "disagreement",
        "wrong-reference",
        "Write `second_largest(nums)` for a list with at least two distinct values, returning "
        "the second largest distinct value.",
        "def second_largest(nums: list[int]) -> int:\n",
        SECOND,
        [
            "candidate([1, 2]) == 1",
            "candidate([5, 3, 9]) == 5",
            "candidate([4, 4, 1]) == 4",
            "candidate([7, 7, 2, 2]) == 7",
            "candidate([-1, -5, -3]) == -3",
        ],
        ["def second_largest(nums: list[int]) -> int:\n    return sorted(set(nums))[-2]\n"],
    ),
    bad(
        "disagreement",
        "off-by-one-reference",
        "Write `triangle(n)` for `n >= 0` returning the sum of the integers from 1 to `n` "
        "inclusive.",
        "def triangle(n: int) -> int:\n",
        "def triangle(n: int) -> int:\n    total = 0\n    for i in range(1, n):\n"
        "        total += i\n    return total\n",
        [
            "candidate(0) == 0",
            "candidate(1) == 0",
            "candidate(2) == 1",
            "candidate(4) == 6",
            "candidate(10) == 45",
        ],
        ["def triangle(n: int) -> int:\n    return n * (n + 1) // 2\n"],
    ),
    bad(
        "disagreement",
        "ambiguous-mean",
        "Write `mean(nums)` returning the mean of a non-empty list of integers, rounded to "
        "the nearest integer.",
        "def mean(nums: list[int]) -> int:\n",
        MEAN,
        [
            "candidate([2, 4]) == 3",
            "candidate([5]) == 5",
            "candidate([1, 2, 4]) == 2",
            "candidate([10, 20, 30, 41]) == 25",
            "candidate([-2, 2]) == 0",
            "candidate([1, 1, 2]) == 1",
            "candidate([3, 4, 4]) == 4",
        ],
        ["def mean(nums: list[int]) -> int:\n    return int(sum(nums) / len(nums) + 0.5)\n"],
    ),
    bad(
        "disagreement",
        "no-independent",
        "Write `product(nums)` returning the product of the integers in `nums` (1 when empty).",
        "def product(nums: list[int]) -> int:\n",
        "def product(nums: list[int]) -> int:\n    result = 1\n    for x in nums:\n"
        "        result *= x\n    return result\n",
        [
            "candidate([]) == 1",
            "candidate([3]) == 3",
            "candidate([2, 3, 4]) == 24",
            "candidate([0, 5]) == 0",
            "candidate([-1, 2]) == -2",
        ],
        [],
    ),
    # --- bad: a near-duplicate of a seed -----------------------------------------------------
    bad(
        "near-duplicate",
        "seed-copy",
        "Write `reverse_words(text)` that returns the words of `text` in reverse order, joined "
        "by single spaces. A word is a maximal run of non-whitespace characters, so leading, "
        "trailing and repeated whitespace disappear. A text with no words gives the empty "
        "string.\n\nWhen run as a program, read one line from stdin and print its words in "
        "reverse order.",
        "def reverse_words(text: str) -> str:\n",
        "def reverse_words(text: str) -> str:\n    return ' '.join(reversed(text.split()))\n",
        ["candidate('a b c') == 'c b a'", "candidate('') == ''", "candidate('  x  y ') == 'y x'"],
        ["def reverse_words(text: str) -> str:\n    return ' '.join(text.split()[::-1])\n"],
    ),
]

SUM_TO_N = (
    "import sys\n\n\ndef main() -> None:\n    n = int(sys.stdin.readline())\n    total = 0\n"
    "    for i in range(1, n + 1):\n        total += i\n    print(total)\n\n\nmain()\n"
)
LABELLED.append(
    Labelled(
        CodeCandidate(
            id="syn/stdio-sum",
            statement="Read an integer n >= 0 from stdin and print 1 + 2 + ... + n.",
            lineage=SynthesisLineage(
                parent_ids=["code/digital-root"],
                operators=["evol-breadth"],
                teacher="replay",
                prompt_hash="hstdio",
            ),
            tests=CodeTests(
                stdio=[
                    StdioCase(input="0\n", output="0\n"),
                    StdioCase(input="1\n", output="1\n"),
                    StdioCase(input="4\n", output="10\n"),
                    StdioCase(input="100\n", output="5050\n"),
                ]
            ),
            reference=SUM_TO_N,
            independent=["n = int(input())\nprint(n * (n + 1) // 2)\n"],
        ),
        None,
    )
)


# --- replies with stdin/stdout cases and properties, judged by the same proofs ---------------
def _program(
    name: str,
    reason: Reason | None,
    statement: str,
    reference: str,
    tests: CodeTests,
    independent: list[str],
    signature: str | None = None,
) -> Labelled:
    """A candidate whose tests are whole-program runs and/or properties (asserts optional)."""
    entry = signature.split("def ", 1)[1].split("(", 1)[0] if signature else None
    lineage = SynthesisLineage(
        parent_ids=["code/digital-root"],
        operators=["evol-breadth"],
        teacher="replay",
        prompt_hash="h" + name,
    )
    candidate = CodeCandidate(
        id=f"syn/{name}",
        statement=statement,
        lineage=lineage,
        tests=tests,
        reference=reference,
        entry_point=entry,
        starter_code=signature + '    """As the statement says."""\n' if signature else None,
        independent=independent,
    )
    return Labelled(candidate, reason)


def _check(*lines: str) -> AssertTests:
    return AssertTests(
        style="check", code="def check(candidate):\n" + "".join(f"    assert {x}\n" for x in lines)
    )


def _cases(*pairs: tuple[str, str]) -> list[StdioCase]:
    return [StdioCase(input=given, output=expected) for given, expected in pairs]


FACTORIAL = (
    "n = int(input())\nresult = 1\nfor k in range(2, n + 1):\n    result *= k\nprint(result)\n"
)
COUNT_DIGITS = (
    "def count_digits(n: int) -> int:\n    n = abs(n)\n    count = 1\n    while n >= 10:\n"
    "        n //= 10\n        count += 1\n    return count\n\n\n"
    'if __name__ == "__main__":\n    print(count_digits(int(input())))\n'
)
UNIQUE_SORTED = (
    "def unique_sorted(nums: list[int]) -> list[int]:\n    out: list[int] = []\n"
    "    for x in sorted(nums):\n        if not out or out[-1] != x:\n            out.append(x)\n"
    "    return out\n"
)
ODD_SUM_SHORT = (  # stops one odd number early: 1 + 3 + ... + (2n - 3)
    "n = int(input())\ntotal = 0\nfor odd in range(1, 2 * n - 1, 2):\n    total += odd\n"
    "print(total)\n"
)
NEGATIVES = (
    "import sys\n\n\ndef main() -> None:\n    count = 0\n    for token in sys.stdin.read().split():"
    "\n        if int(token) < 0:\n            count += 1\n    print(count)\n\n\nmain()\n"
)
ROTATE_SHORT = (  # wrong once k exceeds the length: the property draws such k, the asserts do not
    "def rotate_left(nums: list[int], k: int) -> list[int]:\n    return nums[k:] + nums[:k]\n"
)
FLOOR_AVERAGE = (
    "def average(nums: list[int]) -> int:\n    return sum(nums) // len(nums)\n\n\n"
    'if __name__ == "__main__":\n    print(average([int(t) for t in input().split()]))\n'
)
ROTATED = (
    "def prop(candidate, nums, k):\n    n = len(nums)\n"
    "    assert candidate(nums, k) == [nums[(i + k) % n] for i in range(n)]\n"
)
LABELLED += [
    _program(
        "stdio-factorial",
        None,
        "Read an integer n >= 0 from stdin and print n! (the product 1 * 2 * ... * n; 0! is 1).",
        FACTORIAL,
        CodeTests(
            stdio=_cases(
                ("0\n", "1\n"),
                ("1\n", "1\n"),
                ("2\n", "2\n"),
                ("5\n", "120\n"),
                ("10\n", "3628800\n"),
            )
        ),
        ["import math\n\nprint(math.factorial(int(input())))\n"],
    ),
    _program(
        "count-digits-both-ways",
        None,
        "Write `count_digits(n)` returning how many decimal digits the integer `n` has, "
        "ignoring its sign (0 has one digit). As a program, read `n` from stdin and print it.",
        COUNT_DIGITS,
        CodeTests(
            asserts=_check(
                "candidate(0) == 1",
                "candidate(9) == 1",
                "candidate(10) == 2",
                "candidate(-123) == 3",
                "candidate(99999) == 5",
                "candidate(100000) == 6",
            ),
            stdio=_cases(("-4056\n", "4\n"), ("0\n", "1\n")),
        ),
        [
            "def count_digits(n: int) -> int:\n    return len(str(abs(n)))\n\n\n"
            'if __name__ == "__main__":\n    print(count_digits(int(input())))\n'
        ],
        "def count_digits(n: int) -> int:\n",
    ),
    _program(
        "unique-sorted-property",
        None,
        "Write `unique_sorted(nums)` returning the distinct values of the list of integers "
        "`nums` in increasing order.",
        UNIQUE_SORTED,
        CodeTests(
            asserts=_check(
                "candidate([]) == []",
                "candidate([3, 1, 3, 2]) == [1, 2, 3]",
                "candidate([5, 5, 5]) == [5]",
                "candidate([-1, 0, -1]) == [-1, 0]",
            ),
            properties=[
                PropertySpec(
                    name="is-sorted-set",
                    code="def prop(candidate, nums):\n"
                    "    assert candidate(nums) == sorted(set(nums))\n",
                    strategies={"nums": "st.lists(st.integers(-5, 5), max_size=12)"},
                )
            ],
        ),
        ["def unique_sorted(nums: list[int]) -> list[int]:\n    return sorted(set(nums))\n"],
        "def unique_sorted(nums: list[int]) -> list[int]:\n",
    ),
    _program(
        "stdio-odd-sum-short",
        "reference-fails",
        "Read an integer n >= 1 from stdin and print the sum of the first n odd numbers.",
        ODD_SUM_SHORT,
        CodeTests(stdio=_cases(("1\n", "1\n"), ("3\n", "9\n"), ("5\n", "25\n"))),
        ["n = int(input())\nprint(n * n)\n"],
    ),
    _program(
        "stdio-one-case",
        "weak-tests",
        "Read whitespace-separated integers from stdin and print how many are negative.",
        NEGATIVES,
        CodeTests(stdio=_cases(("1 2 3\n", "0\n"))),
        ["print(sum(int(t) < 0 for t in open(0).read().split()))\n"],
    ),
    _program(
        "rotate-property-catches-reference",
        "reference-fails",
        "Write `rotate_left(nums, k)` returning the list `nums` rotated left by `k >= 0` places "
        "(k may exceed the length; an empty list stays empty).",
        ROTATE_SHORT,
        CodeTests(
            asserts=_check(
                "candidate([1, 2, 3], 1) == [2, 3, 1]",
                "candidate([], 0) == []",
                "candidate([1, 2, 3], 0) == [1, 2, 3]",
            ),
            properties=[
                PropertySpec(
                    name="rotated",
                    code=ROTATED,
                    strategies={
                        "nums": "st.lists(st.integers(0, 9), min_size=1, max_size=6)",
                        "k": "st.integers(0, 20)",
                    },
                )
            ],
        ),
        [
            "def rotate_left(nums: list[int], k: int) -> list[int]:\n    if not nums:\n"
            "        return []\n    k %= len(nums)\n    return nums[k:] + nums[:k]\n"
        ],
        "def rotate_left(nums: list[int], k: int) -> list[int]:\n",
    ),
    _program(
        "stdio-ambiguous-average",
        "disagreement",
        "Write `average(nums)` returning the average of a non-empty list of integers. As a "
        "program, read the integers from one line of stdin and print their average.",
        FLOOR_AVERAGE,
        CodeTests(
            asserts=_check(
                "candidate([2, 4]) == 3",
                "candidate([5]) == 5",
                "candidate([1, 2, 3]) == 2",
                "candidate([10, 20]) == 15",
                "candidate([-3, -1]) == -2",
            ),
            stdio=_cases(("2 4\n", "3\n"), ("7 7 7\n", "7\n")),
        ),
        [
            "def average(nums: list[int]) -> float:\n    return sum(nums) / len(nums)\n\n\n"
            'if __name__ == "__main__":\n    print(average([int(t) for t in input().split()]))\n'
        ],
        "def average(nums: list[int]) -> float:\n",
    ),
]
