"""Figures from a run: the summary, the table, the JSON file.

python -m bench.report bench/results/A.json [B.json ...]   # one column per run
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.procstats import cpu_delta
from bench.servers import HubProcess

PROBLEM = re.compile(r"\b(ERROR|CRITICAL|WARNING|Traceback)\b")
MAX_PROBLEM_LINES = 40

# (label, summary key, format)
ROWS: list[tuple[str, str, str]] = [
    ("pairs (sockets)", "pairs_sockets", "{}"),
    ("connections opened/s", "connect_per_s", "{:,.0f}"),
    ("  agent sockets/s", "agent_connect_per_s", "{:,.0f}"),
    ("  widget sockets/s", "widget_connect_per_s", "{:,.0f}"),
    ("  handshake p99 ms (agent/widget)", "handshake_p99_ms", "{}"),
    ("  hub CPU ms per socket opened", "connect_hub_cpu_ms_per_socket", "{:.2f}"),
    ("offered msg/s", "offered_rate", "{:,.0f}"),
    ("sent", "sent", "{:,}"),
    ("delivered to agents", "delivered", "{:,}"),
    ("undelivered at drain end", "lost", "{:,}"),
    ("stored by the hub at drain end", "stored", "{:,}"),
    ("delivered msg/s (send + drain)", "delivered_rate", "{:,.0f}"),
    ("acked to visitors", "acked", "{:,}"),
    ("duplicates / reordered / foreign", "anomalies", "{}"),
    ("error frames / server closes", "errors_closes", "{}"),
    ("latency p50 ms", "latency_p50_ms", "{:.2f}"),
    ("latency p99 ms", "latency_p99_ms", "{:.2f}"),
    ("latency p99.9 ms", "latency_p999_ms", "{:.2f}"),
    ("latency max ms", "latency_max_ms", "{:.2f}"),
    ("visitor ack p99 ms", "ack_p99_ms", "{:.2f}"),
    ("loadgen send lag max ms", "lag_max_ms", "{:.2f}"),
    ("hub RSS idle -> open MiB", "rss_mib", "{}"),
    ("hub KiB per socket", "kib_per_socket", "{:.1f}"),
    ("hub CPU s per 1000 delivered", "hub_cpu_s_per_1k", "{:.3f}"),
    ("hub CPU % of a core (send phase)", "hub_cpu_pct", "{:.0f}"),
    ("  hub CPU s per process (send phase)", "hub_cpu_split", "{}"),
    ("PG+Redis CPU s per 1000 delivered", "infra_cpu_s_per_1k", "{:.3f}"),
    ("loadgen CPU % of a core", "loadgen_cpu_pct", "{:.0f}"),
    ("hub log problem lines", "hub_log_problems", "{}"),
]


def log_problems(path: Path) -> list[str]:
    """Lines of a hub log that say ERROR, CRITICAL, WARNING or Traceback."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if PROBLEM.search(line)]


def hub_rows(
    hubs: Sequence[HubProcess], samples: list[dict[str, Any]], connect: dict[str, Any]
) -> list[dict[str, Any]]:
    """Per hub process: sockets it holds, RSS idle and open, KiB per socket, log problems."""
    idle, open_ = samples[0]["rss_kib"], samples[1]["rss_kib"]
    rows = []
    for hub in hubs:
        if len(hubs) == 1:
            held = connect["sockets"]
        else:
            held = connect["widgets" if hub.name == "hub-visitors" else "agents"]["opened"]
        grown = open_[hub.name] - idle[hub.name]
        cpu = [sample["hub_cpu"][hub.pid] for sample in samples]
        problems = log_problems(hub.log_path)
        rows.append(
            {"name": hub.name, "pid": hub.pid, "port": hub.port, "sockets": held}
            | {"rss_kib_idle": idle[hub.name], "rss_kib_open": open_[hub.name]}
            | {"kib_per_socket": grown / held if held else 0.0, "log": str(hub.log_path)}
            | {"cpu_s_connect": cpu[1] - cpu[0], "cpu_s_send": cpu[2] - cpu[1]}
            | {"log_problems": len(problems), "log_problem_lines": problems[:MAX_PROBLEM_LINES]}
        )
    return rows


def connect_cpu(samples: list[dict[str, Any]], sockets: int) -> dict[str, float]:
    """Hub CPU while the sockets were being opened (from idle to all open and settled)."""
    before, after = samples[0], samples[1]
    used = cpu_delta(before["hub_cpu"], after["hub_cpu"])
    return {
        "connect_hub_cpu_s": used,
        "connect_hub_cpu_ms_per_socket": 1000 * used / sockets if sockets else 0.0,
    }


