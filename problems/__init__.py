"""Problems: the model every stage shares, and loaders for the dataset formats users bring."""

from problems.bundled import bundled_paths
from problems.load import LoadResult, load_file, load_problems, read_file
from problems.model import (
    AssertTests,
    CodeProblem,
    CodeTests,
    Lineage,
    MathProblem,
    Problem,
    PropertySpec,
    StdioCase,
    problem_adapter,
)
from problems.rows import RowError
from problems.spool import SpooledProblems

__all__ = [
    "AssertTests",
    "CodeProblem",
    "CodeTests",
    "Lineage",
    "LoadResult",
    "MathProblem",
    "Problem",
    "PropertySpec",
    "RowError",
    "SpooledProblems",
    "StdioCase",
    "bundled_paths",
    "load_file",
    "load_problems",
    "problem_adapter",
    "read_file",
]
