"""Reading and writing spec files (TOML, design.md §3) with strict validation.

Every problem is a :class:`~nnsheet.core.errors.SpecError` whose one-line message names the file
and the key path (``layer[2].weights``) or the CSV row and column, and says what was expected.
Layers are numbered from 1 in messages, like ``[[layer]]`` tables in the file.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np

from .csvfile import CsvError, CsvRow, CsvTable, csv_number, read_csv
from .errors import SpecError
from .ops import ACTIVATIONS, HIDDEN_ERROR_RULES, LOSSES, RULES, SINGLE_RULES
from .safety import read_text_file
from .spec import (
    DEFAULT_PRESET,
    INIT_METHODS,
    NOTATIONS,
    PRESETS,
    Layer,
    Normalization,
    Spec,
    draw_givens,
)

TOP_KEYS = ("title", "preset", "inputs", "notation", "layer", "training", "init", "data")
LAYER_KEYS = ("size", "activation", "weights", "weights_from", "biases")
TRAINING_KEYS = (
    "learning_rate",
    "epochs",
    "mode",
    "rule",
    "loss",
    "update_biases",
    "hidden_error",
    "round",
    "momentum",
    "target_loss",
    "theta",
    "tolerance",
)
INIT_KEYS = ("seed", "low", "high", "decimals", "method")
DATA_KEYS = ("inputs", "targets", "csv", "features", "normalize")
MAX_EPOCHS = 1_000_000
MAX_LAYER_SIZE = 10_000
DEFAULT_SEED = 42
DEFAULT_LEARNING_RATE = 0.5
MAX_SPEC_BYTES = 10 * 1024 * 1024
MAX_CSV_BYTES = 50 * 1024 * 1024


class _Ctx:
    """Where we are: the file name used in every message."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, key: str, what: str) -> SpecError:
        return SpecError(f"{self.name}: {key}: {what}" if key else f"{self.name}: {what}")


def _describe(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v) if len(v) <= 40 else repr(v[:37] + "...")
    if isinstance(v, list):
        return f"a list of {len(v)}"
    if isinstance(v, dict):
        return "a table"
    return repr(v)


