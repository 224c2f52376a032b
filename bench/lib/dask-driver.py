"""Dask distributed beside Cohort (bench/suites/t-peers.mjs): one measurement per run, one JSON line on stdout.

    /usr/bin/python3 dask-driver.py '{"what": "noop", "tasks": 10000, "reps": 3}'
    /usr/bin/python3 dask-driver.py '{"what": "cpu", "partitions": 64, "ms": 70, "reps": 3}'
    /usr/bin/python3 dask-driver.py '{"what": "sigstop", "taskMs": 1000, "boundS": 60, "ttl": null}'

Every cluster is a LocalCluster of 2 worker processes x 1 thread, bound to 127.0.0.1 over tcp, with no
dashboard; the driver owns it and closes it. Logs go to stderr; the last stdout line is the result.
"""
import json
import os
import signal
import sys
import time

import dask
from distributed import Client, LocalCluster, Nanny, wait


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class QuietNanny(Nanny):
    """A nanny whose worker serves no dashboard (its small HTTP server still binds loopback, see cluster())."""

    def __init__(self, *args, **kwargs):
        kwargs["dashboard"] = False
        super().__init__(*args, **kwargs)


def cluster():
    # dashboard_address=None alone would still start each node's HTTP server (metrics, health) on every
    # interface: give them loopback addresses and turn the dashboards themselves off.
    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address="127.0.0.1:0",
        worker_dashboard_address="127.0.0.1:0",
        worker_class=QuietNanny,
        scheduler_kwargs={"dashboard": False},
        silence_logs=40,
    )


def noop(i):
    return 1


def count_primes(lo, hi):
    """Primes in [lo, hi): a segmented sieve over bytearrays (the CPU-bound work; sized by time, not by range)."""
    if hi <= 2:
        return 0
    lo = max(lo, 2)
    root = int(hi**0.5) + 1
    small = bytearray([1]) * (root + 1)
    small[0:2] = b"\x00\x00"
    for p in range(2, int(root**0.5) + 1):
        if small[p]:
            small[p * p :: p] = bytearray(len(small[p * p :: p]))
    seg = bytearray([1]) * (hi - lo)
    for p in range(2, root + 1):
        if small[p]:
            start = max(p * p, ((lo + p - 1) // p) * p)
            if start < hi:
                seg[start - lo :: p] = bytearray(len(seg[start - lo :: p]))
    return sum(seg)


def width_for(ms, near=0):
    """The range width that takes about `ms` on one core here (median of 5 probes)."""
    probe = 2_000_000
    count_primes(near, near + probe)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        count_primes(near, near + probe)
        times.append(time.perf_counter() - t0)
    times.sort()
    return max(1000, round(ms / 1000 / (times[2] / probe)))


def timed_map(client, fn, args, **kw):
    t0 = time.perf_counter()
    futures = client.map(fn, *args, pure=False, **kw)
    results = client.gather(futures)
    ms = (time.perf_counter() - t0) * 1000
    del futures
    return ms, results


def measure_noop(client, spec):
    tasks = spec["tasks"]
    timed_map(client, noop, [range(min(tasks, 1000))])  # warm: both workers have run the function
    rates = []
    for _ in range(spec["reps"]):
        ms, results = timed_map(client, noop, [range(tasks)])
        if sum(results) != tasks:
            raise RuntimeError(f"noop sum {sum(results)} != {tasks}")
        rates.append(tasks / (ms / 1000))
    return {"tasks": tasks, "rates": rates}


def measure_cpu(client, spec):
    n, ms = spec["partitions"], spec["ms"]
    width = width_for(ms)
    width = width_for(ms, near=(n * width) // 2)
    los = [i * width for i in range(n)]
    his = [(i + 1) * width for i in range(n)]
    workers = sorted(client.scheduler_info()["workers"])
    timed_map(client, count_primes, [los[:2], his[:2]])  # warm
    t1s, t2s, result = [], [], None
    for _ in range(spec["reps"]):
        # Interleaved: T1 (every partition pinned to one worker), then T2 (both workers), same cluster.
        t1, r1 = timed_map(client, count_primes, [los, his], workers=[workers[0]], allow_other_workers=False)
        t2, r2 = timed_map(client, count_primes, [los, his])
        if sum(r1) != sum(r2):
            raise RuntimeError("primes counts differ between the runs")
        result = sum(r1)
        t1s.append(t1)
        t2s.append(t2)
    return {"partitions": n, "width": width, "targetMs": ms, "t1": t1s, "t2": t2s, "result": result}


def slow(ms):
    time.sleep(ms / 1000)
    return os.getpid()


def measure_sigstop(client, spec):
    """Two tasks of taskMs, one per worker; SIGSTOP the process running the second; time until it has run elsewhere."""
    task_ms, bound = spec["taskMs"], spec["boundS"]
    pids = client.run(os.getpid)  # {worker address: pid}
    a, b = sorted(pids)
    fa = client.submit(slow, task_ms, workers=[a], allow_other_workers=True, pure=False)
    fb = client.submit(slow, task_ms, workers=[b], allow_other_workers=True, pure=False)
    deadline = time.monotonic() + 30
    while b not in {w for w, keys in client.processing().items() if fb.key in keys}:
        if time.monotonic() > deadline:
            raise RuntimeError("the second task never started on its worker")
        time.sleep(0.01)
    time.sleep(task_ms / 4000)  # the task is running on b
    victim = pids[b]
    t0 = time.perf_counter()
    os.kill(victim, signal.SIGSTOP)
    out = {"taskMs": task_ms, "boundS": bound, "victimPid": victim, "ttl": spec.get("ttl")}
    try:
        wait([fa, fb], timeout=bound)
        ran_on = fb.result(timeout=1)
        out.update(rescheduled=True, ms=(time.perf_counter() - t0) * 1000, ranOnOther=ran_on != victim)
    except Exception:  # noqa: BLE001 (dask raises its own TimeoutError or a plain one)
        out.update(rescheduled=False, ms=None, waitedMs=(time.perf_counter() - t0) * 1000)
    finally:
        try:
            os.kill(victim, signal.SIGCONT)
        except ProcessLookupError:
            pass
    return out


MEASURES = {"noop": measure_noop, "cpu": measure_cpu, "sigstop": measure_sigstop}


def main():
    spec = json.loads(sys.argv[1])
    if spec.get("ttl"):
        dask.config.set({"distributed.scheduler.worker-ttl": spec["ttl"]})
    started = time.perf_counter()
    with cluster() as c, Client(c) as client:
        log("dask-driver: cluster up", c.scheduler_address, "pid", os.getpid())
        if spec.get("holdS"):
            time.sleep(spec["holdS"])  # for a listening-socket check from outside
        out = MEASURES[spec["what"]](client, spec)
        out["scheduler"] = c.scheduler_address
        out["workerPids"] = list(client.run(os.getpid).values()) if spec["what"] != "sigstop" else None
    out["what"] = spec["what"]
    out["version"] = __import__("distributed").__version__
    out["totalS"] = time.perf_counter() - started
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
