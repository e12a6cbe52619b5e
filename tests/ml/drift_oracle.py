#!/usr/bin/python3
"""drift_oracle.py -- the reference answers for tests/ml/test_drift.c.

Run by the test as `/usr/bin/python3 drift_oracle.py CASES`: CASES is a
binary file written by the test, a sequence of cases, each four
little-endian int64 (kind, nbins, n1, n2) followed by n1 + n2 float64 (the
reference sample, then the current one). kind 0 is the two-sample KS test,
1 the PSI, 2 the JSD. For each case one line is printed:

    ks   STAT PVALUE PATH     scipy.stats.ks_2samp(a, b, method='auto')
    psi  VALUE                numpy: quantile bins of the reference
    jsd  VALUE                scipy.spatial.distance.jensenshannon(p, q)**2

PATH names the way scipy 1.10 computes the p-value (exact-square,
exact-paths, or asymp-<region> with the region of kstwo.sf that Simard and
L'Ecuyer's selection, as in scipy/stats/_ksstats.py, picks), so that the test
can require every region to be exercised. A last line "pop_psi VALUE" gives
the population PSI of N(1, 1) in the deciles of N(0, 1) for the band test.

It needs Debian's python3-scipy (scipy 1.10): without it, it says so on
stderr and exits 3, and the test fails.
"""
import math
import sys

try:
    import numpy as np
    import scipy
    from scipy import stats
    from scipy.spatial.distance import jensenshannon
except ImportError as e:  # the test turns this into a failure
    sys.stderr.write("drift_oracle: needs numpy and scipy "
                     "(apt-get install python3-scipy): %s\n" % e)
    sys.exit(3)


def ks_path(n1, n2, d):
    """Which computation scipy 1.10's ks_2samp(method='auto') uses."""
    if max(n1, n2) <= 10000:
        return "exact-square" if n1 == n2 else "exact-paths"
    m, n = max(n1, n2), min(n1, n2)
    N = int(np.round(m * n / (m + n)))
    x = d
    if x >= 1.0:
        return "asymp-one"
    if x <= 0.0:
        return "asymp-zero"
    t = N * x
    if t <= 1.0:
        return "asymp-rubengambino-low"
    if t >= N - 1:
        return "asymp-rubengambino-high"
    if x >= 0.5:
        return "asymp-smirnov"
    nx2 = t * x
    if N <= 140:
        if nx2 <= 0.754693:
            return "asymp-durbin"
        if nx2 <= 4:
            return "asymp-pomeranz"
        return "asymp-smirnov"
    if nx2 >= 370.0:
        return "asymp-zero"
    if nx2 >= 2.2:
        return "asymp-smirnov"
    if N <= 100000 and N * x ** 1.5 <= 1.4:
        return "asymp-durbin"
    return "asymp-pelzgood"


def psi(ref, cur, nbins):
    """The PSI as docs/drift.md defines it, written independently: edges
    from numpy's type-7 quantiles, right-closed bins via searchsorted."""
    s = np.sort(ref)
    n = len(s)
    edges = []
    for k in range(1, nbins):
        # numpy.quantile's position (n - 1) k / nbins, split exactly
        lo, rem = divmod((n - 1) * k, nbins)
        a = s[lo]
        edges.append(a + (s[lo + 1] - a) * (rem / nbins) if rem else a)
    edges = np.array(edges)
    # the same edges as numpy.quantile, to rounding
    q = np.quantile(s, np.arange(1, nbins) / nbins)
    assert np.allclose(edges, q, rtol=1e-12, atol=1e-12), (edges, q)
    r = np.bincount(np.searchsorted(edges, s, side="left"),
                    minlength=nbins) / n
    c = np.bincount(np.searchsorted(edges, cur, side="left"),
                    minlength=nbins) / len(cur)
    r = np.maximum(r, 1e-6)
    c = np.maximum(c, 1e-6)
    return float(np.sum((c - r) * np.log(c / r)))


def jsd(ref, cur, nbins):
    lo = min(ref.min(), cur.min())
    hi = max(ref.max(), cur.max())
    p, _ = np.histogram(ref, bins=nbins, range=(lo, hi))
    q, _ = np.histogram(cur, bins=nbins, range=(lo, hi))
    return float(jensenshannon(p, q) ** 2)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: drift_oracle.py CASES\n")
        return 2
    if not scipy.__version__.startswith("1.10."):
        sys.stderr.write("drift_oracle: note: scipy %s, the parity target is "
                         "1.10\n" % scipy.__version__)
    buf = open(sys.argv[1], "rb").read()
    off = 0
    out = []
    while off < len(buf):
        kind, nbins, n1, n2 = np.frombuffer(buf, "<i8", 4, off)
        off += 32
        v = np.frombuffer(buf, "<f8", int(n1 + n2), off)
        off += 8 * int(n1 + n2)
        a, b = v[:n1].copy(), v[n1:].copy()
        if kind == 0:
            r = stats.ks_2samp(a, b, method="auto")
            out.append("ks %.17g %.17g %s" % (r.statistic, r.pvalue,
                                              ks_path(n1, n2, r.statistic)))
        elif kind == 1:
            out.append("psi %.17g" % psi(a, b, int(nbins)))
        elif kind == 2:
            out.append("jsd %.17g" % jsd(a, b, int(nbins)))
        else:
            sys.stderr.write("drift_oracle: bad case kind %d\n" % kind)
            return 2
    e = stats.norm.ppf(np.arange(1, 10) / 10)
    c = np.diff(np.concatenate([[0.0], stats.norm.cdf(e - 1.0), [1.0]]))
    out.append("pop_psi %.17g" % float(np.sum((c - 0.1) * np.log(c / 0.1))))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
