#!/usr/bin/python3
"""Reference targets from imbalanced-learn's RandomOverSampler for gan-augment's planBalance.

For each case (class counts + sampling_strategy) records:
  - check_sampling_strategy(strategy, y, 'over-sampling')  -> samples to add per class
  - RandomOverSampler(sampling_strategy=..., random_state=0).fit_resample(X, y) -> final counts
and checks they agree. Writes test/dataset/imblearn-reference.json, which test/dataset/imblearn.test.ts
reads (the test needs no Python).

Usage (Debian: apt-get install python3-imblearn): /usr/bin/python3 bench/imblearn-reference.py
"""
import json
import os
import sys
import warnings
from collections import Counter

import numpy as np
import imblearn
import sklearn
from imblearn.over_sampling import RandomOverSampler
from imblearn.utils import check_sampling_strategy

FMNIST = {
    "ankle-boot": 100, "bag": 100, "coat": 10, "dress": 100, "pullover": 10,
    "sandal": 100, "shirt": 10, "sneaker": 100, "trouser": 100, "tshirt": 100,
}
NAMED = ["auto", "not majority", "not minority", "minority", "all", "majority"]

# (id, counts, strategy, note)
CASES = []


def add(cid, counts, strategy, note=""):
    CASES.append((cid, counts, strategy, note))


for s in NAMED:
    add(f"distinct/{s}", {"a": 50, "b": 20, "c": 10, "d": 5}, s, "distinct counts")
    # labels listed out of sorted order so that imblearn's sorted tie-break is visible
    add(f"tie-top/{s}", {"d": 10, "c": 30, "b": 100, "a": 100}, s, "two classes tied at the top")
    add(f"tie-bottom/{s}", {"z": 100, "m": 40, "c": 10, "b": 10}, s, "two classes tied at the bottom")
    add(f"all-equal/{s}", {"a": 10, "b": 10, "c": 10}, s, "all classes equal")
    add(f"binary/{s}", {"cat": 100, "dog": 30}, s, "two classes")
    add(f"single/{s}", {"only": 42}, s, "a single class")
    add(f"fmnist-tiny/{s}", FMNIST, s, "README scan example: 7 classes at 100, 3 at 10")

# hyphenated spellings are gan-augment's own; imblearn only knows the spaced ones
add("spelling/not-majority", {"a": 50, "b": 20, "c": 10}, "not-majority", "gan-augment spelling")
add("spelling/not-minority", {"a": 50, "b": 20, "c": 10}, "not-minority", "gan-augment spelling")

# float ratios, binary (the only target type imblearn accepts floats for)
add("float/binary-1001-0.5", {"maj": 1001, "min": 100}, 0.5, "r*max = 500.5")
add("float/binary-7-0.5", {"maj": 7, "min": 1}, 0.5, "r*max = 3.5")
add("float/binary-999-0.3333", {"maj": 999, "min": 10}, 0.3333, "r*max = 332.9667")
add("float/binary-999-1.0", {"maj": 999, "min": 10}, 1.0, "r = 1")
add("float/binary-1001-1.0", {"maj": 1001, "min": 3}, 1.0, "r = 1")
add("float/binary-100-0.07", {"maj": 100, "min": 5}, 0.07, "0.07*100 = 7.000000000000001 in IEEE doubles")
add("float/binary-100-0.14", {"maj": 100, "min": 5}, 0.14, "0.14*100 = 14.000000000000002")
add("float/binary-100-0.56", {"maj": 100, "min": 5}, 0.56, "0.56*100 = 56.00000000000001")
add("float/binary-100-0.57", {"maj": 100, "min": 5}, 0.57, "0.57*100 = 56.99999999999999")
add("float/binary-100-0.29", {"maj": 100, "min": 5}, 0.29, "0.29*100 = 28.999999999999996")
add("float/binary-100-0.29-min28", {"maj": 100, "min": 28}, 0.29, "exact target 29 = min+1; upstream issue #1215")
add("float/binary-100-0.35", {"maj": 100, "min": 5}, 0.35, "0.35*100 = 35 exactly")
add("float/binary-would-remove", {"maj": 100, "min": 60}, 0.5, "minority already above r*max")
add("float/binary-already-at", {"maj": 100, "min": 50}, 0.5, "minority exactly at r*max")
add("float/binary-within-1", {"maj": 1001, "min": 500}, 0.5, "r*max = 500.5, minority 500")
add("float/binary-equal-1.0", {"a": 10, "b": 10}, 1.0, "balanced binary, r = 1")
add("float/binary-equal-0.5", {"a": 10, "b": 10}, 0.5, "balanced binary, r = 0.5")
# float ratios, multiclass
add("float/multi-0.5", {"a": 100, "b": 50, "c": 10}, 0.5, "three classes")
add("float/multi-1001-0.5", {"a": 1001, "b": 300, "c": 10}, 0.5, "three classes, r*max = 500.5")
add("float/multi-1.0", {"a": 100, "b": 50, "c": 10}, 1.0, "three classes, r = 1")
add("float/single-0.5", {"only": 42}, 0.5, "a single class")
# out-of-range floats
add("float/zero", {"maj": 100, "min": 5}, 0.0, "r = 0")
add("float/above-1", {"maj": 100, "min": 5}, 1.5, "r = 1.5")
add("float/negative", {"maj": 100, "min": 5}, -0.5, "r = -0.5")

