"""Solve the homework as Fausett's book does it and type the answers into the exercise.

Every number comes from Fausett's algorithm (Fundamentals of Neural Networks, §6.1.2, steps 3–8)
written here with plain Python loops and his signs — δ_k = (t_k − y_k)·f'(y_in_k),
δ_in_j = Σ_k δ_k·w_jk, δ_j = δ_in_j·f'(z_in_j), Δw_jk = α·δ_k·z_j, Δv_ij = α·δ_j·x_i — and is
typed at 4 decimals, as a student with a calculator writes it. Nothing comes from nnsheet's
engine. Usage: python solve.py latihan.xlsx jawaban.xlsx [--slip]

--slip: the classic slip of a student who mixes conventions: δ_k written as (y − t)·f'(y_in)
(the derivative's sign) and everything after it computed consistently from that δ_k.
"""

import math
import sys
import tomllib
from pathlib import Path

import openpyxl

doc = tomllib.loads(Path(__file__).with_name("soal.toml").read_text(encoding="utf-8"))
(h, o), alpha = doc["layer"], doc["training"]["learning_rate"]
v, v0, w, w0 = h["weights_from"], h["biases"], o["weights_from"], o["biases"]
x, t = doc["data"]["inputs"][0], doc["data"]["targets"][0]
f = lambda s: 1 / (1 + math.exp(-s))  # noqa: E731  (binary sigmoid)
n, p = len(x), len(v0)
z_in = [v0[j] + sum(x[i] * v[i][j] for i in range(n)) for j in range(p)]
z = [f(s) for s in z_in]
y_in = w0[0] + sum(z[j] * w[j][0] for j in range(p))
y = f(y_in)
d_k = (t[0] - y) * y * (1 - y)
if "--slip" in sys.argv:
    d_k = -d_k
d_in = [d_k * w[j][0] for j in range(p)]
d_j = [d_in[j] * z[j] * (1 - z[j]) for j in range(p)]
E = 0.5 * (t[0] - y) ** 2

# the exercise's cells, by the symbols in its header row (row 2 of Langkah); the book's procedure
# computes no ∂ and no second copy of t − y, and the exercise asks for neither
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Langkah"]
col = {c.value: c.column_letter for c in ws[2] if c.value}
ans = {
    "y_in1": y_in,
    "y1": y,
    "t1−y1": t[0] - y,
    "E": E,
    "f'(y_in1)": y * (1 - y),
    "δ_k1": d_k,
    "Δw01": alpha * d_k,
    "w01(baru)": w0[0] + alpha * d_k,
}
for j in range(p):
    k = j + 1
    ans |= {
        f"z_in{k}": z_in[j],
        f"z{k}": z[j],
        f"δ_in_j{k}": d_in[j],
        f"f'(z_in{k})": z[j] * (1 - z[j]),
        f"δ_j{k}": d_j[j],
        f"Δv0{k}": alpha * d_j[j],
        f"v0{k}(baru)": v0[j] + alpha * d_j[j],
        f"Δw{k}1": alpha * d_k * z[j],
        f"w{k}1(baru)": w[j][0] + alpha * d_k * z[j],
    }
    for i in range(n):
        ans |= {
            f"Δv{i + 1}{k}": alpha * d_j[j] * x[i],
            f"v{i + 1}{k}(baru)": v[i][j] + alpha * d_j[j] * x[i],
        }
for sym, value in ans.items():
    ws[f"{col[sym]}3"] = round(value, 4)
ep = wb["Epoch"]  # loss and accuracy of the epoch (one pattern: y1 < 0.5 reads 0 = t1)
ep["B3"], ep["C3"] = round(E, 4), float((y >= 0.5) == (t[0] == 1))
wb.save(sys.argv[2])
print(f"{len(ans) + 2} jawaban diketik", file=sys.stderr)
