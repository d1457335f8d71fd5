"""A statement that gives its answer away is caught; coincidental small numbers are not leaks."""

from __future__ import annotations

from factory.synthesis.leak import leak


def test_stated_answers_leak() -> None:
    assert leak("How many are left? (Answer: 7)", ("7",)) is not None
    assert leak("How many pupils are there? \\boxed{486}", ("486",)) is not None
    assert leak("Find the total.\n#### 52", ("52",)) is not None
    assert leak("The answer is 9. Find x.", ("9",)) is not None


def test_the_answer_itself_in_the_statement_leaks() -> None:
    assert leak("It is 0.75 full. What fraction is full?", ("\\frac{3}{4}",)) is not None
    assert leak("There are 1,200 seats in all. How many seats?", ("1200",)) is not None
    assert leak("Expand $(x+1)^2$ to get $x^2 + 2x + 1$.", ("x^2+2x+1",)) is not None
    assert leak("Solve for $x$ knowing $x = 250$.", ("x = 250",)) is not None


def test_given_quantities_that_equal_the_answer_by_chance_do_not() -> None:
    assert leak("In 12 years she is twice as old as her daughter, now 3 times.", ("12",)) is None
    assert leak("Lena has 7 bags of 9 marbles and gives away 56.", ("7",)) is None
    assert leak("Give your answer as a fraction. What is 1/2 + 1/4?", ("\\frac{3}{4}",)) is None
    assert leak("Compute 3.5 + 2.", ("5.5",)) is None
