#!/usr/bin/python3
"""xgb_oracle.py -- python3-xgboost's answers for tests/ml/test_model.c.

Usage: /usr/bin/python3 xgb_oracle.py MODEL.json ROWS.f32 NROWS NCOLS

Loads the JSON model file that kairos saved with xgboost.Booster, reads
NROWS x NCOLS little-endian float32 values (row-major, NaN = missing) and
prints, after a first line "xgboost <version>", one line per row:

    prediction margin contribution_0 ... contribution_NCOLS-1 bias

every number as '%.9g' (exact for a float32). Exits 3 with a message on
stderr when numpy or xgboost cannot be imported, 2 on a usage error.
"""
import sys

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:  # the C test turns this into a clear failure
    sys.stderr.write("xgb_oracle: cannot import numpy/xgboost (%s); install "
                     "python3-xgboost (apt-get install python3-xgboost) and "
                     "run with /usr/bin/python3\n" % e)
    sys.exit(3)


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    model, rows, nrows, ncols = argv[1], argv[2], int(argv[3]), int(argv[4])
    X = np.fromfile(rows, dtype="<f4")
    if X.size != nrows * ncols:
        sys.stderr.write("xgb_oracle: %s holds %d floats, not %d x %d\n"
                         % (rows, X.size, nrows, ncols))
        return 2
    X = X.reshape(nrows, ncols)
    booster = xgb.Booster(model_file=model)
    booster.set_param({"nthread": 1})
    d = xgb.DMatrix(X, missing=np.nan)
    pred = booster.predict(d)
    margin = booster.predict(d, output_margin=True)
    contribs = booster.predict(d, pred_contribs=True)
    out = ["xgboost %s" % xgb.__version__]
    for i in range(nrows):
        vals = [pred[i], margin[i]] + list(contribs[i])
        out.append(" ".join("%.9g" % float(v) for v in vals))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
