"""A labelled set of synthesized math candidates with the solutions gathered for them.

Every bad kind the acceptance must catch is here (no agreement, a wrong proposed answer with
split solvers, a refuted step in an agreeing solution, a leaked answer, a near-duplicate of a
seed or of an earlier candidate, unparseable answers, a numeric-variation program that
disagrees), beside good candidates written the many ways solutions state the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from factory.synthesis.model import MathCandidate, Operator, Reason, SynthesisLineage


@dataclass(frozen=True)
class Labelled:
    candidate: MathCandidate
    reason: Reason | None  # None: a good candidate, to be accepted


def sol(*steps: str, answer: str) -> str:
    """A numbered solution ending in a boxed final answer."""
    lines = [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    return "\n".join([*lines, f"{len(steps) + 1}. Final answer: \\boxed{{{answer}}}"])


def _make(
    name: str,
    statement: str,
    solutions: list[str],
    proposed: str | None = None,
    program: str | None = None,
    operator: Operator = "evol-breadth",
    parent: str = "math/arithmetic-01",
) -> MathCandidate:
    lineage = SynthesisLineage(
        parent_ids=[parent], operators=[operator], teacher="replay", prompt_hash="h" + name
    )
    return MathCandidate(
        id=f"syn/{name}",
        statement=statement,
        lineage=lineage,
        proposed_answer=proposed,
        solutions=solutions,
        program_answer=program,
    )


def good(name: str, statement: str, solutions: list[str], **kw: object) -> Labelled:
    return Labelled(_make(name, statement, solutions, **kw), None)  # type: ignore[arg-type]


def bad(reason: Reason, name: str, statement: str, solutions: list[str], **kw: object) -> Labelled:
    return Labelled(_make(name, statement, solutions, **kw), reason)  # type: ignore[arg-type]


ORCHARD = (
    "An orchard has 14 rows of 23 apple trees. A storm knocks down 38 trees. "
    "How many apple trees are still standing?"
)
ORCHARD_RIGHT = [
    sol("Trees planted: $14 \\cdot 23 = 322$.", "Still standing: $322 - 38 = 284$.", answer="284"),
    sol("Trees: $14 \\cdot 23 = 322$.", "After the storm: $322 - 38 = 284$.", answer="284"),
    "First, $14 \\times 23 = 322$ trees.\nThen $322 - 38 = 284$.\n\nThe answer is 284.",
]

LABELLED: list[Labelled] = [
    # --- good -----------------------------------------------------------------------------
    good("orchard", ORCHARD, ORCHARD_RIGHT, proposed="284"),
    good(
        "tiles",
        "A hallway floor is 9 metres long and 4 metres wide. Square tiles of side 0.5 metres "
        "cover it with no gaps. How many tiles are used?",
        [
            sol(
                "Area: $9 \\cdot 4 = 36$.",
                "Tile area: $0.5 \\cdot 0.5 = 0.25$.",
                "Tiles: $36 / 0.25 = 144$.",
                answer="144",
            ),
            sol(
                "Along the length: $9 / 0.5 = 18$.",
                "Across: $4 / 0.5 = 8$.",
                "Tiles: $18 \\cdot 8 = 144$.",
                answer="144",
            ),
            sol(
                "Along the length: $9 / 0.5 = 18$.",
                "Across: $4 / 0.5 = 8$.",
                "Tiles: $18 \\cdot 8 = 154$.",
                answer="154",
            ),
            sol(
                "Area: $9 \\cdot 4 = 36$.",
                "Each tile covers $\\frac{1}{4}$.",
                "Tiles: $36 \\cdot 4 = 144$.",
                answer="144",
            ),
        ],
        proposed="144",
    ),
    good(
        "juice",
        "A jug holds 3 litres of juice. Sam pours out 4 glasses of 0.45 litres each. What "
        "fraction of the juice is left in the jug?",
        [
            sol(
                "Poured: $4 \\cdot 0.45 = 1.8$.",
                "Left: $3 - 1.8 = 1.2$.",
                "Fraction: $\\frac{1.2}{3} = \\frac{2}{5}$.",
                answer="\\frac{2}{5}",
            ),
            sol(
                "Poured: $4 \\cdot 0.45 = 1.8$.",
                "Left: $3 - 1.8 = 1.2$.",
                "Fraction: $1.2 / 3 = 0.4$.",
                answer="0.4",
            ),
            sol(
                "Poured: $4 \\cdot 0.45 = 1.8$ litres.",
                "Left: $3 - 1.8 = 1.2$ litres.",
                "As a share: $\\frac{1.2}{3} = 40\\%$.",
                answer="40\\%",
            ),
        ],
        proposed="2/5",
    ),
    good(
        "linear",
        "Solve $7x - 12 = 4x + 15$ for $x$.",
        [
            sol(
                "Subtract $4x$: $3x - 12 = 15$.",
                "Add 12: $3x = 27$.",
                "Divide: $x = 9$.",
                answer="9",
            ),
            sol("$7x - 4x = 15 + 12$.", "$3x = 27$.", "$x = 9$.", answer="x = 9"),
            sol("Move terms: $3x = 27$.", "So $x = 27 / 3 = 9$.", answer="9"),
        ],
        parent="math/linear-equations-01",
    ),
    good(
        "quadratic",
        "Find all real solutions of $x^2 - 9x + 20 = 0$.",
        [
            sol(
                "Factor: $x^2 - 9x + 20 = (x - 4)(x - 5)$.", "So $x = 4$ or $x = 5$.", answer="4, 5"
            ),
            sol(
                "Discriminant: $81 - 80 = 1$.",
                "Roots: $\\frac{9 \\pm 1}{2}$, that is 4 and 5.",
                answer="\\{4, 5\\}",
            ),
            sol("$(x-4)(x-5) = x^2 - 9x + 20$.", "The roots are 5 and 4.", answer="5, 4"),
        ],
        proposed="4, 5",
        parent="math/quadratic-equations-01",
    ),
    good(
        "discount",
        "A lamp costs 64 dollars. It is sold at a 15 percent discount. How many dollars does "
        "the buyer pay?",
        [
            sol("Discount: $64 \\cdot 0.15 = 9.6$.", "Price: $64 - 9.6 = 54.4$.", answer="54.4"),
            sol("Pay 85 percent: $64 \\cdot 0.85 = 54.4$.", answer="\\$54.40"),
            sol("Discount: $0.15 \\cdot 64 = 9.6$.", "Price: $64 - 9.6 = 54.4$.", answer="54.40"),
        ],
        parent="math/arithmetic-05",
    ),
    good(
        "garden-circle",
        "A circular flower bed has a diameter of 10 metres. What is its area in square metres? "
        "Give an exact value.",
        [
            sol("Radius: $10 / 2 = 5$.", "Area: $\\pi \\cdot 5^2 = 25\\pi$.", answer="25\\pi"),
            sol("Radius: $r = 5$.", "Area: $\\pi r^2 = 25\\pi$.", answer="25 \\pi"),
            sol("$A = \\pi (10/2)^2 = 25\\pi$.", answer="\\pi \\cdot 25"),
            sol("$A = \\pi \\cdot 10^2 = 100\\pi$.", answer="100\\pi"),
        ],
        proposed="25\\pi",
        operator="self-instruct",
    ),
    good(
        "expand",
        "Expand $(x + 3)(x - 5)$.",
        [
            sol(
                "$(x + 3)(x - 5) = x^2 - 5x + 3x - 15$.",
                "$= x^2 - 2x - 15$.",
                answer="x^2 - 2x - 15",
            ),
            sol("FOIL: $x^2 - 5x + 3x - 15 = x^2 - 2x - 15$.", answer="x^2-2x-15"),
            sol("$(x+3)(x-5) = x^2 - 2x - 15$.", answer="-15 - 2x + x^2"),
        ],
        operator="self-instruct",
        parent="math/quadratic-equations-02",
    ),
    good(
        "committee",
        "In how many ways can a committee of 3 be chosen from 8 people?",
        [
            sol("$\\binom{8}{3} = \\frac{8 \\cdot 7 \\cdot 6}{6} = 56$.", answer="56"),
            sol(
                "Ordered choices: $8 \\cdot 7 \\cdot 6 = 336$.",
                "Unordered: $336 / 6 = 56$.",
                answer="56",
            ),
            sol("$\\binom{8}{3} = 56$.", answer="\\binom{8}{3}"),
        ],
        proposed="56",
        operator="self-instruct",
    ),
    good(
        "small-answer",
        "Lena has 7 bags with 9 marbles each. She gives away 56 marbles. How many marbles does "
        "she keep?",
        [
            sol("Marbles: $7 \\cdot 9 = 63$.", "Kept: $63 - 56 = 7$.", answer="7"),
            sol("$7 \\cdot 9 = 63$.", "$63 - 56 = 7$.", answer="7"),
            sol("$63 - 56 = 7$.", answer="7"),
        ],
        proposed="7",
    ),
    good(
        "big-number",
        "A stadium has 48 sections of 1,250 seats. How many seats does it have?",
        [
            sol("$48 \\cdot 1250 = 60000$.", answer="60,000"),
            sol("$48 \\cdot 1{,}250 = 60{,}000$.", answer="60000"),
            sol("$50 \\cdot 1250 = 62500$.", "$62500 - 2 \\cdot 1250 = 60000$.", answer="60000"),
        ],
        proposed="60000",
    ),
    good(
        "one-unparsed",
        "A train travels 210 km in 3 hours. At the same speed, how far does it travel in 5 hours?",
        [
            sol("Speed: $210 / 3 = 70$.", "Distance: $70 \\cdot 5 = 350$.", answer="350"),
            sol("Speed: $210 / 3 = 70$.", "Distance: $70 \\cdot 5 = 350$.", answer="350 km"),
            "The speed is 70 km/h, so the train goes further in five hours",
            sol("$210 \\cdot \\frac{5}{3} = 350$.", answer="350"),
        ],
        proposed="350",
        parent="math/arithmetic-07",
    ),
    good(
        "deeper-orchard",
        ORCHARD.replace(
            "How many apple trees are still standing?",
            "The owner then plants 3 new rows of 23 trees and removes 17 sick trees. How many "
            "apple trees stand at the end of the season?",
        ),
        [
            sol(
                "Start: $14 \\cdot 23 = 322$.",
                "After the storm: $322 - 38 = 284$.",
                "New trees: $3 \\cdot 23 = 69$.",
                "End: $284 + 69 - 17 = 336$.",
                answer="336",
            ),
            sol(
                "Rows: $14 + 3 = 17$.",
                "Trees planted: $17 \\cdot 23 = 391$.",
                "Lost: $38 + 17 = 55$.",
                "End: $391 - 55 = 336$.",
                answer="336",
            ),
            sol("$322 - 38 + 69 - 17 = 336$.", answer="336"),
        ],
        proposed="336",
        operator="evol-depth",
        parent="syn/orchard",
    ),
    good(
        "numeric-orchard",
        "An orchard has 17 rows of 31 apple trees. A storm knocks down 45 trees. How many apple "
        "trees are still standing?",
        [
            sol("Trees: $17 \\cdot 31 = 527$.", "Standing: $527 - 45 = 482$.", answer="482"),
            sol("$17 \\cdot 31 = 527$.", "$527 - 45 = 482$.", answer="482"),
            sol("$17 \\cdot 30 + 17 = 527$.", "$527 - 45 = 482$.", answer="482"),
        ],
        program="482",
        operator="numeric-variation",
        parent="syn/orchard",
    ),
    good(
        "system",
        "Solve the system $x + 2y = 11$ and $3x - y = 5$. Give the answer as an ordered pair "
        "$(x, y)$.",
        [
            sol(
                "From the second: $y = 3x - 5$.",
                "Substitute: $x + 6x - 10 = 11$.",
                "$7x = 21$, so $x = 3$.",
                "$y = 9 - 5 = 4$.",
                answer="(3, 4)",
            ),
            sol(
                "Double the second: $6x - 2y = 10$.",
                "Add: $7x = 21$.",
                "$x = 3$, $y = 4$.",
                answer="(x, y) = (3, 4)",
            ),
            sol("$x = 3$ and $y = 4$ satisfy $3 + 8 = 11$ and $9 - 4 = 5$.", answer="(3,4)"),
        ],
        parent="math/systems-01",
    ),
    good(
        "no-proposal",
        "Compute $\\frac{2}{3} + \\frac{5}{6}$.",
        [
            sol(
                "$\\frac{2}{3} = \\frac{4}{6}$.",
                "$\\frac{4}{6} + \\frac{5}{6} = \\frac{9}{6}$.",
                "$\\frac{9}{6} = \\frac{3}{2}$.",
                answer="\\frac{3}{2}",
            ),
            sol("$\\frac{4}{6} + \\frac{5}{6} = \\frac{3}{2}$.", answer="1.5"),
            sol("$\\frac{2}{3} + \\frac{5}{6} = 1\\frac{1}{2}$.", answer="1\\frac{1}{2}"),
        ],
        parent="math/fractions-01",
    ),
    good(
        "ages",
        "A mother is 3 times as old as her daughter. In 12 years she will be twice as old as "
        "her daughter. How old is the daughter now?",
        [
            sol(
                "Let the daughter be $d$: $3d + 12 = 2(d + 12)$.",
                "$3d + 12 = 2d + 24$.",
                "$d = 12$.",
                answer="12",
            ),
            sol("$3d + 12 = 2d + 24$, so $d = 12$.", answer="12"),
            sol("Try $d = 12$: mother $36$, in 12 years $48 = 2 \\cdot 24$.", answer="12"),
            sol("$3d + 12 = 2d + 12$.", "$d = 0$.", answer="0"),
        ],
        proposed="12",
        parent="math/linear-equations-07",
    ),
    # --- bad: no agreement ------------------------------------------------------------------
    bad(
        "no-agreement",
        "split",
        "A shop sells pens in packs of 12. Ana needs 100 pens. How many packs must she buy?",
        [
            sol("$100 / 12 = 8.33$, so she buys 9 packs.", answer="9"),
            sol("$12 \\cdot 8 = 96$.", answer="8"),
            sol("$100 - 96 = 4$ pens short, one more pack.", answer="9"),
            sol("$12 \\cdot 8 = 96$.", answer="8"),
        ],
        proposed="8",
    ),
    bad(
        "no-agreement",
        "all-different",
        "A rope is cut into pieces whose lengths form a sequence. How long is the fifth piece?",
        [
            sol("$2 \\cdot 5 = 10$.", answer="10"),
            sol("$3 \\cdot 5 = 15$.", answer="15"),
            sol("$5^2 = 25$.", answer="25"),
            sol("$5 + 1 = 6$.", answer="6"),
        ],
        proposed="12",
        operator="self-instruct",
    ),
    bad(
        "no-agreement",
        "wrong-proposal",
        "A rectangle has a perimeter of 50 cm and a length of 15 cm. What is its area in "
        "square centimetres?",
        [
            sol("Width: $50 / 2 - 15 = 10$.", "Area: $15 \\cdot 10 = 150$.", answer="150"),
            sol("Width: $(50 - 30) / 2 = 10$.", "Area: $15 \\cdot 10 = 150$.", answer="150"),
            sol("Width: $50 - 15 = 35$.", "Area: $15 \\cdot 35 = 525$.", answer="525"),
            sol("Width: $50 / 4 = 12.5$.", "Area: $15 \\cdot 12.5 = 187.5$.", answer="187.5"),
        ],
        proposed="175",
    ),
    bad(
        "no-agreement",
        "two-camps",
        "A number is doubled and then 6 is added, giving 20. What is the number?",
        [
            sol("$2n + 6 = 20$, $2n = 14$, $n = 7$.", answer="7"),
            sol("$2(n + 6) = 20$, $n + 6 = 10$, $n = 4$.", answer="4"),
            sol("$2n = 14$, $n = 7$.", answer="7"),
            sol("$n + 6 = 10$, $n = 4$.", answer="4"),
            sol("$2(n + 6) = 20$, so $n = 4$.", answer="4"),
        ],
        proposed="7",
    ),
    # --- bad: a refuted step in an agreeing solution -----------------------------------------
    bad(
        "refuted-step",
        "lucky-step",
        "A farmer has 17 cows and buys 3 herds of 6 cows each. How many cows does he have?",
        [
            sol("Bought: $3 \\cdot 6 = 18$.", "Total: $17 + 18 = 35$.", answer="35"),
            sol("Bought: $3 \\cdot 6 = 16$.", "Total: $17 + 16 = 35$.", answer="35"),
            sol("$17 + 3 \\cdot 6 = 35$.", answer="35"),
        ],
        proposed="35",
    ),
    bad(
        "refuted-step",
        "wrong-middle",
        "Solve $4x + 9 = 33$ for $x$.",
        [
            sol("$4x = 33 - 9 = 24$.", "$x = 24 / 4 = 6$.", answer="6"),
            sol("$4x = 33 + 9 = 24$.", "$x = 6$.", answer="6"),
            sol("$4x = 24$, so $x = 6$.", answer="6"),
        ],
        parent="math/linear-equations-01",
    ),
    bad(
        "refuted-step",
        "bad-fraction-step",
        "Compute $\\frac{3}{4} - \\frac{1}{6}$.",
        [
            sol("$\\frac{9}{12} - \\frac{2}{12} = \\frac{7}{12}$.", answer="\\frac{7}{12}"),
            sol(
                "$\\frac{3}{4} = \\frac{8}{12}$.",
                "$\\frac{9}{12} - \\frac{2}{12} = \\frac{7}{12}$.",
                answer="\\frac{7}{12}",
            ),
            sol(
                "$\\frac{3 \\cdot 6 - 4}{24} = \\frac{14}{24} = \\frac{7}{12}$.",
                answer="\\frac{7}{12}",
            ),
        ],
        proposed="\\frac{7}{12}",
    ),
    # --- bad: the answer leaks in the statement ----------------------------------------------
    bad(
        "leaked-answer",
        "says-answer",
        "A box holds 24 eggs. 5 boxes are packed and 17 eggs break. How many whole eggs are "
        "packed? (Answer: 103)",
        [
            sol("$24 \\cdot 5 = 120$.", "$120 - 17 = 103$.", answer="103"),
            sol("$120 - 17 = 103$.", answer="103"),
            sol("$24 \\cdot 5 - 17 = 103$.", answer="103"),
        ],
        proposed="103",
    ),
    bad(
        "leaked-answer",
        "boxed-in-statement",
        "A school has 18 classes of 27 pupils. How many pupils are there? \\boxed{486}",
        [
            sol("$18 \\cdot 27 = 486$.", answer="486"),
            sol("$18 \\cdot 27 = 486$.", answer="486"),
            sol("$20 \\cdot 27 - 2 \\cdot 27 = 486$.", answer="486"),
        ],
    ),
    bad(
        "leaked-answer",
        "value-in-statement",
        "A tank of 90 litres is three quarters full, that is 67.5 litres. How many litres of "
        "water are in the tank?",
        [
            sol("$90 \\cdot \\frac{3}{4} = 67.5$.", answer="67.5"),
            sol("$90 \\cdot 0.75 = 67.5$.", answer="\\frac{135}{2}"),
            sol("$\\frac{270}{4} = 67.5$.", answer="67.5"),
        ],
        proposed="67.5",
    ),
    bad(
        "leaked-answer",
        "expression-in-statement",
        "Show that $(x + 2)^2$ equals $x^2 + 4x + 4$ and expand $(x + 2)^2$.",
        [
            sol("$(x+2)^2 = x^2 + 4x + 4$.", answer="x^2 + 4x + 4"),
            sol("$(x + 2)(x + 2) = x^2 + 4x + 4$.", answer="x^2+4x+4"),
            sol("$x^2 + 2x + 2x + 4 = x^2 + 4x + 4$.", answer="x^2 + 4x + 4"),
        ],
        operator="self-instruct",
    ),
    # --- bad: near-duplicates ----------------------------------------------------------------
    bad(
        "near-duplicate",
        "seed-copy",
        "A bakery bakes 150 muffins and packs them into boxes of 6. By noon it sold 19 full "
        "boxes. How many muffins does the bakery have left?",
        [
            sol("Sold: $19 \\cdot 6 = 114$.", "Left: $150 - 114 = 36$.", answer="36"),
            sol("Sold: $19 \\cdot 6 = 114$.", "Left: $150 - 114 = 36$.", answer="36"),
            sol("$150 - 19 \\cdot 6 = 36$.", answer="36"),
        ],
        proposed="36",
    ),
    bad(
        "near-duplicate",
        "copy-of-new",
        "An orchard has 14 rows of 23 apple trees. A storm knocks over 38 of the trees. How many "
        "apple trees are still standing?",
        ORCHARD_RIGHT,
        proposed="284",
    ),
    bad(
        "near-duplicate",
        "seed-verbatim",
        "Solve $3x + 7 = 22$ for $x$.",
        [sol("$3x = 15$.", "$x = 5$.", answer="5")] * 3,
        parent="math/linear-equations-01",
    ),
    # --- bad: unparseable final answers ------------------------------------------------------
    bad(
        "unparseable",
        "no-final-answers",
        "A cyclist rides 14 km each morning and 9 km each evening. How far does she ride in "
        "a 6-day week?",
        [
            "She rides 14 km in the morning and 9 km in the evening, which adds up each day.",
            "Each day is 23 km and there are six days in her week, so multiply them together",
            sol("Daily: $14 + 9 = 23$.", "Weekly: $23 \\cdot 6 = 138$.", answer="138"),
        ],
    ),
    bad(
        "unparseable",
        "unreadable-answers",
        "A recipe needs 250 grams of flour per cake. How much flour do 7 cakes need?",
        [
            sol("$250 \\cdot 7 = 1750$.", answer="\\frac{}{}{"),
            sol("$250 \\cdot 7 = 1750$.", answer="}}\\sqrt[}"),
            sol("$250 \\cdot 7 = 1750$.", answer="\\left( 1750"),
        ],
        proposed="\\frac{",
    ),
    # --- bad: numeric variation whose program disagrees --------------------------------------
    bad(
        "program-disagrees",
        "numeric-wrong-program",
        "An orchard has 12 rows of 19 apple trees. A storm knocks down 27 trees. How many apple "
        "trees are still standing?",
        [
            sol("Trees: $12 \\cdot 19 = 228$.", "Standing: $228 - 27 = 201$.", answer="201"),
            sol("$12 \\cdot 19 = 228$.", "$228 - 27 = 201$.", answer="201"),
            sol("$12 \\cdot 20 - 12 = 228$.", "$228 - 27 = 201$.", answer="201"),
        ],
        program="255",
        operator="numeric-variation",
        parent="syn/orchard",
    ),
]
