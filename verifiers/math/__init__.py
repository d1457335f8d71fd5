"""The math verifier: proven final answers and proven steps, with all parsing in limited workers."""

from verifiers.math.answers import AnswerPair, answer_pool, verify_answer, verify_answers
from verifiers.math.traces import TraceInput, trace_pool, verify_traces
from verifiers.math.workers import Limits, WorkerPool

__all__ = [
    "AnswerPair",
    "Limits",
    "TraceInput",
    "WorkerPool",
    "answer_pool",
    "trace_pool",
    "verify_answer",
    "verify_answers",
    "verify_traces",
]
