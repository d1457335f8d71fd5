"""CPU per request of the teacher's client: our OpenAITeacher (the SDK on its aiohttp transport),
the bare `openai` SDK on its default httpx transport and on its aiohttp one, and a raw `httpx`
POST (`httpx2`, the HTTP client this `openai` release is built on), side by side
against the same local endpoint (in its own process, answering at once), so the figures are
the client's cost alone.

    .venv/bin/python benchmarks/openai_overhead.py [--requests 2000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx2 as httpx
from openai import AsyncOpenAI, DefaultAioHttpClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from factory.teachers.base import Message, Sampling, TeacherRequest
from factory.teachers.config import TeacherConfig
from factory.teachers.openai_teacher import OpenAITeacher
from tests.factory.fake_openai import FakeOpenAI, Reply, completion

TEXT = "1. $$12 \\cdot 7 = 84$$\n2. $$5 + 84 = 89$$\n\\boxed{89}"
PROMPT = "Solve the following problem. End with \\boxed{}.\n\nCompute 5 + 12 \\cdot 7."


def serve(conn: Connection) -> None:
    def respond(body: dict[str, Any]) -> Reply:
        return Reply(body=completion(TEXT))

    with FakeOpenAI(respond) as server:
        conn.send(server.url)
        conn.recv()


async def timed(
    count: int, concurrency: int, one: Callable[[int], Awaitable[object]]
) -> tuple[float, float]:
    """CPU ms and wall ms per request of `count` calls, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def call(index: int) -> None:
        async with gate:
            await one(index)

    await asyncio.gather(*(call(i) for i in range(min(count, 50))))  # warm the connections
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(call(i) for i in range(count)))
    return (
        (time.process_time() - cpu) / count * 1000,
        (time.perf_counter() - wall) / count * 1000,
    )


async def compare(url: str, count: int, concurrency: int) -> dict[str, tuple[float, float]]:
    config = TeacherConfig(
        name="t", model="m", base_url=url, api_key="none", concurrency=concurrency
    )
    teacher = OpenAITeacher(config)
    messages = [Message(role="user", content=PROMPT)]
    sdk = AsyncOpenAI(base_url=url, api_key="none", max_retries=0)
    aio = AsyncOpenAI(
        base_url=url, api_key="none", max_retries=0, http_client=DefaultAioHttpClient()
    )
    raw = httpx.AsyncClient(
        base_url=url, limits=httpx.Limits(max_connections=concurrency), timeout=60
    )

    async def ours(index: int) -> object:
        request = TeacherRequest(
            teacher="t", model="m", messages=messages, sampling=Sampling(seed=index), sample=index
        )
        return await teacher.complete(request)

    async def bare_sdk(index: int) -> object:
        return await sdk.chat.completions.create(
            model="m", messages=[{"role": "user", "content": PROMPT}], seed=index
        )

    async def bare_aiohttp(index: int) -> object:
        return await aio.chat.completions.create(
            model="m", messages=[{"role": "user", "content": PROMPT}], seed=index
        )

    async def bare_httpx(index: int) -> object:
        reply = await raw.post(
            "/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": PROMPT}], "seed": index},
        )
        return reply.json()["choices"][0]["message"]["content"]

    results = {}
    try:
        for name, one in (
            ("OpenAITeacher", ours),
            ("SDK on httpx", bare_sdk),
            ("SDK on aiohttp", bare_aiohttp),
            ("httpx", bare_httpx),
        ):
            results[name] = await timed(count, concurrency, one)
    finally:
        await teacher.close()
        await sdk.close()
        await aio.close()
        await raw.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    url = ours.recv()
    results = asyncio.run(compare(url, args.requests, args.concurrency))
    ours.send("stop")
    server.join(5)
    base = results["httpx"][0]
    print(f"{args.requests} requests, {args.concurrency} at a time, endpoint answering at once:")
    for name, (cpu, wall) in results.items():
        print(f"  {name:<14} {cpu:6.3f} ms CPU/request ({cpu / base:4.1f}x httpx), "
              f"{wall:6.3f} ms wall/request")  # fmt: skip


if __name__ == "__main__":
    main()
