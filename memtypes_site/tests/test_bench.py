"""The helpers of bench/run.py (make bench): reading wrk's output and /proc, and the table."""

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).resolve().parents[2] / "bench" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8123/types/slab/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    45.12ms   10.01ms 120.33ms   80.00%
    Req/Sec    88.50     12.30   110.00     70.00%
  Latency Distribution
     50%   43.90ms
     75%   50.10ms
     90%   58.00ms
     99%    1.02s
  885 requests in 5.01s, 86.41MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    176.65
Transfer/sec:     17.25MB
"""


def test_it_reads_requests_rate_and_percentiles_from_wrk():
    result = bench.parse_wrk(WRK_OUTPUT)
    assert result == {
        "requests": 885,
        "rps": 176.65,
        "p50_ms": 43.9,
        "p99_ms": 1020.0,
        "socket_errors": 3,
        "non2xx": 4,
    }


def test_it_refuses_output_without_a_result():
    with pytest.raises(ValueError, match="wrk printed no result"):
        bench.parse_wrk("unable to connect to 127.0.0.1:8123 Connection refused\n")


@pytest.mark.parametrize(("text", "ms"), [("850.00us", 0.85), ("1.50ms", 1.5), ("2.00s", 2000.0), ("1.00m", 60000.0)])
def test_it_converts_wrk_durations_to_milliseconds(text, ms):
    assert bench.duration_ms(text) == pytest.approx(ms)


def test_it_adds_user_and_system_time_even_when_the_command_name_has_spaces():
    # proc(5): pid (comm) state ppid ... utime (14) stime (15) ...
    stat = "4242 (gunicorn: worker [a b]) S 4241 4242 4242 0 -1 4194560 100 0 0 0 731 269 0 0 20 0 1 0 5"
    assert bench.cpu_ticks(stat) == 1000


def test_it_reads_the_resident_set_size():
    assert bench.rss_kib("Name:\tgunicorn\nVmPeak:\t  200000 kB\nVmRSS:\t   91234 kB\n") == 91234


def test_the_table_shows_each_read_with_its_ratio_cpu_and_queries():
    row = {"url": "/types/slab/", "rps": 1234.4, "p50_ms": 3.21, "p99_ms": 9.87, "ratio": 0.5123, "cpu_ms": 6.789,
           "queries": 10, "bytes": 102342, "first_ms": 95.2}  # fmt: skip
    lines = bench.table([row]).splitlines()
    assert lines[0].startswith("| read | requests/s | p50 ms | p99 ms | × baseline | CPU ms/req | queries |")
    assert lines[2] == "| /types/slab/ | 1,234 | 3.21 | 9.87 | 0.512 | 6.79 | 10 | 102,342 | 95 |"


def _result(cold_rows, warm_rows=None, scale=1, plain_rows=None):
    runs = [{"mode": "cold", "rows": cold_rows, "soak": None}]
    if warm_rows is not None:
        runs.append({"mode": "warm", "rows": warm_rows, "soak": None})
    if plain_rows is not None:
        runs.append({"mode": "plain", "rows": plain_rows, "soak": None})
    return {"scale": scale, "runs": runs}


def _row(url, **kw):
    values = {"url": url, "status": 200, "non2xx": 0, "socket_errors": 0, "ratio": 1.0, "p99_ms": 5.0, "cpu_ms": 1.0,
              "queries": 3, "first_ms": 10.0}  # fmt: skip
    return values | kw


def test_it_names_each_missed_target():
    cold = [_row(bench.TYPE_PAGE, cpu_ms=9.5), _row(bench.TYPES_API, cpu_ms=1.2), _row("/", status=500)]
    warm = [_row(bench.BASELINE, ratio=1.0), _row("/", ratio=0.3, p99_ms=25.0)]
    missed = bench.missed_targets(_result(cold, warm), None)
    assert missed == [
        "cold /: status 500, 0 non-2xx, 0 socket errors",
        "warm /: 0.300x the baseline (target >= 0.5)",
        "warm /: p99 25.0 ms (target <= 20)",
        f"cold {bench.TYPE_PAGE}: 9.50 ms CPU per request (target <= 7.0)",
    ]


def test_an_uncompressed_answer_is_held_to_the_latency_target_but_not_the_ratio():
    plain = [_row(bench.BASELINE), _row("/api/v1/hierarchy/", ratio=0.28), _row("/", ratio=0.9, p99_ms=21.0)]
    assert bench.missed_targets(_result([], [], plain_rows=plain), None) == ["plain /: p99 21.0 ms (target <= 20)"]


def test_the_warm_run_asks_for_gzip_and_the_others_for_nothing():
    warm, plain, cold = (bench.request_headers(bench.MODES[mode][1]) for mode in ("warm", "plain", "cold"))
    assert warm == {"Accept-Encoding": "gzip"}
    assert plain == cold == {}
    command = bench.wrk_command(8123, "/", 5, headers=warm)
    assert command[-3:] == ["-H", "Accept-Encoding: gzip", "http://127.0.0.1:8123/"]
    assert "-H" not in bench.wrk_command(8123, "/", 5, headers=cold)


def test_at_scale_the_cold_type_page_is_held_to_twice_its_scale_1_cost_not_to_7_ms():
    reference = _result([_row(bench.TYPE_PAGE, cpu_ms=5.0), _row(bench.TYPES_API, cpu_ms=1.0)])
    scaled = _result([_row(bench.TYPE_PAGE, cpu_ms=9.5), _row(bench.TYPES_API, cpu_ms=1.6)], scale=40)
    assert bench.missed_targets(scaled, reference) == []


def test_at_scale_it_compares_queries_and_the_type_page_with_scale_1():
    reference = _result([_row(bench.TYPE_PAGE, cpu_ms=3.0, queries=10)])
    scaled = _result([_row(bench.TYPE_PAGE, cpu_ms=6.5, queries=11)], scale=40)
    assert bench.missed_targets(scaled, reference) == [
        f"scale 40 cold {bench.TYPE_PAGE}: 11 queries, 10 at scale 1",
        f"scale 40 cold {bench.TYPE_PAGE}: 6.50 ms CPU, more than 2x 3.00 ms",
    ]


def _soak(*workers, non2xx=0):
    """A soak of workers, each a list of its resident memory samples (KiB)."""
    samples = [[5.0 * i, [kib[i] for kib in workers]] for i in range(len(workers[0]))]
    return {"url": bench.TYPE_PAGE, "seconds": 60, "warmup": 5, "pids": [101 + n for n in range(len(workers))],
            "samples": samples, "requests": 2400, "rps": 40.0, "non2xx": non2xx, "socket_errors": 0}  # fmt: skip


def _soaked(soak):
    return {"scale": 1, "runs": [{"mode": "cold", "rows": [], "soak": soak}]}


def test_growth_within_2_mib_or_2_percent_is_noise():
    assert bench.soak_limit_kib(96_000) == 2048  # 2 % would be 1,920 KiB
    assert bench.soak_limit_kib(200_000) == 4000
    steady = _soak([96_000, 96_500, 98_000], [200_000, 203_000, 203_900])
    assert bench.missed_targets(_soaked(steady), None) == []


def test_a_worker_that_grows_beyond_the_noise_misses_the_memory_target():
    leaking = _soak([96_000, 97_100, 98_200, 99_300], [96_000, 96_000, 96_000, 96_000])
    assert bench.missed_targets(_soaked(leaking), None) == [
        f"soak {bench.TYPE_PAGE}: worker 1 grew from 96,000 to 99,300 KiB (+3,300, limit 2,048)"
    ]


def test_a_worker_replaced_or_an_answer_failing_during_the_soak_misses_it():
    troubled = _soak([96_000, None, None], [96_000, 96_000, 96_000], non2xx=3)
    assert bench.missed_targets(_soaked(troubled), None) == [
        f"soak {bench.TYPE_PAGE}: worker 1 exited during the soak",
        f"soak {bench.TYPE_PAGE}: 3 non-2xx, 0 socket errors",
    ]


def test_the_soak_table_states_its_rule_and_each_worker_s_memory():
    text = bench.soak_table(_soak([96_000, 99_000, 98_304], [100_000, 100_000, 100_000]))
    assert "under wrk for 60 s after a 5 s warm-up" in text
    assert "more than 2 MiB or 2% of it, whichever is more" in text
    lines = text.splitlines()
    assert lines[-2] == "| 1 (pid 101) | 93.8 | 96.7 | 96.0 | +2,304 | 2,048 | GREW | 93.8 96.7 96.0 |"
    assert lines[-1] == "| 2 (pid 102) | 97.7 | 97.7 | 97.7 | +0 | 2,048 | no growth | 97.7 97.7 97.7 |"


@pytest.mark.parametrize(("text", "seconds"), [("0", 0), ("60", 60), ("120", 120)])
def test_the_soak_runs_60_s_or_more_or_not_at_all(text, seconds):
    assert bench.soak_seconds(text) == seconds


def test_a_shorter_soak_is_refused():
    with pytest.raises(bench.argparse.ArgumentTypeError, match="at least 60 s"):
        bench.soak_seconds("30")
