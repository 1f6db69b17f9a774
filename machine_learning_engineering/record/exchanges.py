"""Every exchange with a model: one file per exchange in `exchanges/`, an index line in
`exchanges.jsonl`, and the run's token and cost totals per role.

The files hold the prompt the role saw and the answer it gave, so a run can be read (and a prompt
debugged) after the fact; attempts name the exchange whose code they ran (`Attempt.exchange`).
Opened on a folder that already has exchanges (a resumed run), the log counts their cost and
answers the same questions from them (`replay`) instead of asking the model again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..models.pricing import cost_usd


@dataclass
class Usage:
    """Tokens and cost of some exchanges."""

    calls: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    failures: int = 0
    seconds: float = 0.0

    def add(self, other: "Usage") -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.output_tokens += other.output_tokens
        self.cost_usd += other.cost_usd
        self.cost_known = self.cost_known and other.cost_known
        self.failures += other.failures
        self.seconds += other.seconds


@dataclass
class Exchange:
    """One call of a role's model: what it was asked, what it answered, and what that cost."""

    id: str
    role: str
    agent: str
    model: str
    prompt: str
    answer: str = ""
    problem: Optional[str] = None
    """Why the answer could not be used (it was asked again, or the step degraded), or the call's error."""
    prompt_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Optional[float] = 0.0
    seconds: float = 0.0
    started_at: float = field(default_factory=time.time)


class ExchangeLog:
    """Writes exchanges as they end and keeps the totals; safe to use from concurrent solutions."""

    def __init__(self, root: Path, max_cost_usd: float = 0.0) -> None:
        self.dir = root / "exchanges"
        self.index = root / "exchanges.jsonl"
        self.max_cost_usd = max_cost_usd
        self._lock = threading.Lock()
        # One file per exchange; the index also holds lines for problems noted later.
        self._count = len(list(self.dir.glob("*.json"))) if self.dir.exists() else 0
        self.by_role: dict[str, Usage] = {}
        self._answers: dict[str, deque[tuple[str, str]]] = {}
        self.replayed = 0
        self._load_earlier()

    def _load_earlier(self) -> None:
        """Counts the exchanges already in the folder and keeps their answers for `replay`."""
        if self.index.exists():
            for line in self.index.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash
                usage = self.by_role.setdefault(entry.get("role", "?"), Usage())
                if "file" not in entry:
                    usage.failures += 1  # a problem noted after the exchange
                    continue
                usage.add(Usage(calls=1, prompt_tokens=entry.get("prompt_tokens", 0),
                                output_tokens=entry.get("output_tokens", 0), cost_usd=entry.get("cost_usd") or 0.0,
                                cost_known=entry.get("cost_usd") is not None,
                                failures=int(entry.get("problem") is not None), seconds=entry.get("seconds", 0.0)))
        for path in sorted(self.dir.glob("*.json")) if self.dir.exists() else ():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if data.get("answer"):  # a call that failed has nothing to replay: it is asked again
                key = _question_key(data["agent"], data["prompt"])
                self._answers.setdefault(key, deque()).append((data["answer"], f"exchanges/{path.name}"))

    @property
    def replayable(self) -> int:
        """Earlier answers not replayed yet."""
        with self._lock:
            return sum(len(q) for q in self._answers.values())

    def replay(self, agent: str, prompt: str) -> Optional[tuple[str, str]]:
        """The answer (and its exchange file) that `agent` gave to `prompt` before, each used once;
        None when the question is new."""
        with self._lock:
            queue = self._answers.get(_question_key(agent, prompt))
            if not queue:
                return None
            self.replayed += 1
            return queue.popleft()

    def new(self, role: str, agent: str, model: str, prompt: str) -> Exchange:
        with self._lock:
            self._count += 1
            number = self._count
        return Exchange(id=f"{number:05d}-{agent}", role=role, agent=agent, model=model, prompt=prompt)

    def record(self, exchange: Exchange) -> str:
        """Writes the exchange and counts it; returns its file, relative to the run folder."""
        exchange.cost_usd = cost_usd(exchange.model, exchange.prompt_tokens, exchange.output_tokens)
        self.dir.mkdir(exist_ok=True)
        path = self.dir / f"{exchange.id}.json"
        path.write_text(json.dumps(asdict(exchange), indent=1), encoding="utf-8")
        usage = Usage(calls=1, prompt_tokens=exchange.prompt_tokens, output_tokens=exchange.output_tokens,
                      cost_usd=exchange.cost_usd or 0.0, cost_known=exchange.cost_usd is not None,
                      failures=int(exchange.problem is not None), seconds=exchange.seconds)
        line = {k: v for k, v in asdict(exchange).items() if k not in ("prompt", "answer")}
        with self._lock:
            self.by_role.setdefault(exchange.role, Usage()).add(usage)
            with self.index.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({**line, "file": f"exchanges/{path.name}"}) + "\n")
        return f"exchanges/{path.name}"

    def note_problem(self, file: str, problem: str) -> None:
        """Records why an exchange's answer could not be used (it counts as a failed exchange)."""
        path = self.dir.parent / file
        data = json.loads(path.read_text(encoding="utf-8"))
        data["problem"] = problem
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        with self._lock:
            self.by_role.setdefault(data["role"], Usage()).failures += 1
            with self.index.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"id": data["id"], "role": data["role"], "problem": problem}) + "\n")

    def total(self) -> Usage:
        with self._lock:
            total = Usage()
            for usage in self.by_role.values():
                total.add(usage)
            return total

    @property
    def over_cost_budget(self) -> bool:
        return self.max_cost_usd > 0 and self.total().cost_usd >= self.max_cost_usd

    def summary(self) -> dict[str, Any]:
        """Totals per role and for the run, for run.json and the report."""
        with self._lock:
            roles = {role: asdict(u) for role, u in sorted(self.by_role.items())}
        return {"roles": roles, "total": asdict(self.total()), "max_cost_usd": self.max_cost_usd}


def _question_key(agent: str, prompt: str) -> str:
    return hashlib.sha256(f"{agent}\n{prompt}".encode("utf-8", "surrogatepass")).hexdigest()
