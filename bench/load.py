"""A small, bounded HTTP load client for loopback benchmarks.

Each run keeps ``clients`` clients busy for at most ``seconds`` and records every request's
latency. Each request goes on a new connection: a kept-alive connection stays with the
gunicorn worker that accepted it, so two clients would sometimes share one worker (and its
interpreter lock) while the other idled, making figures swing from run to run; a new
connection goes to whichever worker is free, as behind a proxy. Only 127.0.0.1 is a target.
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    expect: int = 200
    method: str = "GET"
    body: str | None = None


@dataclass(frozen=True)
class RunResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(port: int, request: Request, *, clients: int, seconds: float) -> RunResult:
    """Hit ``request`` from ``clients`` threads for ``seconds`` (capped at 15) and measure."""
    seconds = min(seconds, 15.0)
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients

    def worker(slot: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request(
                    request.method, request.path, body=request.body, headers=request.headers
                )
                response = connection.getresponse()
                response.read()
                if response.status != request.expect:
                    errors[slot] += 1
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                continue
            finally:
                connection.close()
            latencies[slot].append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    values = sorted(v for per_client in latencies for v in per_client)
    return RunResult(
        requests=len(values),
        errors=sum(errors),
        seconds=elapsed,
        p50_ms=round(statistics.median(values), 2) if values else 0.0,
        p95_ms=round(_percentile(values, 0.95), 2),
    )
