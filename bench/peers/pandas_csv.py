#!/usr/bin/env python3
"""pandas_csv.py -- the pandas peer of bench_csv: pandas.read_csv on FILE.

usage: python3 bench/peers/pandas_csv.py FILE [REPEAT]

Loads FILE (header timestamp,symbol,open,high,low,close,volume) REPEAT times
(default 3) with the default C parser and turns the timestamp column into
datetime64 with pd.to_datetime(..., utc=True), then prints one JSON object on
stdout:

  {"rows": N, "seconds": best, "peak_rss_mib": growth, "checksum": sum of
   close, "version": pandas version}

Diagnostics go to stderr. The checksum lets bench_csv confirm that pandas read
the same numbers as kairos. The idiom is the fastest we found, to keep the
comparison fair: on pandas 1.5, read_csv(parse_dates=[...]) is about 4 times
slower on these ISO timestamps than read_csv followed by to_datetime.
"""
import json
import resource
import sys
import time


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) == 3 else 3
    import pandas as pd

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best = float("inf")
    rows = 0
    checksum = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
        t = time.perf_counter() - t0
        if not str(df["timestamp"].dtype).startswith("datetime64"):
            print("pandas_csv.py: timestamp column was not parsed to "
                  "datetime64 (%s)" % df["timestamp"].dtype, file=sys.stderr)
            return 1
        best = min(best, t)
        rows = len(df)
        checksum = float(df["close"].sum())
        del df
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "rows": rows,
        "seconds": best,
        "peak_rss_mib": (peak - base) / 1024.0,
        "checksum": checksum,
        "version": pd.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
