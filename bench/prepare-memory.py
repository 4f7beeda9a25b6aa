"""npm run bench:prep — peak RSS of the training-data preparation (cloud/sagemaker/prepare_training_data.py,
write_outputs) over a fleet of generated boards, 28 days at 60 s each, outputs written to sinks that
only count bytes. Each fleet size runs in its own process (peak RSS only grows); the interpreter
with the module imported and nothing prepared is the baseline. Prints figures; asserts nothing.

  .venv/bin/python bench/prepare-memory.py [boards ...]   (default: 20 200)
"""
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cloud/sagemaker"))
import prepare_training_data as p  # noqa: E402

DAYS, INTERVAL_MS, T0 = 28, 60_000, 1795384800000


def board_records(thing, index):
    for i in range(DAYS * 86_400_000 // INTERVAL_MS):
        ts = T0 + i * INTERVAL_MS
        day = math.sin(2 * math.pi * (ts % 86_400_000) / 86_400_000 + index)
        yield {"thing": thing, "ts": ts, **{ch: round(10 + 5 * day + (i % 7) * 0.1, 1) for ch in p.RCF_FEATURES}}


class CountingSink:
    written = 0

    def write(self, text):
        CountingSink.written += len(text)

    def close(self):
        pass


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(boards):
    started = time.perf_counter()
    things = ((f"aqm-{b:03d}", list(board_records(f"aqm-{b:03d}", b))) for b in range(boards))
    p.write_outputs(things, lambda _folder, _name: CountingSink())
    return {"boards": boards, "readings": boards * DAYS * 86_400_000 // INTERVAL_MS, "peak_mib": peak_mib(), "seconds": time.perf_counter() - started, "written": CountingSink.written}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run(int(sys.argv[2])) if sys.argv[2] != "0" else {"boards": 0, "peak_mib": peak_mib()}))
        sys.exit(0)
    figures = [json.loads(subprocess.run([sys.executable, __file__, "--one", str(b)], check=True, capture_output=True, text=True).stdout) for b in [0, *map(int, sys.argv[1:] or ["20", "200"])]]
    baseline = figures[0]["peak_mib"]
    print(f"baseline: the interpreter with the module imported, nothing prepared: peak RSS {baseline:.0f} MiB")
    for f in figures[1:]:
        print(
            f"{f['boards']} boards × {DAYS} days at 60 s ({f['readings']:,} readings, {f['written'] / 2**20:.0f} MiB written): peak RSS {f['peak_mib']:.0f} MiB "
            f"({f['peak_mib'] - baseline:.0f} MiB above the baseline) in {f['seconds']:.0f} s"
        )