# dict maps
BASE = {"a": 100, "b": 20, "c": 10}
add("dict/raise-one", BASE, {"b": 60}, "one class up, others untouched")
add("dict/raise-two", BASE, {"b": 100, "c": 100}, "same as not majority")
add("dict/above-majority", BASE, {"c": 150}, "target above the majority (imblearn warns)")
add("dict/equal-count", BASE, {"b": 20}, "target equal to current count")
add("dict/below-count", BASE, {"b": 10}, "target below current count")
add("dict/below-and-unknown", BASE, {"b": 10, "x": 5}, "one below, one unknown")
add("dict/unknown-label", BASE, {"x": 5}, "label not in the data")
add("dict/empty", BASE, {}, "empty map")
add("dict/zero", BASE, {"b": 0}, "zero target")
add("dict/negative", BASE, {"b": -1}, "negative target")
add("dict/non-integer", BASE, {"b": 25.5}, "non-integer target")
add("dict/majority-class", BASE, {"a": 120}, "raise the majority itself")
add("dict/single", {"only": 42}, {"only": 50}, "a single class")


def make_y(counts):
    return np.array([lab for lab, n in counts.items() for _ in range(n)], dtype=object)


def err(e):
    return f"{type(e).__name__}: {e}"


def run(counts, strategy):
    y = make_y(counts)
    out = {}
    # 1. check_sampling_strategy: {label: number of samples to add}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            add_n = check_sampling_strategy(strategy, y, "over-sampling")
            css = {"toAdd": {str(k): (v.item() if hasattr(v, "item") else v) for k, v in add_n.items()}}
        except Exception as e:  # noqa: BLE001
            css = {"error": err(e)}
    if w:
        css["warnings"] = [str(x.message) for x in w]
    # 2. RandomOverSampler.fit_resample: final counts
    X = np.zeros((len(y), 1))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            _, y_res = RandomOverSampler(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
            c = Counter(y_res.tolist())
            ros = {"targets": {lab: int(c[lab]) for lab in counts}}
        except Exception as e:  # noqa: BLE001
            ros = {"error": err(e)}
    if w:
        ros["warnings"] = [str(x.message) for x in w]

    if strategy == "minority" and ros.get("error", "").startswith("InvalidParameterError"):
        # imblearn 0.10.0 bug: RandomOverSampler's _parameter_constraints list 'majority' instead of
        # 'minority' (fixed in 0.10.1, scikit-learn-contrib/imbalanced-learn PR #964). The sampling
        # logic itself is check_sampling_strategy's, so take its answer as the reference.
        out["via"] = "check_sampling_strategy (RandomOverSampler 0.10.0 rejects 'minority': bug fixed in 0.10.1, PR #964)"
        out["randomOverSamplerError"] = ros["error"]
        if "toAdd" in css:
            out["targets"] = {lab: n + int(css["toAdd"].get(lab, 0)) for lab, n in counts.items()}
            out["targeted"] = list(css["toAdd"].keys())
        else:
            out["error"] = css["error"]
        return out
    if "targets" in ros:
        out["targets"] = ros["targets"]
        if "toAdd" in css:
            from_css = {lab: n + int(css["toAdd"].get(lab, 0)) for lab, n in counts.items()}
            if from_css != ros["targets"]:
                out["mismatch"] = {"checkSamplingStrategy": from_css}
        else:
            out["checkSamplingStrategyError"] = css["error"]
    else:
        out["error"] = ros["error"]
        if "error" in css and css["error"] != ros["error"]:
            out["checkSamplingStrategyError"] = css["error"]
        elif "toAdd" in css:
            out["checkSamplingStrategyToAdd"] = css["toAdd"]
    if ros.get("warnings"):
        out["warnings"] = ros["warnings"]
    if "toAdd" in css:
        # the classes imblearn *targets* (key order = its sorted order), incl. ones with 0 to add
        out["targeted"] = list(css["toAdd"].keys())
    return out


def main():
    cases = []
    for cid, counts, strategy, note in CASES:
        cases.append({"id": cid, "note": note, "counts": counts, "strategy": strategy,
                      "imblearn": run(counts, strategy)})
    bad = [c["id"] for c in cases if "mismatch" in c["imblearn"]]
    if bad:
        print("check_sampling_strategy and fit_resample disagree:", bad, file=sys.stderr)
        sys.exit(1)
    ref = {
        "imblearnVersion": imblearn.__version__,
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "source": "Debian python3-imblearn 0.10.0-1, imblearn.over_sampling.RandomOverSampler(random_state=0).fit_resample "
                  "cross-checked with imblearn.utils.check_sampling_strategy(..., 'over-sampling')",
        "generatedBy": "/usr/bin/python3 bench/imblearn-reference.py",
        "cases": [{"id": c["id"], "note": c["note"], "counts": c["counts"], "strategy": c["strategy"],
                   "imblearn": ({"targets": c["imblearn"]["targets"]} if "targets" in c["imblearn"]
                                else {"error": c["imblearn"]["error"]})
                   | ({"via": c["imblearn"]["via"]} if "via" in c["imblearn"] else {})
                   | ({"warnings": c["imblearn"]["warnings"]} if c["imblearn"].get("warnings") else {})
                   | ({"targeted": c["imblearn"]["targeted"]} if "targeted" in c["imblearn"] else {})}
                  for c in cases],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "dataset", "imblearn-reference.json")
    with open(out, "w") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases, imblearn {imblearn.__version__}")


if __name__ == "__main__":
    main()
