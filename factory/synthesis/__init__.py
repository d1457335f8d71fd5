"""The `synthesize` stage: new problems made from seed problems, each proven before it is solved.

Design (this package is built in steps; what exists is marked, the rest is the plan):

- `model` (exists): the pydantic shapes at the stage's boundaries: a candidate problem with its
  lineage (parent ids, operator chain, depth, generating teacher, prompt hash), the independent
  solutions gathered for it, and the `Decision` (accepted / rejected with a reason /
  unjudged) with its evidence. `unjudged` is an infrastructure failure (a worker died, the
  sandbox was down): never a rejection, retried like a pending trace.
- `operators` (exists): one prompt template per operator (self-instruct, evol in depth, evol in
  breadth, numeric variation), overridable from the config like the solve prompts in
  `factory.prompts`, and the parsers of what the teacher returns (a fenced JSON object).
  Operators compose: a candidate made from a candidate has depth + 1 and the chain of both.
- `near_dup` (exists): MinHash (datasketch) over word 3-grams retrieves look-alikes; an exact
  Jaccard over the same shingles decides, so the decision is deterministic. Checked before
  any solution is asked for: a duplicate costs one generation, not N solves.
- `leak` (exists): does a statement give its answer away (text only, host-safe).
- `math_accept` (exists): pure decision over texts (plus the math worker pool, where all parsing
  runs): agreement of N votes (the independent solutions, and the generator's proposed answer
  as one vote at most) under proven answer equivalence, no refuted step in any agreeing
  solution, no leaked answer, no near-duplicate, parseable answers, and for numeric variation
  the sandboxed program's answer equivalent too. Difficulty is the solutions' pass rate.
- `code_accept` (exists): the reply's tests are asserts, stdin/stdout cases and/or properties,
  all proven alike: reference passes every test in the sandbox; the tests kill at least
  a share of the AST mutants of the reference (`verifiers.code.mutation`: the plausible slips of
  `verifiers.code.mutate` plus the classic mutation operators; judged without the differential
  test, which would kill every mutant whatever the tests); an independent solution agrees with
  the reference on the given tests and on differential inputs drawn as the code verifier draws
  them (the reference is the problem's `reference_solution`, the independent solution is judged
  as a candidate against it). Disagreement carries the counterexample. A stdin/stdout-only
  program (no entry point) has no drawn inputs: it agrees on its given cases only.
- `stage` (exists, math): `Asker` puts every teacher call through the run store (committed
  before use, looked up first: resume pays nothing twice); `synthesize_math` generates
  `per_seed` candidates per seed and depth within `max_candidates`, skips solving
  near-duplicates, asks N solutions, judges each candidate as soon as its solutions are in
  (in a thread, in plan order, while other requests are in flight), and feeds kept problems to
  the next depth.
- `export` (exists): kept problems as rows of our loader format (`synthesized.jsonl`, lineage
  and evidence in `metadata.synthesis`), rejections with reasons (`synthesis_rejected.jsonl`);
  `unjudged` ones in neither.
- `replay` (exists): the offline teacher answering generation and solve prompts from bundled
  transcripts (`factory/data/synthesis_replay.jsonl`, made from the labelled test sets by
  `python -m tests.synthesis.replay_data`; a test keeps the two equal).
- `cli` (exists): `factory synthesize [SEEDS...] -o synthesized.jsonl` (no seeds: the bundled
  set; no endpoint: the replay transcripts, on the seeds they cover).
- `numeric` (exists): numeric variation: a parametrised statement, a variant per sample (values
  chosen by the sample number: a rerun makes the same one), the teacher's program run in the
  sandbox on them; its printed answer is one more check, never a vote. Not a default operator
  (it needs a sandbox); the CLI has no switch for it yet.
- `run_stage` (exists): `synthesize:` in the run config: before the solve stage, in the run's
  event loop and store, with its first teacher (offline: the replay transcripts under the replay
  teacher's name); kept problems join the run's problems (their proving solutions are the solve
  stage's cached samples), `output/synthesized.jsonl` and `output/synthesis_rejected.jsonl` are
  written, `stats.json` counts decisions under `synthesized`.
- `solvers` (exists): the independent solutions asked of several teachers and temperatures in
  turn (`solvers:` in the settings; `--solver-temperature` on the CLI); lineage names who was
  asked for each.
- `counts` (exists): decisions by reason and by operator chain, for stats.json and the dataset
  card (README.md of the output).
- Later: the CLI's numeric-variation switch.
"""
