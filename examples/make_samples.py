"""Write the sample class: about a dozen student submissions per homework under examples/hw1 … hw5.

Run `python examples/make_samples.py`: every examples/hwN/*.ipynb is rewritten, byte for byte the
same on every run (fixed cell ids, no outputs, sorted JSON). Each file stem states what the
submission shows (`passes_all`, `flipped_kernel`, ...); examples/README.md lists them.

The student code is written as students write it (loops, `np.sum(window * k)`, typed tables) and
never imports the project: these notebooks stand for foreign code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Question:
    """One question of a homework: its prompt and the untouched template cell."""

    name: str
    prompt: str
    template: str


@dataclass(frozen=True)
class Homework:
    """A homework as the student sees it: title, given data, questions."""

    key: str
    title: str
    questions: tuple[Question, ...]
    given: str = ""


@dataclass(frozen=True)
class Sample:
    """One submission: the answer cell per question (missing = untouched template) and extra cells."""

    answers: dict[str, str]
    trailing: tuple[str, ...] = ()
    truncated: bool = False  # write the bytes of the notebook cut in half: malformed JSON


def src(text: str) -> str:
    """Dedent a student cell and strip the surrounding blank lines."""
    return dedent(text).strip("\n")


def notebook(hw: Homework, sample: Sample) -> nbformat.NotebookNode:
    """A student's filled-in copy: title, Otter init, numpy, given data, then prompt/answer/check per question."""
    cells = [
        new_markdown_cell(f"# {hw.title}"),
        new_code_cell(f'# Initialize Otter\nimport otter\ngrader = otter.Notebook("{hw.key}.ipynb")'),
        new_code_cell("import numpy as np"),
    ]
    if hw.given:
        cells.append(new_code_cell(hw.given))
    for q in hw.questions:
        cells.append(new_markdown_cell(f"**Question {q.name}.** {q.prompt}"))
        cells.append(new_code_cell(sample.answers.get(q.name, q.template)))
        cells.append(new_code_cell(f'grader.check("{q.name}")'))
    cells.extend(new_code_cell(code) for code in sample.trailing)
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"  # fixed ids: the files are byte-stable
    # Otter's autograder refuses a notebook whose metadata names no assignment, as student copies do.
    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}, "otter": {"assignment_name": hw.key}}
    return new_notebook(cells=cells, metadata=metadata)


