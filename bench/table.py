"""table.py - renders a run's results (the dict run.py writes to results.json) as one table: plain
text for the terminal, or Markdown (--markdown) in the form README.md's performance section
carries. Each result row already holds its figure and what is beside it as text, so an earlier
results.json renders the same."""

HEADER = ("benchmark", "case", "result", "beside it")


def rows(results):
    out = []
    for s in results["scenarios"]:
        if not s["results"] and not s["ok"]:
            out.append((s["name"], "-", "FAILED", s["error"].splitlines()[0]))
            continue
        for r in s["results"]:
            if r.get("error"):
                out.append((s["name"], r["case"], "FAILED", r["error"].splitlines()[0]))
            else:
                out.append((s["name"], r["case"], r["text"]["result"], r["text"]["beside"]))
        if not s["ok"] and not any(r.get("error") for r in s["results"]):
            out.append((s["name"], "-", "FAILED", s["error"].splitlines()[0]))
    return out


def machine_line(results):
    m = results["machine"]
    load = m.get("loadavg_at_start")
    return (f"{m.get('date')}, {m.get('cpu_model')} x {m.get('nproc')}, Linux {m.get('kernel')}, "
            f"{m.get('postgresql')}, Kafka {m.get('kafka')}, Kafka Connect {m.get('kafka_connect')} + "
            f"Debezium {m.get('debezium')}, librdkafka {m.get('librdkafka')}, connectd "
            f"{(m.get('git_commit') or 'unknown')[:12]}{' (modified)' if m.get('git_dirty') else ''}"
            + (f", load average {load[0]:.2f} at the start" if load else ""))


def render(results, markdown=False):
    body = rows(results)
    if markdown:
        esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
        lines = [f"Measured {machine_line(results)}.", "",
                 "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in body]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in body + [HEADER]) for i in range(3)]
    fmt = lambda r: "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r[:3])) + "  " + str(r[3])  # noqa: E731
    lines = [machine_line(results), fmt(HEADER), fmt(tuple("-" * w for w in widths) + ("-" * 9,))]
    lines += [fmt(r) for r in body]
    failed = results.get("failed") or []
    if failed:
        lines.append(f"FAILED: {', '.join(failed)} (errors in results.json)")
    return "\n".join(lines)
