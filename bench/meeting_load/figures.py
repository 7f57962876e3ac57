"""What a load run measured: the database's totals against what clients sent, latencies, CPU."""

import json
import os
import threading
import time
from pathlib import Path

from bench.load import _percentile
from bench.meeting_load.clients import Ballot, Browsing, Sample
from bench.meeting_load.config import MEMBERS, P95_TO_BARE_LIMIT, WEB_CORES_LIMIT


def snapshot(world: dict, load: dict) -> dict:
    from issues.models import Support
    from meetings.models import Meeting

    return {
        "supports": Support.objects.filter(issue__forum=world["forum"]).count(),
        "state_version": Meeting.objects.get(pk=load["meeting"].pk).state_version,
    }


def reconcile(world, load, before: dict, ballots: list[Ballot], browsing: list[Browsing]):
    """Each total the forum holds, beside what the clients' own records say it must be."""
    from django.db.models import Sum

    from issues.models import Support
    from meetings.models import Attendance, BallotReceipt, Phase, ThemeTally
    from meetings.services import meeting_advance
    from meetings.services.ballots import field_for

    meeting = load["meeting"]
    after = snapshot(world, load)
    # Ballots stay sealed until voting closes; closing it counts them all at once.
    meeting_advance(meeting=meeting, actor=world["convenors"][0], expected=Phase.VOTE)
    counted = [b for b in ballots if b.counted]
    sent_dots = {field_for(t.pk): 0 for t in load["themes"]}
    for ballot in counted:
        for name, dots in ballot.dots.items():
            sent_dots[name] += dots
    tallies = {
        field_for(theme_id): dots
        for theme_id, dots in ThemeTally.objects.filter(meeting=meeting).values_list(
            "theme_id", "dots"
        )
    }
    attendees = set(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    expected_supports = {}
    for person, done in zip(load["browsers"], browsing, strict=True):
        for issue, supported in done.supports.items():
            expected_supports[(person.pk, issue)] = supported
    held = set(
        Support.objects.filter(
            user__in=load["browsers"], issue_id__in={i for _, i in expected_supports}
        ).values_list("user_id", "issue_id")
    )
    actual_supports = {key: key in held for key in expected_supports}
    added = sum(d.added for d in browsing)
    withdrawn = sum(d.withdrawn for d in browsing)
    total = ThemeTally.objects.filter(meeting=meeting).aggregate(n=Sum("dots"))["n"]
    return {
        "ballots sent and answered 302": (MEMBERS, len(counted)),
        "ballot receipts": (MEMBERS, BallotReceipt.objects.filter(meeting=meeting).count()),
        "dots counted": (sum(sent_dots.values()), total),
        "dots on each theme": (sent_dots, tallies),
        "attendance rows": (MEMBERS, len(attendees)),
        "attendees are the voters": (True, attendees == {u.pk for u in load["voters"]}),
        "members who said they are here": (MEMBERS, sum(b.joined for b in ballots)),
        # Each join moves the version; a ballot writes nothing to the meeting row.
        "meeting version moves (one per join)": (
            before["state_version"] + sum(b.joined for b in ballots),
            after["state_version"],
        ),
        "supports change (added - withdrawn)": (
            added - withdrawn,
            after["supports"] - before["supports"],
        ),
        "each touched support as left": (expected_supports, actual_supports),
    }


def stats(samples: list[Sample]) -> dict:
    ordered = sorted(s.ms for s in samples)
    return {
        "count": len(ordered),
        "errors": sum(1 for s in samples if s.error),
        "p50_ms": round(_percentile(ordered, 0.5), 1),
        "p95_ms": round(_percentile(ordered, 0.95), 1),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) a process has used so far; None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_cpu() -> float:
    """CPU seconds all the machine's cores have spent busy so far."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS


class CpuMeter(threading.Thread):
    """Where the machine's CPU goes during the load, sampled twice a second: the web workers,
    the clients (this process), the database's backends for this forum, and in all."""

    def __init__(self, server_pids: list[int], database: str) -> None:
        super().__init__(daemon=True)
        self.server_pids, self.database = server_pids, database
        self.done = threading.Event()
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.sample(initial=True)
        self.started_at, self.machine_at_start = time.monotonic(), machine_cpu()

    def groups(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {"web_workers": [], "database": []}
        backend = f" {self.database} ".encode()
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                status = (proc / "status").read_text()
                command = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if any(f"\nPPid:\t{pid}\n" in status for pid in self.server_pids):
                found["web_workers"].append(int(proc.name))
            elif command.startswith(b"postgres: ") and backend in command:
                found["database"].append(int(proc.name))
        return found | {"clients": [os.getpid()]}

    def sample(self, initial: bool = False) -> None:
        for group, pids in self.groups().items():
            for pid in pids:
                used = process_cpu(pid)
                if used is not None:
                    # A process first seen later started during the load: count all of it.
                    self.first.setdefault((group, pid), used if initial else 0.0)
                    self.last[(group, pid)] = used

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.sample()

    def stop(self) -> dict[str, float]:
        """Cores busy on average since the start, by group and on the whole machine."""
        self.done.set()
        self.join()
        self.sample()
        seconds = time.monotonic() - self.started_at
        cores = dict.fromkeys(["web_workers", "database", "clients"], 0.0)
        for (group, pid), used in self.last.items():
            cores[group] += (used - self.first[(group, pid)]) / seconds
        cores["machine"] = (machine_cpu() - self.machine_at_start) / seconds
        return {name: round(value, 2) for name, value in cores.items()}


def summed(value):
    """A total as the results file keeps it: dicts of per-item values stay, counts of pairs."""
    if isinstance(value, dict) and value and isinstance(next(iter(value)), tuple):
        return {"pairs": len(value), "supported": sum(value.values())}
    return value


def short(value) -> str:
    text = json.dumps(summed(value), default=str)
    return text if len(text) < 200 else text[:200] + "…"


def print_summary(results: dict) -> None:
    print()
    print(f"{'request':<22}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, row in {**results["kinds"], "all": results["overall"]}.items():
        print(
            f"{name:<22}{row['count']:>7}{row['errors']:>8}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}"
        )
    print()
    print(f"{'total':<44}{'expected':>12}{'found':>12}")
    for name, row in results["reconciled"].items():
        expected, found = row["expected"], row["found"]
        if isinstance(expected, dict):
            expected, found = "(each)", "same" if expected == found else "DIFFERENT"
        print(f"{name:<44}{expected!s:>12}{found!s:>12}")
    print()
    print(
        f"{results['overall']['count']} requests in {results['load_seconds']} s "
        f"({results['rps']} a second); the whole run took {results['run_seconds']} s."
    )
    print(f"p95 ms in each 10 s of the load: {results['p95_ms_each_10_s']}")
    cores = results["cores_busy"]
    others = round(
        cores["machine"] - cores["web_workers"] - cores["database"] - cores["clients"], 2
    )
    print(
        f"Cores busy on average, of {os.cpu_count()}: {cores['machine']} in all; web workers "
        f"{cores['web_workers']}, database {cores['database']}, clients {cores['clients']}, "
        f"other work on the machine {others}."
    )
    if results.get("worst_p95_ratio_to_bare") is not None:
        verdict = {True: "holds", False: "missed"}
        targets = results["targets"]
        print(
            f"Slowest kind's p95 {results['worst_p95_ratio_to_bare']}× the bare floor's "
            f"({results['bare_floor_p95_ms']} ms; target {P95_TO_BARE_LIMIT:.0f}×): "
            f"{verdict[targets['worst_p95_within_10x_bare']]}. Web workers below "
            f"{WEB_CORES_LIMIT} of a core: {verdict[targets['web_workers_below_0_6_core']]}."
        )
    if results["passed"]:
        print(f"PASSED: no errors, every p95 under {results['p95_limit_ms']:.0f} ms, totals exact.")
    else:
        print(f"FAILED ({results['failure_count']}):")
        for failure in results["failures"]:
            print(f"  - {failure}")
