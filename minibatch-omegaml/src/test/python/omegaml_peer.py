"""The real omega|ml 0.18 as a peer of the Java tests (minibatch-omegaml's OmegaPython).

Reads one JSON request a line on stdin, {"url": "<mongodb url>", "code": "<python>"}, runs the code
with these names bound:
    om        omega|ml 0.18's Omega on that url (cached per url)
    pd, np    pandas, numpy
    reply(v)  the value to send back (JSON; timestamps as ISO strings, NaN as null)
    frame(x)  a DataFrame/Series described as JSON: columns, dtypes, index names/dtypes/values, rows
    same(a,b) pandas.testing's assert_frame_equal / assert_series_equal (raises on any difference)
and prints one line {"reply": {"value": v}} or {"reply": {"error": "<traceback>"}}. The URL also
goes to OMEGA_MONGO_URL before omega|ml is imported (omega|ml reads its defaults from there).
"""
import json
import math
import os
import sys
import traceback
import warnings

warnings.simplefilter("ignore")
first = sys.stdin.readline()
request = json.loads(first)
os.environ["OMEGA_MONGO_URL"] = request["url"]

try:
    import numpy as np
    import pandas as pd
    import omegaml
    from omegaml import Omega
except ImportError as e:
    print(json.dumps({"reply": {"error": "omega|ml 0.18 is not installed in the Python peer's venv " + sys.prefix
                                + " (" + str(e) + "): run tools/test-env/setup (or ./run-tests)"}}), flush=True)
    sys.exit(2)
if omegaml.version != "0.18.0":
    print(json.dumps({"reply": {"error": "omega|ml " + omegaml.version + " in " + sys.prefix
                                + ", the tests need 0.18.0: run tools/test-env/setup (or ./run-tests)"}}), flush=True)
    sys.exit(2)

instances = {}


def plain(v):
    if isinstance(v, (pd.Timestamp,)):
        return None if pd.isna(v) else v.isoformat()
    if v is pd.NaT:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list,)):
        return [plain(x) for x in v]
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if v is None or isinstance(v, (str, int, bool)):
        return v
    return str(v)


def frame(x):
    out = {"type": type(x).__name__}
    if isinstance(x, pd.Series):
        out["name"] = plain(x.name)
        out["dtype"] = str(x.dtype)
        out["values"] = [plain(v) for v in x.tolist()]
    else:
        out["columns"] = [plain(c) for c in x.columns]
        out["dtypes"] = {str(c): str(t) for c, t in x.dtypes.items()}
        out["rows"] = [[plain(v) for v in row] for row in x.itertuples(index=False, name=None)]
    idx = x.index
    out["index"] = {"names": [plain(n) for n in idx.names],
                    "dtypes": [str(idx.get_level_values(i).dtype) for i in range(idx.nlevels)],
                    "values": [plain(v) for v in idx.tolist()]}
    return out


def same(a, b):
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    else:
        pd.testing.assert_frame_equal(a, b)
    return True


while request is not None:
    url = request["url"]
    if url not in instances:
        instances[url] = Omega(mongo_url=url)
    scope = {"om": instances[url], "pd": pd, "np": np, "frame": frame, "same": same, "result": None}
    scope["reply"] = lambda v: scope.__setitem__("result", v)
    try:
        exec(request["code"], scope)
        print(json.dumps({"reply": {"value": plain(scope["result"])}}), flush=True)
    except BaseException:  # noqa: B902 - report everything to the Java side
        print(json.dumps({"reply": {"error": traceback.format_exc()}}), flush=True)
    line = sys.stdin.readline()
    request = json.loads(line) if line.strip() else None
print(json.dumps({"done": True}), flush=True)
