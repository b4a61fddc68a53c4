"""Run one step of the benchmark as a child process and measure it.

Each step (the generator, the loader, a dbt invocation) runs in its own
process so that its peak memory can be read on its own: ``os.wait4`` returns
the resource usage of exactly that child (``ru_maxrss``, its resident-set
high-water mark), unlike ``RUSAGE_CHILDREN``, which is a maximum over every
child the bench has waited for. No extra package is needed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# dbt prints "12 of 80 OK created sql table model ..." per finished node.
_DBT_DONE = re.compile(r"\b(\d+) of (\d+) (OK|ERROR|PASS|FAIL|WARN|SKIP)\b")
_PROGRESS_EVERY_S = 15.0


class StepFailed(RuntimeError):
    """A measured step exited non-zero; the message ends with its log tail."""


@dataclass(frozen=True)
class Measured:
    """Wall time and peak resident memory of one finished child process."""

    seconds: float
    peak_rss_bytes: int
    log: Path


def say(message: str) -> None:
    """Progress on stdout, flushed at once (make shows it live)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _max_rss_bytes(rusage: object) -> int:
    """ru_maxrss is in kibibytes on Linux and in bytes on macOS."""
    value = int(rusage.ru_maxrss)  # type: ignore[attr-defined]
    return value if sys.platform == "darwin" else value * 1024


def _progress_line(label: str, line: str, started: float) -> str | None:
    """What to show of one output line: the generator's and loader's own
    progress as is, dbt's per-node lines as a running count."""
    text = line.rstrip()
    if "[synapse-land" in text:
        return f"  {label}: {text.split('] ', 1)[-1]}"
    match = _DBT_DONE.search(text)
    if match:
        done, total = match.group(1), match.group(2)
        elapsed = time.perf_counter() - started
        return f"  {label}: {done}/{total} nodes done ({elapsed:.0f} s)"
    return None


def run_measured(
    label: str, command: Sequence[str], *, env: dict[str, str], log: Path, cwd: Path
) -> Measured:
    """Run ``command``, tee its output into ``log``, show progress, and return
    its wall time and peak RSS; raise StepFailed on a non-zero exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    say(f"{label} ...")
    started = time.perf_counter()
    last_shown = started
    with log.open("w", encoding="utf-8") as sink:
        child = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert child.stdout is not None
        for line in child.stdout:
            sink.write(line)
            shown = _progress_line(label, line, started)
            now = time.perf_counter()
            is_dbt_count = shown is not None and "nodes done" in shown
            if shown and (not is_dbt_count or now - last_shown >= _PROGRESS_EVERY_S):
                print(shown, flush=True)
                last_shown = now
        _pid, status, rusage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-40:])
        raise StepFailed(
            f"{label} failed (exit {child.returncode}); full log: {log}\n{tail}"
        )
    peak = _max_rss_bytes(rusage)
    say(f"{label}: {seconds:.1f} s, peak RSS {peak / 2**30:.2f} GiB")
    return Measured(seconds=seconds, peak_rss_bytes=peak, log=log)
