"""Acceptance: TRL's GRPOTrainer trains for a few steps on the CPU with our math_reward and
code_reward on bundled problems, with a tiny model built here (a BPE tokenizer trained on the
bundled problems, a 2-layer Llama from a config; nothing downloaded), and every reward it
logged is the verifiers' own verdict on that completion. A short warm-up teaches the model a
completion per prompt (right answers and programs, a wrong answer, a hedge, a program too long
to finish) so the trainer logs both rewards and both values."""

from __future__ import annotations

import math
import tempfile
from typing import Any

import pytest

from factory.parse import parse_code
from problems import CodeProblem, MathProblem, Problem
from verifiers.math.traces import answer_equivalent
from verifiers.plugins import load_verifier
from verifiers.rewards import CodeReward, MathReward, RewardService, problem_columns

torch = pytest.importorskip("torch", reason="the [rl] extra is not installed here")
trl = pytest.importorskip("trl", reason="the [rl] extra is not installed here")
transformers = pytest.importorskip("transformers")
datasets = pytest.importorskip("datasets")
tokenizers = pytest.importorskip("tokenizers")

# Each prompt's taught completion ({} is the gold answer or reference program).
TAUGHT = {
    "math/linear-equations-01": "\\boxed{{{}}}",
    "code/reverse-words": "```python\n{}```",
    "math/calculus-02": "\\boxed{{13}}",  # wrong
    "code/run-length-encode": "```python\n{}```",  # longer than the completion limit: cut off
    "math/linear-equations-02": "\\boxed{{{}}} or \\boxed{{8}}",  # a hedge
    "math/fractions-01": "\\boxed{{{}}}",
}
MAX_COMPLETION = 96


def _taught(problem: Problem) -> str:
    gold = problem.answer if isinstance(problem, MathProblem) else None
    if isinstance(problem, CodeProblem):
        gold = problem.reference_solution
    return TAUGHT[problem.id].format(gold)


def _tokenizer(texts: list[str]) -> Any:
    """A byte-level BPE tokenizer trained on the bundled problems, wrapped for transformers."""
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE())
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=["<pad>", "<eos>"],
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(texts, trainer)
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe, pad_token="<pad>", eos_token="<eos>"
    )


def _model(tokenizer: Any, lessons: list[tuple[str, str]]) -> Any:
    """A 2-layer Llama from a config, taught each (prompt, completion) by a short warm-up."""
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    model = transformers.LlamaForCausalLM(config)
    sequences = []
    for prompt, completion in lessons:
        asked = tokenizer(prompt, add_special_tokens=False).input_ids
        said = [*tokenizer(completion, add_special_tokens=False).input_ids, tokenizer.eos_token_id]
        sequences.append((asked + said, [-100] * len(asked) + said))
    width = max(len(ids) for ids, _ in sequences)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([seq + [pad] * (width - len(seq)) for seq, _ in sequences])
    labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in sequences])
    mask = torch.tensor([[1] * len(seq) + [0] * (width - len(seq)) for seq, _ in sequences])
    optimizer = torch.optim.AdamW(model.parameters(), lr=4e-3)
    model.train()
    for _ in range(120):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def _verdict_reward(problem: Problem, completion: str, verifiers: dict[str, Any]) -> float:
    """What the verifier itself says of a completion, as a reward: the math verifier's answer
    check; the code verifier on the one fenced program (or the whole text, if it has no fence)."""
    if isinstance(problem, MathProblem):
        (verdict,) = verifiers["math"].verify([(problem, completion)])
        return 1.0 if answer_equivalent(verdict) else 0.0
    program = parse_code(completion).code
    if program is None and "```" not in completion:
        program = completion
    if program is None:
        return 0.0
    (verdict,) = verifiers["code"].verify([(problem, program)])
    assert verdict.judged
    return 1.0 if verdict.passed else 0.0


def test_grpo_trainer_logs_the_verifiers_verdicts(bundled: dict[str, Problem]) -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    problems = [bundled[problem_id] for problem_id in TAUGHT]
    rows = [problem_columns(problem) for problem in problems]
    corpus = [
        p.statement + "\n" + _taught(p) if p in problems else p.statement for p in bundled.values()
    ]
    tokenizer = _tokenizer(corpus)
    cut_off = _taught(bundled["code/run-length-encode"])
    assert len(tokenizer(cut_off, add_special_tokens=False).input_ids) > MAX_COMPLETION
    model = _model(tokenizer, [(p.statement, _taught(p)) for p in problems])
    service = RewardService(math_workers=2)
    logged: list[tuple[str, str, dict[str, float]]] = []

    callback: Any = transformers.TrainerCallback

    class Snapshot(callback):  # type: ignore[misc]
        """The completions and rewards of each step, as the trainer logged them."""

        def on_step_end(self, *args: Any, **kwargs: Any) -> None:
            logs = trainer._logs
            for index, (prompt, completion) in enumerate(
                zip(logs["prompt"], logs["completion"], strict=True)
            ):
                rewards = {name: values[index] for name, values in logs["rewards"].items()}
                logged.append((prompt, completion, rewards))

    try:
        with tempfile.TemporaryDirectory() as output:
            config = trl.GRPOConfig(
                output_dir=output,
                per_device_train_batch_size=8,
                num_generations=4,
                max_completion_length=MAX_COMPLETION,
                max_steps=3,
                learning_rate=1e-5,
                logging_steps=1,
                report_to="none",
                use_cpu=True,
                save_strategy="no",
                temperature=0.7,
                seed=0,
                shuffle_dataset=False,
                bf16=False,
            )
            trainer = trl.GRPOTrainer(
                model=model,
                reward_funcs=[MathReward(service=service), CodeReward(service=service)],
                args=config,
                train_dataset=datasets.Dataset.from_list(rows),
                processing_class=tokenizer,
            )
            trainer.add_callback(Snapshot())
            trainer.train()
        counts = dict(service.counts)
    finally:
        service.close()

    assert len(logged) == 3 * 8
    # One reward call judges a whole batch: a math and a code batch per step at most.
    assert counts["batches"] <= 2 * 3 and counts.get("unjudged", 0) == 0
    by_prompt = {p.statement: p for p in problems}
    verifiers = {"math": load_verifier("math", {"workers": 2}), "code": load_verifier("code")}
    try:
        seen: dict[str, set[float]] = {"math_reward": set(), "code_reward": set()}
        for prompt, completion, rewards in logged:
            problem = by_prompt[prompt]
            mine = "math_reward" if isinstance(problem, MathProblem) else "code_reward"
            other = "code_reward" if mine == "math_reward" else "math_reward"
            assert math.isnan(rewards[other]), (prompt, completion)
            assert rewards[mine] == _verdict_reward(problem, completion, verifiers), completion
            seen[mine].add(rewards[mine])
    finally:
        for verifier in verifiers.values():
            verifier.close()
    assert seen == {"math_reward": {0.0, 1.0}, "code_reward": {0.0, 1.0}}
