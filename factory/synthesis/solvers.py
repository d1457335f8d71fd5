"""Who writes a new problem's independent solutions: several teachers and temperatures, in turn.

Agreement means more when the solutions are less alike: another teacher or another temperature
does not share the generator's blind spots. A solver names one of the run's teachers (or none:
the generating teacher) and a temperature; its requests are keyed by that teacher and sampling,
so each is cached and resumed on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from factory.pipeline import TeacherSlot
from factory.synthesis.model import Solver


def label(slot: TeacherSlot) -> str:
    """A solver as lineage names it: teacher@temperature."""
    return f"{slot.config.name}@{slot.config.sampling.temperature:g}"


def solver_slots(
    solvers: Sequence[Solver],
    generator: TeacherSlot,
    teachers: Mapping[str, TeacherSlot] | None,
) -> list[TeacherSlot]:
    """The slot asking each solver, in order. `teachers` None (the offline replay answers every
    prompt) puts every solver on the generator, at the solver's temperature."""
    slots = []
    for solver in solvers:
        slot = generator
        if solver.teacher is not None and teachers is not None:
            if solver.teacher not in teachers:
                known = ", ".join(sorted(teachers)) or "none"
                raise ValueError(f"synthesize solver {solver.teacher!r} is not a configured "
                                 f"teacher (configured: {known})")  # fmt: skip
            slot = teachers[solver.teacher]
        if solver.temperature is not None:
            sampling = slot.config.sampling.model_copy(update={"temperature": solver.temperature})
            slot = TeacherSlot(slot.teacher, slot.config.model_copy(update={"sampling": sampling}))
        slots.append(slot)
    return slots