def _check_keys(ctx: _Ctx, table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for k in table:
        if k not in allowed:
            close = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
            hint = f"; expected one of {', '.join(allowed)}"
            if close:
                hint = f"; did you mean {close[0]}?"
            raise ctx.fail(f"{prefix}{k}", f"unknown key{hint}")


def _number(ctx: _Ctx, key: str, v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ctx.fail(key, f"expected a number, got {_describe(v)}")
    f = float(v)
    if not math.isfinite(f):
        raise ctx.fail(key, f"expected a finite number, got {v}")
    return f


def _integer(ctx: _Ctx, key: str, v: object, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ctx.fail(key, f"expected a whole number from {low} to {high}, got {_describe(v)}")
    if not low <= v <= high:
        raise ctx.fail(key, f"expected a whole number from {low} to {high}, got {v}")
    return int(v)


def _choice(ctx: _Ctx, key: str, v: object, options: tuple[str, ...]) -> str:
    if not isinstance(v, str) or v not in options:
        hint = ""
        if isinstance(v, str):
            close = difflib.get_close_matches(v, options, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ctx.fail(key, f"expected one of {', '.join(options)}, got {_describe(v)}{hint}")
    return v


def _bool(ctx: _Ctx, key: str, v: object) -> bool:
    if not isinstance(v, bool):
        raise ctx.fail(key, f"expected true or false, got {_describe(v)}")
    return v


def _matrix(
    ctx: _Ctx, key: str, v: object, rows: int | None, cols: int | None, orient: str = ""
) -> np.ndarray:
    """A list of equal-length lists of finite numbers, optionally of a given shape (``orient``:
    how the rows and columns read, added to a shape error)."""
    shape_want = (
        f"{rows} row{'s' * (rows != 1)} of {cols} number{'s' * (cols != 1)}"
        if rows is not None and cols is not None
        else "a list of rows of numbers"
    )
    if not isinstance(v, list) or not all(isinstance(r, list) for r in v):
        raise ctx.fail(key, f"expected {shape_want}, got {_describe(v)}")
    got = f"{len(v)}×{len(v[0])}" if v and len(set(map(len, v))) == 1 else None
    if (
        not v
        or got is None
        or not v[0]
        or (rows is not None and len(v) != rows)
        or (cols is not None and len(v[0]) != cols)
    ):
        if got is None and v:
            got = "rows of lengths " + ", ".join(str(len(r)) for r in v[:6])
        raise ctx.fail(key, f"expected {shape_want}, got {got or 'nothing'}{orient}")
    out = np.empty((len(v), len(v[0])), dtype=np.float64)
    for r, row in enumerate(v):
        for c, x in enumerate(row):
            out[r, c] = _number(ctx, f"{key}[{r + 1}][{c + 1}]", x)
    return out


def _vector(ctx: _Ctx, key: str, v: object, n: int) -> np.ndarray:
    if not isinstance(v, list) or len(v) != n:
        got = f"{len(v)} numbers" if isinstance(v, list) else _describe(v)
        raise ctx.fail(key, f"expected a list of {n} numbers, got {got}")
    return np.array([_number(ctx, f"{key}[{i + 1}]", x) for i, x in enumerate(v)])


def _table(ctx: _Ctx, key: str, v: object) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ctx.fail(key, f"expected a table [{key}], got {_describe(v)}")
    return v


# --------------------------------------------------------------------------- data
def _read_csv(ctx: _Ctx, path: Path, key: str) -> CsvTable:
    """The data CSV (:mod:`nnsheet.core.csvfile`: UTF-8, ``,`` or ``;``, spreadsheet rows)."""
    try:
        table = read_csv(path, "a data CSV", MAX_CSV_BYTES)
    except CsvError as exc:
        what = {
            "not_found": f"CSV file {str(path)!r} not found",
            "too_large": f"CSV file {path.name} is larger than {MAX_CSV_BYTES // 2**20} MiB",
        }.get(exc.code, str(exc).replace(str(path), path.name, 1))
        raise ctx.fail(key, what) from None
    if not table.rows:
        raise ctx.fail(key, f"{path.name}: expected a header row and at least one data row")
    header = table.header
    dup = [h for h in header if header.count(h) > 1]
    if dup:
        raise SpecError(
            f"{path.name}: row {table.header_row}: column {dup[0]!r} appears more than once"
        )
    return CsvTable(path.name, table.separator, header, table.header_row, table.rows)


def _csv_data(
    ctx: _Ctx, d: dict[str, Any], base: Path
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...], Path]:
    csv_name = d["csv"]
    if not isinstance(csv_name, str) or not csv_name.strip():
        raise ctx.fail("data.csv", f"expected a file name, got {_describe(csv_name)}")
    path = (base / csv_name).resolve()
    table = _read_csv(ctx, path, "data.csv")
    header, rows, fname = list(table.header), table.rows, path.name

    def columns(key: str, v: object) -> list[str]:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not v or not all(isinstance(c, str) for c in v):
            raise ctx.fail(key, f"expected a list of column names, got {_describe(v)}")
        for c in v:
            if c not in header:
                close = difflib.get_close_matches(c, header, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ctx.fail(
                    key, f"column {c!r} is not in {fname} (columns: {', '.join(header[:12])}){hint}"
                )
        return list(v)

    if "targets" not in d:
        raise ctx.fail("data.targets", f"expected the target column names of {fname}")
    tv = d["targets"]
    one_hot = isinstance(tv, str)
    tcols = columns("data.targets", tv)
    fcols = (
        columns("data.features", d["features"])
        if "features" in d
        else [h for h in header if h not in tcols]
    )
    if not fcols:
        raise ctx.fail("data.features", f"{fname} has no feature columns besides the targets")

    def num(row: CsvRow, col: str) -> float:
        cell = row.get(header.index(col)).strip()
        where = table.where(row.row, col)
        if cell == "":
            raise SpecError(f"{where}: expected a number, the cell is empty")
        f = csv_number(cell, table.separator)
        if f is None:
            raise SpecError(f"{where}: expected a number, got {cell[:30]!r}")
        if not math.isfinite(f):
            raise SpecError(f"{where}: expected a finite number, got {cell!r}")
        return f

    X = np.array([[num(row, c) for c in fcols] for row in rows])
    if one_hot:
        col = tcols[0]
        ci = header.index(col)
        labels: list[str] = []
        for row in rows:
            cell = row.get(ci).strip()
            if not cell:
                raise SpecError(
                    f"{table.where(row.row, col)}: expected a class label, the cell is empty"
                )
            labels.append(cell)
        classes = list(dict.fromkeys(labels))
        if len(classes) < 2:
            raise ctx.fail("data.targets", f"column {col!r} of {fname} has only one class")
        T = np.array([[1.0 if lab == c else 0.0 for c in classes] for lab in labels])
        return X, T, tuple(fcols), tuple(classes), path
    T = np.array([[num(row, c) for c in tcols] for row in rows])
    return X, T, tuple(fcols), tuple(tcols), path


def _normalize(
    ctx: _Ctx, X: np.ndarray, method: str, names: tuple[str, ...] | None
) -> tuple[np.ndarray, Normalization]:
    if method == "minmax":
        shift = X.min(axis=0)
        scale = X.max(axis=0) - shift
    else:
        shift = X.mean(axis=0)
        scale = X.std(axis=0)
    bad = np.flatnonzero(scale == 0)
    if bad.size:
        i = int(bad[0])
        nm = names[i] if names else f"x{i + 1}"
        raise ctx.fail(
            "data.normalize",
            f"feature {nm!r} is constant, so {method} normalisation "
            "would divide by zero; drop that column or remove normalize",
        )
    norm = Normalization(method, tuple(map(float, shift)), tuple(map(float, scale)))
    return (X - shift) / scale, norm


# --------------------------------------------------------------------------- spec
def parse_spec(
    doc: dict[str, Any],
    name: str = "spec",
    base: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    source: Path | None = None,
) -> Spec:
    """Validate a parsed TOML document and resolve it into a :class:`Spec`.

    ``overrides`` may hold ``epochs``, ``preset`` and ``notation`` from the command line.
    """
    ctx = _Ctx(name)
    ov = dict(overrides or {})
    _check_keys(ctx, doc, TOP_KEYS, "")
    title = doc.get("title", "Untitled network")
    if not isinstance(title, str):
        raise ctx.fail("title", f"expected text, got {_describe(title)}")
    preset = ov.get("preset") or doc.get("preset", DEFAULT_PRESET)
    preset = _choice(ctx, "preset", preset, tuple(PRESETS))
    notation = (
        ov.get("notation") or doc.get("notation") or PRESETS[preset].get("notation", "course")
    )
    notation = _choice(ctx, "notation", notation, NOTATIONS)

    tr = _table(ctx, "training", doc.get("training", {}))
    _check_keys(ctx, tr, TRAINING_KEYS, "training.")
    ini = _table(ctx, "init", doc.get("init", {}))
    _check_keys(ctx, ini, INIT_KEYS, "init.")
    if "data" not in doc:
        raise ctx.fail("data", "missing: expected a [data] table with inputs and targets, or csv")
    data = _table(ctx, "data", doc["data"])
    _check_keys(ctx, data, DATA_KEYS, "data.")
    settings = {**PRESETS[preset], **tr}

    lr = settings.get("learning_rate", DEFAULT_LEARNING_RATE)
    lr = _number(ctx, "training.learning_rate", lr)
    if lr < 0:
        raise ctx.fail("training.learning_rate", f"expected a number ≥ 0, got {lr}")
    epochs = ov["epochs"] if ov.get("epochs") is not None else settings.get("epochs", 1)
    epochs = _integer(ctx, "training.epochs", epochs, 1, MAX_EPOCHS)
    rule = _choice(ctx, "training.rule", settings["rule"], (*RULES, *SINGLE_RULES))
    single = rule in SINGLE_RULES
    theta, tolerance = _single_keys(ctx, rule, tr, settings, epochs)
    loss = _choice(ctx, "training.loss", settings["loss"], tuple(LOSSES))
    hidden_error = _choice(
        ctx, "training.hidden_error", settings["hidden_error"], tuple(HIDDEN_ERROR_RULES)
    )
    update_biases = _bool(ctx, "training.update_biases", settings["update_biases"])
    momentum = _number(ctx, "training.momentum", settings.get("momentum", 0.0))
    if not 0.0 <= momentum < 1.0:
        raise ctx.fail(
            "training.momentum",
            f"expected a number from 0 up to (not including) 1, got {momentum:g}",
        )
    target_loss = settings.get("target_loss")
    if target_loss is not None:
        target_loss = _number(ctx, "training.target_loss", target_loss)
        if target_loss < 0:
            raise ctx.fail("training.target_loss", f"expected a number ≥ 0, got {target_loss:g}")
    digits = settings.get("round")
    if digits is not None:
        digits = _integer(ctx, "training.round", digits, 0, 15)

    # data
    feature_names = target_names = None
    data_source = None
    norm = None
    if "csv" in data:
        if "inputs" in data:
            raise ctx.fail(
                "data.inputs", "give the data either inline (inputs, targets) or as csv, not both"
            )
        X, T, feature_names, target_names, data_source = _csv_data(ctx, data, base or Path.cwd())
    else:
        for k in ("features",):
            if k in data:
                raise ctx.fail(f"data.{k}", "only used with data.csv")
        if "inputs" not in data:
            raise ctx.fail(
                "data.inputs", "expected the training inputs (a list of rows) or data.csv"
            )
        if "targets" not in data:
            raise ctx.fail("data.targets", "expected the training targets (a list of rows)")
        X = _matrix(ctx, "data.inputs", data["inputs"], None, None)
        T = _matrix(ctx, "data.targets", data["targets"], None, None)
        if len(T) != len(X):
            raise ctx.fail(
                "data.targets", f"expected {len(X)} rows (one per input row), got {len(T)}"
            )
    if "normalize" in data:
        method = _choice(ctx, "data.normalize", data["normalize"], ("minmax", "zscore"))
        X, norm = _normalize(ctx, X, method, feature_names)

    n0 = X.shape[1]
    if "inputs" in doc:
        n_in = _integer(ctx, "inputs", doc["inputs"], 1, MAX_LAYER_SIZE)
        if n_in != n0:
            raise ctx.fail("inputs", f"is {n_in} but each data input row has {n0} numbers")

    # layers
    layers_doc = doc.get("layer")
    if not isinstance(layers_doc, list) or not layers_doc:
        raise ctx.fail(
            "layer",
            "expected at least one [[layer]] table (hidden layers first, output layer last)",
        )
    seed = ini.get("seed", DEFAULT_SEED)
    seed = _integer(ctx, "init.seed", seed, 0, 2**63 - 1)
    low = _number(ctx, "init.low", ini.get("low", -1.0))
    high = _number(ctx, "init.high", ini.get("high", 1.0))
    if low > high:
        raise ctx.fail("init.high", f"expected a number ≥ init.low ({low}), got {high}")
    decimals = ini.get("decimals")
    if decimals is not None:
        decimals = _integer(ctx, "init.decimals", decimals, 0, 15)
    method = _choice(ctx, "init.method", ini.get("method", "uniform"), INIT_METHODS)
    parsed: list[tuple[int, str, np.ndarray | None, np.ndarray | None]] = []
    shapes: list[tuple[int, int]] = []
    prev = n0
    for idx, ld in enumerate(layers_doc, start=1):
        key = f"layer[{idx}]"
        ld = _table(ctx, key, ld)
        _check_keys(ctx, ld, LAYER_KEYS, key + ".")
        if "size" not in ld:
            raise ctx.fail(f"{key}.size", "expected the number of neurons in this layer")
        size = _integer(ctx, f"{key}.size", ld["size"], 1, MAX_LAYER_SIZE)
        if single:
            _single_layer(ctx, rule, key, ld, len(layers_doc))
        # a single-layer rule sets its own output (the layer computes y_in; the rule thresholds)
        default_act = "linear" if single else "sigmoid"
        act = _choice(
            ctx, f"{key}.activation", ld.get("activation", default_act), tuple(ACTIVATIONS)
        )
        if "weights" in ld and "weights_from" in ld:
            raise ctx.fail(
                key,
                "give weights (row j = the weights into neuron j) or weights_from "
                "(row i = the weights out of sending unit i), not both",
            )
        if "weights" in ld:
            W = _matrix(
                ctx,
                f"{key}.weights",
                ld["weights"],
                size,
                prev,
                " (weights: row j = the weights into neuron j of this layer, one "
                "column per sending unit; for the book's table, one row per sending "
                "unit, use weights_from)",
            )
        elif "weights_from" in ld:
            # the book's table (Fausett's v_ij, w_jk): row i = out of sending unit i
            W = _matrix(
                ctx,
                f"{key}.weights_from",
                ld["weights_from"],
                prev,
                size,
                " (weights_from: row i = the weights out of sending unit i, one column "
                "per receiving neuron, biases not included)",
            ).T.copy()
        else:
            W = None
        B = _vector(ctx, f"{key}.biases", ld["biases"], size) if "biases" in ld else None
        parsed.append((size, act, W, B))
        shapes.append((size, prev))
        prev = size
    ws, bs, nw_draws = draw_givens(
        seed, low, high, decimals, shapes, [p[2] for p in parsed], [p[3] for p in parsed], method
    )
    if single and "init" not in doc:
        # Hebb, the perceptron and Adaline start from zero weights unless [init] says otherwise
        for k, (shape, (_, _, w_given, b_given)) in enumerate(zip(shapes, parsed, strict=True)):
            ws[k] = np.zeros(shape) if w_given is None else ws[k]
            bs[k] = np.zeros(shape[0]) if b_given is None else bs[k]
    layers = [
        Layer(size, act, w, b) for (size, act, _, _), w, b in zip(parsed, ws, bs, strict=True)
    ]
    given = [(w is not None, b is not None) for _, _, w, b in parsed]
    if single and "init" not in doc:  # the zero start is the books' given (a roster keeps it)
        given = [(True, True)] * len(parsed)
    if T.shape[1] != prev:
        where = "data.targets"
        raise ctx.fail(
            where,
            f"each target row has {T.shape[1]} numbers but the output layer "
            f"(layer[{len(layers)}]) has {prev} neurons",
        )

    if single and rule != "adaline":
        bad = np.argwhere((T != 1) & (T != 0) & (T != -1))
        if bad.size:
            s_, k_ = (int(v) for v in bad[0])
            raise ctx.fail(
                f"data.targets[{s_ + 1}][{k_ + 1}]",
                f'expected 1, 0 or −1 for rule = "{rule}" (bipolar or binary targets), '
                f"got {T[s_, k_]:g}",
            )
    out_act = ACTIVATIONS[layers[-1].activation]
    low_t, high_t = out_act.range
    outside = np.argwhere((T < low_t) | (T > high_t))
    if outside.size and not TARGETS_ANY_RANGE.get():
        s_, k_ = (int(v) for v in outside[0])
        where = (
            f"data.targets[{s_ + 1}][{k_ + 1}]"
            if target_names is None or "csv" not in data
            else f"data.targets ({data['csv']}, sample {s_ + 1}, column {target_names[k_]})"
        )
        raise ctx.fail(
            where,
            f"the target {T[s_, k_]:g} is outside the range of the output layer's activation "
            f"{out_act.name!r} ({low_t:g} to {high_t:g}), so it can never be reached; use "
            f"targets in that range or another activation for layer[{len(layers)}]",
        )

    mode_v = settings.get("mode", "online")
    if single and mode_v != "online":
        raise ctx.fail(
            "training.mode",
            f'rule = "{rule}" updates after every pattern: expected "online", '
            f"got {_describe(mode_v)}",
        )
    n = X.shape[0]
    if isinstance(mode_v, str) and mode_v in ("online", "batch"):
        mode, bs = mode_v, (1 if mode_v == "online" else n)
    elif isinstance(mode_v, int) and not isinstance(mode_v, bool) and mode_v >= 1:
        mode, bs = "minibatch", min(int(mode_v), n)
    else:
        raise ctx.fail(
            "training.mode",
            f'expected "online", "batch" or a mini-batch size '
            f"(a whole number ≥ 1), got {_describe(mode_v)}",
        )

    return Spec(
        title=title,
        preset=preset,
        layers=tuple(layers),
        learning_rate=lr,
        epochs=epochs,
        mode=mode,
        batch_size=bs,
        rule=rule,
        loss=loss,
        update_biases=update_biases,
        hidden_error=hidden_error,
        round=digits,
        inputs=X,
        targets=T,
        seed=seed,
        init_low=low,
        init_high=high,
        init_decimals=decimals,
        feature_names=feature_names,
        target_names=target_names,
        normalization=norm,
        notation=notation,
        source=source,
        given=tuple(given),
        data_source=data_source,
        momentum=momentum,
        target_loss=target_loss,
        book_columns=PRESETS[preset].get("columns") == "book" and RULES[rule].name == "error",
        init_method=method,
        nw_draws=tuple(nw_draws),
        theta=theta,
        tolerance=tolerance,
    )


#: the training keys a single-layer rule refuses (they belong to backpropagation)
_NOT_SINGLE = ("loss", "hidden_error", "momentum", "target_loss")


def _single_keys(
    ctx: _Ctx, rule: str, tr: Mapping[str, Any], settings: Mapping[str, Any], epochs: int
) -> tuple[float, float | None]:
    """θ and the tolerance of a single-layer rule (design.md §12), refusing in one line the keys
    that do not apply to ``rule``."""
    if rule not in SINGLE_RULES:
        for key in ("theta", "tolerance"):
            if key in tr:
                raise ctx.fail(
                    f"training.{key}",
                    f'only used with rule = "perceptron" (theta) or "adaline" (tolerance), '
                    f'not rule = "{rule}"',
                )
        return 0.0, None
    for key in _NOT_SINGLE:
        if key in tr:
            raise ctx.fail(
                f"training.{key}",
                f'does not apply to rule = "{rule}" (a single layer trained by its own rule, '
                "design §12); remove it",
            )
    if "theta" in tr and rule != "perceptron":
        raise ctx.fail("training.theta", f'only used with rule = "perceptron", not "{rule}"')
    if "tolerance" in tr and rule != "adaline":
        raise ctx.fail("training.tolerance", f'only used with rule = "adaline", not "{rule}"')
    if rule == "hebb" and epochs != 1:
        raise ctx.fail(
            "training.epochs",
            f"the Hebb rule makes one pass over the patterns: expected 1, got {epochs}",
        )
    theta = _number(ctx, "training.theta", settings.get("theta", 0.0))
    if theta < 0:
        raise ctx.fail("training.theta", f"expected a number ≥ 0, got {theta:g}")
    tolerance = settings.get("tolerance")
    if tolerance is not None:
        tolerance = _number(ctx, "training.tolerance", tolerance)
        if tolerance <= 0:
            raise ctx.fail("training.tolerance", f"expected a number > 0, got {tolerance:g}")
    return theta, tolerance


def _single_layer(ctx: _Ctx, rule: str, key: str, ld: Mapping[str, Any], n_layers: int) -> None:
    """A single-layer rule has no hidden layer and sets its own output: one line otherwise."""
    if n_layers > 1:
        raise ctx.fail(
            "layer",
            f'rule = "{rule}" trains a single layer (no hidden layer): expected one [[layer]], '
            f"got {n_layers}",
        )
    if "activation" in ld:
        raise ctx.fail(
            f"{key}.activation",
            f'rule = "{rule}" sets its own output (design §12); remove the activation',
        )


#: ``nnsheet doctor`` loads a spec whose targets its output activation can never reach, to
#: diagnose it (finding ``target_out_of_range``) instead of refusing it as every other command does
TARGETS_ANY_RANGE: ContextVar[bool] = ContextVar("TARGETS_ANY_RANGE", default=False)


def loads_spec(
    text: str,
    name: str = "spec",
    base: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    source: Path | None = None,
) -> Spec:
    """Parse TOML text into a :class:`Spec` (``base``: the folder data files are relative to;
    ``source``: the spec file it was read from, if any)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays/tables
        raise SpecError(f"{name}: not valid TOML: values nested too deeply") from None
    return parse_spec(doc, name, base, overrides, source=source)


def load_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Spec:
    """Read and validate a spec file."""
    p = Path(path)
    text = read_text_file(p, "a spec file (TOML)", MAX_SPEC_BYTES, SpecError)
    return loads_spec(text, str(path), p.resolve().parent, overrides, source=p.resolve())


# --------------------------------------------------------------------------- writing
def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(v))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list | tuple | np.ndarray):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def spec_to_toml(spec: Spec) -> str:
    """A self-contained TOML text of ``spec``: every weight explicit, the data inline as the
    network sees it (already normalised). ``loads_spec`` of it gives the same numbers."""
    out = [
        f"title = {_toml_value(spec.title)}",
        f"preset = {_toml_value(spec.preset)}",
        f"notation = {_toml_value(spec.notation)}",
        f"inputs = {spec.n_inputs}",
        "",
    ]
    # Nguyen–Widrow: what [init] drew is left to it again (same seed, same order), so the
    # Setup sheet's work (the draws, the norms, β) is rebuilt exactly
    nw = spec.init_method == "nguyen-widrow"
    given = spec.given or ((True, True),) * spec.n_layers
    for ly, (w_given, b_given) in zip(spec.layers, given, strict=True):
        out += ["[[layer]]", f"size = {ly.size}"]
        if not spec.single:  # a single-layer rule sets its own output
            out.append(f"activation = {_toml_value(ly.activation)}")
        if w_given or not nw:
            out.append(
                "weights = [" + ",\n           ".join(_toml_value(r) for r in ly.weights) + "]"
            )
        if b_given or not nw:
            out.append(f"biases = {_toml_value(ly.biases)}")
        out.append("")
    mode: object = spec.batch_size if spec.mode == "minibatch" else spec.mode
    out += [
        "[training]",
        f"learning_rate = {_toml_value(spec.learning_rate)}",
        f"epochs = {spec.epochs}",
        f"mode = {_toml_value(mode)}",
        f"rule = {_toml_value(spec.rule)}",
    ]
    if not spec.single:
        out.append(f"loss = {_toml_value(spec.loss)}")
    out.append(f"update_biases = {_toml_value(spec.update_biases)}")
    if not spec.single:
        out.append(f"hidden_error = {_toml_value(spec.hidden_error)}")
    if spec.rule == "perceptron":
        out.append(f"theta = {_toml_value(spec.theta)}")
    if spec.tolerance is not None:
        out.append(f"tolerance = {_toml_value(spec.tolerance)}")
    if spec.round is not None:
        out.append(f"round = {spec.round}")
    if spec.momentum:
        out.append(f"momentum = {_toml_value(spec.momentum)}")
    if spec.target_loss is not None:
        out.append(f"target_loss = {_toml_value(spec.target_loss)}")
    out += [
        "",
        "[init]",
        f"seed = {spec.seed if spec.seed is not None else DEFAULT_SEED}",
        f"low = {_toml_value(spec.init_low)}",
        f"high = {_toml_value(spec.init_high)}",
    ]
    if spec.init_decimals is not None:
        out.append(f"decimals = {spec.init_decimals}")
    if nw:
        out.append('method = "nguyen-widrow"')
    out += [
        "",
        "[data]",
        "inputs = [" + ",\n          ".join(_toml_value(r) for r in spec.inputs) + "]",
        "targets = [" + ",\n           ".join(_toml_value(r) for r in spec.targets) + "]",
        "",
    ]
    return "\n".join(out)
