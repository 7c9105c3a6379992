#!/usr/bin/python3
"""Real tables for the clustering bench: numeric feature columns of a CSV from
../shared/datasets, missing values imputed with the median, standard-scaled (population std,
as moodscope's scaler), written as raw float32 so every tool reads the same bytes.

  tables.py CSV OUT.f32      prints {"rows": n, "cols": d, "features": [...]}
"""
import json
import sys

import numpy as np
import pandas as pd

SKIP = {"year", "key", "mode", "time_signature", "popularity", "duration", "duration_ms"}


def main(src, dst):
    df = pd.read_csv(src)
    cols = [c for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c]) and c.lower() not in SKIP
            and df[c].nunique() > 2]
    x = df[cols].astype(np.float64)
    x = x.fillna(x.median())
    x = (x - x.mean()) / x.std(ddof=0).replace(0, 1)
    np.ascontiguousarray(x.values, dtype=np.float32).tofile(dst)
    print(json.dumps({"rows": int(x.shape[0]), "cols": int(x.shape[1]), "features": cols}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