def write_class(hw: Homework, samples: dict[str, Sample]) -> list[Path]:
    """Replace examples/<hw>/*.ipynb with one notebook per sample."""
    folder = HERE / hw.key
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    written = []
    for stem, sample in sorted(samples.items()):
        path = folder / f"{stem}.ipynb"
        nb = notebook(hw, sample)
        if sample.truncated:
            data = (nbformat.writes(nb) + "\n").encode()  # the bytes nbformat.write would write
            path.write_bytes(data[: len(data) // 2])
        else:
            nbformat.write(nb, path)
        written.append(path)
    return written


def common_samples(hw: Homework, correct: dict[str, str], **personas: dict[str, str]) -> dict[str, Sample]:
    """The personas every homework has, plus its own: each a set of answers overriding `correct`."""
    half = max(1, len(hw.questions) // 2)
    samples = {
        "passes_all": Sample(dict(correct)),
        "blank": Sample({}),
        "partial_first_half": Sample({q.name: correct[q.name] for q in hw.questions[:half]}),
        "broken_json": Sample(dict(correct), truncated=True),
    }
    samples.update({stem: Sample({**correct, **answers}) for stem, answers in personas.items()})
    return samples


# --- hand computation, for the students who type their grids as literals ------------------------


def xcorr(image: list[list[int]], k: list[list[int]], stride: int = 1, pad: int = 0) -> list[list[int]]:
    """Cross-correlation in plain Python, as a student works it out on paper."""
    n, f = len(image) + 2 * pad, len(k)
    padded = [[0] * n for _ in range(n)]
    for i, row in enumerate(image):
        padded[i + pad][pad : pad + len(row)] = row
    size = (n - f) // stride + 1
    return [
        [
            sum(padded[i * stride + a][j * stride + b] * k[a][b] for a in range(f) for b in range(f))
            for j in range(size)
        ]
        for i in range(size)
    ]


def literal(name: str, grid: list[list[object]], wrap: str = "") -> str:
    """A grid typed row by row, as a nested list or wrapped in a call such as `np.array`."""
    rows = ["[" + ", ".join(str(v) for v in row) + "]" for row in grid]
    head = f"{name} = {wrap}([" if wrap else f"{name} = ["
    tail = "])" if wrap else "]"
    return head + f",\n{' ' * len(head)}".join(rows) + tail


# --- hw1: fill the convolution grid --------------------------------------------------------------

IMAGE = [
    [3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
    [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9],
]
FILTERS = {
    "vertical": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "sobel": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "scharr": [[3, 0, -3], [10, 0, -10], [3, 0, -3]],
}

HW1 = Homework(
    key="hw1",
    title="Homework 1: Fill the convolution grid",
    given=src("""
        # Given: the 6x6 image and the filters of the lecture
        image = np.array([[3,0,1,2,7,4],[1,5,8,9,3,1],[2,7,2,5,1,3],[0,1,3,1,7,8],[4,2,1,6,2,8],[2,4,5,2,3,9]])
        vertical   = np.array([[1,0,-1],[1,0,-1],[1,0,-1]])      # also the Prewitt filter
        horizontal = np.array([[1,1,1],[0,0,0],[-1,-1,-1]])
        sobel      = np.array([[1,0,-1],[2,0,-2],[1,0,-1]])
        scharr     = np.array([[3,0,-3],[10,0,-10],[3,0,-3]])
    """),
    questions=(
        Question("q1", "Convolve `image` with `vertical` and fill the 4x4 grid `vertical_edges`.", "vertical_edges = ..."),
        Question(
            "q2",
            "Fill the 4x4 grids `horizontal_edges`, `sobel_edges` and `scharr_edges` for the other three filters.",
            "horizontal_edges = ...\nsobel_edges = ...\nscharr_edges = ...",
        ),
        Question(
            "q3",
            "Write `conv2d(x, k, stride=1, padding=0)`: the 2-D convolution of any (n_H, n_W) array with any (f, f) "
            "kernel, with zero padding and a stride. It returns a float array of size "
            "floor((n + 2p - f) / s + 1) on each axis.",
            "def conv2d(x, k, stride=1, padding=0):\n    ...",
        ),
        Question("q4", "Convolve `image` with `vertical` using padding 1 and stride 2: `strided_edges` (a 3x3 grid).",
                 "strided_edges = ..."),
        Question(
            "q5",
            "A 6x6 image whose every pixel is 10, convolved with `vertical`: `flat_region_output` (a 4x4 grid).",
            "flat_region_output = ...",
        ),
    ),
)


def hw1_grids(*, size: int = 4, kernel: str = "{k}", index: str = "[i, j]", dtype: str = "") -> tuple[str, str]:
    """The q1 and q2 cells of a student who loops over the grid; the knobs are the usual slips."""
    shape = f"np.zeros(({size}, {size}){dtype})"
    q1 = src(f"""
        vertical_edges = {shape}
        for i in range({size}):
            for j in range({size}):
                vertical_edges{index} = np.sum(image[i:i+3, j:j+3] * {kernel.format(k="vertical")})
        vertical_edges
    """)
    q2 = src(f"""
        def edges(img, k):
            out = {shape}
            for i in range({size}):
                for j in range({size}):
                    out{index} = np.sum(img[i:i+3, j:j+3] * {kernel.format(k="k")})
            return out

        horizontal_edges = edges(image, horizontal)
        sobel_edges = edges(image, sobel)
        scharr_edges = edges(image, scharr)
    """)
    return q1, q2


def hw1_conv2d(*, pad: bool = True, plus: str = " + 1", kernel: str = "k",
               shape: str = "(n_H, n_W)", index: str = "[i, j]", ret: str = "out") -> str:
    """The q3 cell; the knobs are the usual slips."""
    code = src(f"""
        def conv2d(x, k, stride=1, padding=0):
            x = np.asarray(x, dtype=float)
            k = np.asarray(k, dtype=float)
            x = np.pad(x, padding)
            f = k.shape[0]
            n_H = (x.shape[0] - f) // stride{plus}
            n_W = (x.shape[1] - f) // stride{plus}
            out = np.zeros({shape})
            for i in range(n_H):
                for j in range(n_W):
                    window = x[i*stride:i*stride+f, j*stride:j*stride+f]
                    out{index} = np.sum(window * {kernel})
            return {ret}
    """)
    return code if pad else code.replace("    x = np.pad(x, padding)\n", "")


HW1_Q4 = "strided_edges = conv2d(image, vertical, stride=2, padding=1)\nstrided_edges"
HW1_Q5 = "flat = np.full((6, 6), 10)\nflat_region_output = conv2d(flat, vertical)\nflat_region_output"


def hw1_answers(grids: tuple[str, str], conv: str, q4: str = HW1_Q4, q5: str = HW1_Q5) -> dict[str, str]:
    """All five hw1 answer cells, from the grid cells (q1, q2) and the conv2d cell."""
    return {"q1": grids[0], "q2": grids[1], "q3": conv, "q4": q4, "q5": q5}


def hw1_samples() -> dict[str, Sample]:
    correct = hw1_answers(hw1_grids(), hw1_conv2d())
    by_hand = {name: xcorr(IMAGE, k) for name, k in FILTERS.items()}
    flat = xcorr([[10] * 6 for _ in range(6)], FILTERS["vertical"])
    nan_grid = [row[:] for row in by_hand["vertical"]]
    nan_grid[3][3] = "np.nan"
    stride_ignored = src("""
        def conv2d(x, k, stride=1, padding=0):
            x = np.pad(np.asarray(x, dtype=float), padding)
            k = np.asarray(k, dtype=float)
            f = k.shape[0]
            n = x.shape[0] - f + 1
            m = x.shape[1] - f + 1
            out = np.zeros((n, m))
            for i in range(n):
                for j in range(m):
                    out[i, j] = np.sum(x[i:i+f, j:j+f] * k)
            return out
    """)
    as_tuples = src("""
        vertical_edges = tuple(
            tuple(int(np.sum(image[i:i+3, j:j+3] * vertical)) for j in range(4))
            for i in range(4)
        )
        vertical_edges
    """)
    tuples_q2 = src("""
        def edges(img, k):
            return tuple(tuple(int(np.sum(img[i:i+3, j:j+3] * k)) for j in range(4)) for i in range(4))

        horizontal_edges = edges(image, horizontal)
        sobel_edges = edges(image, sobel)
        scharr_edges = edges(image, scharr)
    """)
    raising_q2 = src("""
        horizontal_edges = np.zeros((4, 4))
        for i in range(4):
            for j in range(4):
                horizontal_edges[i, j] = np.sum(image[i:i+3, j:j+3] * horizontal)

        sobel_edges = np.zeros((4, 4))
        for i in range(4):
            for j in range(5):
                sobel_edges[i, j] = np.sum(image[i:i+3, j:j+3] * sobel)

        scharr_edges = np.zeros((4, 4))
        for i in range(4):
            for j in range(4):
                scharr_edges[i, j] = np.sum(image[i:i+3, j:j+3] * scharr)
    """)
    flipped = "{k}[::-1, ::-1]"
    samples = common_samples(
        HW1,
        correct,
        typo_in_names={
            "q1": correct["q1"].replace("vertical_edges", "vertical_edge"),
            "q3": correct["q3"].replace("def conv2d", "def conv_2d"),
            "q4": HW1_Q4.replace("conv2d", "conv_2d"),
            "q5": HW1_Q5.replace("conv2d", "conv_2d"),
        },
        raises_midway={"q2": raising_q2},
        nan_answers={
            "q1": literal("vertical_edges", nan_grid, wrap="np.array") + "   # the last cell: ran out of time",
            "q5": src("""
                flat = np.full((6, 6), 10)
                out = conv2d(flat, vertical)
                flat_region_output = out / np.abs(out).max()   # normalise the edges to [-1, 1]
                flat_region_output
            """),
        },
        lists_by_hand={
            "q1": literal("vertical_edges", by_hand["vertical"]),
            "q2": "\n".join(literal(f"{name}_edges", by_hand[name]) for name in ("horizontal", "sobel", "scharr")),
            "q4": literal("strided_edges", xcorr(IMAGE, FILTERS["vertical"], stride=2, pad=1)),
            "q5": literal("flat_region_output", flat),
        },
        int32_arrays={
            **dict(zip(("q1", "q2"), hw1_grids(dtype=", dtype=np.int32"))),
            "q4": HW1_Q4.replace("padding=1)", "padding=1).astype(np.int32)"),
            "q5": HW1_Q5.replace("conv2d(flat, vertical)", "conv2d(flat, vertical).astype(np.int32)"),
        },
        flipped_kernel=hw1_answers(hw1_grids(kernel=flipped), hw1_conv2d(kernel=flipped.format(k="k"))),
        missing_plus_one=hw1_answers(hw1_grids(size=3), hw1_conv2d(plus="")),
        conv2d_ignores_padding={"q3": hw1_conv2d(pad=False)},
        conv2d_ignores_stride={"q3": stride_ignored},
        transposed_grids=hw1_answers(hw1_grids(index="[j, i]"), hw1_conv2d(shape="(n_W, n_H)", index="[j, i]")),
        tuples_of_tuples={
            "q1": as_tuples,
            "q2": tuples_q2,
            "q3": hw1_conv2d(ret="tuple(tuple(row) for row in out)"),
        },
    )
    samples["infinite_loop_last_cell"] = Sample(
        dict(correct), trailing=("# keep the kernel busy while I look at the grids\nwhile True:\n    pass",)
    )
    return samples


# --- hw2: derive same padding --------------------------------------------------------------------

HW2 = Homework(
    key="hw2",
    title="Homework 2: Derive same padding",
    questions=(
        Question("q1", "Write `output_size(n, f, p=0, s=1)`: the lecture's formula floor((n + 2p - f) / s + 1), an int.",
                 "def output_size(n, f, p=0, s=1):\n    ..."),
        Question("q2", "Write `same_padding(n, f, s=1)`: the smallest padding p, the same on every side, for which the "
                 "output size equals n.", "def same_padding(n, f, s=1):\n    ..."),
        Question("q3", 'With a 6x6 input, f=3 and s=2, p = (ns - n + f - s)/2 = 3.5. Which rounding keeps the output at '
                 '6x6: `hw2_rounding = "floor"` or `"ceil"`?', "hw2_rounding = ..."),
        Question("q4", "That padding, `hw2_padding` (an int), and `hw2_output_other_rounding`, the output size that the other "
                 "rounding would give.", "hw2_padding = ...\nhw2_output_other_rounding = ..."),
    ),
)


def hw2_samples() -> dict[str, Sample]:
    q1 = "def output_size(n, f, p=0, s=1):\n    return (n + 2*p - f) // s + 1"
    q2 = src("""
        import math

        def same_padding(n, f, s=1):
            # n = (n + 2p - f)/s + 1  =>  p = (ns - n + f - s)/2, rounded up
            return math.ceil((n*s - n + f - s) / 2)

        same_padding(6, 3, 2)
    """)
    q4 = "hw2_padding = 4\nhw2_output_other_rounding = output_size(6, 3, p=3, s=2)\nhw2_output_other_rounding"
    correct = {"q1": q1, "q2": q2, "q3": 'hw2_rounding = "ceil"', "q4": q4}
    return common_samples(
        HW2,
        correct,
        typo_in_names={
            "q2": q2.replace("same_padding", "same_pad"),
            "q4": q4.replace("hw2_output_other_rounding", "hw2_output_floor"),
        },
        raises_midway={"q2": src("""
            def same_padding(n, f, s=1):
                return ceil((n*s - n + f - s) / 2)

            same_padding(6, 3, 2)
        """)},
        nan_answers={"q4": "hw2_padding = 4\nhw2_output_other_rounding = np.nan   # floor doesn't work, so no output?"},
        floor_instead_of_ceil={
            "q2": q2.replace("math.ceil(", "math.floor(").replace("rounded up", "rounded down"),
            "q3": 'hw2_rounding = "floor"',
            "q4": "hw2_padding = 3\nhw2_output_other_rounding = 6   # floor keeps it at 6x6",
        },
        missing_plus_one={"q1": "def output_size(n, f, p=0, s=1):\n    return (n + 2*p - f) // s"},
        float_returns={
            "q1": "def output_size(n, f, p=0, s=1):\n    return np.floor((n + 2*p - f) / s + 1)",
            "q2": "def same_padding(n, f, s=1):\n    return np.ceil((n*s - n + f - s) / 2)",
            "q4": "hw2_padding = same_padding(6, 3, 2)\nhw2_output_other_rounding = output_size(6, 3, 3.0, 2)\n"
                  "hw2_padding, hw2_output_other_rounding",
        },
        numpy_ints={
            "q1": "def output_size(n, f, p=0, s=1):\n    return np.floor_divide(n + 2*p - f, s) + 1",
            "q2": "def same_padding(n, f, s=1):\n    return np.ceil((n*s - n + f - s) / 2).astype(int)",
            "q4": "hw2_padding = same_padding(6, 3, 2)\nhw2_output_other_rounding = output_size(6, 3, 3, 2)\n"
                  "hw2_padding, hw2_output_other_rounding",
        },
        stride_one_formula={"q2": "def same_padding(n, f, s=1):\n    return (f - 1) // 2"},
        rounding_capitalised={"q3": 'hw2_rounding = " Ceil "'},
    )


# --- hw3: fill the LeNet table --------------------------------------------------------------------

HW3 = Homework(
    key="hw3",
    title="Homework 3: Fill the LeNet table",
    questions=(
        Question(
            "q1",
            "The network: input 32x32x3; CONV1 f=5 s=1 with 8 filters; POOL1 max f=2 s=2; CONV2 f=5 s=1 with 16 filters; "
            "POOL2 max f=2 s=2; FC3 120 units; FC4 84 units; Softmax 10 units. Each conv and FC unit has its own bias. "
            "Fill `lenet_table`: for each row `Input, CONV1, POOL1, CONV2, POOL2, FC3, FC4, Softmax`, its activation "
            "shape, activation size and number of parameters, as a dict `{row: (shape, size, params)}` or a pandas "
            "DataFrame with columns `shape`, `size`, `params`.",
            "lenet_table = ...",
        ),
        Question(
            "q2",
            "Write `conv_params(f, n_c_prev, n_filters)` and `fc_params(n_in, n_out)`, biases included.",
            "def conv_params(f, n_c_prev, n_filters):\n    ...\n\ndef fc_params(n_in, n_out):\n    ...",
        ),
    ),
)

HW3_LOOP = src("""
    layers = [
        ("CONV1", "conv", 5, 1, 8),
        ("POOL1", "pool", 2, 2, None),
        ("CONV2", "conv", 5, 1, 16),
        ("POOL2", "pool", 2, 2, None),
    ]

    lenet_table = {"Input": ((32, 32, 3), 32 * 32 * 3, 0)}
    n, c = 32, 3
    for name, kind, f, s, filters in layers:
        n = (n - f) // s + 1
        if kind == "conv":
            params = (f * f * c + 1) * filters
            c = filters
        else:
            params = 0
        lenet_table[name] = ((n, n, c), n * n * c, params)

    size = n * n * c
    for name, units in [("FC3", 120), ("FC4", 84), ("Softmax", 10)]:
        lenet_table[name] = ((units, 1), units, size * units + units)
        size = units
    lenet_table
""")

HW3_FUNCS = src("""
    def conv_params(f, n_c_prev, n_filters):
        return (f * f * n_c_prev + 1) * n_filters

    def fc_params(n_in, n_out):
        return n_in * n_out + n_out
""")


def hw3_typed(params: dict[str, object], shapes: dict[str, str] | None = None, sizes: bool = True) -> str:
    """A table typed row by row; `params` and `shapes` hold what this student wrote for each row."""
    shapes = shapes or {
        "Input": "(32, 32, 3)", "CONV1": "(28, 28, 8)", "POOL1": "(14, 14, 8)", "CONV2": "(10, 10, 16)",
        "POOL2": "(5, 5, 16)", "FC3": "(120, 1)", "FC4": "(84, 1)", "Softmax": "(10, 1)",
    }
    typed_sizes = {
        "Input": 3072, "CONV1": 6272, "POOL1": 1568, "CONV2": 1600, "POOL2": 400, "FC3": 120, "FC4": 84, "Softmax": 10,
    }
    lines = [f'    "{row}": ({shapes[row]}, {typed_sizes[row]}, {params[row]}),' for row in shapes]
    return "lenet_table = {\n" + "\n".join(lines) + "\n}"


def hw3_samples() -> dict[str, Sample]:
    correct = {"q1": HW3_LOOP, "q2": HW3_FUNCS}
    no_bias_loop = HW3_LOOP.replace("(f * f * c + 1) * filters", "f * f * c * filters").replace(
        "size * units + units", "size * units")
    one_channel = {"CONV1": "(5 * 5 + 1) * 8", "CONV2": "(5 * 5 + 1) * 16"}
    fc_correct = {"FC3": "400 * 120 + 120", "FC4": "120 * 84 + 84", "Softmax": "84 * 10 + 10"}
    zeros = {"Input": 0, "POOL1": 0, "POOL2": 0}
    return common_samples(
        HW3,
        correct,
        typo_in_names={
            "q1": HW3_LOOP.replace("lenet_table", "lenet_tabel"),
            "q2": HW3_FUNCS.replace("def conv_params", "def conv_param"),
        },
        raises_midway={"q1": src("""
            lenet_table = {}
            lenet_table["Input"] = ((32, 32, 3), 32 * 32 * 3, 0)
            lenet_table["CONV1"] = ((28, 28, 8), 28 * 28 * 8, (5 * 5 * 3 + 1) * 8)
            lenet_table["POOL1"] = ((14, 14, 8), 14 * 14 * 8, 0)
            lenet_table["CONV2"] = ((10, 10, 16), 10 * 10 * 16, (5 * 5 * 8 + 1) * 16)
            lenet_table["POOL2"] = ((5, 5, 16), 5 * 5 * 16, 0)
            lenet_table["FC3"] = ((120, 1), 120, lenet_table["Pool2"][1] * 120 + 120)
            lenet_table["FC4"] = ((84, 1), 84, 120 * 84 + 84)
            lenet_table["Softmax"] = ((10, 1), 10, 84 * 10 + 10)
        """)},
        nan_answers={"q1": hw3_typed({
            **zeros, "POOL1": "np.nan", "POOL2": "np.nan", "CONV1": "(5 * 5 * 3 + 1) * 8",
            "CONV2": "(5 * 5 * 8 + 1) * 16", **fc_correct,
        })},
        lecture_values={"q1": hw3_typed({
            **zeros, "CONV1": 208, "CONV2": 416, "FC3": 48001, "FC4": 10081, "Softmax": 841,
        })},
        dataframe_table={"q1": src("""
            import pandas as pd

            rows = ["Input", "CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax"]
            shapes = [(32, 32, 3), (28, 28, 8), (14, 14, 8), (10, 10, 16), (5, 5, 16), (120, 1), (84, 1), (10, 1)]
            params = [0, (5*5*3 + 1) * 8, 0, (5*5*8 + 1) * 16, 0, 400*120 + 120, 120*84 + 84, 84*10 + 10]
            lenet_table = pd.DataFrame(
                {"shape": shapes, "size": [int(np.prod(s)) for s in shapes], "params": params},
                index=rows,
            )
            lenet_table
        """)},
        forgot_biases={
            "q1": no_bias_loop,
            "q2": HW3_FUNCS.replace("(f * f * n_c_prev + 1) * n_filters", "f * f * n_c_prev * n_filters").replace(
                "n_in * n_out + n_out", "n_in * n_out"),
        },
        shapes_as_lists={"q1": hw3_typed(
            {**zeros, "CONV1": 608, "CONV2": 3216, "FC3": 48120, "FC4": 10164, "Softmax": 850},
            shapes={"Input": "[32, 32, 3]", "CONV1": "[28, 28, 8]", "POOL1": "[14, 14, 8]", "CONV2": "[10, 10, 16]",
                    "POOL2": "[5, 5, 16]", "FC3": "(120,)", "FC4": "(84,)", "Softmax": "(10,)"},
        )},
        one_channel_filters={
            "q1": hw3_typed({**zeros, **one_channel, **fc_correct}),
            "q2": HW3_FUNCS.replace("(f * f * n_c_prev + 1) * n_filters", "(f * f + 1) * n_filters"),
        },
        fc_single_bias={
            "q1": HW3_LOOP.replace("size * units + units", "size * units + 1"),
            "q2": HW3_FUNCS.replace("n_in * n_out + n_out", "n_in * n_out + 1"),
        },
    )


# --- hw4: count the parameters --------------------------------------------------------------------

HW4 = Homework(
    key="hw4",
    title="Homework 4: Count the parameters",
    questions=(
        Question("q1", "Parameters of one layer with 10 filters of 3x3x3, biases included: `params_10_filters_3x3x3`.",
                 "params_10_filters_3x3x3 = ..."),
        Question("q2", "Weights of a fully connected layer from a 1000x1000x3 image to 1000 hidden units: `fc_weights_hr`.",
                 "fc_weights_hr = ..."),
        Question("q3", "Weights of a fully connected layer from 32x32x3 to 28x28x6 (`fc_weights_lenet_conv1`), against "
                 "the parameters of the conv layer that does it with six 5x5x3 filters (`conv_params_lenet_conv1`).",
                 "fc_weights_lenet_conv1 = ...\nconv_params_lenet_conv1 = ..."),
        Question("q4", "Parameters of a max-pooling layer: `pool_params`.", "pool_params = ..."),
        Question("q5", "The output shape of each of the 22 rows of the lecture's VGG-16 table, as a list of tuples: "
                 "`vgg16_shapes`.", "vgg16_shapes = ..."),
    ),
)

HW4_VGG_LOOP = src("""
    vgg16_shapes = [(224, 224, 3)]
    n = 224
    for channels, n_convs in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(n_convs):
            vgg16_shapes.append((n, n, channels))   # same convolutions keep n
        n = n // 2                                   # max pool f=2 s=2
        vgg16_shapes.append((n, n, channels))
    vgg16_shapes += [(4096,), (4096,), (1000,)]
    len(vgg16_shapes)
""")


def vgg_typed(skip_halving_block: int) -> str:
    """The VGG-16 list typed row by row by a student who forgets to halve after one pool."""
    lines, n = ["vgg16_shapes = [", "    (224, 224, 3),"], 224
    for block, (channels, n_convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        if block != skip_halving_block:
            pooled = n // 2
        else:
            pooled = n
        convs = ", ".join([f"({n}, {n}, {channels})"] * n_convs)
        lines.append(f"    {convs},  # CONV {channels} x{n_convs}")
        lines.append(f"    ({pooled}, {pooled}, {channels}),  # POOL")
        n = pooled
    lines += ["    (4096,), (4096,), (1000,),", "]"]
    return "\n".join(lines)


def hw4_samples() -> dict[str, Sample]:
    correct = {
        "q1": "# each filter: 3*3*3 weights + 1 bias\nparams_10_filters_3x3x3 = (3 * 3 * 3 + 1) * 10\n"
              "params_10_filters_3x3x3",
        "q2": "fc_weights_hr = (1000 * 1000 * 3) * 1000\nfc_weights_hr",
        "q3": "fc_weights_lenet_conv1 = (32 * 32 * 3) * (28 * 28 * 6)\nconv_params_lenet_conv1 = (5 * 5 * 3 + 1) * 6\n"
              "fc_weights_lenet_conv1, conv_params_lenet_conv1",
        "q4": "pool_params = 0   # f and s are hyperparameters, nothing to learn",
        "q5": HW4_VGG_LOOP,
    }
    return common_samples(
        HW4,
        correct,
        typo_in_names={
            "q1": correct["q1"].replace("params_10_filters_3x3x3", "params_10_filters_333"),
            "q5": HW4_VGG_LOOP.replace("vgg16_shapes", "vgg_16_shapes"),
        },
        raises_midway={"q3": "fc_weights_lenet_conv1 = (32 * 32 * 3) * (28 * 28 * 6)\n"
                             "conv_params_lenet_conv1 = conv_params(5, 3, 6)"},
        nan_answers={"q4": "pool_params = np.nan   # pooling has no parameters?"},
        forgot_biases={
            "q1": "params_10_filters_3x3x3 = 3 * 3 * 3 * 10",
            "q3": "fc_weights_lenet_conv1 = (32 * 32 * 3) * (28 * 28 * 6)\nconv_params_lenet_conv1 = 5 * 5 * 3 * 6",
        },
        counts_biases_in_fc={
            "q2": "fc_weights_hr = (1000 * 1000 * 3) * 1000 + 1000   # + one bias per hidden unit",
            "q3": "fc_weights_lenet_conv1 = (32 * 32 * 3) * (28 * 28 * 6) + 28 * 28 * 6\n"
                  "conv_params_lenet_conv1 = (5 * 5 * 3 + 1) * 6",
        },
        pool_has_params={"q4": "pool_params = 2 * 2   # one weight per cell of the 2x2 window"},
        vgg_fc_as_column={"q5": HW4_VGG_LOOP.replace("[(4096,), (4096,), (1000,)]", "[(4096, 1), (4096, 1), (1000, 1)]")},
        vgg_wrong_pool={"q5": vgg_typed(skip_halving_block=3)},
        float_counts={
            "q1": "import math\n\nparams_10_filters_3x3x3 = (math.pow(3, 3) + 1) * 10",
            "q2": "fc_weights_hr = math.pow(1000, 2) * 3 * 1000",
            "q3": "fc_weights_lenet_conv1 = math.pow(32, 2) * 3 * math.pow(28, 2) * 6\n"
                  "conv_params_lenet_conv1 = (math.pow(5, 2) * 3 + 1) * 6",
        },
    )


# --- hw5: volumes, one layer and pooling ----------------------------------------------------------

HW5 = Homework(
    key="hw5",
    title="Homework 5: Volumes, one layer and pooling",
    questions=(
        Question("q1", "Write `conv_volume(x, w)`: an (n, n, c) volume convolved with one (f, f, c) filter, a 2-D "
                 "(n-f+1, n-f+1) output.", "def conv_volume(x, w):\n    ..."),
        Question("q2", "Write `conv_layer_forward(x, W, b, stride=1, padding=0)`: one layer, ReLU(W * x + b) for a bank "
                 "of filters W of shape (f, f, n_C_prev, n_C) and biases b of shape (n_C,); output (n_H, n_W, n_C).",
                 "def conv_layer_forward(x, W, b, stride=1, padding=0):\n    ..."),
        Question("q3", 'Write `pool_forward(x, f, s, mode="max")`: max or average pooling of (n_H, n_W, n_C), per channel.',
                 'def pool_forward(x, f, s, mode="max"):\n    ...'),
    ),
)

HW5_VOLUME = src("""
    def conv_volume(x, w):
        f = w.shape[0]
        n_H = x.shape[0] - f + 1
        n_W = x.shape[1] - f + 1
        out = np.zeros((n_H, n_W))
        for i in range(n_H):
            for j in range(n_W):
                out[i, j] = np.sum(x[i:i+f, j:j+f, :] * w)
        return out

    conv_volume(np.ones((4, 4, 3)), np.ones((3, 3, 3)))
""")

HW5_LAYER = src("""
    def conv_layer_forward(x, W, b, stride=1, padding=0):
        x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
        f, _, _, n_C = W.shape
        n_H = (x.shape[0] - f) // stride + 1
        n_W = (x.shape[1] - f) // stride + 1
        Z = np.zeros((n_H, n_W, n_C))
        for h in range(n_H):
            for w in range(n_W):
                window = x[h*stride:h*stride+f, w*stride:w*stride+f, :]
                for c in range(n_C):
                    Z[h, w, c] = np.sum(window * W[:, :, :, c]) + b[c]
        return np.maximum(Z, 0)   # ReLU

    conv_layer_forward(np.ones((5, 5, 3)), np.ones((3, 3, 3, 2)), np.array([0.0, -100.0]), padding=1).shape
""")

HW5_POOL = src("""
    def pool_forward(x, f, s, mode="max"):
        n_H = (x.shape[0] - f) // s + 1
        n_W = (x.shape[1] - f) // s + 1
        n_C = x.shape[2]
        out = np.zeros((n_H, n_W, n_C))
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = x[h*s:h*s+f, w*s:w*s+f, c]
                    if mode == "max":
                        out[h, w, c] = np.max(window)
                    else:
                        out[h, w, c] = np.mean(window)
        return out

    pool_forward(np.arange(32.0).reshape(4, 4, 2), 2, 2, mode="average")
""")


def hw5_samples() -> dict[str, Sample]:
    correct = {"q1": HW5_VOLUME, "q2": HW5_LAYER, "q3": HW5_POOL}
    return common_samples(
        HW5,
        correct,
        typo_in_names={
            "q1": HW5_VOLUME.replace("conv_volume", "conv_vol"),
            "q2": HW5_LAYER.replace("conv_layer_forward", "conv_layer_foward"),
        },
        raises_midway={"q2": HW5_LAYER.replace("return np.maximum(Z, 0)   # ReLU", "return relu(Z)")},
        nan_answers={"q3": HW5_POOL.replace("np.zeros((n_H, n_W, n_C))", "np.full((n_H, n_W, n_C), np.nan)").replace(
            "                else:\n", '                elif mode == "avg":\n')},
        forgot_relu={"q2": HW5_LAYER.replace("return np.maximum(Z, 0)   # ReLU", "return Z")},
        forgot_bias={"q2": HW5_LAYER.replace(" + b[c]", "")},
        flipped_kernel={
            "q1": HW5_VOLUME.replace("* w)", "* w[::-1, ::-1, :])"),
            "q2": HW5_LAYER.replace("W[:, :, :, c]", "W[::-1, ::-1, :, c]"),
        },
        pool_mode_ignored={"q3": src("""
            def pool_forward(x, f, s, mode="max"):
                n_H = (x.shape[0] - f) // s + 1
                n_W = (x.shape[1] - f) // s + 1
                out = np.zeros((n_H, n_W, x.shape[2]))
                for h in range(n_H):
                    for w in range(n_W):
                        out[h, w, :] = np.max(x[h*s:h*s+f, w*s:w*s+f, :], axis=(0, 1))
                return out
        """)},
        average_pool_over_channels={"q3": HW5_POOL.replace(
            "out[h, w, c] = np.mean(window)", "out[h, w, c] = np.mean(x[h*s:h*s+f, w*s:w*s+f, :])")},
        pads_channels_too={"q2": HW5_LAYER.replace(
            "np.pad(x, ((padding, padding), (padding, padding), (0, 0)))", "np.pad(x, padding)")},
    )


CLASSES = ((HW1, hw1_samples), (HW2, hw2_samples), (HW3, hw3_samples), (HW4, hw4_samples), (HW5, hw5_samples))


def main() -> None:
    for hw, samples in CLASSES:
        written = write_class(hw, samples())
        print(f"{hw.key}: {len(written)} notebooks in {(HERE / hw.key).relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