def cpu_figures(samples: list[dict[str, Any]], delivered: int) -> dict[str, float]:
    """CPU over the send phase (from all sockets open to drained), per delivered message."""
    before, after = samples[1], samples[2]
    wall = after["at"] - before["at"]
    hub = cpu_delta(before["hub_cpu"], after["hub_cpu"])
    infra = after["infra_cpu"] - before["infra_cpu"]
    loadgen = after["loadgen_cpu"] - before["loadgen_cpu"]
    per_1k = 1000 / delivered if delivered else 0.0
    return {
        "send_phase_wall_s": wall,
        "hub_cpu_s": hub,
        "hub_cpu_s_per_1k": hub * per_1k,
        "hub_cpu_pct": 100 * hub / wall,
        "infra_cpu_s": infra,
        "infra_cpu_s_per_1k": infra * per_1k,
        "loadgen_cpu_pct": 100 * loadgen / wall,
    }


def headline(
    config: dict[str, Any], connect: dict[str, Any], done: dict[str, Any]
) -> dict[str, Any]:
    """The connection, delivery and latency figures of the table."""
    agents, widgets = connect["agents"], connect["widgets"]
    lat, ack = done["latency"], done["ack_latency"]
    return {
        "pairs_sockets": f"{config['pairs']} ({connect['sockets']})",
        "connect_per_s": connect["per_second"],
        "agent_connect_per_s": agents["per_second"],
        "widget_connect_per_s": widgets["per_second"],
        "handshake_p99_ms": f"{agents['handshake']['p99_ms']:.1f} / "
        f"{widgets['handshake']['p99_ms']:.1f}",
        "offered_rate": config["rate"],
        "sent": done["sent"],
        "delivered": done["delivered"],
        "lost": done["lost"] + done["send_failed"],
        "acked": done["acked"],
        "anomalies": f"{done['duplicates']} / {done['reordered']} / {done['foreign']}",
        "errors_closes": f"{sum(done['errors'].values())} / "
        f"{sum(done['closed_by_server'].values())}",
        "latency_p50_ms": lat["p50_ms"],
        "latency_p99_ms": lat["p99_ms"],
        "latency_p999_ms": lat["p999_ms"],
        "latency_max_ms": lat["max_ms"],
        "ack_p99_ms": ack["p99_ms"],
        "lag_max_ms": done["lag_max_ms"],
    }


def summarize(
    config: dict[str, Any], hubs: Sequence[HubProcess], raw: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """The results document: config, raw load-generator reports, samples and the summary."""
    connect, done, samples = raw["connected"]["connect"], raw["done"], raw["samples"]
    rows = hub_rows(hubs, samples, connect)
    idle = sum(samples[0]["rss_kib"].values())
    opened = sum(samples[1]["rss_kib"].values())
    summary = headline(config, connect, done) | cpu_figures(samples, done["delivered"])
    summary |= connect_cpu(samples, connect["sockets"])
    window = done["send"].get("seconds", 0.0) + done["send"].get("drain_seconds", 0.0)
    summary |= {
        "backend": config["backend"],
        "rss_mib": f"{idle / 1024:.0f} -> {opened / 1024:.0f}",
        "kib_per_socket": (opened - idle) / connect["sockets"] if connect["sockets"] else 0.0,
        "hub_log_problems": sum(row["log_problems"] for row in rows),
        "healthz_sessions": raw["sessions"],
        "stored": raw["stored"],
        "delivered_rate": done["delivered"] / window if window else 0.0,
        "hub_cpu_split": " / ".join(f"{row['cpu_s_send']:.1f}" for row in rows),
    }
    return {"config": config, "context": context, "summary": summary, "hubs": rows} | {
        "connect": connect,
        "load": done,
        "samples": samples,
    }


def format_table(runs: Sequence[dict[str, Any]]) -> str:
    """One row per figure, one column per run."""
    heads = [run["summary"]["backend"] for run in runs]
    cells = [[fmt.format(run["summary"][key]) for run in runs] for _, key, fmt in ROWS]
    left = max(len(label) for label, _, _ in ROWS)
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join([" " * left, *(h.rjust(w) for h, w in zip(heads, widths, strict=True))])]
    for (label, _, _), row in zip(ROWS, cells, strict=True):
        values = (c.rjust(w) for c, w in zip(row, widths, strict=True))
        lines.append("  ".join([label.ljust(left), *values]))
    return "\n".join(lines)


def write_results(results: dict[str, Any], path: Path) -> Path:
    """Write the results document as JSON; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Print the table of one or more results files side by side."""
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m bench.report RESULTS.json [...]", file=sys.stderr)
        return 2
    print(format_table([json.loads(Path(p).read_text()) for p in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
