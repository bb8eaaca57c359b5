"""Symbols and words shown to users: headers, labels, the Guide (DESIGN §1 notation).

A :class:`Notation` names every quantity of the trace (``w1,2``, ``wo2,1``, ``O1``, ``y'2``,
``e1``, ``eh1`` …) in one place, so the workbook headers, the table's ``label`` column and the
grader's explanations always use the same symbols. Indices shown are 1-based.
"""

from __future__ import annotations

from .spec import Spec

#: words in English and Indonesian; keys are the English words' ids
WORDS: dict[str, dict[str, str]] = {
    "band.step": {"en": "step", "id": "langkah"},
    "band.data": {"en": "inputs and targets", "id": "masukan dan target"},
    "band.weights": {"en": "weights and biases in use", "id": "bobot dan bias yang dipakai"},
    "band.forward": {"en": "forward pass", "id": "propagasi maju"},
    "band.errors": {"en": "errors and loss", "id": "galat dan loss"},
    "band.backward": {"en": "backward pass", "id": "propagasi mundur"},
    "band.gradients": {"en": "gradients and changes", "id": "gradien dan perubahan"},
    "band.new": {"en": "new weights and biases", "id": "bobot dan bias baru"},
    "epoch": {"en": "epoch", "id": "epoch"},
    "step": {"en": "step", "id": "langkah"},
    "sample": {"en": "sample", "id": "sampel"},
    "update": {"en": "update", "id": "pembaruan"},
    "correct": {"en": "correct", "id": "benar"},
    "loss": {"en": "loss", "id": "loss"},
    "accuracy": {"en": "accuracy", "id": "akurasi"},
    "new": {"en": "new", "id": "baru"},
    "learning_rate": {"en": "learning rate", "id": "laju pembelajaran"},
    "weights": {"en": "weights", "id": "bobot"},
    "bias": {"en": "bias", "id": "bias"},
    "from": {"en": "from", "id": "dari"},
    "to": {"en": "to", "id": "ke"},
    "data": {"en": "data set", "id": "data latih"},
    "settings": {"en": "settings", "id": "pengaturan"},
    "givens": {"en": "givens", "id": "yang diketahui"},
    "epoch_loss": {"en": "loss (mean over the epoch's samples)", "id": "loss (rata-rata sampel)"},
}


def word(key: str, lang: str = "en") -> str:
    return WORDS[key][lang]


LOSS_SYMBOL = {"mse": "MSE", "half_sse": "E", "sse": "SSE"}


class Notation:
    """Course notation (DESIGN §1): ``w{j},{i}`` into the hidden layer, ``wo{j},{i}`` into the
    output layer, hidden outputs ``O{j}``, outputs ``y'{k}``, errors ``e{k}``, hidden errors
    ``eh{j}``. With more than one hidden layer the hidden layer number is prefixed:
    ``O2.1`` is neuron 1 of hidden layer 2, ``w2.1,3`` the weight into it from neuron 3 of layer 1.
    """

    name = "course"

    def __init__(self, spec: Spec, lang: str = "en") -> None:
        self.L = spec.n_layers
        self.loss = spec.loss
        self.lang = lang

    def word(self, key: str) -> str:
        return word(key, self.lang)

    # ---- pieces
    def _hidden_prefix(self, layer: int) -> str:
        return "" if self.L <= 2 else f"{layer}."

    def neuron(self, layer: int, j: int) -> str:
        """The output of neuron j (0-based) of layer (0 = inputs)."""
        if layer == 0:
            return f"x{j + 1}"
        if layer == self.L:
            return f"y'{j + 1}"
        return f"O{self._hidden_prefix(layer)}{j + 1}"

    def weight(self, layer: int, j: int, i: int) -> str:
        if layer == self.L and self.L > 1:
            return f"wo{j + 1},{i + 1}"
        return f"w{self._hidden_prefix(layer)}{j + 1},{i + 1}"

    def bias(self, layer: int, j: int) -> str:
        if layer == self.L and self.L > 1:
            return f"bo{j + 1}"
        return f"b{self._hidden_prefix(layer)}{j + 1}"

    def err(self, layer: int, j: int) -> str:
        if layer == self.L:
            return f"eo{j + 1}"
        return f"eh{self._hidden_prefix(layer)}{j + 1}"

    # ---- the label of any trace value
    def symbol(self, quantity: str, layer: int | None = None, j: int | None = None,
               i: int | None = None) -> str:  # fmt: skip
        q = quantity
        if q == "x":
            return f"x{j + 1}"  # type: ignore[operator]
        if q == "t":
            return f"t{j + 1}"  # type: ignore[operator]
        if q in ("w", "w_new", "grad_w", "dw"):
            s = self.weight(layer, j, i)  # type: ignore[arg-type]
        elif q in ("b", "b_new", "grad_b", "db"):
            s = self.bias(layer, j)  # type: ignore[arg-type]
        elif q == "z":
            return "net " + self.neuron(layer, j)  # type: ignore[arg-type]
        elif q == "a":
            return self.neuron(layer, j)  # type: ignore[arg-type]
        elif q == "e":
            return f"e{j + 1}"  # type: ignore[operator]
        elif q == "loss":
            return LOSS_SYMBOL[self.loss]
        elif q == "err":
            return self.err(layer, j)  # type: ignore[arg-type]
        elif q == "fprime":
            return "f'" + self.neuron(layer, j)  # type: ignore[arg-type]
        elif q == "delta":
            return "δ" + self.neuron(layer, j)  # type: ignore[arg-type]
        elif q == "epoch_loss":
            return self.word("loss")
        elif q == "accuracy":
            return self.word("accuracy")
        elif q == "lr":
            return "lr"
        elif q == "correct":
            return self.word("correct")
        elif q in ("epoch", "step", "sample"):
            return self.word(q)
        else:
            raise KeyError(q)
        if q.startswith("grad"):
            return "∂" + s
        if q in ("dw", "db"):
            return "Δ" + s
        if q.endswith("_new"):
            return f"{s} {self.word('new')}"
        return s


def notation_for(spec: Spec, lang: str = "en") -> Notation:
    return Notation(spec, lang)
